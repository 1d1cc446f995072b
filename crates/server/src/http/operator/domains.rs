//! `GET /_edugraph/tenants/{tenant}/domains` and `POST …/domains` (`{"domain"}`): a
//! tenant's verified domains over HTTP, behind the operator credential (`guard.rs`). The
//! tenant is named by id or by any of its domains. A POST answers 201 when it added the
//! domain and 200 when the tenant had it already, so a retried request is harmless.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::admin::parse_body;
use super::guard::require_operator;
use crate::admin::{domains, tenants};
use crate::audit::OPERATOR_ACTOR;
use crate::authority::ratelimit::ClientAddr;
use crate::error::ApiResult;
use crate::AppState;

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    Path(tenant): Path<String>,
) -> ApiResult<Response> {
    require_operator(&state, &headers, &ip, "GET /_edugraph/tenants/{id}/domains").await?;
    let tenant = tenants::resolve(state.store(), Some(&tenant)).await?;
    let list = domains::list(state.store(), &tenant).await?;
    let value: Vec<Value> = list.iter().map(|d| domains::to_json(&tenant, d)).collect();
    Ok(Json(json!({ "value": value })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDomainBody {
    domain: String,
}

pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    Path(tenant): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    require_operator(
        &state,
        &headers,
        &ip,
        "POST /_edugraph/tenants/{id}/domains",
    )
    .await?;
    let req: NewDomainBody = parse_body(&body, "domain")?;
    let (tenant, domain, added) = domains::add(
        state.store(),
        Some(&tenant),
        &req.domain,
        OPERATOR_ACTOR,
        state.clock().now(),
    )
    .await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(domains::to_json(&tenant, &domain))).into_response())
}
