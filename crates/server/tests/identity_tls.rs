//! HTTPS: the real server on a loopback port with a freshly generated self-signed
//! certificate, called with a rustls client that trusts only that certificate; discovery
//! advertises `https://` endpoints, and a token obtained over HTTPS works on Graph.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use edugraph_edu::SystemClock;
use edugraph_server::auth::Keys;
use edugraph_server::authority::client::hash_hex;
use edugraph_server::cli::{Cli, Command};
use edugraph_server::config::Config;
use edugraph_server::{serve, AppState};
use edugraph_store::{AppRecord, AppSecretRecord, GrantRecord, TenantRecord};

const TENANT: &str = "7a7a7a7a-1111-4a8a-9a53-1c2d3e4f5a6b";
const SECRET: &str = "tls-test-secret-0123456789-abcdefghijklmnop";

struct Files {
    dir: PathBuf,
    cert_pem: String,
}

fn certificate() -> Files {
    let dir = std::env::temp_dir().join(format!("edugraph-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let cert_pem = generated.cert.pem();
    std::fs::write(dir.join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(dir.join("key.pem"), generated.key_pair.serialize_pem()).unwrap();
    Files { dir, cert_pem }
}

#[tokio::test]
async fn serves_https_with_discovery_and_tokens() {
    let files = certificate();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        listen: addr.to_string(),
        tls_cert: Some(files.dir.join("cert.pem")),
        tls_key: Some(files.dir.join("key.pem")),
        ..Config::default()
    };
    assert_eq!(config.issuer_base(), format!("https://{addr}"));
    let tls = serve::tls_config(&config)
        .await
        .unwrap()
        .expect("TLS configured");
    let store = edugraph_store::open("sqlite::memory:").await.unwrap();
    store
        .put_tenant(&TenantRecord {
            id: TENANT.into(),
            display_name: "TLS".into(),
            domain: "tls.example".into(),
        })
        .await
        .unwrap();
    let client_id = uuid::Uuid::new_v4().to_string();
    let app = AppRecord {
        client_id: client_id.clone(),
        home_tenant: TENANT.into(),
        display_name: "tls".into(),
        redirect_uris: vec![],
        app_permissions: vec!["EduRoster.Read.All".into()],
        delegated_permissions: vec![],
        created_at: "2025-01-01T00:00:00Z".into(),
        public_client: false,
    };
    store.put_app(&app).await.unwrap();
    let secret = AppSecretRecord {
        client_id: client_id.clone(),
        secret_id: uuid::Uuid::new_v4().to_string(),
        hash: hash_hex(SECRET),
        hint: "tls".into(),
        created_at: "2025-01-01T00:00:00Z".into(),
        expires_at: None,
        revoked_at: None,
    };
    store.add_app_secret(&secret).await.unwrap();
    let grant = GrantRecord {
        tenant: TENANT.into(),
        client_id: client_id.clone(),
        permissions: vec!["EduRoster.Read.All".into()],
        granted_by: "cli".into(),
        granted_at: "2025-01-01T00:00:00Z".into(),
    };
    store.put_grant(&grant).await.unwrap();
    let state = AppState::new(config, store, Arc::new(SystemClock), Keys::generate());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve::run_tls(listener, state, tls, async {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(files.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let base = format!("https://{addr}");
    let doc: serde_json::Value = http
        .get(format!(
            "{base}/tls.example/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["token_endpoint"],
        format!("{base}/{TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(doc["issuer"], format!("{base}/{TENANT}/v2.0"));

    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id.as_str()),
        ("client_secret", SECRET),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let resp = http
        .post(doc["token_endpoint"].as_str().unwrap())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let schools = http
        .get(format!("{base}/v1.0/education/schools"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(schools.status(), 200);

    // A client that does not trust the certificate is refused by the handshake, and plain
    // HTTP on the TLS port gets no HTTP answer.
    assert!(reqwest::Client::new()
        .get(format!("{base}/_edugraph/health"))
        .send()
        .await
        .is_err());
    let plain = reqwest::Client::new()
        .get(format!("http://{addr}/_edugraph/health"))
        .send()
        .await;
    assert!(plain.map(|r| r.status() != 200).unwrap_or(true));

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    std::fs::remove_dir_all(&files.dir).ok();
}

#[tokio::test]
async fn bad_certificate_files_are_named_in_the_error() {
    let files = certificate();
    let missing = Config {
        tls_cert: Some(files.dir.join("nope.pem")),
        tls_key: Some(files.dir.join("key.pem")),
        ..Config::default()
    };
    let err = format!("{:#}", serve::tls_config(&missing).await.unwrap_err());
    assert!(err.contains("nope.pem"), "{err}");
    std::fs::write(files.dir.join("junk.pem"), "not a certificate").unwrap();
    let junk = Config {
        tls_cert: Some(files.dir.join("junk.pem")),
        tls_key: Some(files.dir.join("key.pem")),
        ..Config::default()
    };
    let err = format!("{:#}", serve::tls_config(&junk).await.unwrap_err());
    assert!(err.contains("junk.pem"), "{err}");
    std::fs::remove_dir_all(&files.dir).ok();
}

#[test]
fn tls_flags_and_environment_come_together() {
    let cli = Cli::try_parse_from([
        "edugraph",
        "serve",
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
    ])
    .unwrap();
    let Command::Serve(args) = cli.command else {
        panic!("serve")
    };
    let config = args.resolve(&|_| None).unwrap();
    assert_eq!(
        config.tls_cert.as_deref(),
        Some(std::path::Path::new("c.pem"))
    );
    assert!(config.issuer_base().starts_with("https://"));
    assert!(Cli::try_parse_from(["edugraph", "serve", "--tls-cert", "c.pem"]).is_err());
    let env = |k: &str| (k == "EDUGRAPH_TLS_CERT").then(|| "c.pem".to_string());
    let err = Config::resolve(None, &env, &Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("tls_cert and tls_key"), "{err}");
}
