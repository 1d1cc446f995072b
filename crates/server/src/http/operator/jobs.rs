//! `GET /_edugraph/jobs?state=&kind=&before=&limit=`: the job table for operators, newest
//! first, with `@odata.nextLink` while more follow (behind the operator credential, see
//! `guard.rs`). Each job shows its kind, state, attempts, run time, lease, last error and
//! payload.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use edugraph_store::{JobQuery, JobRecord, JobState};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::admin::{limit_param, param, query_params};
use super::guard::require_operator;
use crate::authority::ratelimit::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::http::middleware::base_url;
use crate::AppState;

/// Page size without `limit`, and the largest accepted.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    require_operator(&state, &headers, &ip, "GET /_edugraph/jobs").await?;
    let params = query_params(raw.as_deref(), &["state", "kind", "before", "limit"])?;
    let job_state = match param(&params, "state") {
        Some(v) => Some(JobState::parse(v).ok_or_else(|| {
            let names: Vec<&str> = JobState::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::bad_request(format!(
                "state={v:?} is not a job state; use one of {}.",
                names.join(", ")
            ))
        })?),
        None => None,
    };
    let before = match param(&params, "before") {
        Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ApiError::bad_request(format!(
                "before={v:?} is not a job id (a positive integer)."
            ))
        })?),
        None => None,
    };
    let limit = limit_param(&params, DEFAULT_LIMIT, MAX_LIMIT)?;
    let kind = param(&params, "kind");
    // One more than asked tells whether another page follows.
    let mut jobs = state
        .store()
        .jobs(&JobQuery {
            state: job_state,
            kind,
            before,
            limit: limit + 1,
        })
        .await?;
    let more = jobs.len() > limit as usize;
    jobs.truncate(limit as usize);
    let mut body = json!({"value": jobs.iter().map(job_json).collect::<Vec<_>>()});
    if let (true, Some(last)) = (more, jobs.last()) {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        next.append_pair("before", &last.id.to_string());
        next.append_pair("limit", &limit.to_string());
        if let Some(s) = job_state {
            next.append_pair("state", s.as_str());
        }
        if let Some(k) = kind {
            next.append_pair("kind", k);
        }
        body["@odata.nextLink"] = json!(format!(
            "{}/_edugraph/jobs?{}",
            base_url(&headers, state.config()),
            next.finish()
        ));
    }
    Ok(Json(body).into_response())
}

fn time_json(at: Option<OffsetDateTime>) -> Value {
    at.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

fn job_json(j: &JobRecord) -> Value {
    json!({
        "id": j.id,
        "tenantId": j.tenant,
        "kind": j.kind,
        "state": j.state.as_str(),
        "attempts": j.attempts,
        "maxAttempts": j.max_attempts,
        "runDateTime": time_json(Some(j.run_at)),
        "leaseExpiresDateTime": time_json(j.lease_until),
        "lastError": j.last_error,
        "dedupKey": j.dedup_key,
        "createdDateTime": time_json(Some(j.created_at)),
        "finishedDateTime": time_json(j.finished_at),
        "payload": j.payload,
    })
}
