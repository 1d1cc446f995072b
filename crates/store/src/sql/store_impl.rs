//! `store_impl!`, the one implementation of [`Store`] both backends expand, as
//! `job_store_impl!` is for `JobStore` and `identity_store_impl!` for `IdentityStore`.
//! Everything a backend does the same way lives here; the backend supplies only what truly
//! differs, as inherent methods and the macro's arguments:
//!
//! - `pool` and `changes_sql` (the delta statements over a whole kind, over one container);
//! - `global_write()` and `tenant_write(tenant)`: a write transaction with whatever the
//!   backend holds beside it until it ends (SQLite: this process's writer turn;
//!   PostgreSQL: nothing for server-wide rows, the tenant's advisory lock for a tenant's);
//! - the dialect, and the point reads' SQL (`get`, `get_many`), which names the document
//!   column as the dialect returns it;
//! - `get_doc` and `page_items`: a point read and a page's rows (SQLite answers the first
//!   from its document cache and packs the second into one row; both come back to
//!   `read_doc` and `read_page` here);
//! - `settle` and `settle_clear`, which keep SQLite's document cache exact after a write,
//!   called while the write's turn is still held (PostgreSQL caches nothing);
//! - `load` and `load_batches`: bulk loading.
//!
//! [`Store`]: crate::Store

