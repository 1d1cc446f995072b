//! Opening what a process works on, shared by `serve`, the CLI and the operator API:
//! the configured store (migrated), the application state (store, keys, clock), and the
//! deterministic demo tenant of `--dev`.

use std::sync::Arc;

use anyhow::Context;
use edugraph_edu::demo::{DemoPlan, DemoSize};
use edugraph_edu::SystemClock;
use edugraph_odata::{ApiVersion, Schema};
use edugraph_store::Store;

use crate::auth::password::Hashing;
use crate::auth::Keys;
use crate::config::Config;
use crate::AppState;

/// Opens the configured store (creating the data folder for the embedded SQLite file)
/// and runs its migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if config.uses_data_dir() {
        create_data_dir(&config.data_dir)?;
    }
    let url = config.store_url();
    edugraph_store::open(&url)
        .await
        .with_context(|| format!("cannot open the store at {}", crate::config::mask_url(&url)))
}

/// `serve`'s hold on its SQLite data folder: an exclusive lock on `edugraph.lock` inside
/// it, released when the process ends (even when it is killed). A second server on the
/// same folder would keep its own cache of entity documents and answer from it, so the
/// two would disagree; it is refused at start instead. `import` takes the same lock, for
/// the same reason: it writes entities. The other CLI commands do not: they write only
/// identity data, which the server reads from the store.
#[derive(Debug)]
pub struct DataDirLock {
    _file: std::fs::File,
}

/// Takes [`DataDirLock`] when the store is the embedded SQLite file of `data_dir`.
pub fn lock_data_dir(config: &Config) -> anyhow::Result<Option<DataDirLock>> {
    lock_data_dir_or(config, |dir| {
        format!(
            "the data folder {} is in use by another edugraph server; stop that server, or give this one its own --data-dir (CLI commands may share the folder while it runs)",
            dir.display()
        )
    })
}

/// [`lock_data_dir`] with the refusal `busy` words for a folder another process holds.
pub fn lock_data_dir_or(
    config: &Config,
    busy: impl FnOnce(&std::path::Path) -> String,
) -> anyhow::Result<Option<DataDirLock>> {
    if !config.uses_data_dir() {
        return Ok(None);
    }
    let dir = &config.data_dir;
    create_data_dir(dir)?;
    let path = dir.join("edugraph.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(DataDirLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!("{}", busy(dir)),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

fn create_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data folder {}", dir.display()))
}

/// Store, keys and clock for a configuration.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    // The catalog of served sets must agree with the schema of both versions before
    // anything is served from it (edugraph_edu::sets::check).
    for version in [ApiVersion::V1, ApiVersion::Beta] {
        edugraph_edu::sets::check::against(Schema::get(version))
            .map_err(|e| anyhow::anyhow!("the {} schema: {e}", version.as_str()))?;
    }
    let store = open_store(&config).await?;
    let clock = Arc::new(SystemClock);
    let keys = Keys::load_or_create_with(store.as_ref(), clock.as_ref()).await?;
    Ok(AppState::new(config, store, clock, keys))
}

/// What to do next when `serve` (without `--dev`) starts on a store that holds no tenant:
/// nobody could sign in or hold a token, so the operator is told how to create one.
pub async fn empty_store_hint(state: &AppState) -> anyhow::Result<Option<String>> {
    if !state.store().tenants().await?.is_empty() {
        return Ok(None);
    }
    let config = state.config();
    if config.in_memory {
        // The CLI cannot reach a store that lives inside this process.
        return Ok(Some(
            "edugraph: the in-memory store starts with no tenant, so nobody can sign in, and \
             only this process sees it: create one with POST /_edugraph/tenants (set \
             operator_token; see docs/operator-api.md), serve a data folder the CLI can \
             reach (edugraph tenant create ... --data-dir DIR), or try the demo school: \
             edugraph serve --dev --in-memory."
                .into(),
        ));
    }
    let data = if config.uses_data_dir() {
        format!(" --data-dir {}", config.data_dir.display())
    } else {
        String::new()
    };
    Ok(Some(format!(
        "edugraph: the store holds no tenant yet, so nobody can sign in. Next:\n  \
         edugraph tenant create --name \"My School\" --domain school.example.edu{data}\n  \
         edugraph app create --name \"My app\" --permissions EduRoster.ReadWrite.All --json{data}\n  \
         edugraph app consent CLIENT_ID{data}\n\
         then create users with POST /v1.0/education/users (a passwordProfile gives them a password). \
         Or try the demo school: edugraph serve --dev."
    )))
}

