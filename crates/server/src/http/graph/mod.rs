//! The Graph rostering surface under `/v1.0` and `/beta`. Every request below them comes
//! here straight from the application's entry (`http::router`), is parsed with the OData
//! path parser and looked up in the single route table of `dispatch.rs`; the handler then
//! checks the caller against the operation's policy and runs with a [`ctx::Ctx`].
//!
//! Order of checks: unknown path (404), a Graph operation edugraph does not serve yet
//! (501, see `catalog`) and unsupported method (405, with `Allow`) first, then the token
//! (401), then the permission (403), then the body and query (400).
//! Refusals (a rejected token, a missing permission or class role) are audited.

pub mod catalog;
mod collection;
mod contained;
mod ctx;
mod delta;
mod directory;
pub mod dispatch;
mod entity;
mod expand;
mod handlers;
mod mask;
mod me;
mod navs;
mod refs;
mod respond;
mod roster;
mod sync;
mod tokens;

use axum::extract::{FromRequestParts, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use edugraph_edu::access::{self, Access};
use edugraph_edu::writes::IfMatch;
use edugraph_odata::{path::parse_path, ApiVersion, Schema};

use self::catalog::Unserved;
use self::ctx::{denied, Ctx, Prefs};
use self::dispatch::{Resolved, Verb};
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::http::middleware::base_url;
use crate::AppState;

/// True for the paths of the Graph surface: `/v1.0` and `/beta` and everything below them.
pub fn serves(path: &str) -> bool {
    ["/v1.0", "/beta"].iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Answers one Graph request.
pub async fn dispatch_request(state: AppState, req: Request) -> Response {
    serve(state, req)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn serve(state: AppState, req: Request) -> ApiResult<Response> {
    let (mut parts, body) = req.into_parts();
    let base = base_url(&parts.headers, state.config());
    let raw_path = parts.uri.path().to_string();
    let segments_raw: Vec<&str> = raw_path.split('/').filter(|s| !s.is_empty()).collect();
    let unrouted = || {
        let pq = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownError",
            format!("No HTTP resource was found that matches the request URI '{base}{pq}'."),
        )
    };
    let Some(version) = segments_raw
        .first()
        .and_then(|s| ApiVersion::from_segment(s))
    else {
        return Err(unrouted());
    };
    let rest = segments_raw[1..].join("/");
    let segments = parse_path(&rest)?;
    let verb = Verb::parse(&parts.method);
    let (op, keys) = match dispatch::resolve(version, &segments, verb) {
        Resolved::Found { op, keys } => (op, keys),
        // Not routed: a Graph operation edugraph lacks (501), a method the path lacks
        // (405: edugraph's methods when it serves the path, else Graph's), or 404.
        other => {
            let routed = match other {
                Resolved::MethodNotAllowed(allow) => Some(allow),
                _ => None,
            };
            return match (catalog::unserved(version, &segments, verb), routed) {
                (Some(Unserved::NotImplemented(op)), _) => Err(not_implemented(version, op)),
                (_, Some(allow)) | (Some(Unserved::OtherMethods(allow)), None) => {
                    Ok(method_not_allowed(&parts.method, &allow))
                }
                (None, None) => Err(unrouted()),
            };
        }
    };

    let policy = access::policy(op);
    let caller = if policy.access == Access::Public {
        None
    } else {
        Some(
            Authenticated::from_request_parts(&mut parts, &state)
                .await?
                .0,
        )
    };
    let schema = Schema::get(version);
    let Some(caller) = caller else {
        // Public operations need no caller; today that is `$metadata` alone.
        return Ok(handlers::metadata(schema));
    };
    let grant = match access::authorize(op, &caller) {
        Ok(grant) => grant,
        Err(d) => return Err(refused(&state, &parts, &caller, denied(d))),
    };

    let body = if matches!(verb, Some(Verb::Post | Verb::Patch | Verb::Put)) {
        let limit = match state.config().body_limit {
            0 => usize::MAX,
            n => n,
        };
        axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| ApiError::payload_too_large(limit))?
    } else {
        Default::default()
    };
    let ctx = Ctx {
        prefs: Prefs::from_headers(&parts.headers),
        // A header that is not text names no tag, so it matches nothing.
        if_match: parts
            .headers
            .get(header::IF_MATCH)
            .map(|v| IfMatch::parse(v.to_str().unwrap_or_default())),
        raw_query: parts
            .uri
            .query()
            .filter(|q| !q.is_empty())
            .map(str::to_string),
        // The path as requested, without empty segments (the middleware already collapsed
        // `//`, so only a trailing `/` can remain).
        path: match raw_path.trim_end_matches('/') {
            "" => "/".to_string(),
            trimmed if !trimmed.contains("//") => trimmed.to_string(),
            _ => format!("/{}", segments_raw.join("/")),
        },
        state,
        version,
        schema,
        caller,
        grant,
        base,
        body,
    };
    // Past the policy check, a 403 can only be a refusal by class role (or by the policy
    // of an `$expand`ed navigation): `ctx::denied` is the sole source of 403s here.
    handlers::run(&ctx, op, &keys)
        .await
        .map_err(|e| refused(&ctx.state, &parts, &ctx.caller, e))
}

/// Audits a 403 (`accessDenied`, written off the request path) and passes the error on;
/// other errors pass untouched.
fn refused(
    state: &AppState,
    parts: &axum::http::request::Parts,
    caller: &edugraph_edu::Caller,
    err: ApiError,
) -> ApiError {
    if err.status == StatusCode::FORBIDDEN {
        crate::audit::access_denied(state, parts, caller, &err.message);
    }
    err
}

/// 501 naming a Graph operation edugraph does not serve yet.
fn not_implemented(version: ApiVersion, op: &catalog::Operation) -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "notImplemented",
        format!(
            "edugraph does not implement {} /{}{} yet; see docs/OPERATIONS.md",
            op.verb.as_str(),
            version.as_str(),
            op.template
        ),
    )
}

/// 405 with the Graph envelope and the `Allow` header.
fn method_not_allowed(method: &Method, allow: &[&str]) -> Response {
    let allow = allow.join(", ");
    let message =
        format!("The HTTP method '{method}' is not allowed on this resource; allowed: {allow}.");
    let mut resp = ApiError::method_not_allowed(message).into_response();
    if let Ok(v) = HeaderValue::from_str(&allow) {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    resp
}
