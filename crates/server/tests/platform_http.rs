//! The HTTP platform in-process: the middleware stack (request ids, `//` collapsing, body
//! limit, envelopes for rejections, panics and unrouted paths), the operator endpoints,
//! and a real-TCP smoke test of `serve::run` with graceful shutdown. Authentication has
//! its own file (`platform_auth.rs`).

mod platform_support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use edugraph_edu::demo::DemoSize;
use edugraph_server::config::Config;
use edugraph_server::http::{app, middleware};
use edugraph_server::AppState;
use edugraph_store::EntityKind;
use platform_support::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn boom() -> &'static str {
    panic!("deliberate test panic")
}

/// A router with routes that misbehave on purpose, behind the real middleware stack.
fn probe_app(state: AppState) -> Router {
    let config = state.config().clone();
    let routes = Router::new()
        .route(
            "/echo/{*rest}",
            get(|uri: axum::http::Uri| async move { uri.to_string() }),
        )
        .route("/json", post(|Json(v): Json<Value>| async move { Json(v) }))
        .route("/panic", get(boom))
        .with_state(state);
    middleware::apply(routes, &config)
}

#[tokio::test]
async fn request_ids_are_generated_or_echoed_and_match_the_envelope() {
    let state = test_state(Config::default()).await;
    let resp = send(app(state.clone()), get_req("/_edugraph/version")).await;
    assert_eq!(resp.status, StatusCode::OK);
    let rid = resp.header("request-id");
    assert!(uuid::Uuid::parse_str(&rid).is_ok(), "request-id {rid}");
    assert!(uuid::Uuid::parse_str(&resp.header("client-request-id")).is_ok());

    let req = Request::get("/nowhere")
        .header("client-request-id", "my-trace-42")
        .body(Body::empty())
        .unwrap();
    let resp = send(app(state.clone()), req).await;
    assert_eq!(resp.header("client-request-id"), "my-trace-42");
    let inner = &resp.json()["error"]["innerError"];
    assert_eq!(inner["client-request-id"], "my-trace-42");
    assert_eq!(inner["request-id"], resp.header("request-id").as_str());
    assert!(
        inner["date"].as_str().is_some_and(|d| d.len() == 19),
        "{inner}"
    );

    // Two requests never share a request id.
    let again = send(app(state), get_req("/_edugraph/version")).await;
    assert_ne!(again.header("request-id"), rid);
}

#[tokio::test]
async fn double_slashes_collapse_before_routing_and_the_query_is_untouched() {
    let state = test_state(Config::default()).await;
    let resp = send(app(state.clone()), get_req("//_edugraph//version")).await;
    assert_eq!(resp.status, StatusCode::OK);
    let resp = send(
        probe_app(state),
        get_req("/echo//a///b?$filter=x%20eq%20%27a//b%27"),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.text(), "/echo/a/b?$filter=x%20eq%20%27a//b%27");
}

#[tokio::test]
async fn unrouted_paths_get_graphs_404_envelope() {
    let state = test_state(Config::default()).await;
    let req = Request::get("/v9/nothing?x=1")
        .header("host", "edu.test:8080")
        .body(Body::empty())
        .unwrap();
    let resp = send(app(state), req).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.header("content-type"), "application/json");
    let err = &resp.json()["error"];
    assert_eq!(err["code"], "UnknownError");
    assert_eq!(
        err["message"],
        "No HTTP resource was found that matches the request URI 'http://edu.test:8080/v9/nothing?x=1'."
    );
}

