//! Starting the server: open the store, load the signing keys, seed the demo tenant in
//! `--dev`, start the job runner, bind, and serve (plain HTTP, or HTTPS with rustls when a
//! certificate and key are configured) until SIGINT/SIGTERM. `run` takes an already bound
//! listener and a shutdown future, so tests start the real server on port 0 and stop it at
//! will.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::wire::{WireAcceptor, WireListener};
use crate::AppState;
use axum::serve::ListenerExt;

/// `edugraph serve`: everything up to the shutdown signal.
pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    // Read the certificate before binding, so a bad path fails fast with its name.
    let tls = tls_config(&config).await?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    // With port 0 the kernel picks; links and the token issuer need the real address.
    config.listen = listener.local_addr()?.to_string();
    // Held until this function returns: one server per SQLite data folder.
    let data_dir_lock = crate::startup::lock_data_dir(&config)?;
    let state = crate::startup::build_state(config).await?;
    let summary = match state.config().dev {
        true => {
            let config = state.config();
            Some(
                crate::startup::seed_demo_bounded(
                    state.store(),
                    state.hashing(),
                    config.seed,
                    config.demo_size,
                    false,
                )
                .await?,
            )
        }
        false => {
            if let Some(hint) = crate::startup::empty_store_hint(&state).await? {
                // Standard error, unbuffered: the first thing an operator reads.
                eprintln!("{hint}");
            }
            None
        }
    };
    // Every tenant's token issuer is recorded before the first request (`auth::issuers`).
    let own = state.config().issuer_base();
    for (tenant, base) in crate::auth::issuers::record_all(&state).await? {
        let issuer = crate::auth::issuer(&base, &tenant);
        if base == own {
            tracing::info!(tenant.id = %tenant, %issuer, "tenant issuer");
        } else {
            // Tokens stay valid, but MSAL rejects an authority whose discovery issuer has
            // another scheme or host than the authority URL.
            tracing::warn!(tenant.id = %tenant, %issuer, serving = %own, "tenant issuer recorded for another address; set --public-url to move it");
        }
    }
    if let Some(summary) = summary {
        let consent_client = crate::startup::register_consent_client(
            state.store(),
            &summary.tenant,
            &state.config().issuer_base(),
            state.clock().now(),
        )
        .await?;
        let banner = crate::banner::dev_banner(&state, &summary, &consent_client).await?;
        if state.config().uses_data_dir() {
            crate::banner::write_tokens_file(&state.config().data_dir, &banner.exports)?;
        }
        println!("{}", banner.text);
    }
    // Pick up key rotations made by `edugraph keys rotate` while this server runs.
    tokio::spawn(state.keys().clone().reload_periodically(state.store_arc()));
    // The job runner stops polling when the shutdown signal arrives and is waited for
    // after the drain.
    let runner = crate::jobs::Runner::new(
        state.clone(),
        crate::jobs::kinds(),
        crate::jobs::Settings::default(),
    );
    if data_dir_lock.is_some() {
        // This process holds the folder's lock, so no other runner is alive: a job still
        // `running` belongs to a server that was killed, and is taken again now rather
        // than when its lease passes (a sync resumes within seconds of a restart).
        let now = state.clock().now();
        let kinds: Vec<&str> = crate::jobs::kinds().iter().map(|k| k.name).collect();
        let released = state.store().release_leases(&kinds, now).await?;
        if released > 0 {
            tracing::info!(jobs = released, "jobs of a stopped server taken up again");
        }
    }
    runner.schedule_periodic().await?;
    let jobs = runner.spawn();
    let stop_jobs = jobs.stopper();
    tracing::info!(listen = %state.config().listen, dev = state.config().dev, tls = tls.is_some(), "edugraph listening");
    // Draining waits for in-flight requests; a client that never finishes must not keep
    // the process alive forever, so the drain gets a deadline.
    let (signalled, drain_started) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown_signal().await;
        stop_jobs.stop();
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
    jobs.stop(SHUTDOWN_GRACE).await;
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
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
        SocketAddr,
    >(crate::http::app(state));
    // `Wire` turns hyper's bare parse-error answers into Graph envelopes. The no-op tap
    // only gives the wrapped listener axum's `ConnectInfo<SocketAddr>` support.
    let listener = WireListener(listener).tap_io(|_| {});
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
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
        SocketAddr,
    >(crate::http::app(state));
    let acceptor = WireAcceptor(axum_server::tls_rustls::RustlsAcceptor::new(tls));
    axum_server::from_tcp(listener)
        .acceptor(acceptor)
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
