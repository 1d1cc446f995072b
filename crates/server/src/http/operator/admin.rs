//! Identity administration over HTTP, for operators and automation (all behind the
//! operator credential, see `guard.rs`):
//! - `GET /_edugraph/audit?tenant=&after=&limit=`: audit entries after a sequence number,
//!   oldest first, with `@odata.nextLink` while more follow;
//! - `GET /_edugraph/tenants`, `POST /_edugraph/tenants` (`{"displayName","domain"}`; more
//!   verified domains in `domains.rs`);
//! - `GET /_edugraph/apps?tenant=`, `POST /_edugraph/apps` (`{"displayName","permissions",
//!   "delegatedPermissions","redirectUris","tenant","secretDays","publicClient"}`: the
//!   secret is in the 201 response and nowhere else; a public client gets none).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use edugraph_store::AuditRecord;
use serde::Deserialize;
use serde_json::{json, Value};

use super::guard::require_operator;
use crate::admin::{apps, tenants};
use crate::audit::OPERATOR_ACTOR;
use crate::authority::ratelimit::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::http::middleware::base_url;
use crate::AppState;

/// Audit page size without `limit`, and the largest accepted.
const DEFAULT_AUDIT_LIMIT: u32 = 100;
const MAX_AUDIT_LIMIT: u32 = 1000;

/// The query's parameters, each at most once and each one of `allowed`.
pub(super) fn query_params(
    raw: Option<&str>,
    allowed: &[&str],
) -> ApiResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !allowed.contains(&k.as_ref()) {
            return Err(ApiError::bad_request(format!(
                "Unknown query parameter {k:?}; use {}.",
                allowed.join(", ")
            )));
        }
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(ApiError::bad_request(format!(
                "Query parameter {k:?} is given twice."
            )));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

pub(super) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The `limit` parameter: a page size from 1 to `max`, `default` when absent.
pub(super) fn limit_param(params: &[(String, String)], default: u32, max: u32) -> ApiResult<u32> {
    match param(params, "limit") {
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!("limit={v:?} must be an integer from 1 to {max}."))
            }),
        None => Ok(default),
    }
}

pub(super) fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> ApiResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("The {what} request body is invalid: {e}.")))
}

pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    require_operator(&state, &headers, &ip, "GET /_edugraph/audit").await?;
    let params = query_params(raw.as_deref(), &["tenant", "after", "limit"])?;
    let tenant = match param(&params, "tenant") {
        Some(name) => Some(tenants::resolve(state.store(), Some(name)).await?.id),
        None => None,
    };
    let after = match param(&params, "after") {
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::bad_request(format!(
                "after={v:?} is not a sequence number (a non-negative integer)."
            ))
        })?,
        None => 0,
    };
    let limit = limit_param(&params, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT)?;
    // One more than asked tells whether another page follows.
    let mut entries = state
        .store()
        .audit(tenant.as_deref(), after, limit + 1)
        .await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let mut body = json!({"value": entries.iter().map(audit_json).collect::<Vec<_>>()});
    if let (true, Some(last)) = (more, entries.last()) {
        let mut next = format!(
            "{}/_edugraph/audit?after={}&limit={limit}",
            base_url(&headers, state.config()),
            last.seq
        );
        if let Some(t) = &tenant {
            next.push_str(&format!("&tenant={t}"));
        }
        body["@odata.nextLink"] = json!(next);
    }
    Ok(Json(body).into_response())
}

fn audit_json(r: &AuditRecord) -> Value {
    json!({
        "seq": r.seq,
        "tenantId": r.tenant,
        "activityDateTime": r.at,
        "actor": r.actor,
        "action": r.action,
        "target": r.target,
        "outcome": r.outcome,
        "clientIp": r.client_ip,
        "detail": r.detail,
    })
}

pub async fn list_tenants(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
) -> ApiResult<Response> {
    require_operator(&state, &headers, &ip, "GET /_edugraph/tenants").await?;
    let list = state.store().tenants().await?;
    let value: Vec<Value> = list.iter().map(tenants::to_json).collect();
    Ok(Json(json!({ "value": value })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewTenantBody {
    display_name: String,
    domain: String,
}

pub async fn create_tenant(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    body: Bytes,
) -> ApiResult<Response> {
    require_operator(&state, &headers, &ip, "POST /_edugraph/tenants").await?;
    let req: NewTenantBody = parse_body(&body, "tenant")?;
    let tenant = tenants::create(
        state.store(),
        &req.display_name,
        &req.domain,
        OPERATOR_ACTOR,
        state.clock().now(),
    )
    .await?;
    // The new tenant's token issuer is this server's (`auth::issuers`).
    crate::auth::issuers::of_tenant(&state, &tenant.id).await?;
    Ok((StatusCode::CREATED, Json(tenants::to_json(&tenant))).into_response())
}

pub async fn list_apps(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    require_operator(&state, &headers, &ip, "GET /_edugraph/apps").await?;
    let params = query_params(raw.as_deref(), &["tenant"])?;
    let tenant = match param(&params, "tenant") {
        Some(name) => Some(tenants::resolve(state.store(), Some(name)).await?.id),
        None => None,
    };
    let value = apps::list_json(state.store(), tenant.as_deref()).await?;
    Ok(Json(json!({ "value": value })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewAppBody {
    display_name: String,
    #[serde(default)]
    permissions: Vec<String>,
    #[serde(default)]
    delegated_permissions: Vec<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    secret_days: Option<u32>,
    #[serde(default)]
    public_client: bool,
}

pub async fn create_app(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    body: Bytes,
) -> ApiResult<Response> {
    require_operator(&state, &headers, &ip, "POST /_edugraph/apps").await?;
    let req: NewAppBody = parse_body(&body, "app")?;
    let new = apps::NewApp {
        tenant: req.tenant,
        display_name: req.display_name,
        app_permissions: req.permissions,
        delegated_permissions: req.delegated_permissions,
        redirect_uris: req.redirect_uris,
        secret_days: req.secret_days,
        public_client: req.public_client,
    };
    let (app, secret) =
        apps::create(state.store(), &new, OPERATOR_ACTOR, state.clock().now()).await?;
    let mut body = json!({
        "tenantId": app.home_tenant,
        "clientId": app.client_id,
        "publicClient": app.public_client,
    });
    if let Some(secret) = secret {
        body["clientSecret"] = json!(secret.secret);
        body["secretId"] = json!(secret.record.secret_id);
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