/// Implements `Store` for a backend type (over its sqlx database type); see the module
/// documentation for what the backend supplies.
macro_rules! store_impl {
    ($store:ty, $db:ty, dialect = $dialect:expr, get = $get:expr, get_many = $get_many:expr) => {
        impl $store {
            /// A point read straight from the database.
            async fn read_doc(
                &self,
                tenant: &str,
                kind: $crate::EntityKind,
                id: &str,
            ) -> $crate::Result<Option<$crate::Doc>> {
                let row: Option<(String, i64)> = sqlx::query_as($get)
                    .bind(tenant)
                    .bind(kind.type_name())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(json, version)| $crate::Doc {
                    id: id.to_string(),
                    json,
                    version,
                }))
            }

            /// A page's rows (one more than the limit, when more follow), one result row
            /// each.
            async fn read_page(
                &self,
                tenant: &str,
                q: &$crate::ListQuery<'_>,
            ) -> $crate::Result<Vec<$crate::Doc>> {
                use $crate::sql::listing::{self, Shape};
                let mut qb = sqlx::QueryBuilder::<$db>::new("");
                listing::build(&$dialect, tenant, q, Shape::Page, &mut qb)?;
                let rows: Vec<(String, String, i64)> =
                    qb.build_query_as().fetch_all(&self.pool).await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, json, version)| $crate::Doc { id, json, version })
                    .collect())
            }

            /// How many entities match a listing's conditions.
            async fn count_rows(
                &self,
                tenant: &str,
                q: &$crate::ListQuery<'_>,
            ) -> $crate::Result<u64> {
                use $crate::sql::listing::{self, Shape};
                let mut qb = sqlx::QueryBuilder::<$db>::new("");
                listing::build(&$dialect, tenant, q, Shape::Count, &mut qb)?;
                let n: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
                Ok(n as u64)
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            async fn health(&self) -> $crate::Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn put_tenant(&self, t: &$crate::TenantRecord) -> $crate::Result<()> {
                let (_turn, mut tx) = self.global_write().await?;
                sqlx::query($crate::common::PUT_TENANT)
                    .bind(&t.id)
                    .bind(&t.display_name)
                    .bind(&t.domain)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn tenants(&self) -> $crate::Result<Vec<$crate::TenantRecord>> {
                let rows: Vec<(String, String, String)> = sqlx::query_as($crate::common::TENANTS)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, display_name, domain)| $crate::TenantRecord {
                        id,
                        display_name,
                        domain,
                    })
                    .collect())
            }

            async fn domain_owner(&self, domain: &str) -> $crate::Result<Option<String>> {
                Ok(sqlx::query_scalar($crate::common::DOMAIN_OWNER)
                    .bind(domain.to_ascii_lowercase())
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn add_tenant_domain(
                &self,
                tenant: &str,
                domain: &str,
                at: &str,
            ) -> $crate::Result<bool> {
                let domain = domain.to_ascii_lowercase();
                let (_turn, mut tx) = self.global_write().await?;
                let owner: Option<String> = sqlx::query_scalar($crate::common::DOMAIN_OWNER)
                    .bind(&domain)
                    .fetch_optional(&mut *tx)
                    .await?;
                match owner {
                    Some(owner) if owner == tenant => return Ok(false),
                    Some(_) => return Err($crate::StoreError::Conflict("domain".into())),
                    None => {}
                }
                sqlx::query($crate::common::ADD_TENANT_DOMAIN)
                    .bind(&domain)
                    .bind(tenant)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn tenant_domains(&self, tenant: &str) -> $crate::Result<Vec<String>> {
                Ok(sqlx::query_scalar($crate::common::TENANT_DOMAINS)
                    .bind(tenant)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn record_issuer_base(
                &self,
                tenant: &str,
                base: &str,
                replace: bool,
            ) -> $crate::Result<Option<String>> {
                use $crate::common;
                let current: Option<Option<String>> =
                    sqlx::query_scalar(common::TENANT_ISSUER_BASE)
                        .bind(tenant)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some(current) = current else {
                    return Ok(None);
                };
                // Most starts find the base recorded already: no write, no lock.
                if !common::issuer_base_changes(current.as_deref(), base, replace) {
                    return Ok(current);
                }
                let (_turn, mut tx) = self.global_write().await?;
                let recorded: Option<Option<String>> =
                    sqlx::query_scalar(common::RECORD_ISSUER_BASE)
                        .bind(tenant)
                        .bind(base)
                        .bind(replace)
                        .fetch_optional(&mut *tx)
                        .await?;
                tx.commit().await?;
                Ok(recorded.flatten())
            }

            async fn tenant_is_empty(&self, tenant: &str) -> $crate::Result<bool> {
                let row: Option<i32> = sqlx::query_scalar($crate::common::TENANT_HAS_ENTITIES)
                    .bind(tenant)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_none())
            }

            async fn clear_tenant(&self, tenant: &str) -> $crate::Result<()> {
                let (_turn, mut tx) = self.tenant_write(tenant).await?;
                for sql in $crate::common::CLEAR_TENANT {
                    sqlx::query(sql).bind(tenant).execute(&mut *tx).await?;
                }
                let done = tx.commit().await;
                // Whether or not the commit went through, before the next writer's turn.
                self.settle_clear();
                Ok(done?)
            }

            async fn get(
                &self,
                tenant: &str,
                kind: $crate::EntityKind,
                id: &str,
            ) -> $crate::Result<Option<$crate::Doc>> {
                self.get_doc(tenant, kind, id).await
            }

            async fn get_many(
                &self,
                tenant: &str,
                kind: $crate::EntityKind,
                ids: &[String],
            ) -> $crate::Result<Vec<$crate::Doc>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(1_000) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new($get_many);
                    qb.push_bind(tenant)
                        .push(" AND entity_type = ")
                        .push_bind(kind.type_name())
                        .push(" AND id IN (");
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(id.as_str());
                    }
                    qb.push(")");
                    // Not cached: the statement's shape depends on the chunk's length.
                    let rows: Vec<(String, String, i64)> = qb
                        .build_query_as()
                        .persistent(false)
                        .fetch_all(&self.pool)
                        .await?;
                    out.extend(rows.into_iter().map(|(id, json, version)| $crate::Doc {
                        id,
                        json,
                        version,
                    }));
                }
                Ok(out)
            }

            async fn apply(
                &self,
                tenant: &str,
                work: &$crate::UnitOfWork,
            ) -> $crate::Result<Vec<$crate::Doc>> {
                let (_turn, mut tx) = self.tenant_write(tenant).await?;
                let res = match $crate::sql::write::apply(&mut tx, &$dialect, tenant, work).await {
                    Ok(docs) => tx.commit().await.map(|()| docs).map_err(Into::into),
                    Err(e) => {
                        // Roll back now, releasing the writer's lock or turn, rather than
                        // whenever the dropped transaction gets to it.
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                };
                // Still this writer's turn: no later write can settle its entries first.
                self.settle(tenant, work, &res);
                res
            }

            async fn list(
                &self,
                tenant: &str,
                q: &$crate::ListQuery<'_>,
            ) -> $crate::Result<$crate::Page> {
                let mut items = self.page_items(tenant, q).await?;
                let more = items.len() > q.limit as usize;
                items.truncate(q.limit as usize);
                let total = if q.count {
                    Some(self.count_rows(tenant, q).await?)
                } else {
                    None
                };
                Ok($crate::Page { items, total, more })
            }

            async fn has_link(
                &self,
                tenant: &str,
                relation: $crate::Relation,
                from: &str,
                to: &str,
            ) -> $crate::Result<bool> {
                let row: Option<i32> = sqlx::query_scalar($crate::common::HAS_LINK)
                    .bind(tenant)
                    .bind(relation.name())
                    .bind(from)
                    .bind(to)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some())
            }

            async fn each_link(
                &self,
                tenant: &str,
                relation: $crate::Relation,
                visit: &mut (dyn for<'a> FnMut(&'a str, &'a str) + Send),
            ) -> $crate::Result<()> {
                use futures::TryStreamExt;
                let mut rows =
                    sqlx::query_as::<_, (String, String)>($crate::common::LINKS_OF_RELATION)
                        .bind(tenant)
                        .bind(relation.name())
                        .fetch(&self.pool);
                while let Some((from, to)) = rows.try_next().await? {
                    visit(&from, &to);
                }
                Ok(())
            }

            async fn linked(
                &self,
                tenant: &str,
                relation: $crate::Relation,
                direction: $crate::Direction,
                ids: &[String],
                limit: u32,
            ) -> $crate::Result<Vec<$crate::Linked>> {
                use $crate::sql::linked;
                // Links in order, grouped by the id they were read from.
                let mut groups: Vec<(String, Vec<String>)> = Vec::new();
                for chunk in ids.chunks(linked::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("");
                    linked::build_ends(tenant, relation, direction, chunk, limit, &mut qb);
                    // Not cached: the statement's shape depends on the chunk's length.
                    let rows: Vec<(String, String)> = qb
                        .build_query_as()
                        .persistent(false)
                        .fetch_all(&self.pool)
                        .await?;
                    for (src, dst) in rows {
                        match groups.last_mut() {
                            Some((id, ends)) if *id == src => ends.push(dst),
                            _ => groups.push((src, vec![dst])),
                        }
                    }
                }
                // One read of every distinct entity at the far ends (a school shared by a
                // page of users is read once).
                let far_kind = match direction {
                    $crate::Direction::Outgoing => relation.ends().1,
                    $crate::Direction::Incoming => relation.ends().0,
                };
                let mut wanted: Vec<String> = groups
                    .iter()
                    .flat_map(|(_, ends)| ends.iter().cloned())
                    .collect();
                wanted.sort_unstable();
                wanted.dedup();
                let docs = $crate::Store::get_many(self, tenant, far_kind, &wanted).await?;
                let by_id: std::collections::HashMap<&str, &$crate::Doc> =
                    docs.iter().map(|d| (d.id.as_str(), d)).collect();
                Ok(groups
                    .into_iter()
                    .map(|(id, ends)| $crate::Linked {
                        id,
                        // An end deleted between the two reads is left out, as a listing
                        // started a moment later would.
                        docs: ends
                            .iter()
                            .filter_map(|e| by_id.get(e.as_str()).map(|d| (*d).clone()))
                            .collect(),
                    })
                    .collect())
            }

            async fn linked_from(
                &self,
                tenant: &str,
                relation: $crate::Relation,
                from_ids: &[String],
                to: &str,
            ) -> $crate::Result<Vec<String>> {
                let mut out = Vec::new();
                for chunk in from_ids.chunks($crate::sql::linked::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("");
                    $crate::sql::linked::build_linked_from(tenant, relation, chunk, to, &mut qb);
                    let rows: Vec<String> = qb
                        .build_query_scalar()
                        .persistent(false)
                        .fetch_all(&self.pool)
                        .await?;
                    out.extend(rows);
                }
                Ok(out)
            }

            async fn latest_seq(&self, tenant: &str) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar($crate::common::LATEST_SEQ)
                    .bind(tenant)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn changes(
                &self,
                tenant: &str,
                kind: $crate::EntityKind,
                parent: Option<&str>,
                after: i64,
                upto: i64,
                limit: u32,
            ) -> $crate::Result<Vec<$crate::DeltaItem>> {
                let sql = &self.changes_sql[usize::from(parent.is_some())];
                let mut q = sqlx::query_as(sql)
                    .bind(tenant)
                    .bind(kind.type_name())
                    .bind(after)
                    .bind(upto)
                    .bind(i64::from(limit));
                if let Some(parent) = parent {
                    q = q.bind(parent);
                }
                let rows: Vec<(String, i64, Option<String>)> = q.fetch_all(&self.pool).await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, seq, doc)| $crate::DeltaItem { id, seq, doc })
                    .collect())
            }

            async fn password_hash(
                &self,
                tenant: &str,
                user_id: &str,
            ) -> $crate::Result<Option<String>> {
                Ok(sqlx::query_scalar($crate::common::GET_PASSWORD)
                    .bind(tenant)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn signing_keys(&self) -> $crate::Result<Vec<$crate::SigningKeyRecord>> {
                let rows: Vec<(String, String, String, Option<String>)> =
                    sqlx::query_as($crate::common::SIGNING_KEYS)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(
                        |(kid, private_pem, created_at, retired_at)| $crate::SigningKeyRecord {
                            kid,
                            private_pem,
                            created_at,
                            retired_at,
                        },
                    )
                    .collect())
            }

            async fn put_signing_key(&self, key: &$crate::SigningKeyRecord) -> $crate::Result<()> {
                let (_turn, mut tx) = self.global_write().await?;
                sqlx::query($crate::common::PUT_SIGNING_KEY)
                    .bind(&key.kid)
                    .bind(&key.private_pem)
                    .bind(&key.created_at)
                    .bind(&key.retired_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn bulk_load(
                &self,
                tenant: &str,
                entities: &[($crate::EntityKind, serde_json::Value)],
                links: &[($crate::Relation, String, String)],
            ) -> $crate::Result<()> {
                self.load(tenant, entities, links).await
            }

            async fn bulk_load_batches(
                &self,
                tenant: &str,
                batches: &mut (dyn Iterator<Item = $crate::BulkBatch> + Send),
            ) -> $crate::Result<()> {
                self.load_batches(tenant, batches).await
            }
        }
    };
}
pub(crate) use store_impl;
