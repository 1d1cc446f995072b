//! Typed configuration in four layers, later ones winning: built-in defaults, an optional
//! TOML file (`--config` / `EDUGRAPH_CONFIG`), `EDUGRAPH_*` environment variables, and
//! command-line flags. Every layer is the same partial [`Layer`] so precedence is one
//! `apply` per layer. The environment is passed in as a lookup function rather than read
//! here, so tests can layer configurations without touching the process environment.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use edugraph_edu::demo::DemoSize;
use serde::{Deserialize, Serialize};

/// The effective configuration of one `edugraph` process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// Socket address `serve` listens on.
    pub listen: String,
    /// Folder of the embedded SQLite database (`<data_dir>/edugraph.db`).
    pub data_dir: PathBuf,
    /// `postgres://...` (or an explicit `sqlite:` URL); overrides `data_dir`.
    pub database_url: Option<String>,
    /// Throwaway in-memory SQLite; wins over `database_url` and `data_dir`.
    pub in_memory: bool,
    /// Development mode: demo tenant, token endpoint, reset.
    pub dev: bool,
    /// Seed of the generated demo tenant.
    pub seed: u64,
    #[serde(serialize_with = "serialize_demo_size")]
    pub demo_size: DemoSize,
    /// External base URL (`https://graph.example.edu`): every absolute link the server
    /// writes starts with it (never with a request header), and tenants created or served
    /// with it record it as their token issuer. Set it in production.
    pub public_url: Option<String>,
    /// Peers (IP addresses or CIDR blocks) whose `Forwarded` / `X-Forwarded-*` headers are
    /// believed; `None` means loopback in `--dev` and nobody otherwise.
    pub trusted_proxies: Option<Vec<String>>,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Lifetime of minted access tokens (at most a day, as in Entra, so a retired signing
    /// key outlives every token it signed; see `auth::RETIRED_KEY_GRACE`).
    pub token_lifetime_secs: u64,
    /// Bearer credential of the operator API outside `--dev` (a secret: masked by
    /// `edugraph config`; set it in the file or EDUGRAPH_OPERATOR_TOKEN, never as a flag).
    pub operator_token: Option<String>,
    /// PEM certificate chain and private key: `serve` speaks HTTPS when both are set.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Users (ids or user principal names) who may give admin consent for their tenant.
    pub tenant_admins: Vec<String>,
    /// Failed sign-ins tolerated per account, and per client address, within
    /// `login_window_secs` before further sign-ins are refused (per process).
    pub login_failures_per_account: u32,
    pub login_failures_per_address: u32,
    pub login_window_secs: u64,
    /// Argon2 password hashes and verifications run at once (0: one per CPU core), and
    /// how many more may wait; past both, sign-ins and password writes answer 503.
    pub hash_concurrency: usize,
    pub hash_queue: usize,
    /// Identity providers whose tokens are accepted besides ours.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_issuers: Vec<ExternalIssuer>,
}

/// A trusted external token issuer (a school's own Entra ID tenant, Keycloak, ...): its
/// RS256 tokens are verified against its JWKS and mapped onto one of our tenants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalIssuer {
    /// Exact `iss` of its tokens.
    pub issuer: String,
    /// Where its signing keys are published (fetched and cached).
    pub jwks_url: String,
    /// Our tenant (id or domain) its users and apps act in.
    pub tenant: String,
    /// Accepted `aud` of its tokens.
    pub audience: String,
    /// Claim naming the user (`oid`, `sub`, `preferred_username`, `upn`, ...).
    #[serde(default = "default_user_claim")]
    pub user_claim: String,
    /// How that claim finds the educationUser: `id`, `externalId` or `userPrincipalName`.
    #[serde(default = "default_user_lookup")]
    pub user_lookup: String,
}

fn default_user_claim() -> String {
    "oid".into()
}
fn default_user_lookup() -> String {
    "id".into()
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            in_memory: false,
            dev: false,
            seed: 1,
            demo_size: DemoSize::Small,
            public_url: None,
            trusted_proxies: None,
            body_limit: 4 * 1024 * 1024,
            token_lifetime_secs: 3600,
            operator_token: None,
            tls_cert: None,
            tls_key: None,
            tenant_admins: Vec::new(),
            login_failures_per_account: 10,
            login_failures_per_address: 100,
            login_window_secs: 300,
            hash_concurrency: 0,
            hash_queue: 16,
            external_issuers: Vec::new(),
        }
    }
}

