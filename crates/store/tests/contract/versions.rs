//! A store migrated by a newer edugraph is refused with a message naming that edugraph and
//! the migrations each side knows, not sqlx's bare "migration N is missing"; on SQLite and,
//! when `EDUGRAPH_TEST_PG_URL` is set, on a fresh PostgreSQL database of its own (so the
//! shared test database never holds a migration this binary does not know).

use edugraph_store::open;
use sqlx::Connection;

/// What a newer edugraph leaves behind: its migration 9999 and its version as the writer.
const NEWER: [&str; 2] = [
    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
     VALUES (9999, 'from a newer edugraph', true, $1, 0)",
    "UPDATE edugraph_meta SET value = '9.9.9' WHERE key = 'written_by'",
];

/// Opens and closes a store at `url`, then leaves behind on `$conn` (a connection to the
/// same database) what a newer edugraph would, and returns the error of the next open.
macro_rules! reopen_after_a_newer_edugraph {
    ($url:expr, $conn:ty) => {{
        drop(open($url).await.unwrap());
        let mut conn = <$conn>::connect($url).await.unwrap();
        sqlx::query(NEWER[0])
            .bind(vec![0u8])
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(NEWER[1]).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        open($url).await.err().expect("refused").to_string()
    }};
}

fn assert_names_the_writer(err: &str, what: &str) {
    assert!(
        err.contains(&format!(
            "this {what} was written by edugraph 9.9.9 (migration 9999)"
        )),
        "{err}"
    );
    assert!(err.contains("knows migrations up to"), "{err}");
}

#[tokio::test]
async fn a_data_folder_written_by_a_newer_edugraph_says_so() {
    let path = std::env::temp_dir().join(format!("edugraph-newer-{}.db", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}", path.display());
    let err = reopen_after_a_newer_edugraph!(&url, sqlx::SqliteConnection);
    assert_names_the_writer(&err, "data folder");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn a_postgres_database_written_by_a_newer_edugraph_says_so() {
    let Some(base) = crate::support::pg_url() else {
        return;
    };
    let name = format!("edugraph_newer_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = match base.split_once('?') {
        Some((head, query)) => format!("{}/{name}?{query}", head.rsplit_once('/').unwrap().0),
        None => format!("{}/{name}", base.rsplit_once('/').unwrap().0),
    };
    let err = reopen_after_a_newer_edugraph!(&url, sqlx::PgConnection);
    assert_names_the_writer(&err, "database");
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
}
