//! The command line: `edugraph serve`, `edugraph config` and `edugraph token`, the
//! identity administration of `cli/admin.rs` (`tenant`, `app`, `keys`), and the roster
//! import of `cli/import.rs` (`import`, `demo --csv`). Every command
//! resolves the configuration the same way (see `config.rs`), so `token` signs with the
//! key and issuer that `serve` verifies against.

mod admin;
mod domains;
mod import;
mod sync;

pub use import::{DemoArgs, ImportArgs, ERRORS_FILE};

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{ArgGroup, Args, Parser, Subcommand};

use crate::auth::{issue, IssueRequest, IssueSubject, Keys};
use crate::config::{Config, Layer};
use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "edugraph",
    version,
    about = "A Microsoft Graph education API server with its own token authority."
)]
pub struct Cli {
    /// Log output format (logs go to standard error; filter with EDUGRAPH_LOG).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "EDUGRAPH_LOG_FORMAT",
        // `[env: EDUGRAPH_LOG_FORMAT]`, like every other flag's help, never a dangling
        // `=` (or the shell's value) after it.
        hide_env_values = true,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve(ConfigArgs),
    /// Print the effective configuration as TOML, secrets masked.
    Config(ConfigArgs),
    /// Mint an access token against the store `serve` uses and print only the token.
    Token(TokenArgs),
    /// Create and list tenants.
    #[command(subcommand)]
    Tenant(admin::TenantCommand),
    /// Register apps, manage their secrets, record admin consent.
    #[command(subcommand)]
    App(admin::AppCommand),
    /// Rotate the token-signing key.
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// Import a folder of roster CSV files (SDS, OneRoster) into a tenant; stop the server first.
    Import(ImportArgs),
    /// Write a synthetic district as roster CSV files.
    Demo(DemoArgs),
    /// School Data Sync profiles: initial passwords for the accounts a profile created.
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    /// Print the version, as `--version` does.
    Version,
}

impl Command {
    /// Default log level: the server reports its requests; one-shot commands stay quiet.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Command::Serve(_) => "info",
            Command::Config(_)
            | Command::Token(_)
            | Command::Tenant(_)
            | Command::App(_)
            | Command::Keys(_)
            | Command::Import(_)
            | Command::Demo(_)
            | Command::Sync(_)
            | Command::Version => "warn",
        }
    }
}

/// Where the data lives: the flags every command that opens the store takes, and the
/// only ones the identity administration commands take (`--help` of each subcommand lists
/// what that command uses, nothing more).
#[derive(Debug, Clone, Default, Args)]
pub struct StoreArgs {
    /// TOML configuration file [env: EDUGRAPH_CONFIG]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder of the embedded SQLite database [env: EDUGRAPH_DATA_DIR] [default: ./data]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user:password@host/db) [env: EDUGRAPH_DATABASE_URL]
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Throwaway in-memory SQLite store [env: EDUGRAPH_IN_MEMORY]
    #[arg(long)]
    pub in_memory: bool,
}

impl StoreArgs {
    pub fn layer(&self) -> Layer {
        Layer {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            in_memory: self.in_memory.then_some(true),
            ..Layer::default()
        }
    }

    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        self.resolve_with(env, self.layer())
    }

    /// Resolves with `flags`, a layer that includes this one's.
    pub(crate) fn resolve_with(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        flags: Layer,
    ) -> anyhow::Result<Config> {
        Config::resolve(self.config.as_deref(), env, &flags)
    }
}

/// What decides a tenant's token issuer and the links a process writes: its own origin
/// (listen address, `https` with a certificate) or the public URL. `serve`, `config` and
/// `token` take them.
#[derive(Debug, Clone, Default, Args)]
pub struct OriginArgs {
    /// Listen address [env: EDUGRAPH_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// External base URL for links and the token issuer; set it in production [env: EDUGRAPH_PUBLIC_URL]
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key) [env: EDUGRAPH_TLS_CERT]
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert [env: EDUGRAPH_TLS_KEY]
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl OriginArgs {
    /// `base` with this group's flags set on it.
    fn over(&self, base: Layer) -> Layer {
        Layer {
            listen: self.listen.clone(),
            public_url: self.public_url.clone(),
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            ..base
        }
    }
}

/// Every flag of the configuration: `serve` and `config`.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub origin: OriginArgs,
    /// Development mode: seed the demo tenant, print tokens, enable /_edugraph/tokens and reset [env: EDUGRAPH_DEV]
    #[arg(long)]
    pub dev: bool,
    /// Seed of the demo tenant [env: EDUGRAPH_SEED] [default: 1]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Size of the demo tenant: small or district [env: EDUGRAPH_DEMO_SIZE] [default: small]
    #[arg(long, value_name = "SIZE")]
    pub demo_size: Option<String>,
    /// Proxies whose X-Forwarded-*/Forwarded headers are believed, comma-separated IPs or CIDRs [env: EDUGRAPH_TRUSTED_PROXIES] [default: loopback in --dev, none otherwise]
    #[arg(long, value_name = "CIDR,...", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// Largest request body in bytes [env: EDUGRAPH_BODY_LIMIT] [default: 4194304]
    #[arg(long, value_name = "BYTES")]
    pub body_limit: Option<usize>,
    #[command(flatten)]
    pub lifetime: LifetimeArgs,
}

