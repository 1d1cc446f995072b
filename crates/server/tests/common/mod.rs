//! Shared helpers of the Graph tests: the whole app over an in-memory store with two
//! tenants, tokens for an app, teachers and students, and small request helpers.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use edugraph_edu::SystemClock;
use edugraph_server::auth::{mint, Keys, TokenRequest, TokenSubject};
use edugraph_server::config::Config;
use edugraph_server::AppState;
use edugraph_store::{EntityKind, ListQuery, Scope, TenantRecord};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

pub const TENANT_A: &str = "0b7f7c1e-1111-4a8a-9a53-1c2d3e4f5a6b";
pub const TENANT_B: &str = "0b7f7c1e-2222-4a8a-9a53-1c2d3e4f5a6b";
pub const WRITE: &str = "EduRoster.ReadWrite.All";
pub const READ: &str = "EduRoster.ReadBasic";

/// RSA key generation is slow; one key serves the whole test binary.
fn shared_keys() -> Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(Keys::generate).clone()
}

pub struct TestApp {
    pub state: AppState,
    pub app: edugraph_server::http::App,
    /// App token of tenant A with `EduRoster.ReadWrite.All` and `Directory.Read.All`
    /// (the directory objects behind classes and users need the latter too).
    pub admin: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// `error.code` and `error.message` of a Graph error envelope.
    pub fn error(&self) -> (String, String) {
        let v = self.json();
        let e = &v["error"];
        assert!(
            e["innerError"]["request-id"].is_string(),
            "no innerError in {v}"
        );
        (
            e["code"].as_str().unwrap_or_default().to_string(),
            e["message"].as_str().unwrap_or_default().to_string(),
        )
    }
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        self
    }
}