fn serialize_demo_size<S: serde::Serializer>(size: &DemoSize, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(size.as_str())
}

/// One partial layer of configuration: the TOML file, the environment or the flags.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub in_memory: Option<bool>,
    pub dev: Option<bool>,
    pub seed: Option<u64>,
    pub demo_size: Option<String>,
    pub public_url: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub body_limit: Option<usize>,
    pub token_lifetime_secs: Option<u64>,
    pub operator_token: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tenant_admins: Option<Vec<String>>,
    pub login_failures_per_account: Option<u32>,
    pub login_failures_per_address: Option<u32>,
    pub login_window_secs: Option<u64>,
    pub hash_concurrency: Option<usize>,
    pub hash_queue: Option<usize>,
    pub external_issuers: Option<Vec<ExternalIssuer>>,
}

/// Longest access-token lifetime (Entra's own ceiling).
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 86_400;
/// Shortest accepted operator token: it guards tenant creation and the audit log.
pub const MIN_OPERATOR_TOKEN_CHARS: usize = 24;

/// Environment variable of the config file path.
pub const CONFIG_ENV: &str = "EDUGRAPH_CONFIG";

impl Layer {
    /// Reads the `EDUGRAPH_*` variables through `env`.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Layer> {
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        Ok(Layer {
            listen: get("EDUGRAPH_LISTEN"),
            data_dir: get("EDUGRAPH_DATA_DIR").map(PathBuf::from),
            database_url: get("EDUGRAPH_DATABASE_URL"),
            in_memory: get("EDUGRAPH_IN_MEMORY")
                .map(|v| parse_bool("EDUGRAPH_IN_MEMORY", &v))
                .transpose()?,
            dev: get("EDUGRAPH_DEV")
                .map(|v| parse_bool("EDUGRAPH_DEV", &v))
                .transpose()?,
            seed: get("EDUGRAPH_SEED")
                .map(|v| parse_num("EDUGRAPH_SEED", &v))
                .transpose()?,
            demo_size: get("EDUGRAPH_DEMO_SIZE"),
            public_url: get("EDUGRAPH_PUBLIC_URL"),
            trusted_proxies: get("EDUGRAPH_TRUSTED_PROXIES").map(|v| split_list(&v)),
            body_limit: get("EDUGRAPH_BODY_LIMIT")
                .map(|v| parse_num("EDUGRAPH_BODY_LIMIT", &v))
                .transpose()?,
            token_lifetime_secs: get("EDUGRAPH_TOKEN_LIFETIME_SECS")
                .map(|v| parse_num("EDUGRAPH_TOKEN_LIFETIME_SECS", &v))
                .transpose()?,
            operator_token: get("EDUGRAPH_OPERATOR_TOKEN"),
            tls_cert: get("EDUGRAPH_TLS_CERT").map(PathBuf::from),
            tls_key: get("EDUGRAPH_TLS_KEY").map(PathBuf::from),
            tenant_admins: get("EDUGRAPH_TENANT_ADMINS").map(|v| split_list(&v)),
            login_failures_per_account: get("EDUGRAPH_LOGIN_FAILURES_PER_ACCOUNT")
                .map(|v| parse_num("EDUGRAPH_LOGIN_FAILURES_PER_ACCOUNT", &v))
                .transpose()?,
            login_failures_per_address: get("EDUGRAPH_LOGIN_FAILURES_PER_ADDRESS")
                .map(|v| parse_num("EDUGRAPH_LOGIN_FAILURES_PER_ADDRESS", &v))
                .transpose()?,
            login_window_secs: get("EDUGRAPH_LOGIN_WINDOW_SECS")
                .map(|v| parse_num("EDUGRAPH_LOGIN_WINDOW_SECS", &v))
                .transpose()?,
            hash_concurrency: get("EDUGRAPH_HASH_CONCURRENCY")
                .map(|v| parse_num("EDUGRAPH_HASH_CONCURRENCY", &v))
                .transpose()?,
            hash_queue: get("EDUGRAPH_HASH_QUEUE")
                .map(|v| parse_num("EDUGRAPH_HASH_QUEUE", &v))
                .transpose()?,
            external_issuers: None,
        })
    }

    /// Parses a TOML configuration file; unknown keys are an error so typos surface.
    pub fn from_toml(text: &str) -> anyhow::Result<Layer> {
        Ok(toml::from_str(text)?)
    }

    pub fn from_file(path: &Path) -> anyhow::Result<Layer> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Self::from_toml(&text).with_context(|| format!("invalid config file {}", path.display()))
    }
}

