//! PostgreSQL bulk loads: multi-row `INSERT`s sized under the protocol's bind limit, in one
//! transaction per load (also when the load arrives as a stream of batches). Each chunk of
//! entities first appends its changes to the log, then goes in stamped with their sequence
//! numbers, so a load never revisits rows already stored.

use super::PgStore;
use crate::common::{
    batch_rows, bulk_rows, seqs_for, BulkRow, BULK_CHANGES_INSERT, BULK_CHANGES_RETURNING,
};
use crate::{BulkBatch, EntityKind, Relation, Result};
use serde_json::Value;
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// The wire protocol counts parameters in 16 bits.
const MAX_BINDS: usize = 65_535;

/// Rows this process bulk-loaded, to decide when statistics are stale (see [`Growth`]).
#[derive(Debug, Default)]
pub(super) struct Growth {
    /// Rows loaded in all, and as of the last `ANALYZE`.
    loaded: u64,
    analyzed: u64,
}

impl Growth {
    /// Counts `rows` more; true when the loaded rows grew by half since the last
    /// `ANALYZE` (or none ran yet), which then counts as done.
    fn needs_analyze(&mut self, rows: u64) -> bool {
        self.loaded += rows;
        let stale = self.analyzed == 0 || self.loaded >= self.analyzed + self.analyzed / 2;
        if stale {
            self.analyzed = self.loaded.max(1);
        }
        stale
    }
}

impl PgStore {
    pub(super) async fn load(
        &self,
        tenant: &str,
        entities: &[(EntityKind, Value)],
        links: &[(Relation, String, String)],
    ) -> Result<()> {
        // Serialise before taking the tenant's writer lock: it is the slow part.
        let rows = bulk_rows(entities)?;
        let mut tx = self.write(tenant).await?;
        insert(&mut tx, tenant, &rows, links).await?;
        tx.commit().await?;
        self.analyze_if_grown((rows.len() + links.len()) as u64)
            .await
    }

    pub(super) async fn load_batches(
        &self,
        tenant: &str,
        batches: &mut (dyn Iterator<Item = BulkBatch> + Send),
    ) -> Result<()> {
        let mut tx = self.write(tenant).await?;
        let mut loaded = 0;
        for (entities, links) in batches {
            let rows = bulk_rows(&entities)?;
            insert(&mut tx, tenant, &rows, &links).await?;
            loaded += (rows.len() + links.len()) as u64;
        }
        tx.commit().await?;
        self.analyze_if_grown(loaded).await
    }

    /// Fresh statistics: plans made for the tables' old sizes (nested loops over "tiny"
    /// tables) turn quadratic after a bulk load, and autovacuum only catches up later.
    /// Only when the loaded rows grew by half, so that hundreds of small loads analyze a
    /// dozen times rather than hundreds.
    async fn analyze_if_grown(&self, rows: u64) -> Result<()> {
        let stale = self
            .growth
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .needs_analyze(rows);
        if stale {
            sqlx::query("ANALYZE entities, links, changes")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

/// Inserts entities (with their changes) and links inside the caller's transaction.
async fn insert(
    conn: &mut PgConnection,
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
        let mut qb = QueryBuilder::<Postgres>::new(
            "INSERT INTO entities (tenant_id, entity_type, id, doc, change_seq) ",
        );
        qb.push_values(chunk.iter().zip(seqs), |mut row, ((ty, id, json), seq)| {
            row.push_bind(tenant)
                .push_bind(*ty)
                .push_bind(*id)
                .push_bind(json.as_str())
                .push_unseparated("::json")
                .push_bind(seq);
        });
        // Not cached: a statement this size is only worth keeping for one bulk load.
        qb.build().persistent(false).execute(&mut *conn).await?;
    }
    for chunk in links.chunks(batch_rows(MAX_BINDS, 4)) {
        let mut qb = QueryBuilder::<Postgres>::new(
            "INSERT INTO links (tenant_id, relation, from_id, to_id) ",
        );
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
    conn: &mut PgConnection,
    tenant: &str,
    chunk: &[BulkRow<'_>],
) -> Result<Vec<i64>> {
    let mut qb = QueryBuilder::<Postgres>::new(BULK_CHANGES_INSERT);
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
    use super::Growth;

    #[test]
    fn statistics_refresh_as_the_loaded_rows_grow_by_half() {
        let mut g = Growth::default();
        // Equal loads: analyzed after loads 1, 2, 3, 5, 8, 12, ... (half again each time).
        let analyzed: Vec<u32> = (1..=40).filter(|_| g.needs_analyze(100)).collect();
        assert_eq!(analyzed, [1, 2, 3, 5, 8, 12, 18, 27]);
        // A load as large as everything before it always refreshes.
        assert!(g.needs_analyze(g.loaded));
    }
}
