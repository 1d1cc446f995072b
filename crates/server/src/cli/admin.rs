//! `edugraph tenant`, `edugraph app` and `edugraph keys`: identity administration from the
//! command line, against the store `serve` uses. Results go to standard output — with
//! `--json` one JSON document and nothing else — and errors to standard error with a
//! non-zero exit (see `main.rs`). Every change is audited (actor `cli`) by `crate::admin`.

use anyhow::bail;
use clap::{Args, Subcommand};
use edugraph_edu::{Clock, SystemClock};
use edugraph_store::Store;
use serde_json::{json, Value};
use std::sync::Arc;

use super::StoreArgs;
use crate::admin::{apps, keys, tenants};
use crate::audit::CLI_ACTOR;
use crate::config::{Config, Layer};

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with a verified domain and print its id.
    Create(TenantCreateArgs),
    /// List the tenants with their ids and domains.
    List(ListArgs),
    /// Add or list a tenant's verified domains.
    #[command(subcommand)]
    Domain(super::domains::DomainCommand),
}

#[derive(Debug, Args)]
pub struct TenantCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Display name of the organization
    #[arg(long)]
    pub name: String,
    /// Verified domain of its users (school.edu)
    #[arg(long)]
    pub domain: String,
    /// External base URL, recorded at once as the tenant's token issuer [env: EDUGRAPH_PUBLIC_URL]
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Print {"tenantId","displayName","domain"}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only this tenant (id or domain)
    #[arg(long)]
    pub tenant: Option<String>,
    /// Print a JSON array
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Register an app and print its client id and first secret (shown once).
    Create(AppCreateArgs),
    /// List the registered apps (secrets only by id and hint).
    List(ListArgs),
    /// Add or revoke client secrets.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Record a tenant administrator's consent to the app's application permissions.
    Consent(ConsentArgs),
}

#[derive(Debug, Args)]
pub struct AppCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Display name of the app
    #[arg(long)]
    pub name: String,
    /// Application permissions it requests, comma-separated (EduRoster.Read.All,...)
    #[arg(long, value_delimiter = ',')]
    pub permissions: Vec<String>,
    /// Delegated permissions it may request for users, comma-separated (EduRoster.ReadBasic,...)
    #[arg(long, value_delimiter = ',')]
    pub delegated_permissions: Vec<String>,
    /// A redirect URI for the sign-in and consent flows (repeatable)
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// Tenant to register it in, id or domain (default: the store's only tenant)
    #[arg(long)]
    pub tenant: Option<String>,
    /// Days until the secret expires (default: never)
    #[arg(long, value_name = "DAYS")]
    pub secret_days: Option<u32>,
    /// Register a public client (a native or single-page app): no secret, PKCE required,
    /// delegated permissions only
    #[arg(long)]
    pub public_client: bool,
    /// Print {"tenantId","clientId","secretId","clientSecret"} (a public client: {"tenantId","clientId","publicClient"})
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Add a secret and print it (shown once); revoke the old one when clients switched.
    Add(SecretAddArgs),
    /// Revoke a secret: it stops working at once.
    Revoke(SecretRevokeArgs),
}

#[derive(Debug, Args)]
pub struct SecretAddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    pub client_id: String,
    /// Days until the secret expires (default: never)
    #[arg(long, value_name = "DAYS")]
    pub secret_days: Option<u32>,
    /// Print {"clientId","secretId","clientSecret"}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SecretRevokeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    pub client_id: String,
    pub secret_id: String,
    /// Print {"clientId","secretId","revoked":true}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConsentArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    pub client_id: String,
    /// Tenant that consents, id or domain (default: the app's own tenant)
    #[arg(long)]
    pub tenant: Option<String>,
    /// Print {"tenantId","clientId","permissions"}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Start signing with a new key; the old one keeps verifying until its tokens expire.
    Rotate(KeysRotateArgs),
}

#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print {"kid","retired"}
    #[arg(long)]
    pub json: bool,
}