/// A comma-separated list, entries trimmed, empty ones dropped.
fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_bool(name: &str, value: &str) -> anyhow::Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!("{name}={value:?} is not a boolean (use true or false)"),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, value: &str) -> anyhow::Result<T> {
    value
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{name}={value:?} is not a non-negative integer"))
}

impl Config {
    /// Resolves the effective configuration: defaults, then the TOML file named by
    /// `config_file` (or `EDUGRAPH_CONFIG`), then the environment, then `flags`.
    pub fn resolve(
        config_file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        flags: &Layer,
    ) -> anyhow::Result<Config> {
        let mut config = Config::default();
        let env_file = env(CONFIG_ENV).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(path) = config_file.map(Path::to_path_buf).or(env_file) {
            config.apply(Layer::from_file(&path)?)?;
        }
        config.apply(Layer::from_env(env)?)?;
        config.apply(flags.clone())?;
        config.validate()?;
        Ok(config)
    }

    /// Overlays every value the layer sets.
    pub fn apply(&mut self, layer: Layer) -> anyhow::Result<()> {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = layer.$field { self.$field = v; } )* };
        }
        set!(
            listen,
            data_dir,
            in_memory,
            dev,
            seed,
            body_limit,
            token_lifetime_secs,
            tenant_admins,
            login_failures_per_account,
            login_failures_per_address,
            login_window_secs,
            hash_concurrency,
            hash_queue,
            external_issuers
        );
        if let Some(token) = layer.operator_token {
            self.operator_token = Some(token);
        }
        if let Some(path) = layer.tls_cert {
            self.tls_cert = Some(path);
        }
        if let Some(path) = layer.tls_key {
            self.tls_key = Some(path);
        }
        if let Some(url) = layer.database_url {
            self.database_url = Some(url);
        }
        if let Some(url) = layer.public_url {
            self.public_url = Some(url);
        }
        if let Some(proxies) = layer.trusted_proxies {
            self.trusted_proxies = Some(proxies);
        }
        if let Some(size) = layer.demo_size {
            self.demo_size = size.parse().map_err(|_| {
                anyhow::anyhow!("demo_size {size:?} is not one of: small, district")
            })?;
        }
        Ok(())
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "listen address {:?} is not an ADDR:PORT socket address (e.g. 127.0.0.1:8080)",
                self.listen
            );
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://"))
                || url::Url::parse(url).is_err()
            {
                bail!("public_url {url:?} must be an absolute http:// or https:// URL");
            }
        }
        for entry in self.trusted_proxies.iter().flatten() {
            if parse_net(entry).is_none() {
                bail!("trusted_proxies entry {entry:?} is not an IP address or CIDR block (e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8)");
            }
        }
        if let Some(url) = &self.database_url {
            if !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
            {
                bail!(
                    "database_url must start with postgres://, postgresql:// or sqlite: (got {})",
                    mask_url(url)
                );
            }
        }
        if self.body_limit == 0 {
            bail!("body_limit must be at least 1 byte");
        }
        if self.token_lifetime_secs == 0 || self.token_lifetime_secs > MAX_TOKEN_LIFETIME_SECS {
            bail!("token_lifetime_secs must be between 1 and {MAX_TOKEN_LIFETIME_SECS} (one day)");
        }
        if let Some(token) = &self.operator_token {
            if token.chars().count() < MIN_OPERATOR_TOKEN_CHARS
                || token.chars().any(char::is_whitespace)
            {
                bail!("operator_token must be at least {MIN_OPERATOR_TOKEN_CHARS} characters without spaces (e.g. the output of `openssl rand -hex 32`)");
            }
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            bail!("tls_cert and tls_key must be given together (a PEM certificate chain and its private key)");
        }
        if self.login_failures_per_account == 0
            || self.login_failures_per_address == 0
            || self.login_window_secs == 0
        {
            bail!("login_failures_per_account, login_failures_per_address and login_window_secs must be at least 1");
        }
        for ext in &self.external_issuers {
            let url_ok = |u: &str| {
                (u.starts_with("https://") || u.starts_with("http://"))
                    && url::Url::parse(u).is_ok()
            };
            if !url_ok(&ext.issuer) || !url_ok(&ext.jwks_url) {
                bail!(
                    "external issuer {:?}: issuer and jwks_url must be absolute http(s) URLs",
                    ext.issuer
                );
            }
            if !matches!(
                ext.user_lookup.as_str(),
                "id" | "externalId" | "userPrincipalName"
            ) {
                bail!(
                    "external issuer {:?}: user_lookup must be id, externalId or userPrincipalName",
                    ext.issuer
                );
            }
            if ext.tenant.is_empty() || ext.audience.is_empty() || ext.user_claim.is_empty() {
                bail!(
                    "external issuer {:?}: tenant, audience and user_claim must not be empty",
                    ext.issuer
                );
            }
        }
        Ok(())
    }

    /// The URL handed to `edugraph_store::open`. `in_memory` wins over a database URL,
    /// which wins over the data folder.
    pub fn store_url(&self) -> String {
        if self.in_memory {
            "sqlite::memory:".into()
        } else if let Some(url) = &self.database_url {
            url.clone()
        } else {
            // The store creates the file (and its folder) on first start.
            format!("sqlite://{}", self.database_file().display())
        }
    }

    /// The SQLite file under the data folder, when that is where the data lives.
    pub fn database_file(&self) -> PathBuf {
        self.data_dir.join("edugraph.db")
    }

    /// True when the store is the SQLite file under `data_dir` (the folder must exist).
    pub fn uses_data_dir(&self) -> bool {
        !self.in_memory && self.database_url.is_none()
    }

    /// The peers whose forwarded headers are believed: `trusted_proxies` when set, else
    /// loopback in `--dev` (where SDK rewrite tooling on the same machine sets them), else
    /// none.
    pub fn trusted_proxy_nets(&self) -> Vec<ipnet::IpNet> {
        match &self.trusted_proxies {
            Some(list) => list.iter().filter_map(|e| parse_net(e)).collect(),
            None if self.dev => ["127.0.0.0/8", "::1/128"]
                .iter()
                .filter_map(|e| parse_net(e))
                .collect(),
            None => Vec::new(),
        }
    }

    /// This process's own origin: the public URL if configured, else the listen address
    /// (`https` with TLS). It names our resource in scopes and decides `Secure` cookies,
    /// and it is what this process records as a tenant's issuer base when none is
    /// recorded yet; a tenant's actual issuer is the recorded one (`auth::issuers`).
    pub fn issuer_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None if self.tls_cert.is_some() => format!("https://{}", self.listen),
            None => format!("http://{}", self.listen),
        }
    }

    /// The configuration as TOML, with the password of any database URL replaced by `****`
    /// and the operator token by `****`. Keys without a value are listed too, commented out
    /// with an example, so every key's name can be discovered from the output.
    pub fn to_masked_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = shown.database_url.as_deref().map(mask_url);
        shown.public_url = shown.public_url.as_deref().map(mask_url);
        if shown.operator_token.is_some() {
            shown.operator_token = Some("****".into());
        }
        // Tables come after every plain key in TOML, so the issuers are rendered last.
        let issuers = std::mem::take(&mut shown.external_issuers);
        let mut out = toml::to_string(&shown)
            .unwrap_or_else(|e| format!("# cannot render configuration: {e}\n"));
        let set = |key: &str| out.lines().any(|l| l.split(" = ").next() == Some(key));
        let unset: Vec<_> = UNSET_EXAMPLES.iter().filter(|(k, _)| !set(k)).collect();
        if !unset.is_empty() {
            out.push_str("\n# Not set (key = example):\n");
            for (key, example) in unset {
                out.push_str(&format!("# {key} = {example}\n"));
            }
        }
        if issuers.is_empty() {
            out.push_str(UNSET_EXTERNAL_ISSUER);
        } else {
            #[derive(Serialize)]
            struct Issuers<'a> {
                external_issuers: &'a [ExternalIssuer],
            }
            let table = Issuers {
                external_issuers: &issuers,
            };
            out.push('\n');
            out.push_str(&toml::to_string(&table).unwrap_or_default());
        }
        out
    }
}

