//! `edugraph sync passwords PROFILE --out FILE`: initial passwords for the accounts a
//! School Data Sync profile created, written once.
//!
//! A synced account has no password: it signs in through a trusted external issuer. An
//! operator who wants passwords instead asks for them here. The command picks the users
//! the sync created (`createdBy` the sync, `externalSource` `sis`) in one of the
//! profile's `userDomains` that have no password yet, gives each a random one, writes
//! `userPrincipalName,password` to FILE (created new, owner-only, never overwritten),
//! makes it durable, and only then stores the hashes: a password is never set that the
//! file does not hold. A second run finds those users with passwords and skips them, so
//! each password is written exactly once. Hashes are identity data, outside the entity
//! documents a running server caches, so the command may run beside a server.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use edugraph_edu::sync::{profiles, SYNC_APP_ID};
use edugraph_store::{EntityKind, ListQuery, Scope, Store};
use serde_json::{json, Value};

use super::StoreArgs;
use crate::auth::password::{initial_password, Hashing};

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Write initial passwords for the accounts a sync profile created (once; without, they sign in through a trusted external issuer)
    Passwords(PasswordsArgs),
}

#[derive(Debug, Args)]
pub struct PasswordsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Id of the synchronization profile
    #[arg(value_name = "PROFILE")]
    pub profile: String,
    /// CSV file to create (userPrincipalName,password); an existing file is never overwritten
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Tenant id or domain (default: the store's only tenant)
    #[arg(long)]
    pub tenant: Option<String>,
}

pub async fn sync(cmd: SyncCommand) -> anyhow::Result<()> {
    match cmd {
        SyncCommand::Passwords(args) => passwords(&args).await,
    }
}

async fn passwords(args: &PasswordsArgs) -> anyhow::Result<()> {
    if args.out.exists() {
        bail!(
            "{} exists; the passwords it holds were written once and are not written again (choose another file)",
            args.out.display()
        );
    }
    let store = super::admin::open(&args.store, false).await?;
    let tenant = crate::admin::tenants::resolve(store.as_ref(), args.tenant.as_deref())
        .await?
        .id;
    let profile = profiles::profile_doc(store.as_ref(), &tenant, &args.profile)
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "tenant {tenant} has no synchronization profile {}",
                args.profile
            )
        })?;
    let domains = user_domains(&profile)?;
    let (users, had) = accounts(store.as_ref(), &tenant, &domains).await?;
    // Generated and hashed before anything is written: a failure leaves no trace.
    let hashing = Hashing::new(
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        0,
    );
    let mut issued = Vec::with_capacity(users.len());
    for (id, upn) in users {
        let password = initial_password();
        let hash = hashing
            .hash_waiting(&password)
            .await
            .map_err(|e| anyhow::anyhow!("cannot hash a password: {e:?}"))?;
        issued.push((id, upn, password, hash));
    }
    write_file(
        &args.out,
        issued
            .iter()
            .map(|(_, upn, pw, _)| (upn.as_str(), pw.as_str())),
    )?;
    for (id, _, _, hash) in &issued {
        store.set_password_hash(&tenant, id, hash).await?;
    }
    let now = time::OffsetDateTime::now_utc();
    crate::audit::record(
        store.as_ref(),
        crate::audit::entry(
            Some(&tenant),
            crate::audit::CLI_ACTOR,
            "syncPasswordsIssued",
            Some(&args.profile),
            json!({"users": issued.len()}),
            now,
        ),
    )
    .await;
    eprintln!(
        "wrote {} initial passwords to {}; {had} synced accounts of the profile already had one",
        issued.len(),
        args.out.display()
    );
    Ok(())
}

/// The profile's `userDomains`, lower-cased; a matching profile creates no accounts.
fn user_domains(profile: &Value) -> anyhow::Result<HashSet<String>> {
    let identity = &profile["identitySynchronizationConfiguration"];
    let domains: HashSet<String> = identity["userDomains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["name"].as_str())
        .map(str::to_ascii_lowercase)
        .collect();
    if domains.is_empty() {
        bail!("the profile matches existing accounts (identity matching) and creates none: there are no passwords to issue");
    }
    Ok(domains)
}

/// The accounts the sync created in `domains` without a password, as (id, principal
/// name), and how many such accounts already have one.
async fn accounts(
    store: &dyn Store,
    tenant: &str,
    domains: &HashSet<String>,
) -> anyhow::Result<(Vec<(String, String)>, usize)> {
    let (mut out, mut had, mut skip) = (Vec::new(), 0, 0);
    loop {
        let query = ListQuery {
            kind: EntityKind::User,
            scope: Scope::All,
            filter: None,
            orderby: &[],
            skip,
            limit: 1_000,
            count: false,
        };
        let page = store.list(tenant, &query).await?;
        skip += page.items.len() as u64;
        for doc in &page.items {
            let v: Value = serde_json::from_str(&doc.json)?;
            let synced =
                v["externalSource"] == "sis" && v["createdBy"]["application"]["id"] == SYNC_APP_ID;
            let upn = v["userPrincipalName"].as_str().unwrap_or_default();
            let domain = upn.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
            if !synced || !domain.is_some_and(|d| domains.contains(&d)) {
                continue;
            }
            if store.password_hash(tenant, &doc.id).await?.is_some() {
                had += 1;
            } else {
                out.push((doc.id.clone(), upn.to_string()));
            }
        }
        if !page.more {
            return Ok((out, had));
        }
    }
}

/// Creates `path` (owner-only, failing if it exists), writes the rows and syncs them to
/// disk.
fn write_file<'a>(
    path: &Path,
    rows: impl Iterator<Item = (&'a str, &'a str)>,
) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "userPrincipalName,password")?;
    for (upn, password) in rows {
        // Neither contains a comma, a quote or a line break (names are checked, the
        // password alphabet has none).
        writeln!(out, "{upn},{password}")?;
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
