//! `bulk_impl!`, bulk loading once for both backends: a load is one transaction under the
//! tenant's writer lock or turn (also when it arrives as a stream of batches), in
//! multi-row `INSERT`s. Each chunk of entities first appends its changes to the log, then
//! goes in stamped with their sequence numbers, so a load never revisits rows already
//! stored.
//!
//! The statements differ only in the bind limit and in how a bound text becomes a document
//! (PostgreSQL casts it to `json`). What a backend does around a load is its own, as
//! inherent methods: `before_batches(conn)` and `after_batches(conn, state)` inside a
//! streamed load's transaction (SQLite drops and rebuilds the secondary indexes of empty
//! tables), and `after_load(rows)` once a load committed (PostgreSQL refreshes its
//! statistics).

/// Defines `load` and `load_batches` for a backend type (over its sqlx database type), and
/// the statements they run, in statements of at most `max_binds` parameters, each bound
/// document followed by `doc_cast`.
macro_rules! bulk_impl {
    ($store:ty, $db:ty, max_binds = $max_binds:expr, doc_cast = $doc_cast:expr) => {
        impl $store {
            pub(super) async fn load(
                &self,
                tenant: &str,
                entities: &[($crate::EntityKind, serde_json::Value)],
                links: &[($crate::Relation, String, String)],
            ) -> $crate::Result<()> {
                // Serialise before taking the writer's lock or turn: it is the slow part.
                let rows = $crate::common::bulk_rows(entities)?;
                let (_turn, mut tx) = self.tenant_write(tenant).await?;
                insert(&mut tx, tenant, &rows, links).await?;
                tx.commit().await?;
                self.after_load((rows.len() + links.len()) as u64).await
            }

            pub(super) async fn load_batches(
                &self,
                tenant: &str,
                batches: &mut (dyn Iterator<Item = $crate::BulkBatch> + Send),
            ) -> $crate::Result<()> {
                let (_turn, mut tx) = self.tenant_write(tenant).await?;
                let state = self.before_batches(&mut tx).await?;
                let mut loaded = 0;
                for (entities, links) in batches {
                    let rows = $crate::common::bulk_rows(&entities)?;
                    insert(&mut tx, tenant, &rows, &links).await?;
                    loaded += (rows.len() + links.len()) as u64;
                }
                self.after_batches(&mut tx, state).await?;
                tx.commit().await?;
                self.after_load(loaded).await
            }
        }

        /// Inserts entities (with their changes) and links inside the caller's transaction.
        async fn insert(
            conn: &mut <$db as sqlx::Database>::Connection,
            tenant: &str,
            rows: &[$crate::common::BulkRow<'_>],
            links: &[($crate::Relation, String, String)],
        ) -> $crate::Result<()> {
            use $crate::common::batch_rows;
            tracing::debug!(
                tenant,
                entities = rows.len(),
                links = links.len(),
                "bulk load"
            );
            for chunk in rows.chunks(batch_rows($max_binds, 5)) {
                let seqs = record_changes(conn, tenant, chunk).await?;
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO entities (tenant_id, entity_type, id, doc, change_seq) ",
                );
                qb.push_values(chunk.iter().zip(seqs), |mut row, ((ty, id, json), seq)| {
                    row.push_bind(tenant)
                        .push_bind(*ty)
                        .push_bind(*id)
                        .push_bind(json.as_ref())
                        .push_unseparated($doc_cast)
                        .push_bind(seq);
                });
                // Not cached: a statement this size is only worth keeping for one bulk load.
                qb.build().persistent(false).execute(&mut *conn).await?;
            }
            for chunk in links.chunks(batch_rows($max_binds, 4)) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
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

        /// Appends an `upsert` change per row; returns their sequence numbers in `chunk`'s
        /// order.
        async fn record_changes(
            conn: &mut <$db as sqlx::Database>::Connection,
            tenant: &str,
            chunk: &[$crate::common::BulkRow<'_>],
        ) -> $crate::Result<Vec<i64>> {
            use $crate::common::{seqs_for, BULK_CHANGES_INSERT, BULK_CHANGES_RETURNING};
            let mut qb = sqlx::QueryBuilder::<$db>::new(BULK_CHANGES_INSERT);
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
    };
}
pub(crate) use bulk_impl;
