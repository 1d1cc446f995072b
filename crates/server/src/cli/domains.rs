//! `edugraph tenant domain add|list`: a tenant's verified domains from the command line
//! (the operator API's `/_edugraph/tenants/{id}/domains` does the same over HTTP). The
//! rules and the audit entry are `admin::domains`'.

use clap::{Args, Subcommand};
use serde_json::Value;

use super::admin::{now, open, print_json, ListArgs};
use super::StoreArgs;
use crate::admin::{domains, tenants};
use crate::audit::CLI_ACTOR;

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Verify one more domain for a tenant (principal names and sync profiles may use it).
    Add(DomainAddArgs),
    /// List a tenant's verified domains, the primary one first.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct DomainAddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The domain (school.edu)
    pub domain: String,
    /// Tenant id or domain (default: the store's only tenant)
    #[arg(long)]
    pub tenant: Option<String>,
    /// Print {"tenantId","domain","isPrimary"}
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cmd: DomainCommand) -> anyhow::Result<()> {
    match cmd {
        DomainCommand::Add(a) => {
            let store = open(&a.store, false).await?;
            let (tenant, domain, added) = domains::add(
                store.as_ref(),
                a.tenant.as_deref(),
                &a.domain,
                CLI_ACTOR,
                now(),
            )
            .await?;
            if a.json {
                print_json(&domains::to_json(&tenant, &domain));
            } else if added {
                println!("{domain} is now a verified domain of tenant {}", tenant.id);
            } else {
                println!(
                    "{domain} was already a verified domain of tenant {}",
                    tenant.id
                );
            }
        }
        DomainCommand::List(a) => {
            let store = open(&a.store, false).await?;
            let tenant = tenants::resolve(store.as_ref(), a.tenant.as_deref()).await?;
            let list = domains::list(store.as_ref(), &tenant).await?;
            if a.json {
                let rows = list.iter().map(|d| domains::to_json(&tenant, d));
                print_json(&Value::Array(rows.collect()));
            } else {
                for d in &list {
                    let primary = if tenant.domain.eq_ignore_ascii_case(d) {
                        "  (primary)"
                    } else {
                        ""
                    };
                    println!("{d}{primary}");
                }
            }
        }
    }
    Ok(())
}