/// Opens the store of `args`. Only `tenant create` may create a new database: everything
/// else needs one that exists, so a mistyped data folder is an error, not an empty store.
pub(super) async fn open(args: &StoreArgs, create: bool) -> anyhow::Result<Arc<dyn Store>> {
    open_config(&args.resolve(&env)?, create).await
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

async fn open_config(config: &Config, create: bool) -> anyhow::Result<Arc<dyn Store>> {
    if !create && config.uses_data_dir() && !config.database_file().exists() {
        bail!(
            "no database at {}: create a tenant first (`edugraph tenant create`) or start `edugraph serve --dev` once with the same data folder",
            config.database_file().display()
        );
    }
    crate::startup::open_store(config).await
}

pub(super) fn now() -> time::OffsetDateTime {
    SystemClock.now()
}

/// One JSON document on its own line.
pub(super) fn print_json(value: &Value) {
    println!("{value}");
}

pub async fn tenant(cmd: TenantCommand) -> anyhow::Result<()> {
    match cmd {
        TenantCommand::Create(a) => {
            let layer = Layer {
                public_url: a.public_url.clone(),
                ..a.store.layer()
            };
            let config = a.store.resolve_with(&env, layer)?;
            let store = open_config(&config, true).await?;
            let t = tenants::create(store.as_ref(), &a.name, &a.domain, CLI_ACTOR, now()).await?;
            // Created with a public URL configured, the tenant records it as its token
            // issuer at once; otherwise the first `serve` or `token` records one.
            if config.public_url.is_some() {
                crate::auth::issuers::record(store.as_ref(), &config, &t.id).await?;
            }
            if a.json {
                print_json(&tenants::to_json(&t));
            } else {
                println!("{}", t.id);
            }
        }
        TenantCommand::List(a) => {
            let store = open(&a.store, false).await?;
            let list = match &a.tenant {
                Some(name) => vec![tenants::resolve(store.as_ref(), Some(name)).await?],
                None => store.tenants().await?,
            };
            if a.json {
                print_json(&Value::Array(list.iter().map(tenants::to_json).collect()));
            } else {
                for t in &list {
                    println!("{}  {}  {}", t.id, t.domain, t.display_name);
                }
            }
        }
        TenantCommand::Domain(cmd) => super::domains::run(cmd).await?,
    }
    Ok(())
}

pub async fn app(cmd: AppCommand) -> anyhow::Result<()> {
    match cmd {
        AppCommand::Create(a) => {
            let store = open(&a.store, false).await?;
            let req = apps::NewApp {
                tenant: a.tenant.clone(),
                display_name: a.name.clone(),
                app_permissions: a.permissions.clone(),
                delegated_permissions: a.delegated_permissions.clone(),
                redirect_uris: a.redirect_uris.clone(),
                secret_days: a.secret_days,
                public_client: a.public_client,
            };
            let (app, secret) = apps::create(store.as_ref(), &req, CLI_ACTOR, now()).await?;
            match (a.json, secret) {
                (true, Some(secret)) => print_json(
                    &json!({"tenantId": app.home_tenant, "clientId": app.client_id, "secretId": secret.record.secret_id, "clientSecret": secret.secret}),
                ),
                (true, None) => print_json(
                    &json!({"tenantId": app.home_tenant, "clientId": app.client_id, "publicClient": true}),
                ),
                (false, Some(secret)) => {
                    println!("tenant id:     {}", app.home_tenant);
                    println!("client id:     {}", app.client_id);
                    println!("client secret: {}", secret.secret);
                    println!("secret id:     {}", secret.record.secret_id);
                    println!("The secret is shown only this once. Until a tenant administrator consents (`edugraph app consent {}` or the adminconsent page), the app's tokens carry no roles.", app.client_id);
                }
                (false, None) => {
                    println!("tenant id:     {}", app.home_tenant);
                    println!("client id:     {}", app.client_id);
                    println!("A public client: it has no secret and must use PKCE on the code flow. Its users consent on the sign-in page; for the password grant a tenant administrator consents first (`edugraph app consent {}`).", app.client_id);
                }
            }
        }
        AppCommand::List(a) => {
            let store = open(&a.store, false).await?;
            let tenant = match &a.tenant {
                Some(name) => Some(tenants::resolve(store.as_ref(), Some(name)).await?.id),
                None => None,
            };
            let list = apps::list_json(store.as_ref(), tenant.as_deref()).await?;
            if a.json {
                print_json(&Value::Array(list));
            } else {
                for app in &list {
                    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
                    let names = |v: &Value| {
                        v.as_array()
                            .map(|a| a.iter().map(text).collect::<Vec<_>>().join(","))
                            .unwrap_or_default()
                    };
                    let live = app["secrets"].as_array().map_or(0, |s| {
                        s.iter().filter(|s| s["revokedDateTime"].is_null()).count()
                    });
                    let client = if app["publicClient"] == true {
                        "public"
                    } else {
                        "confidential"
                    };
                    println!(
                        "{}  {}  {}  client={client}  permissions={}  delegated={}  consented={}  secrets={live}",
                        text(&app["clientId"]),
                        text(&app["tenantId"]),
                        text(&app["displayName"]),
                        names(&app["permissions"]),
                        names(&app["delegatedPermissions"]),
                        app["consented"]
                    );
                }
            }
        }
        AppCommand::Secret(SecretCommand::Add(a)) => {
            let store = open(&a.store, false).await?;
            let (app, secret) = apps::add_secret(
                store.as_ref(),
                &a.client_id,
                a.secret_days,
                CLI_ACTOR,
                now(),
            )
            .await?;
            if a.json {
                print_json(
                    &json!({"clientId": app.client_id, "secretId": secret.record.secret_id, "clientSecret": secret.secret}),
                );
            } else {
                println!("client secret: {}", secret.secret);
                println!("secret id:     {}", secret.record.secret_id);
                println!("The secret is shown only this once.");
            }
        }
        AppCommand::Secret(SecretCommand::Revoke(a)) => {
            let store = open(&a.store, false).await?;
            let app =
                apps::revoke_secret(store.as_ref(), &a.client_id, &a.secret_id, CLI_ACTOR, now())
                    .await?;
            if a.json {
                print_json(
                    &json!({"clientId": app.client_id, "secretId": a.secret_id.trim(), "revoked": true}),
                );
            } else {
                println!(
                    "revoked secret {} of app {}",
                    a.secret_id.trim(),
                    app.client_id
                );
            }
        }
        AppCommand::Consent(a) => {
            let store = open(&a.store, false).await?;
            let grant = apps::consent(
                store.as_ref(),
                &a.client_id,
                a.tenant.as_deref(),
                CLI_ACTOR,
                now(),
            )
            .await?;
            if a.json {
                print_json(
                    &json!({"tenantId": grant.tenant, "clientId": grant.client_id, "permissions": grant.permissions}),
                );
            } else {
                println!(
                    "tenant {} consented to app {}: {}",
                    grant.tenant,
                    grant.client_id,
                    if grant.permissions.is_empty() {
                        "no application permissions".to_string()
                    } else {
                        grant.permissions.join(", ")
                    }
                );
            }
        }
    }
    Ok(())
}

pub async fn keys(cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::Rotate(a) => {
            let store = open(&a.store, false).await?;
            let rotated = keys::rotate(store.as_ref(), CLI_ACTOR, now()).await?;
            if a.json {
                print_json(&json!({"kid": rotated.kid, "retired": rotated.retired}));
            } else {
                println!("{}", rotated.kid);
                if !rotated.retired.is_empty() {
                    eprintln!(
                        "retired {} (still verifying tokens for {} hours); running servers switch within {} seconds",
                        rotated.retired.join(", "),
                        crate::auth::RETIRED_KEY_GRACE.whole_hours(),
                        crate::auth::RELOAD_INTERVAL.as_secs()
                    );
                }
            }
        }
    }
    Ok(())
}
