//! Operator endpoints under `/_edugraph/`, kept apart from the Graph paths:
//! - `GET health`: liveness plus a store round trip (503 when the store fails);
//! - `GET version`: a static JSON document (also the benchmarks' baseline route);
//! - `POST reset` and `POST tokens`: development conveniences, answered only with `--dev`.
//!   Outside `--dev` they are 404: nobody resets data or mints tokens over HTTP, not even
//!   with the operator credential;
//! - `audit`, `tenants` and `apps` (`admin.rs`) and a tenant's verified `domains`
//!   (`domains.rs`): identity administration, open under
//!   `--dev` and behind the operator credential otherwise (`guard.rs`);
//! - `jobs` (`jobs.rs`): the job table, behind the same credential.

mod admin;
mod domains;
mod guard;
mod jobs;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{issue, IssueRequest, IssueSubject};
use crate::error::{ApiError, ApiResult};
use crate::AppState;

const VERSION_JSON: &str = concat!(
    r#"{"name":"edugraph","version":""#,
    env!("CARGO_PKG_VERSION"),
    r#""}"#
);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_edugraph/health", get(health))
        .route("/_edugraph/version", get(version))
        .route("/_edugraph/reset", post(reset))
        .route("/_edugraph/tokens", post(tokens))
        .route("/_edugraph/audit", get(admin::audit))
        .route("/_edugraph/jobs", get(jobs::list))
        .route(
            "/_edugraph/tenants",
            get(admin::list_tenants).post(admin::create_tenant),
        )
        .route(
            "/_edugraph/tenants/{tenant}/domains",
            get(domains::list).post(domains::add),
        )
        .route(
            "/_edugraph/apps",
            get(admin::list_apps).post(admin::create_app),
        )
}

async fn health(State(state): State<AppState>) -> Response {
    match state.store().health().await {
        Ok(()) => json_response(StatusCode::OK, json!({"status": "ok", "store": "ok"})),
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unavailable");
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "unavailable", "store": "unavailable"}),
            )
        }
    }
}

/// Static bytes, no allocation beyond the response itself.
async fn version() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        VERSION_JSON,
    )
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

fn require_dev(state: &AppState, what: &str) -> ApiResult<()> {
    if state.config().dev {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "{what} is only available when the server runs with --dev; use `edugraph token` on the server's machine instead."
        )))
    }
}

/// Clears the demo tenant and seeds it again from the configured seed and size.
async fn reset(State(state): State<AppState>) -> ApiResult<Response> {
    require_dev(&state, "POST /_edugraph/reset")?;
    let config = state.config();
    let summary = crate::startup::seed_demo_bounded(
        state.store(),
        state.hashing(),
        config.seed,
        config.demo_size,
        true,
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "reset failed");
        ApiError::internal("The demo tenant could not be reset.")
    })?;
    Ok(json_response(
        StatusCode::OK,
        json!({"tenant": summary.tenant, "entities": summary.entities, "links": summary.links}),
    ))
}

/// Body of `POST /_edugraph/tokens`: `{"app":true,"roles":[...]}` or
/// `{"user":"upn-or-id","scopes":[...]}`, optionally with `"tenant"` and `"app_id"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    #[serde(default)]
    app: bool,
    #[serde(default, alias = "appId")]
    app_id: Option<String>,
    #[serde(default)]
    roles: Option<Names>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    scopes: Option<Names>,
    #[serde(default)]
    tenant: Option<String>,
}

/// Permission names as a JSON list or as one space-separated string (like `scp`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Names {
    List(Vec<String>),
    Spaced(String),
}

impl Names {
    fn into_vec(self) -> Vec<String> {
        match self {
            Names::List(v) => v,
            Names::Spaced(s) => s.split_whitespace().map(str::to_string).collect(),
        }
    }
}

fn parse_token_body(body: &[u8]) -> ApiResult<IssueRequest> {
    let body: TokenBody = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("The token request body is invalid: {e}.")))?;
    let subject = match (body.app, body.user) {
        (true, Some(_)) => {
            return Err(ApiError::bad_request(
                "Ask for either an app token (\"app\": true) or a user token (\"user\"), not both.",
            ))
        }
        (false, None) => {
            return Err(ApiError::bad_request(
                "Name the subject: \"app\": true with \"roles\", or \"user\" with \"scopes\".",
            ))
        }
        (true, None) => {
            if body.scopes.is_some() {
                return Err(ApiError::bad_request(
                    "App tokens carry \"roles\" (application permissions), not \"scopes\".",
                ));
            }
            IssueSubject::App {
                app_id: body.app_id,
                roles: body.roles.map(Names::into_vec).unwrap_or_default(),
            }
        }
        (false, Some(user)) => {
            if body.roles.is_some() || body.app_id.is_some() {
                return Err(ApiError::bad_request("User tokens carry \"scopes\" (delegated permissions), not \"roles\" or \"app_id\"."));
            }
            IssueSubject::User {
                user,
                scopes: body.scopes.map(Names::into_vec).unwrap_or_default(),
            }
        }
    };
    Ok(IssueRequest {
        tenant: body.tenant,
        subject,
    })
}

async fn tokens(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    require_dev(&state, "POST /_edugraph/tokens")?;
    let req = parse_token_body(&body)?;
    let issued = issue(
        state.store(),
        state.keys(),
        state.config(),
        &req,
        state.clock().now(),
    )
    .await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"token_type": "Bearer", "access_token": issued.access_token, "expires_in": issued.expires_in}),
    ))
}