/// The keys that may have no value, each with an example value (TOML).
const UNSET_EXAMPLES: &[(&str, &str)] = &[
    ("database_url", "\"postgres://user:password@host/db\""),
    ("public_url", "\"https://graph.example.edu\""),
    ("trusted_proxies", "[\"10.0.0.0/8\"]"),
    ("operator_token", "\"a long random secret\""),
    ("tls_cert", "\"server.pem\""),
    ("tls_key", "\"server-key.pem\""),
];

/// `external_issuers` when none is configured: one commented example table.
const UNSET_EXTERNAL_ISSUER: &str = "\n# No external issuers; each is a table:
# [[external_issuers]]
# issuer = \"https://login.example.edu/realms/school\"
# jwks_url = \"https://login.example.edu/realms/school/protocol/openid-connect/certs\"
# tenant = \"school.edu\"
# audience = \"https://graph.microsoft.com\"
# user_claim = \"oid\"
# user_lookup = \"id\"
";

/// An IP address (a one-address block) or a CIDR block.
fn parse_net(entry: &str) -> Option<ipnet::IpNet> {
    let entry = entry.trim();
    entry.parse::<ipnet::IpNet>().ok().or_else(|| {
        entry
            .parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

/// Replaces the password of `scheme://user:password@host/...` by `****`; other URLs are
/// returned unchanged.
pub fn mask_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // The last `@` ends the user info: a password may itself contain `@`.
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_string();
    };
    format!(
        "{}://{}:****{}",
        &url[..scheme_end],
        &userinfo[..colon],
        &rest[at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of the configuration appears in `edugraph config`, set or commented.
    #[test]
    fn config_output_names_every_key() {
        let all = serde_json::to_value(Config::default()).unwrap();
        let text = Config::default().to_masked_toml();
        let shown: Vec<&str> = text
            .lines()
            .map(|l| l.trim_start_matches("# ").trim_start_matches("[["))
            .filter_map(|l| l.split([' ', ']']).next())
            .collect();
        for key in all.as_object().unwrap().keys() {
            assert!(shown.contains(&key.as_str()), "{key} missing from:\n{text}");
        }
        // The rendering is still valid TOML that reads back as the same configuration.
        let back = Layer::from_toml(&text).unwrap();
        let mut config = Config::default();
        config.apply(back).unwrap();
        assert_eq!(config, Config::default());
        // A set value is not also listed as unset.
        let set = Config {
            tls_cert: Some("c.pem".into()),
            ..Config::default()
        }
        .to_masked_toml();
        assert!(set.contains("tls_cert = \"c.pem\""), "{set}");
        assert!(!set.contains("# tls_cert"), "{set}");
    }

    #[test]
    fn masks_only_the_password() {
        assert_eq!(
            mask_url("postgres://edu:s3cr@t@db:5432/edu?sslmode=require"),
            "postgres://edu:****@db:5432/edu?sslmode=require"
        );
        assert_eq!(mask_url("postgres://edu@db/edu"), "postgres://edu@db/edu");
        assert_eq!(mask_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(
            mask_url("postgres://db/edu?x=a:b@c"),
            "postgres://db/edu?x=a:b@c"
        );
    }

    #[test]
    fn bad_booleans_and_numbers_are_named() {
        let env = |k: &str| (k == "EDUGRAPH_DEV").then(|| "maybe".to_string());
        let err = Layer::from_env(&env).unwrap_err().to_string();
        assert!(err.contains("EDUGRAPH_DEV"), "{err}");
        let env = |k: &str| (k == "EDUGRAPH_SEED").then(|| "-3".to_string());
        assert!(Layer::from_env(&env)
            .unwrap_err()
            .to_string()
            .contains("EDUGRAPH_SEED"));
    }
}
