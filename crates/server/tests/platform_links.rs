//! Links and token issuers cannot be steered by request headers: forwarded headers count
//! only from trusted proxies (loopback only in `--dev`), `public_url` wins over every
//! header, the sign-in throttle sees a forwarded client address only behind a trusted
//! proxy, and a tenant's issuer is recorded once, so a token minted by `edugraph token`
//! verifies on whatever address `edugraph serve` listens, and a refusal names the issuer
//! the server expects.

mod cli_support;
mod common;
mod identity_support;

use std::net::SocketAddr;
use std::process::Stdio;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request};
use cli_support::{free_port, serve_command, start_server};
use common::*;
use edugraph_server::auth::{mint, TokenRequest, TokenSubject};
use edugraph_server::config::Config;
use identity_support::*;
use serde_json::{json, Value};

/// Headers a client (or an attacker) can send to steer links.
const FORGED: &[(&str, &str)] = &[
    ("x-forwarded-proto", "https"),
    ("x-forwarded-host", "evil.example"),
    ("forwarded", "for=203.0.113.9;proto=https;host=evil.example"),
];

fn request(
    method: Method,
    uri: &str,
    token: &str,
    peer: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if !token.is_empty() {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    if let Some(peer) = peer {
        let addr: SocketAddr = peer.parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    req
}

/// The first page (one user) of the users collection: its context and next link.
async fn page(t: &TestApp, peer: Option<&str>, headers: &[(&str, &str)]) -> (String, String) {
    let req = request(
        Method::GET,
        "/v1.0/education/users?$top=1",
        &t.admin,
        peer,
        headers,
        None,
    );
    let v = t.send(req).await.expect(200).json();
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    (text("@odata.context"), text("@odata.nextLink"))
}

#[track_caller]
fn assert_links_on(links: &(String, String), base: &str) {
    assert_eq!(links.0, format!("{base}/v1.0/$metadata#education/users"));
    assert!(
        links
            .1
            .starts_with(&format!("{base}/v1.0/education/users?$top=1&")),
        "{}",
        links.1
    );
}

async fn two_users(t: &TestApp) {
    t.user("ann", "student").await;
    t.user("ben", "teacher").await;
}

#[tokio::test]
async fn forwarded_headers_of_an_untrusted_peer_do_not_steer_links() {
    let t = TestApp::new().await;
    two_users(&t).await;
    let mut headers = vec![("host", "127.0.0.1:9000")];
    headers.extend_from_slice(FORGED);
    // In-process (no peer), a remote peer, and loopback outside `--dev`.
    for peer in [None, Some("192.0.2.10:5000"), Some("127.0.0.1:5000")] {
        assert_links_on(&page(&t, peer, &headers).await, "http://127.0.0.1:9000");
    }
    // A Host that is not a syntactically valid host[:port] is not used either.
    let links = page(&t, None, &[("host", "evil.example/steal?x=")]).await;
    assert_links_on(&links, "http://127.0.0.1:8080");

    // `Location` of a created entity follows the same rule.
    let req = request(
        Method::POST,
        "/v1.0/education/users",
        &t.admin,
        Some("192.0.2.10:5000"),
        &headers,
        Some(user_body("cat", "student")),
    );
    let resp = t.send(req).await.expect(201);
    assert!(
        resp.header("location")
            .starts_with("http://127.0.0.1:9000/v1.0/education/users/"),
        "{}",
        resp.header("location")
    );
}

#[tokio::test]
async fn a_trusted_proxy_names_the_host_and_dev_trusts_only_loopback() {
    let config = Config {
        trusted_proxies: Some(vec!["10.0.0.0/8".into(), "2001:db8::/32".into()]),
        ..Config::default()
    };
    let t = TestApp::with_config(config).await;
    two_users(&t).await;
    let forwarded = [
        ("host", "edugraph.internal:8080"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "graph.school.example"),
    ];
    assert_links_on(
        &page(&t, Some("10.1.2.3:4000"), &forwarded).await,
        "https://graph.school.example",
    );
    let rfc7239 = [
        ("host", "edugraph.internal:8080"),
        (
            "forwarded",
            "for=198.51.100.7;proto=https;host=\"edu.example:8443\"",
        ),
    ];
    assert_links_on(
        &page(&t, Some("[2001:db8::5]:4000"), &rfc7239).await,
        "https://edu.example:8443",
    );
    // The same headers from a peer outside the list.
    assert_links_on(
        &page(&t, Some("192.0.2.1:4000"), &forwarded).await,
        "http://edugraph.internal:8080",
    );

    let dev = TestApp::with_config(Config {
        dev: true,
        ..Config::default()
    })
    .await;
    two_users(&dev).await;
    assert_links_on(
        &page(&dev, Some("127.0.0.1:4000"), &forwarded).await,
        "https://graph.school.example",
    );
    assert_links_on(
        &page(&dev, Some("[::1]:4000"), &forwarded).await,
        "https://graph.school.example",
    );
    assert_links_on(
        &page(&dev, Some("192.0.2.1:4000"), &forwarded).await,
        "http://edugraph.internal:8080",
    );
}

#[tokio::test]
async fn public_url_wins_over_every_header_for_links_discovery_and_the_issuer() {
    let config = Config {
        public_url: Some("https://graph.district.example/".into()),
        trusted_proxies: Some(vec!["10.0.0.0/8".into()]),
        ..Config::default()
    };
    let t = TestApp::with_config(config).await;
    // An issuer recorded earlier (a development run on the listen address) gives way to
    // the configured public URL.
    t.state
        .store()
        .record_issuer_base(TENANT_A, "http://127.0.0.1:8080", false)
        .await
        .unwrap();
    two_users(&t).await;
    let mut headers = vec![("host", "127.0.0.1:9000")];
    headers.extend_from_slice(FORGED);
    let public = "https://graph.district.example";
    for peer in [None, Some("10.0.0.1:4000"), Some("192.0.2.1:4000")] {
        assert_links_on(&page(&t, peer, &headers).await, public);
    }
    let req = request(
        Method::GET,
        &format!("/{TENANT_A}/v2.0/.well-known/openid-configuration"),
        "",
        Some("10.0.0.1:4000"),
        &headers,
        None,
    );
    let doc = t.send(req).await.expect(200).json();
    assert_eq!(
        doc["token_endpoint"],
        format!("{public}/{TENANT_A}/oauth2/v2.0/token")
    );
    assert_eq!(doc["issuer"], format!("{public}/{TENANT_A}/v2.0"));
    assert_eq!(
        t.state
            .store()
            .record_issuer_base(TENANT_A, "http://elsewhere.example", false)
            .await
            .unwrap()
            .as_deref(),
        Some(public)
    );
}

/// A failed password grant through `peer`, which forwards `forwarded_for`.
async fn failed_sign_in(t: &TestApp, client: &str, peer: &str, forwarded_for: &str) -> Resp {
    let form = encode(&[
        ("grant_type", "password"),
        ("client_id", client),
        ("client_secret", SECRET),
        ("username", "ann@a.example.edu"),
        ("password", "wrong"),
        ("scope", "openid"),
    ]);
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(token_path(TENANT_A))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", forwarded_for)
        .body(Body::from(form))
        .unwrap();
    let addr: SocketAddr = peer.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    t.send(req).await
}

#[tokio::test]
async fn the_throttle_believes_x_forwarded_for_only_from_trusted_proxies() {
    let config = Config {
        login_failures_per_account: 100,
        login_failures_per_address: 2,
        login_window_secs: 600,
        trusted_proxies: Some(vec!["10.0.0.0/8".into()]),
        ..Config::default()
    };
    let t = TestApp::with_config(config).await;
    two_users(&t).await;
    let client = register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;

    // Behind the trusted proxy, each forwarded client counts on its own.
    for _ in 0..2 {
        let resp = failed_sign_in(&t, &client, "10.0.0.1:4000", "198.51.100.1").await;
        assert_eq!(oauth_error(&resp, 400, "invalid_grant"), 50126);
    }
    let resp = failed_sign_in(&t, &client, "10.0.0.1:4000", "198.51.100.1").await;
    assert_eq!(oauth_error(&resp, 429, "temporarily_unavailable"), 50196);
    let resp = failed_sign_in(&t, &client, "10.0.0.1:4000", "198.51.100.2").await;
    assert_eq!(oauth_error(&resp, 400, "invalid_grant"), 50126);

    // Anyone else's X-Forwarded-For is ignored: changing it does not escape the limit.
    for i in 0..2 {
        let forged = format!("198.51.100.{}", 10 + i);
        let resp = failed_sign_in(&t, &client, "192.0.2.50:4000", &forged).await;
        assert_eq!(oauth_error(&resp, 400, "invalid_grant"), 50126);
    }
    let resp = failed_sign_in(&t, &client, "192.0.2.50:4000", "198.51.100.99").await;
    assert_eq!(oauth_error(&resp, 429, "temporarily_unavailable"), 50196);

    // The audit log records the same address the throttle counted.
    let log = t.state.store().audit(Some(TENANT_A), 0, 100).await.unwrap();
    let ips: Vec<_> = log.iter().filter_map(|e| e.client_ip.as_deref()).collect();
    assert!(ips.contains(&"198.51.100.2"), "{ips:?}");
    assert!(!ips.contains(&"198.51.100.10"), "{ips:?}");
    assert!(!ips.contains(&"10.0.0.1"), "{ips:?}");
}

fn token_for(t: &TestApp, tenant: &str, issuer_base: &str) -> String {
    let req = TokenRequest {
        tenant: tenant.into(),
        subject: TokenSubject::App {
            app_id: "11111111-2222-3333-4444-555555555555".into(),
            roles: vec![WRITE.into()],
        },
        lifetime_secs: 600,
    };
    mint(
        t.state.keys(),
        issuer_base,
        &req,
        time::OffsetDateTime::now_utc(),
    )
}

#[tokio::test]
async fn a_token_refused_for_its_issuer_names_the_issuer_expected() {
    let t = TestApp::new().await;
    let token = token_for(&t, TENANT_A, "http://127.0.0.1:9999");
    let resp = t.get_as("/v1.0/education/users", &token).await.expect(401);
    let expected = format!("http://127.0.0.1:8080/{TENANT_A}/v2.0");
    let (code, message) = resp.error();
    assert_eq!(code, "InvalidAuthenticationToken");
    assert!(
        message.contains("Invalid issuer") && message.contains(&expected),
        "{message}"
    );
    assert!(
        resp.header("www-authenticate").contains(&expected),
        "{}",
        resp.header("www-authenticate")
    );
}

#[tokio::test]
async fn the_recorded_issuer_is_minted_advertised_and_verified() {
    let t = TestApp::new().await;
    let recorded = "https://recorded.example";
    t.state
        .store()
        .record_issuer_base(TENANT_A, recorded, false)
        .await
        .unwrap();
    let issuer = format!("{recorded}/{TENANT_A}/v2.0");

    let doc = get_page(
        &t,
        &format!("/{TENANT_A}/v2.0/.well-known/openid-configuration"),
        None,
    )
    .await
    .expect(200)
    .json();
    assert_eq!(doc["issuer"], issuer);
    // The endpoints stay where this server is reached.
    assert_eq!(
        doc["token_endpoint"],
        format!("http://127.0.0.1:8080/{TENANT_A}/oauth2/v2.0/token")
    );

    let client = register_app(&t, TENANT_A, &[WRITE], &[]).await;
    consent(&t, TENANT_A, &client, &[WRITE]).await;
    let minted = app_token(&t, TENANT_A, &client).await.expect(200).json();
    let access = minted["access_token"].as_str().unwrap();
    assert_eq!(claims(access)["iss"], issuer);
    t.get_as("/v1.0/education/users", access).await.expect(200);
    t.get_as("/v1.0/education/users", &token_for(&t, TENANT_A, recorded))
        .await
        .expect(200);

    // The listen-address guess is refused, and the refusal names the recorded issuer.
    let (_, message) = t
        .get_as("/v1.0/education/users", &t.admin)
        .await
        .expect(401)
        .error();
    assert!(message.contains(&issuer), "{message}");

    // Tenant B had none: the first use records this server's own address.
    t.get_as(
        "/v1.0/education/users",
        &token_for(&t, TENANT_B, "http://127.0.0.1:8080"),
    )
    .await
    .expect(200);
    assert_eq!(
        t.state
            .store()
            .record_issuer_base(TENANT_B, "http://other.example", false)
            .await
            .unwrap()
            .as_deref(),
        Some("http://127.0.0.1:8080")
    );
}

async fn get_users(base: &str, token: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{base}/v1.0/education/users"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(json!(null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cli_token_is_accepted_by_a_server_on_a_non_default_port() {
    let dir = cli_support::temp_dir();
    let north = cli_support::json(&cli_support::ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "North",
            "--domain",
            "north.edu",
            "--json",
        ],
    ));
    let north = north["tenantId"].as_str().unwrap().to_string();
    let port = free_port();
    let _server = start_server(&dir, port).await;
    let base = format!("http://127.0.0.1:{port}");

    // `serve` recorded its own address as the tenant's issuer; the CLI, which knows
    // nothing of the port, mints with it.
    let token = cli_support::ok(
        &dir,
        &[
            "token",
            "--app",
            "--roles",
            "EduRoster.ReadWrite.All",
            "--tenant",
            "north.edu",
        ],
    );
    let token = token.trim_end();
    assert_eq!(claims(token)["iss"], format!("{base}/{north}/v2.0"));
    let (status, body) = get_users(&base, token).await;
    assert_eq!(status, 200, "{body}");
    let doc: Value = reqwest::get(format!(
        "{base}/{north}/v2.0/.well-known/openid-configuration"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(doc["issuer"], claims(token)["iss"]);

    // A tenant created while the server runs has no issuer yet: the CLI records its own
    // guess first, and the server, reading the record, accepts the token all the same.
    let south = cli_support::json(&cli_support::ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "South",
            "--domain",
            "south.edu",
            "--json",
        ],
    ));
    let south = south["tenantId"].as_str().unwrap().to_string();
    let token = cli_support::ok(
        &dir,
        &[
            "token",
            "--app",
            "--roles",
            "EduRoster.ReadWrite.All",
            "--tenant",
            "south.edu",
        ],
    );
    let token = token.trim_end();
    assert_eq!(
        claims(token)["iss"],
        format!("http://127.0.0.1:8080/{south}/v2.0")
    );
    let (status, body) = get_users(&base, token).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_data_folder_refuses_to_start() {
    let dir = cli_support::temp_dir();
    let _first = start_server(&dir, free_port()).await;
    let mut second = serve_command(&dir, free_port())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run a second edugraph serve");
    // It must exit on its own; one still running after 30 s started serving.
    let mut waited = 0;
    while second.try_wait().unwrap().is_none() {
        if waited == 300 {
            let _ = second.kill();
            panic!("a second server started on a data folder already in use");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let second = second.wait_with_output().unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("in use by another edugraph server") && err.contains(&*dir.to_string_lossy()),
        "{err}"
    );
    // The CLI still works on the folder while the server runs.
    cli_support::ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "South",
            "--domain",
            "south.edu",
        ],
    );
}