#[tokio::test]
async fn wrong_method_is_a_405_envelope_with_allow() {
    let state = test_state(Config::default()).await;
    let resp = send(
        app(state),
        Request::delete("/_edugraph/health")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(resp.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.header("content-type"), "application/json");
    assert_eq!(resp.json()["error"]["code"], "notAllowed");
    assert!(resp.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("'DELETE'"));
    assert!(
        resp.header("allow").contains("GET"),
        "allow: {}",
        resp.header("allow")
    );
}

#[tokio::test]
async fn oversized_bodies_are_413_envelopes_with_or_without_content_length() {
    let config = Config {
        dev: true,
        body_limit: 1024,
        ..Config::default()
    };
    let state = test_state(config).await;
    let big = format!(r#"{{"app":true,"roles":["{}"]}}"#, "x".repeat(2000));
    let resp = send(app(state.clone()), post_json("/_edugraph/tokens", &big)).await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.header("content-type"), "application/json");
    assert_eq!(resp.json()["error"]["code"], "requestEntityTooLarge");
    assert!(resp.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1024"));

    // A streamed body has no Content-Length: the limit bites while reading.
    let chunks = vec![Ok::<_, std::io::Error>(big.into_bytes())];
    let req = Request::post("/_edugraph/tokens")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .unwrap();
    let resp = send(app(state), req).await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.json()["error"]["code"], "requestEntityTooLarge");
}

#[tokio::test]
async fn extractor_rejections_and_panics_become_envelopes() {
    let state = test_state(Config::default()).await;
    let resp = send(probe_app(state.clone()), post_json("/json", "{not json")).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.header("content-type"), "application/json");
    assert_eq!(resp.json()["error"]["code"], "BadRequest");

    let req = Request::post("/json").body(Body::from("{}")).unwrap();
    let resp = send(probe_app(state.clone()), req).await;
    assert_eq!(resp.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(resp.json()["error"]["code"], "UnsupportedMediaType");

    let resp = send(probe_app(state), get_req("/panic")).await;
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(resp.header("content-type"), "application/json");
    let err = &resp.json()["error"];
    assert_eq!(err["code"], "generalException");
    assert!(
        !err["message"].as_str().unwrap().contains("deliberate"),
        "panic text must not leak"
    );
    assert!(!resp.header("request-id").is_empty());
}

#[tokio::test]
async fn health_and_version() {
    let state = test_state(Config::default()).await;
    let resp = send(app(state.clone()), get_req("/_edugraph/health")).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.json(), json!({"status": "ok", "store": "ok"}));
    let resp = send(app(state), get_req("/_edugraph/version")).await;
    assert_eq!(resp.header("content-type"), "application/json");
    assert_eq!(resp.json()["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn dev_endpoints_are_refused_outside_dev_mode() {
    let state = test_state(Config::default()).await;
    for path in ["/_edugraph/reset", "/_edugraph/tokens"] {
        let resp = send(
            app(state.clone()),
            post_json(path, r#"{"app":true,"roles":["EduRoster.Read.All"]}"#),
        )
        .await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(resp.header("content-type"), "application/json");
        assert!(
            resp.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--dev"),
            "{path}"
        );
    }
    // Nothing was seeded or cleared.
    assert_eq!(state.store().tenants().await.unwrap().len(), 1);
}

#[tokio::test]
async fn reset_restores_the_seeded_demo_tenant() {
    let state = empty_state(Config {
        dev: true,
        ..Config::default()
    })
    .await;
    let seeded = edugraph_server::startup::seed_demo(state.store(), 1, DemoSize::Small, false)
        .await
        .unwrap();
    assert!(seeded.seeded);
    let tenant = seeded.tenant.clone();
    let users_before = count(&state, &tenant, EntityKind::User).await;
    let student = seeded.plan.student_id.clone();

    state
        .store()
        .delete(&tenant, EntityKind::User, &student)
        .await
        .unwrap();
    let extra = json!({"@odata.type": "#microsoft.graph.educationSchool", "id": "0b9f5c1e-0000-4000-8000-000000000001", "displayName": "Extra"});
    state
        .store()
        .create(&tenant, EntityKind::School, &extra)
        .await
        .unwrap();

    // Seeding again without reset leaves the (non-empty) tenant alone.
    let again = edugraph_server::startup::seed_demo(state.store(), 1, DemoSize::Small, false)
        .await
        .unwrap();
    assert!(!again.seeded);
    assert!(state
        .store()
        .get(&tenant, EntityKind::User, &student)
        .await
        .unwrap()
        .is_none());

    let resp = send(
        app(state.clone()),
        Request::post("/_edugraph/reset")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json()["tenant"], tenant.as_str());
    assert!(state
        .store()
        .get(&tenant, EntityKind::User, &student)
        .await
        .unwrap()
        .is_some());
    assert!(state
        .store()
        .get(
            &tenant,
            EntityKind::School,
            "0b9f5c1e-0000-4000-8000-000000000001"
        )
        .await
        .unwrap()
        .is_none());
    assert_eq!(count(&state, &tenant, EntityKind::User).await, users_before);
    assert!(state
        .store()
        .password_hash(&tenant, &student)
        .await
        .unwrap()
        .is_some());
}

/// The real server on an ephemeral port: answers over TCP, then stops cleanly when the
/// shutdown future completes.
#[tokio::test]
async fn serves_over_tcp_and_shuts_down_gracefully() {
    let state = test_state(Config::default()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(edugraph_server::serve::run(listener, state, async {
        let _ = stopped.await;
    }));

    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET //_edugraph/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    assert!(raw.starts_with("HTTP/1.1 200 OK"), "{raw}");
    assert!(raw.to_ascii_lowercase().contains("request-id: "), "{raw}");
    assert!(raw.ends_with(r#"{"status":"ok","store":"ok"}"#), "{raw}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener closed after shutdown"
    );
}