/// Registers (once per server origin) the demo app whose admin-consent link the dev banner
/// prints, and returns its client id. Its redirect URI is this server's
/// `/common/oauth2/nativeclient` page, so the printed link completes in a browser; the
/// client id is derived from the origin, because a registered redirect URI names a port
/// and the same data folder may be served on another one later.
pub async fn register_consent_client(
    store: &dyn Store,
    tenant: &str,
    origin: &str,
    now: time::OffsetDateTime,
) -> anyhow::Result<String> {
    let client_id = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("edugraph-dev-consent:{origin}").as_bytes(),
    )
    .to_string();
    if store.app(&client_id).await?.is_some() {
        return Ok(client_id);
    }
    let app = edugraph_store::AppRecord {
        client_id: client_id.clone(),
        home_tenant: tenant.to_string(),
        display_name: "edugraph demo app (admin consent)".into(),
        redirect_uris: vec![format!("{origin}{}", crate::authority::native::PATH)],
        app_permissions: vec!["EduRoster.Read.All".into()],
        delegated_permissions: vec!["EduRoster.ReadBasic".into()],
        created_at: crate::audit::timestamp(now),
        public_client: false,
    };
    match store.put_app(&app).await {
        // Another process registered it at the same moment: the same app.
        Ok(()) | Err(edugraph_store::StoreError::Conflict(_)) => Ok(client_id),
        Err(e) => Err(e).context("cannot register the demo app"),
    }
}

/// The domain of the Graph documentation's School Data Sync example
/// (`userDomains: [{"appliesTo": "student", "name": "testschool.edu"}]`).
pub const EXAMPLE_SYNC_DOMAIN: &str = "testschool.edu";

/// Verifies [`EXAMPLE_SYNC_DOMAIN`] for the demo tenant, so the documentation's profile
/// body works as written on a fresh `serve --dev`. A store where another tenant verified
/// it keeps it there: the demo tenant then simply lacks it.
async fn verify_example_domain(store: &dyn Store, tenant: &str) -> anyhow::Result<()> {
    let at = crate::audit::timestamp(time::OffsetDateTime::now_utc());
    match store
        .add_tenant_domain(tenant, EXAMPLE_SYNC_DOMAIN, &at)
        .await
    {
        Ok(_) => Ok(()),
        Err(edugraph_store::StoreError::Conflict(_)) => {
            tracing::warn!(
                domain = EXAMPLE_SYNC_DOMAIN,
                "another tenant verified the example domain; the demo tenant does without it"
            );
            Ok(())
        }
        Err(e) => Err(e).context("cannot verify the demo tenant's example domain"),
    }
}

/// What seeding did.
#[derive(Debug, Clone)]
pub struct SeedSummary {
    pub plan: DemoPlan,
    pub tenant: String,
    /// False when the tenant already held data and was left alone.
    pub seeded: bool,
    pub entities: usize,
    pub links: usize,
}

/// Seeds the demo tenant for `seed`/`size` when it is empty, or always when `reset`
/// (clearing it first). The tenant is loaded one self-contained batch at a time, so even
/// the district never sits in memory whole. Only the personas get passwords: Argon2 is
/// slow by design, and tens of thousands of hashes would take minutes.
pub async fn seed_demo(
    store: &dyn Store,
    seed: u64,
    size: DemoSize,
    reset: bool,
) -> anyhow::Result<SeedSummary> {
    // Outside a server (tests, tools) this process has no other Argon2 work to share with.
    seed_demo_bounded(store, &Hashing::new(1, 0), seed, size, reset).await
}

/// [`seed_demo`] with the personas' passwords hashed under a server's own bound.
pub async fn seed_demo_bounded(
    store: &dyn Store,
    hashing: &Hashing,
    seed: u64,
    size: DemoSize,
    reset: bool,
) -> anyhow::Result<SeedSummary> {
    let plan = DemoPlan::new(seed, size);
    let tenant = plan.tenant.id.clone();
    store
        .put_tenant(&plan.tenant)
        .await
        .context("cannot store the demo tenant")?;
    verify_example_domain(store, &tenant).await?;
    if reset {
        store
            .clear_tenant(&tenant)
            .await
            .context("cannot clear the demo tenant")?;
    } else if !store.tenant_is_empty(&tenant).await? {
        tracing::info!(tenant.id = %tenant, "demo tenant already holds data; not seeding");
        return Ok(SeedSummary {
            plan,
            tenant,
            seeded: false,
            entities: 0,
            links: 0,
        });
    }
    let (mut entities, mut links) = (0, 0);
    // One streamed load: a school in memory at a time, one transaction for the tenant.
    let mut batches = plan.batches().map(|batch| {
        entities += batch.entities.len();
        links += batch.links.len();
        let docs = batch.entities.into_iter();
        (
            docs.map(|(kind, doc)| (kind, doc.into())).collect(),
            batch.links,
        )
    });
    store
        .bulk_load_batches(&tenant, &mut batches)
        .await
        .context("cannot load the demo tenant")?;
    drop(batches);
    for (user_id, plain) in &plan.passwords {
        let hash = hashing
            .hash_waiting(plain)
            .await
            .map_err(|e| anyhow::anyhow!("cannot hash a demo password: {e:?}"))?;
        store.set_password_hash(&tenant, user_id, &hash).await?;
    }
    tracing::info!(tenant.id = %tenant, entities, links, size = %size, seed, "demo tenant seeded");
    Ok(SeedSummary {
        plan,
        tenant,
        seeded: true,
        entities,
        links,
    })
}
