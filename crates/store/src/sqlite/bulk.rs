//! SQLite bulk loads: multi-row `INSERT`s sized under SQLite's bind limit, in one
//! transaction per load (also when the load arrives as a stream of batches). Each chunk of
//! entities first appends its changes to the log, then goes in stamped with their sequence
//! numbers, so a load never revisits rows already stored.

use super::SqliteStore;
use crate::common::{
    batch_rows, bulk_rows, seqs_for, BulkRow, BULK_CHANGES_INSERT, BULK_CHANGES_RETURNING,
};
use crate::{BulkBatch, EntityKind, Relation, Result};
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite (3.32 and later).
const MAX_BINDS: usize = 32_766;

impl SqliteStore {
    pub(super) async fn load(
        &self,
        tenant: &str,
        entities: &[(EntityKind, Value)],
        links: &[(Relation, String, String)],
    ) -> Result<()> {
        // Serialise before taking the writer's turn: it is the slow part.
        let rows = bulk_rows(entities)?;
        let (_turn, mut tx) = self.write().await?;
        insert(&mut tx, tenant, &rows, links).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn load_batches(
        &self,
        tenant: &str,
        batches: &mut (dyn Iterator<Item = BulkBatch> + Send),
    ) -> Result<()> {
        let (_turn, mut tx) = self.write().await?;
        // Into empty tables (a fresh database, or a reset demo), rows go in faster without
        // the secondary indexes, which are then built once, sorted: inserted row by row,
        // their scattered pages overflow SQLite's page cache and are written and read back
        // again and again. The index definitions come from the schema itself, and all of
        // it is one transaction, so a failed load leaves the indexes as they were.
        let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM entities)")
            .fetch_one(&mut *tx)
            .await?;
        let indexes: Vec<(String, String)> = if empty {
            sqlx::query_as(SECONDARY_INDEXES)
                .fetch_all(&mut *tx)
                .await?
        } else {
            Vec::new()
        };
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {}", quote(name)))
                .execute(&mut *tx)
                .await?;
        }
        for (entities, links) in batches {
            let rows = bulk_rows(&entities)?;
            insert(&mut tx, tenant, &rows, &links).await?;
        }
        for (_, sql) in &indexes {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
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

/// Inserts entities (with their changes) and links inside the caller's transaction.
async fn insert(
    conn: &mut SqliteConnection,
    tenant: &str,
    rows: &[BulkRow<'_>],
    links: &[(Relation, String, String)],
) -> Result<()> {
    tracing::debug!(
        tenant,
        entities = rows.len(),
        links = links.len(),
        "bulk load"
    );
    for chunk in rows.chunks(batch_rows(MAX_BINDS, 5)) {
        let seqs = record_changes(conn, tenant, chunk).await?;
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO entities (tenant_id, entity_type, id, doc, change_seq) ",
        );
        qb.push_values(chunk.iter().zip(seqs), |mut row, ((ty, id, json), seq)| {
            row.push_bind(tenant)
                .push_bind(*ty)
                .push_bind(*id)
                .push_bind(json.as_str())
                .push_bind(seq);
        });
        // Not cached: a statement this size is only worth keeping for one bulk load.
        qb.build().persistent(false).execute(&mut *conn).await?;
    }
    for chunk in links.chunks(batch_rows(MAX_BINDS, 4)) {
        let mut qb =
            QueryBuilder::<Sqlite>::new("INSERT INTO links (tenant_id, relation, from_id, to_id) ");
        qb.push_values(chunk, |mut row, (rel, from, to)| {
            row.push_bind(tenant)
                .push_bind(rel.name())
                .push_bind(from.as_str())
                .push_bind(to.as_str());
        });
        qb.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends an `upsert` change per row; returns their sequence numbers in `chunk`'s order.
async fn record_changes(
    conn: &mut SqliteConnection,
    tenant: &str,
    chunk: &[BulkRow<'_>],
) -> Result<Vec<i64>> {
    let mut qb = QueryBuilder::<Sqlite>::new(BULK_CHANGES_INSERT);
    qb.push_values(chunk, |mut row, (ty, id, _)| {
        row.push_bind(tenant)
            .push_bind(*ty)
            .push_bind(*id)
            .push("'upsert'");
    });
    qb.push(BULK_CHANGES_RETURNING);
    let returned = qb
        .build_query_as()
        .persistent(false)
        .fetch_all(conn)
        .await?;
    seqs_for(chunk, returned)
}

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
                json!({"id": id, "userPrincipalName": upn, "mailNickname": id}),
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
