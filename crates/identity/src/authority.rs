//! The identity surface: an OAuth2 / OpenID Connect authority shaped like Entra ID's v2.0
//! endpoints, so apps written for Microsoft Graph get their tokens from edugraph the way
//! they get them from Entra.
//!
//! Routes (`{tenant}` is a tenant id or verified domain; `common`/`organizations` where
//! the user's account names the tenant):
//! - `POST /{tenant}/oauth2/v2.0/token` — `client_credentials`, `password`,
//!   `authorization_code` (PKCE), `refresh_token` (`token.rs`, `redeem.rs`);
//! - `GET|POST /{tenant}/oauth2/v2.0/authorize` — the sign-in page (`authorize.rs`);
//! - `GET|POST /{tenant}/adminconsent` — admin consent (`consent.rs`);
//! - `GET /{tenant}/v2.0/.well-known/openid-configuration`, `GET /{tenant}/discovery/v2.0/keys`
//!   and MSAL's `GET /common/userrealm/{user}` (`discovery.rs`);
//! - `GET /common/oauth2/nativeclient` — where flows of clients without a page end
//!   (`native.rs`).
//!
//! Per-process state (the sign-in throttle, used flow tickets) lives in [`Runtime`], handed
//! to the handlers as an extension of this router.

pub mod authorize;
pub mod client;
pub mod consent;
pub mod discovery;
pub mod error;
pub mod events;
pub mod flow;
pub mod mint;
pub mod native;
pub mod pages;
pub mod ratelimit;
pub mod redeem;
pub mod scopes;
pub mod signin;
pub mod tenant;
pub mod ticket;
pub mod token;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Extension, Router};

use crate::AppState;
use edugraph_platform::config::Config;

/// In-memory state of the identity endpoints, one per router (so per process).
#[derive(Debug)]
pub struct Runtime {
    pub limiter: ratelimit::Limiter,
    pub tickets: ticket::Ledger,
    /// `(tenant id, user id)` of the demo administrator under `--dev`.
    pub demo_admin: Option<(String, String)>,
}

impl Runtime {
    pub fn new(config: &Config) -> Runtime {
        let limits = ratelimit::Limits {
            per_account: config.login_failures_per_account,
            per_address: config.login_failures_per_address,
            window_secs: i64::try_from(config.login_window_secs).unwrap_or(i64::MAX / 4),
        };
        let demo_admin = config.dev.then(|| {
            let plan = edugraph_edu::demo::DemoPlan::new(config.seed, config.demo_size);
            (plan.tenant.id, plan.admin_id)
        });
        Runtime {
            limiter: ratelimit::Limiter::new(limits),
            tickets: ticket::Ledger::default(),
            demo_admin,
        }
    }
}

/// The identity routes.
pub fn routes(config: &Config) -> Router<AppState> {
    let runtime = Arc::new(Runtime::new(config));
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token::token))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route(
            "/{tenant}/adminconsent",
            get(consent::consent_get).post(consent::consent_post),
        )
        .route("/common/userrealm/{username}", get(discovery::user_realm))
        .route(native::PATH, get(native::native_client))
        .layer(Extension(runtime))
}
