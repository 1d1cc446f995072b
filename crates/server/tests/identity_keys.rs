//! Signing-key rotation: `edugraph keys rotate` keeps tokens signed before it valid and
//! makes new ones use the new key, and a server already running picks the rotation up.
//! Also the operator token's place in `edugraph config`.

mod cli_support;
mod platform_support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cli_support::{edugraph_env, json, ok, store, temp_dir};
use edugraph_edu::SystemClock;
use edugraph_server::admin;
use edugraph_server::auth::{mint, verify_token, Keys, TokenRequest, TokenSubject};
use edugraph_server::config::Config;
use edugraph_server::http::app;
use edugraph_server::AppState;
use platform_support::{send, TENANT};
use serde_json::Value;

#[tokio::test]
async fn key_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key() {
    let dir = temp_dir();
    ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "North",
            "--domain",
            "north.edu",
        ],
    );
    let kid = |token: &str| jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let before = ok(&dir, &["token", "--app", "--roles", "EduRoster.Read.All"]);
    let before = before.trim_end().to_string();

    let rotated = json(&ok(&dir, &["keys", "rotate", "--json"]));
    let new_kid = rotated["kid"].as_str().unwrap().to_string();
    assert_eq!(rotated["retired"], serde_json::json!([kid(&before)]));
    assert_ne!(new_kid, kid(&before));

    let after = ok(&dir, &["token", "--app", "--roles", "EduRoster.Read.All"]);
    let after = after.trim_end().to_string();
    assert_eq!(kid(&after), new_kid);

    // A server starting now verifies both and publishes both keys.
    let (config, store) = store(&dir).await;
    let keys = Keys::load_or_create(store.as_ref()).await.unwrap();
    assert_eq!(keys.signing_kid(), new_kid);
    let now = time::OffsetDateTime::now_utc();
    for token in [&before, &after] {
        verify_token(&keys, token, &config.issuer_base(), now).expect("still valid");
    }
    assert_eq!(keys.jwks_at(now)["keys"].as_array().unwrap().len(), 2);
    // ...until the retired key's grace has passed.
    let later = now + edugraph_server::auth::RETIRED_KEY_GRACE + time::Duration::minutes(1);
    assert_eq!(keys.jwks_at(later)["keys"].as_array().unwrap().len(), 1);

    // Plain output is the new kid alone; a second rotation retires only the current key.
    let again = ok(&dir, &["keys", "rotate"]);
    let again = again.trim_end();
    assert_ne!(again, new_kid);
    let records = store.signing_keys().await.unwrap();
    assert_eq!(records.iter().filter(|r| r.retired_at.is_none()).count(), 1);
    assert_eq!(records.len(), 3);
    let log: Vec<(String, Option<String>)> = store
        .audit(None, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "keyRotated")
        .map(|r| (r.action, r.target))
        .collect();
    assert_eq!(
        log,
        vec![
            ("keyRotated".to_string(), Some(new_kid.clone())),
            ("keyRotated".to_string(), Some(again.to_string())),
        ]
    );
}

/// A file store shared by "the server" and "the CLI", as in production.
async fn file_state() -> (AppState, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("edugraph-rotate-{}", uuid::Uuid::new_v4()));
    let config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    let store = edugraph_server::startup::open_store(&config).await.unwrap();
    store
        .put_tenant(&edugraph_store::TenantRecord {
            id: TENANT.into(),
            display_name: "Test District".into(),
            domain: "test.example".into(),
        })
        .await
        .unwrap();
    let keys = Keys::load_or_create(store.as_ref()).await.unwrap();
    (
        AppState::new(config, store, Arc::new(SystemClock), keys),
        dir,
    )
}

fn app_token(keys: &Keys, config: &Config) -> String {
    let req = TokenRequest {
        tenant: TENANT.into(),
        subject: TokenSubject::App {
            app_id: "11111111-2222-4333-8444-555555555555".into(),
            roles: vec!["EduRoster.Read.All".into()],
        },
        lifetime_secs: 600,
    };
    mint(
        keys,
        &config.issuer_base(),
        &req,
        time::OffsetDateTime::now_utc(),
    )
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

async fn schools(state: &AppState, token: &str) -> StatusCode {
    let req = Request::get("/v1.0/education/schools")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(app(state.clone()), req).await.status
}

#[tokio::test]
async fn a_rotation_by_another_process_reaches_the_running_server() {
    let (state, dir) = file_state().await;
    let old_kid = state.keys().signing_kid();
    let before = app_token(state.keys(), state.config());
    assert_eq!(schools(&state, &before).await, StatusCode::OK);

    // "The CLI": its own store handle and keys, then a token signed with the new key.
    let cli_store = edugraph_server::startup::open_store(state.config())
        .await
        .unwrap();
    let rotated = admin::keys::rotate(cli_store.as_ref(), "cli", time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(rotated.retired, vec![old_kid.clone()]);
    let cli_keys = Keys::load_or_create(cli_store.as_ref()).await.unwrap();
    assert_eq!(cli_keys.signing_kid(), rotated.kid);
    let after = app_token(&cli_keys, state.config());
    assert_eq!(kid_of(&after), rotated.kid);

    // The server has not reloaded yet, but accepts the new kid (re-reading the keys)
    // and still accepts tokens signed with the retired key.
    assert_eq!(schools(&state, &after).await, StatusCode::OK);
    assert_eq!(schools(&state, &before).await, StatusCode::OK);
    // Having re-read, it signs with the new key and publishes both.
    assert_eq!(state.keys().signing_kid(), rotated.kid);
    let jwks: Value = state.keys().jwks_at(time::OffsetDateTime::now_utc());
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(kids.contains(&old_kid.as_str()) && kids.contains(&rotated.kid.as_str()));
    // A made-up kid is still refused.
    let mut forged = after.clone();
    forged.replace_range(
        ..forged.find('.').unwrap(),
        "eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vcGUifQ",
    );
    assert_eq!(schools(&state, &forged).await, StatusCode::UNAUTHORIZED);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn config_masks_the_operator_token_and_refuses_a_weak_one() {
    let token = "op-secret-0123456789abcdefghij";
    let out = edugraph_env(&["config"], &[("EDUGRAPH_OPERATOR_TOKEN", token)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("operator_token = \"****\""), "{text}");
    assert!(!text.contains(token), "{text}");

    let out = edugraph_env(&["config"], &[("EDUGRAPH_OPERATOR_TOKEN", "short")]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("operator_token"), "{err}");
    assert!(!err.contains("short"), "the token is not echoed: {err}");

    // Without one, the key is only listed as unset (commented out), with no value of ours.
    let out = edugraph_env(&["config"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("# operator_token = "), "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("operator_token")),
        "{text}"
    );
}