/// The store the HTTP tests run on: a fresh PostgreSQL database of the throwaway cluster
/// when `EDUGRAPH_TEST_PG_URL` is set (the second stage of `scripts/test.sh`), otherwise
/// SQLite in memory. A database per test keeps the fixed tenant ids of the fixtures apart.
async fn test_store() -> Arc<dyn edugraph_store::Store> {
    use sqlx::Connection;
    let Some(url) = std::env::var("EDUGRAPH_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return edugraph_store::open("sqlite::memory:")
            .await
            .expect("in-memory store");
    };
    let name = format!("edugraph_http_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .expect("connect to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a database for this test");
    let (server, _) = url
        .rsplit_once('/')
        .expect("database URL with a database name");
    edugraph_store::open(&format!("{server}/{name}"))
        .await
        .expect("PostgreSQL store")
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(Config::default()).await
    }

    pub async fn with_config(mut config: Config) -> TestApp {
        let store = test_store().await;
        // Files the server keeps beside its store (School Data Sync uploads) go to a
        // folder of this test's, not to `data/` in the crate.
        if config.data_dir == Config::default().data_dir {
            config.data_dir =
                std::env::temp_dir().join(format!("edugraph-test-{}", uuid::Uuid::new_v4()));
        }
        let state = AppState::new(config, store, Arc::new(SystemClock), shared_keys());
        for (id, domain) in [(TENANT_A, "a.example.edu"), (TENANT_B, "b.example.edu")] {
            let t = TenantRecord {
                id: id.into(),
                display_name: format!("Tenant {domain}"),
                domain: domain.into(),
            };
            state.store().put_tenant(&t).await.unwrap();
        }
        let app = edugraph_server::http::app(state.clone());
        let mut t = TestApp {
            state,
            app,
            admin: String::new(),
        };
        t.admin = t.app_token(TENANT_A, &[WRITE, "Directory.Read.All"]);
        t
    }

    fn mint(&self, tenant: &str, subject: TokenSubject) -> String {
        let req = TokenRequest {
            tenant: tenant.into(),
            subject,
            lifetime_secs: 3600,
        };
        mint(
            self.state.keys(),
            &self.state.config().issuer_base(),
            &req,
            time::OffsetDateTime::now_utc(),
        )
    }

    pub fn app_token(&self, tenant: &str, roles: &[&str]) -> String {
        let roles = roles.iter().map(|r| r.to_string()).collect();
        self.mint(
            tenant,
            TokenSubject::App {
                app_id: "11111111-2222-3333-4444-555555555555".into(),
                roles,
            },
        )
    }

    pub fn user_token(&self, user_id: &str, scopes: &[&str]) -> String {
        let scopes = scopes.iter().map(|s| s.to_string()).collect();
        self.mint(
            TENANT_A,
            TokenSubject::User {
                user_id: user_id.into(),
                scopes,
            },
        )
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn call(&self, method: Method, uri: &str, token: &str, body: Option<&str>) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if !token.is_empty() {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    pub async fn get_as(&self, uri: &str, token: &str) -> Resp {
        self.call(Method::GET, uri, token, None).await
    }
    pub async fn get(&self, uri: &str) -> Resp {
        self.get_as(uri, &self.admin).await
    }
    pub async fn post(&self, uri: &str, body: Value) -> Resp {
        self.call(Method::POST, uri, &self.admin, Some(&body.to_string()))
            .await
    }
    pub async fn patch(&self, uri: &str, body: Value) -> Resp {
        self.call(Method::PATCH, uri, &self.admin, Some(&body.to_string()))
            .await
    }
    pub async fn delete(&self, uri: &str) -> Resp {
        self.call(Method::DELETE, uri, &self.admin, None).await
    }

    /// Creates a user through the API and returns its id.
    pub async fn user(&self, nick: &str, role: &str) -> String {
        let resp = self
            .post("/v1.0/education/users", user_body(nick, role))
            .await
            .expect(201);
        resp.json()["id"].as_str().unwrap().to_string()
    }
    pub async fn class(&self, nick: &str) -> String {
        let body = json!({"displayName": format!("Class {nick}"), "mailNickname": nick, "description": "d"});
        let resp = self.post("/v1.0/education/classes", body).await.expect(201);
        resp.json()["id"].as_str().unwrap().to_string()
    }
    pub async fn school(&self, name: &str) -> String {
        let resp = self
            .post("/v1.0/education/schools", json!({"displayName": name}))
            .await
            .expect(201);
        resp.json()["id"].as_str().unwrap().to_string()
    }
    /// `POST {collection}/$ref` with a Graph-cloud URL of `target`.
    pub async fn link(&self, collection: &str, target: &str) {
        let body = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/{target}")});
        self.post(&format!("{collection}/$ref"), body)
            .await
            .expect(204);
    }

    /// Verifies one more domain for tenant A, straight in the store.
    pub async fn verify_domain(&self, domain: &str) {
        let added = self
            .state
            .store()
            .add_tenant_domain(TENANT_A, domain, "2025-01-01T00:00:00Z")
            .await
            .unwrap();
        assert!(added, "{domain} was verified already");
    }

    /// Entities of a kind in tenant A, straight from the store.
    pub async fn stored(&self, kind: EntityKind) -> u64 {
        let query = ListQuery {
            kind,
            scope: Scope::All,
            filter: None,
            orderby: &[],
            skip: 0,
            limit: 1,
            count: true,
        };
        self.state
            .store()
            .list(TENANT_A, &query)
            .await
            .unwrap()
            .total
            .unwrap()
    }
}

pub fn user_body(nick: &str, role: &str) -> Value {
    json!({
        "displayName": format!("User {nick}"),
        "givenName": "Given",
        "surname": nick,
        "mailNickname": nick,
        "userPrincipalName": format!("{nick}@a.example.edu"),
        "accountEnabled": true,
        "passwordProfile": {"password": "Sup3r-secret!", "forceChangePasswordNextSignIn": false},
        "primaryRole": role,
        "usageLocation": "US",
        "student": {"externalId": format!("X-{nick}"), "grade": "9"}
    })
}

/// `user_body` for a user of tenant B: its principal name uses B's verified domain.
pub fn user_body_b(nick: &str, role: &str) -> Value {
    let mut body = user_body(nick, role);
    body["userPrincipalName"] = json!(format!("{nick}@b.example.edu"));
    body
}

/// The `value` array of a collection response.
pub fn values(v: &Value) -> Vec<Value> {
    v["value"].as_array().cloned().unwrap_or_default()
}

/// The ids in a collection response, in order.
pub fn ids(v: &Value) -> Vec<String> {
    values(v)
        .iter()
        .map(|x| x["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The path and query of an absolute link (`http://host/v1.0/...?x` → `/v1.0/...?x`).
pub fn path_of(link: &str) -> String {
    let rest = link.split_once("://").map(|(_, r)| r).unwrap_or(link);
    rest.find('/')
        .map(|i| rest[i..].to_string())
        .unwrap_or_default()
}
