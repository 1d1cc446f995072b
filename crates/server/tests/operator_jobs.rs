//! `GET /_edugraph/jobs`: behind the operator credential like the rest of the operator
//! API, lists jobs newest first with their state, attempts, times and last error, filters
//! by state and kind, pages with `@odata.nextLink`, and refuses bad parameters with the
//! error envelope.

mod platform_support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use edugraph_server::config::Config;
use edugraph_server::http::app;
use edugraph_server::AppState;
use edugraph_store::{Claim, Finish, NewJob};
use platform_support::*;
use serde_json::{json, Value};
use time::macros::datetime;
use time::Duration;

const OPERATOR_TOKEN: &str = "op-jobs-0123456789abcdef0123456789ab";

fn secured() -> Config {
    Config {
        operator_token: Some(OPERATOR_TOKEN.into()),
        ..Config::default()
    }
}

fn authorized(uri: &str) -> Request<Body> {
    let mut req = get_req(uri);
    req.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {OPERATOR_TOKEN}").parse().unwrap(),
    );
    req
}

async fn get_json(state: &AppState, uri: &str) -> Value {
    let resp = send(app(state.clone()), authorized(uri)).await;
    assert_eq!(resp.status, StatusCode::OK, "{uri}: {}", resp.text());
    resp.json()
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect()
}

/// Five jobs: the first failed once and is queued for a retry, the second succeeded, the
/// rest are queued. Returns their ids, oldest first.
async fn seed(state: &AppState) -> Vec<i64> {
    let at = datetime!(2030-02-03 04:05:06 UTC);
    let store = state.store();
    let mut ids = Vec::new();
    for (i, kind) in ["sync", "sync", "publish", "publish", "publish"]
        .into_iter()
        .enumerate()
    {
        let job = NewJob {
            tenant: Some(TENANT.into()),
            kind: kind.into(),
            payload: json!({"n": i}),
            run_at: at,
            max_attempts: 3,
            dedup_key: None,
        };
        ids.push(store.enqueue(&job, at).await.unwrap().unwrap());
    }
    let claimed = store
        .claim_jobs(&Claim {
            kinds: &["sync"],
            now: at,
            lease_until: at + Duration::minutes(5),
            limit: 2,
        })
        .await
        .unwrap();
    for (job, error) in claimed.iter().zip([Some("upstream timeout"), None]) {
        let finish = Finish {
            id: job.id,
            attempt: job.attempts,
            at,
            error,
            retry_at: at + Duration::seconds(30),
            next: None,
        };
        store.finish_job(&finish).await.unwrap().unwrap();
    }
    ids
}

#[tokio::test]
async fn the_job_list_needs_the_operator_credential() {
    let off = test_state(Config::default()).await;
    let resp = send(app(off), get_req("/_edugraph/jobs")).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(resp.text().contains("operator_token"), "{}", resp.text());

    let state = test_state(secured()).await;
    seed(&state).await;
    let resp = send(app(state.clone()), get_req("/_edugraph/jobs")).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json()["error"]["code"], "InvalidAuthenticationToken");
    assert!(resp.json()["error"]["innerError"]["request-id"].is_string());
    let mut wrong = get_req("/_edugraph/jobs");
    wrong.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {OPERATOR_TOKEN}x").parse().unwrap(),
    );
    let resp = send(app(state.clone()), wrong).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(resp.json()["error"]["code"], "AccessDenied");
    assert!(!resp.text().contains("upstream timeout"));
    assert_eq!(
        get_json(&state, "/_edugraph/jobs").await["value"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    let dev = test_state(Config {
        dev: true,
        ..Config::default()
    })
    .await;
    let resp = send(app(dev), get_req("/_edugraph/jobs")).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json(), json!({"value": []}));
}

#[tokio::test]
async fn jobs_are_listed_newest_first_with_their_state() {
    let state = test_state(secured()).await;
    let ids = seed(&state).await;
    let page = get_json(&state, "/_edugraph/jobs").await;
    let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
    assert_eq!(ids_of(&page), newest_first);
    assert!(page.get("@odata.nextLink").is_none());
    let retried = page["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == json!(ids[0]))
        .unwrap();
    assert_eq!(
        retried,
        &json!({
            "id": ids[0],
            "tenantId": TENANT,
            "kind": "sync",
            "state": "queued",
            "attempts": 1,
            "maxAttempts": 3,
            "runDateTime": "2030-02-03T04:05:36Z",
            "leaseExpiresDateTime": null,
            "lastError": "upstream timeout",
            "dedupKey": null,
            "createdDateTime": "2030-02-03T04:05:06Z",
            "finishedDateTime": null,
            "payload": {"n": 0},
        })
    );

    let failed_or_done = get_json(&state, "/_edugraph/jobs?state=succeeded").await;
    assert_eq!(ids_of(&failed_or_done), [ids[1]]);
    assert_eq!(
        failed_or_done["value"][0]["finishedDateTime"],
        "2030-02-03T04:05:06Z"
    );
    let sync = get_json(&state, "/_edugraph/jobs?kind=sync&state=queued").await;
    assert_eq!(ids_of(&sync), [ids[0]]);
    assert_eq!(
        ids_of(&get_json(&state, "/_edugraph/jobs?state=failed").await),
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn the_job_list_pages_with_next_links() {
    let state = test_state(secured()).await;
    let ids = seed(&state).await;
    let mut seen = Vec::new();
    let mut uri = "/_edugraph/jobs?limit=2&kind=publish".to_string();
    loop {
        let page = get_json(&state, &uri).await;
        seen.extend(ids_of(&page));
        let Some(next) = page["@odata.nextLink"].as_str() else {
            break;
        };
        assert!(next.contains("kind=publish"), "{next}");
        uri = next[next.find("/_edugraph/").unwrap()..].to_string();
    }
    assert_eq!(seen, [ids[4], ids[3], ids[2]]);
}

#[tokio::test]
async fn bad_parameters_are_refused_with_the_envelope() {
    let state = test_state(secured()).await;
    for (uri, says) in [
        (
            "/_edugraph/jobs?state=done",
            "queued, running, succeeded, failed",
        ),
        ("/_edugraph/jobs?limit=0", "limit"),
        ("/_edugraph/jobs?limit=1001", "limit"),
        ("/_edugraph/jobs?before=-3", "before"),
        ("/_edugraph/jobs?before=x", "before"),
        ("/_edugraph/jobs?page=2", "page"),
        ("/_edugraph/jobs?state=queued&state=failed", "twice"),
    ] {
        let resp = send(app(state.clone()), authorized(uri)).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{uri}");
        let body = resp.json();
        assert_eq!(body["error"]["code"], "BadRequest", "{uri}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(says),
            "{uri}: {body}"
        );
        assert!(body["error"]["innerError"]["request-id"].is_string());
    }
}
