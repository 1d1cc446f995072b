//! SQLite bulk load: multi-row `INSERT`s inside one transaction, sized under SQLite's bind
//! limit. Each chunk of entities first appends its changes to the log, then goes in
//! stamped with their sequence numbers, so a load never revisits rows already stored
//! (seeding a district in hundreds of loads stays linear).

use super::SqliteStore;
use crate::common::{
    batch_rows, bulk_rows, seqs_for, BulkRow, BULK_CHANGES_INSERT, BULK_CHANGES_RETURNING,
};
use crate::{EntityKind, Relation, Result};
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
        tracing::debug!(
            tenant,
            entities = rows.len(),
            links = links.len(),
            "bulk load"
        );
        let (_turn, mut tx) = self.write().await?;
        for chunk in rows.chunks(batch_rows(MAX_BINDS, 5)) {
            let seqs = record_changes(&mut tx, tenant, chunk).await?;
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
            qb.build().persistent(false).execute(&mut *tx).await?;
        }
        for chunk in links.chunks(batch_rows(MAX_BINDS, 4)) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO links (tenant_id, relation, from_id, to_id) ",
            );
            qb.push_values(chunk, |mut row, (rel, from, to)| {
                row.push_bind(tenant)
                    .push_bind(rel.name())
                    .push_bind(from.as_str())
                    .push_bind(to.as_str());
            });
            qb.build().persistent(false).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
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
