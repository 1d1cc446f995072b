//! SQLite bulk loads: the shared multi-row `INSERT`s (`sql::bulk`), sized under SQLite's
//! bind limit, in one transaction per load in this process's writer turn (also when the
//! load arrives as a stream of batches); a stream into empty tables builds the secondary
//! indexes once at the end.

use super::SqliteStore;
use crate::sql::bulk::bulk_impl;
use crate::Result;
use sqlx::{Sqlite, SqliteConnection};

/// SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite (3.32 and later).
const MAX_BINDS: usize = 32_766;

impl SqliteStore {
    /// Into empty tables (a fresh database, or a reset demo), rows go in faster without
    /// the secondary indexes, which are then built once, sorted: inserted row by row,
    /// their scattered pages overflow SQLite's page cache and are written and read back
    /// again and again. The index definitions come from the schema itself, and all of it
    /// is one transaction, so a failed load leaves the indexes as they were. Returns the
    /// indexes dropped.
    async fn before_batches(&self, conn: &mut SqliteConnection) -> Result<Vec<(String, String)>> {
        let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM entities)")
            .fetch_one(&mut *conn)
            .await?;
        let indexes: Vec<(String, String)> = if empty {
            sqlx::query_as(SECONDARY_INDEXES)
                .fetch_all(&mut *conn)
                .await?
        } else {
            Vec::new()
        };
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {}", quote(name)))
                .execute(&mut *conn)
                .await?;
        }
        Ok(indexes)
    }

    /// Builds the indexes `before_batches` dropped.
    async fn after_batches(
        &self,
        conn: &mut SqliteConnection,
        indexes: Vec<(String, String)>,
    ) -> Result<()> {
        for (_, sql) in &indexes {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Nothing to refresh: SQLite plans without statistics (see `Dialect::entities`).
    async fn after_load(&self, _rows: u64) -> Result<()> {
        Ok(())
    }
}

/// The secondary indexes of the tables a bulk load fills, with their definitions
/// (constraint indexes have no SQL of their own and stay).
const SECONDARY_INDEXES: &str = "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
     AND tbl_name IN ('entities', 'links', 'changes') AND sql IS NOT NULL ORDER BY name";

/// An identifier quoted for SQL text.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

bulk_impl!(SqliteStore, Sqlite, max_binds = MAX_BINDS, doc_cast = "");

#[cfg(test)]
mod tests {
    use super::{SqliteStore, SECONDARY_INDEXES};
    use crate::{EntityKind, Relation, Store, StoreError};
    use serde_json::json;

    async fn indexes(s: &SqliteStore) -> Vec<(String, String)> {
        sqlx::query_as(SECONDARY_INDEXES)
            .fetch_all(&s.pool)
            .await
            .unwrap()
    }

    fn batch(n: usize, upn: &str) -> crate::BulkBatch {
        let id = format!("u{n}");
        (
            vec![(
                EntityKind::User,
                json!({"id": id, "userPrincipalName": upn, "mailNickname": id}).into(),
            )],
            vec![(Relation::SchoolUsers, "s".to_string(), id)],
        )
    }

    #[tokio::test]
    async fn streamed_loads_into_empty_tables_rebuild_every_secondary_index() {
        let s = SqliteStore::open("sqlite::memory:").await.unwrap();
        let before = indexes(&s).await;
        assert!(before.len() >= 10, "{before:?}");
        // A failed load (duplicate principal name, caught by the rebuilt unique index)
        // leaves the indexes as they were.
        let mut clash = vec![batch(1, "a@x"), batch(2, "A@X")].into_iter();
        let err = s.bulk_load_batches("t", &mut clash).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref p) if p == "userPrincipalName"),
            "{err:?}"
        );
        assert_eq!(indexes(&s).await, before);
        let mut ok = vec![batch(1, "a@x"), batch(2, "b@x")].into_iter();
        s.bulk_load_batches("t", &mut ok).await.unwrap();
        assert_eq!(indexes(&s).await, before);
        // Into tables that hold rows, the indexes stay in place and still catch conflicts.
        let mut more = vec![batch(3, "B@x")].into_iter();
        let err = s.bulk_load_batches("t", &mut more).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        let mut more = vec![batch(3, "c@x")].into_iter();
        s.bulk_load_batches("t", &mut more).await.unwrap();
        assert_eq!(indexes(&s).await, before);
    }
}
