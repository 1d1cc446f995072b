//! Which edugraph wrote a store, checked before migrating it.
//!
//! sqlx refuses a database holding a migration this binary does not know with a bare
//! "migration N was previously applied but is missing", which tells an operator nothing.
//! So before migrating, the applied versions are read from `_sqlx_migrations`; when the
//! highest is past what this binary knows, opening fails naming the edugraph version
//! that wrote the store (recorded in `edugraph_meta`) and the migrations each side knows.
//! After migrating, this binary records itself there, and an upgrade of an older store is
//! logged with the migrations it applied.
//!
//! `edugraph_meta` (`key`, `value`) is created here, outside the sqlx migrations: it must
//! be readable by any later binary whatever migrations it carries, and it holds only facts
//! about the store, never Graph data.

use sqlx::migrate::Migrator;

use crate::conflict::other;
use crate::Result;

/// This binary's version, recorded as the writer of every store it opens.
const VERSION: &str = env!("CARGO_PKG_VERSION");

const CREATE_META: &str =
    "CREATE TABLE IF NOT EXISTS edugraph_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";
const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";
const READ_META: &str = "SELECT key, value FROM edugraph_meta";
const WRITE_META: &str = "INSERT INTO edugraph_meta (key, value) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// What a store says about its schema before this binary migrates it.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Migrations applied so far (empty for a new store).
    applied: Vec<i64>,
    /// `edugraph_meta.written_by`: the edugraph version that last migrated it.
    written_by: Option<String>,
}

/// Reads [`Found`] from a pool; `$exists` is the backend's query answering whether a
/// table named `$1` exists (one row, `true`/`1`, or none).
macro_rules! found_in {
    ($name:ident, $pool:ty, $exists:expr) => {
        pub(crate) async fn $name(pool: &$pool) -> Result<Found> {
            let exists = |table: &'static str| async move {
                sqlx::query_scalar::<_, bool>($exists)
                    .bind(table)
                    .fetch_optional(pool)
                    .await
                    .map(|row| row.unwrap_or(false))
            };
            let mut found = Found::default();
            if exists("_sqlx_migrations").await? {
                found.applied = sqlx::query_scalar(APPLIED).fetch_all(pool).await?;
            }
            if exists("edugraph_meta").await? {
                let rows: Vec<(String, String)> = sqlx::query_as(READ_META).fetch_all(pool).await?;
                found.written_by = rows
                    .into_iter()
                    .find(|(k, _)| k == "written_by")
                    .map(|(_, v)| v);
            }
            Ok(found)
        }
    };
}

/// Records this binary as the store's writer (after a successful migration).
macro_rules! record_in {
    ($name:ident, $pool:ty) => {
        pub(crate) async fn $name(pool: &$pool, migrator: &Migrator) -> Result<()> {
            sqlx::query(CREATE_META).execute(pool).await?;
            for (key, value) in [
                ("written_by", VERSION.to_string()),
                ("migration", known(migrator).to_string()),
            ] {
                sqlx::query(WRITE_META)
                    .bind(key)
                    .bind(value)
                    .execute(pool)
                    .await?;
            }
            Ok(())
        }
    };
}

found_in!(
    found_sqlite,
    sqlx::SqlitePool,
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1"
);
found_in!(
    found_postgres,
    sqlx::PgPool,
    "SELECT true FROM pg_tables WHERE tablename = $1 AND schemaname = ANY (current_schemas(false))"
);
record_in!(record_sqlite, sqlx::SqlitePool);
record_in!(record_postgres, sqlx::PgPool);

