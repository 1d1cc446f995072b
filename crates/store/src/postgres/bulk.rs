//! PostgreSQL bulk load: multi-row `INSERT`s inside one transaction, sized under the
//! protocol's bind limit, then one set-wise pass that records a change per new entity.

use super::PgStore;
use crate::common::{batch_rows, doc_id, BULK_RECORD_CHANGES, BULK_STAMP_CHANGES};
use crate::conflict::other;
use crate::{EntityKind, Relation, Result};
use serde_json::Value;
use sqlx::{Postgres, QueryBuilder};

/// The wire protocol counts parameters in 16 bits.
const MAX_BINDS: usize = 65_535;

impl PgStore {
    pub(super) async fn load(
        &self,
        tenant: &str,
        entities: &[(EntityKind, Value)],
        links: &[(Relation, String, String)],
    ) -> Result<()> {
        // Serialise before taking the tenant's writer lock: it is the slow part.
        let rows = entities
            .iter()
            .map(|(kind, doc)| {
                let json = serde_json::to_string(doc).map_err(|e| other(e.to_string()))?;
                Ok((kind.type_name(), doc_id(doc)?, json))
            })
            .collect::<Result<Vec<_>>>()?;

        tracing::debug!(
            tenant,
            entities = rows.len(),
            links = links.len(),
            "bulk load"
        );
        let mut tx = self.write(tenant).await?;
        for chunk in rows.chunks(batch_rows(MAX_BINDS, 4)) {
            let mut qb = QueryBuilder::<Postgres>::new(
                "INSERT INTO entities (tenant_id, entity_type, id, doc) ",
            );
            qb.push_values(chunk, |mut row, (ty, id, json)| {
                row.push_bind(tenant)
                    .push_bind(*ty)
                    .push_bind(*id)
                    .push_bind(json.as_str())
                    .push_unseparated("::jsonb");
            });
            // Not cached: a statement this size is only worth keeping for one bulk load.
            qb.build().persistent(false).execute(&mut *tx).await?;
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
            qb.build().persistent(false).execute(&mut *tx).await?;
        }
        sqlx::query(BULK_RECORD_CHANGES)
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        sqlx::query(BULK_STAMP_CHANGES)
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // Fresh statistics: plans made for the tables' old sizes (nested loops over "tiny"
        // tables) turn quadratic after a bulk load, and autovacuum only catches up later.
        sqlx::query("ANALYZE entities, links, changes")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
