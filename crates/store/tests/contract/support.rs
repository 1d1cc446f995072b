//! Harness of the contract suite: the backends to run on, fresh tenants, documents.

use edugraph_store::{open, EntityKind, ListQuery, Scope, Store};
use serde_json::{json, Value};
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Backend {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    file: Option<PathBuf>,
}

impl Backend {
    /// Deletes the temporary database file, if any (with its WAL side files).
    pub fn cleanup(self) {
        drop(self.store);
        if let Some(path) = self.file {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

pub fn pg_url() -> Option<String> {
    std::env::var("EDUGRAPH_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

fn temp_db() -> PathBuf {
    std::env::temp_dir().join(format!("edugraph-contract-{}.db", uuid::Uuid::new_v4()))
}

pub async fn backends() -> Vec<Backend> {
    let mut out = vec![Backend {
        name: "sqlite-memory",
        store: open("sqlite::memory:").await.unwrap(),
        file: None,
    }];
    let path = temp_db();
    let store = open(&format!("sqlite://{}", path.display())).await.unwrap();
    out.push(Backend {
        name: "sqlite-file",
        store,
        file: Some(path),
    });
    if let Some(url) = pg_url() {
        out.push(Backend {
            name: "postgres",
            store: open(&url).await.unwrap(),
            file: None,
        });
    }
    out
}

/// A fresh tenant id, so cases never see each other's rows.
pub fn tenant() -> String {
    format!("t-{}", uuid::Uuid::new_v4())
}

pub fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn user(id: &str, upn: &str, extra: Value) -> Value {
    let mut doc = json!({
        "id": id,
        "displayName": format!("User {upn}"),
        "userPrincipalName": upn,
        "mailNickname": upn.split('@').next().unwrap_or(upn),
    });
    merge(&mut doc, extra);
    doc
}

pub fn class(id: &str, nick: &str, extra: Value) -> Value {
    let mut doc = json!({"id": id, "displayName": format!("Class {nick}"), "mailNickname": nick});
    merge(&mut doc, extra);
    doc
}

pub fn school(id: &str, name: &str) -> Value {
    json!({"id": id, "displayName": name})
}

fn merge(doc: &mut Value, extra: Value) {
    if let (Some(d), Value::Object(e)) = (doc.as_object_mut(), extra) {
        for (k, v) in e {
            d.insert(k, v);
        }
    }
}

/// A listing of every entity of a kind, first page of 1000.
pub fn all(kind: EntityKind) -> ListQuery<'static> {
    ListQuery {
        kind,
        scope: Scope::All,
        filter: None,
        orderby: &[],
        skip: 0,
        limit: 1000,
        count: false,
    }
}

/// Ids of a listing, in order.
pub async fn ids(store: &dyn Store, tenant: &str, q: &ListQuery<'_>) -> Vec<String> {
    store
        .list(tenant, q)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.id)
        .collect()
}

pub fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap()
}

/// The schema version each backend reaches, read from sqlx's bookkeeping table, plus a
/// check that the two migration folders hold the same file names.
pub async fn check_migration_versions() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |sub: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let sqlite_files = names("sqlite");
    assert!(!sqlite_files.is_empty());
    assert_eq!(sqlite_files, names("postgres"), "migration folders differ");
    let expected: i64 = sqlite_files
        .last()
        .unwrap()
        .split('_')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    let path = temp_db();
    let url = format!("sqlite://{}", path.display());
    let store = open(&url).await.unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let v: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(v, expected, "sqlite schema version");
    drop(conn);
    Backend {
        name: "sqlite-file",
        store,
        file: Some(path),
    }
    .cleanup();

    if let Some(url) = pg_url() {
        let _store = open(&url).await.unwrap();
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let v: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(v, expected, "postgres schema version");
    }
}