/// The highest migration this binary carries.
fn known(migrator: &Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Refuses a store migrated past what `migrator` knows, saying who wrote it. `what` names
/// the store for the operator ("data folder", "database").
pub(crate) fn check(found: &Found, migrator: &Migrator, what: &str) -> Result<()> {
    let known = known(migrator);
    let Some(&newest) = found.applied.iter().max() else {
        return Ok(());
    };
    if newest <= known {
        return Ok(());
    }
    let writer = match &found.written_by {
        Some(v) => format!("edugraph {v}"),
        None => "a newer edugraph".into(),
    };
    Err(other(format!(
        "this {what} was written by {writer} (migration {newest}); this binary, edugraph {VERSION}, knows migrations up to {known}. Run that edugraph (or a newer one), or point this one at another {what}"
    )))
}

/// Logs what migrating applied to a store that already had a schema.
pub(crate) fn log_upgrade(found: &Found, migrator: &Migrator, what: &str) {
    let Some(&from) = found.applied.iter().max() else {
        return;
    };
    let applied: Vec<String> = pending(found, migrator)
        .map(|m| format!("{:04}_{}", m.version, m.description.replace(' ', "_")))
        .collect();
    if applied.is_empty() {
        return;
    }
    let written_by = found.written_by.as_deref().unwrap_or("unknown");
    tracing::info!(
        store = what,
        from_migration = from,
        to_migration = known(migrator),
        applied = %applied.join(", "),
        written_by,
        "upgraded the {what} schema"
    );
}

/// The migrations that migrating applies to a store in state `found`.
fn pending<'a>(
    found: &'a Found,
    migrator: &'a Migrator,
) -> impl Iterator<Item = &'a sqlx::migrate::Migration> {
    migrator
        .iter()
        .filter(|m| !found.applied.contains(&m.version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// An older binary: the SQLite migrations up to `last`.
    fn older(last: i64) -> Migrator {
        let migrations: Vec<_> = crate::sqlite::MIGRATOR
            .iter()
            .filter(|m| m.version <= last)
            .cloned()
            .collect();
        Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        }
    }

    async fn pool(path: &std::path::Path) -> sqlx::SqlitePool {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        sqlx::SqlitePool::connect_with(options).await.unwrap()
    }

    #[tokio::test]
    async fn an_older_store_is_upgraded_and_its_state_read_first() {
        let path = std::env::temp_dir().join(format!("edugraph-meta-{}.db", uuid::Uuid::new_v4()));
        let pool = pool(&path).await;
        assert!(found_sqlite(&pool).await.unwrap().applied.is_empty());
        older(2).run(&pool).await.unwrap();
        let found = found_sqlite(&pool).await.unwrap();
        assert_eq!(found.applied, [1, 2]);
        assert_eq!(found.written_by, None);
        check(&found, &crate::sqlite::MIGRATOR, "data folder").unwrap();
        let newest = known(&crate::sqlite::MIGRATOR);
        assert_eq!(
            pending(&found, &crate::sqlite::MIGRATOR)
                .map(|m| m.version)
                .collect::<Vec<_>>(),
            (3..=newest).collect::<Vec<_>>()
        );
        pool.close().await;

        // Opening through the store migrates it and records this binary as the writer.
        let url = format!("sqlite://{}", path.display());
        drop(crate::open(&url).await.unwrap());
        let pool = self::pool(&path).await;
        let found = found_sqlite(&pool).await.unwrap();
        assert_eq!(found.applied, (1..=newest).collect::<Vec<_>>());
        assert_eq!(found.written_by.as_deref(), Some(VERSION));
        pool.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[test]
    fn a_newer_store_names_its_writer() {
        let found = Found {
            applied: vec![1, 2, 3],
            written_by: Some("9.1.0".into()),
        };
        let err = check(&found, &older(2), "data folder")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("this data folder was written by edugraph 9.1.0 (migration 3)"),
            "{err}"
        );
        assert!(err.contains("knows migrations up to 2"), "{err}");
        let unknown = Found {
            applied: vec![1, 2, 3],
            written_by: None,
        };
        let err = check(&unknown, &older(2), "database")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("this database was written by a newer edugraph"),
            "{err}"
        );
    }
}