/// The lifetime of minted tokens: `serve`, `config` and `token`.
#[derive(Debug, Clone, Default, Args)]
pub struct LifetimeArgs {
    /// Lifetime of minted tokens in seconds [env: EDUGRAPH_TOKEN_LIFETIME_SECS] [default: 3600]
    #[arg(long, value_name = "SECS")]
    pub token_lifetime_secs: Option<u64>,
}

impl ConfigArgs {
    pub fn layer(&self) -> Layer {
        Layer {
            dev: self.dev.then_some(true),
            seed: self.seed,
            demo_size: self.demo_size.clone(),
            trusted_proxies: (!self.trusted_proxies.is_empty())
                .then(|| self.trusted_proxies.clone()),
            body_limit: self.body_limit,
            token_lifetime_secs: self.lifetime.token_lifetime_secs,
            ..self.origin.over(self.store.layer())
        }
    }

    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        self.store.resolve_with(env, self.layer())
    }
}

#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("subject").required(true).args(["app", "user"])))]
pub struct TokenArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub origin: OriginArgs,
    #[command(flatten)]
    pub lifetime: LifetimeArgs,
    /// An app-only token with application permissions (--roles)
    #[arg(long)]
    pub app: bool,
    /// Application permissions, comma-separated (EduRoster.ReadWrite.All,...)
    #[arg(long, value_delimiter = ',', requires = "app")]
    pub roles: Vec<String>,
    /// Client id of the app (default: the built-in development client)
    #[arg(long, requires = "app")]
    pub app_id: Option<String>,
    /// A delegated token for this educationUser (userPrincipalName or id)
    #[arg(long, value_name = "UPN_OR_ID")]
    pub user: Option<String>,
    /// Delegated permissions, space- or comma-separated ("EduRoster.ReadBasic EduAssignments.ReadWrite")
    #[arg(long, requires = "user")]
    pub scopes: Option<String>,
    /// Tenant id or domain (default: the store's only tenant)
    #[arg(long)]
    pub tenant: Option<String>,
}

impl TokenArgs {
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let layer = Layer {
            token_lifetime_secs: self.lifetime.token_lifetime_secs,
            ..self.origin.over(self.store.layer())
        };
        self.store.resolve_with(env, layer)
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    match cli.command {
        Command::Serve(args) => crate::serve::serve(args.resolve(&env)?).await,
        Command::Config(args) => {
            print!("{}", args.resolve(&env)?.to_masked_toml());
            Ok(())
        }
        Command::Tenant(cmd) => admin::tenant(cmd).await,
        Command::App(cmd) => admin::app(cmd).await,
        Command::Keys(cmd) => admin::keys(cmd).await,
        Command::Import(args) => import::import(&args).await,
        Command::Demo(args) => import::demo(&args),
        Command::Sync(cmd) => sync::sync(cmd).await,
        Command::Version => {
            // The same line clap prints for `--version`.
            println!("edugraph {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Token(args) => {
            let config = args.resolve(&env)?;
            println!("{}", token(&args, config).await?);
            Ok(())
        }
    }
}

/// `edugraph token`: opens the same store as `serve`, loads (or creates) the signing key
/// and mints the token.
pub async fn token(args: &TokenArgs, config: Config) -> anyhow::Result<String> {
    if config.uses_data_dir() && !config.database_file().exists() {
        bail!(
            "no database at {}: start `edugraph serve --dev` once (with the same data folder) to create and seed it",
            config.database_file().display()
        );
    }
    let subject = if args.app {
        IssueSubject::App {
            app_id: args.app_id.clone(),
            roles: args.roles.clone(),
        }
    } else {
        let user = args.user.clone().context("--user or --app is required")?;
        let scopes = args
            .scopes
            .as_deref()
            .unwrap_or("")
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        IssueSubject::User { user, scopes }
    };
    let store = crate::startup::open_store(&config).await?;
    let keys = Keys::load_or_create(store.as_ref()).await?;
    let now = edugraph_edu::Clock::now(&edugraph_edu::SystemClock);
    let req = IssueRequest {
        tenant: args.tenant.clone(),
        subject,
    };
    let issued = issue(store.as_ref(), &keys, &config, &req, now).await?;
    Ok(issued.access_token)
}
