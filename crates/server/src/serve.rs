//! Starting the server: open the store, load the signing keys, seed the demo tenant in
//! `--dev`, bind, and serve (plain HTTP, or HTTPS with rustls when a certificate and key
//! are configured) until SIGINT/SIGTERM. `run` takes an already bound listener
//! and a shutdown future, so tests start the real server on port 0 and stop it at will.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use edugraph_edu::demo::{DemoPlan, DemoSize};
use edugraph_edu::SystemClock;
use edugraph_store::Store;
use tokio::net::TcpListener;

use crate::auth::password::Hashing;
use crate::auth::Keys;
use crate::config::Config;
use crate::AppState;

/// Opens the configured store (creating the data folder for the embedded SQLite file)
/// and runs its migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if config.uses_data_dir() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    }
    let url = config.store_url();
    edugraph_store::open(&url)
        .await
        .with_context(|| format!("cannot open the store at {}", crate::config::mask_url(&url)))
}

/// Store, keys and clock for a configuration.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    let store = open_store(&config).await?;
    let clock = Arc::new(SystemClock);
    let keys = Keys::load_or_create_with(store.as_ref(), clock.as_ref()).await?;
    Ok(AppState::new(config, store, clock, keys))
}

/// `edugraph serve`: everything up to the shutdown signal.
pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    // Read the certificate before binding, so a bad path fails fast with its name.
    let tls = tls_config(&config).await?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    // With port 0 the kernel picks; links and the token issuer need the real address.
    config.listen = listener.local_addr()?.to_string();
    let state = build_state(config).await?;
    if state.config().dev {
        let config = state.config();
        let summary = seed_demo_bounded(
            state.store(),
            state.hashing(),
            config.seed,
            config.demo_size,
            false,
        )
        .await?;
        let banner = crate::cli::dev_banner(&state, &summary).await?;
        println!("{banner}");
    }
    // Pick up key rotations made by `edugraph keys rotate` while this server runs.
    tokio::spawn(state.keys().clone().reload_periodically(state.store_arc()));
    tracing::info!(listen = %state.config().listen, dev = state.config().dev, tls = tls.is_some(), "edugraph listening");
    // Draining waits for in-flight requests; a client that never finishes must not keep
    // the process alive forever, so the drain gets a deadline.
    let (signalled, drain_started) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown_signal().await;
        let _ = signalled.send(());
    };
    let deadline = async move {
        if drain_started.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = async move {
            match tls {
                Some(tls) => run_tls(listener, state, tls, shutdown).await,
                None => run(listener, state, shutdown).await,
            }
        } => result?,
        () = deadline => tracing::warn!(grace_secs = SHUTDOWN_GRACE.as_secs(), "requests still running at the shutdown deadline; exiting"),
    }
    tracing::info!("edugraph stopped");
    Ok(())
}

/// How long in-flight requests may take to finish after SIGINT/SIGTERM.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves `app(state)` on `listener` until `shutdown` completes, then lets in-flight
/// requests finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address feeds the sign-in throttle and the audit log.
    let app = crate::http::app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// The rustls configuration of `tls_cert`/`tls_key`, when both are set.
pub async fn tls_config(
    config: &Config,
) -> anyhow::Result<Option<axum_server::tls_rustls::RustlsConfig>> {
    let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) else {
        return Ok(None);
    };
    let cert_pem = std::fs::read(cert)
        .with_context(|| format!("cannot read TLS certificate {}", cert.display()))?;
    let key_pem =
        std::fs::read(key).with_context(|| format!("cannot read TLS key {}", key.display()))?;
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(cert_pem, key_pem)
        .await
        .with_context(|| {
            format!(
                "invalid TLS certificate {} or key {} (PEM certificate chain and PKCS#8, PKCS#1 or SEC1 private key expected)",
                cert.display(),
                key.display()
            )
        })?;
    Ok(Some(tls))
}

/// As [`run`], over HTTPS.
pub async fn run_tls(
    listener: TcpListener,
    state: AppState,
    tls: axum_server::tls_rustls::RustlsConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.into_std()?;
    listener.set_nonblocking(true)?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(None);
    });
    let app = crate::http::app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum_server::from_tcp_rustls(listener, tls)
        .handle(handle)
        .serve(app)
        .await
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        _ = terminate => tracing::info!("SIGTERM received, shutting down"),
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
        (batch.entities, batch.links)
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
