//! The PostgreSQL backend: the path past one machine. The server keeps no state of its own,
//! so several instances can share one database. Writers of one tenant take a transaction-
//! scoped advisory lock, so that a tenant's changes commit in the order of their sequence
//! numbers and a delta reader never skips one that commits late.

mod bulk;
mod identity;
mod jobs;

use crate::common::{self, changes_sql};
use crate::schema_version;
use crate::sql::dialect::{Dialect, PgDialect};
use crate::sql::listing::{self, Shape};
use crate::sql::write;
use crate::{
    DeltaItem, Doc, EntityKind, ListQuery, Page, Relation, Result, SigningKeyRecord, Store,
    TenantRecord, UnitOfWork,
};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, QueryBuilder, Transaction};
use std::time::Duration;

crate::sql::shared_reads!(PgStore);

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

const GET: &str =
    "SELECT doc::text, version FROM entities WHERE tenant_id = $1 AND entity_type = $2 AND id = $3";

pub(crate) struct PgStore {
    pool: PgPool,
    /// Delta statements: over a whole kind, and over one container's children.
    changes_sql: [String; 2],
    /// When bulk loads last refreshed the planner's statistics.
    growth: std::sync::Mutex<bulk::Growth>,
}

impl PgStore {
    pub(crate) async fn open(url: &str) -> Result<Self> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pool = PgPoolOptions::new()
            .max_connections((cores * 4).max(8) as u32)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        // sqlx serialises concurrent migrators with an advisory lock of its own.
        let found = schema_version::found_postgres(&pool).await?;
        schema_version::check(&found, &MIGRATOR, "database")?;
        MIGRATOR.run(&pool).await?;
        // Best effort: two servers starting at once on a new database may race to create
        // the table; the record is informational and the next start writes it.
        if let Err(e) = schema_version::record_postgres(&pool, &MIGRATOR).await {
            tracing::warn!(error = %e, "cannot record this edugraph version in edugraph_meta");
        }
        schema_version::log_upgrade(&found, &MIGRATOR, "database");
        Ok(PgStore {
            pool,
            changes_sql: [false, true].map(|p| changes_sql(PgDialect.doc_column(), p)),
            growth: Default::default(),
        })
    }

    /// A transaction holding the tenant's writer lock until it ends.
    async fn write(&self, tenant: &str) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Server-wide rows (tenants, signing keys) need no tenant lock.
    async fn write_global(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    async fn fetch_page(&self, tenant: &str, q: &ListQuery<'_>) -> Result<Page> {
        let mut qb = QueryBuilder::<Postgres>::new("");
        listing::build(&PgDialect, tenant, q, Shape::Page, &mut qb)?;
        let mut rows: Vec<(String, String, i64)> =
            qb.build_query_as().fetch_all(&self.pool).await?;
        let more = rows.len() > q.limit as usize;
        rows.truncate(q.limit as usize);
        let total = if q.count {
            let mut qb = QueryBuilder::<Postgres>::new("");
            listing::build(&PgDialect, tenant, q, Shape::Count, &mut qb)?;
            let n: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
            Some(n as u64)
        } else {
            None
        };
        Ok(Page {
            items: rows
                .into_iter()
                .map(|(id, json, version)| Doc { id, json, version })
                .collect(),
            total,
            more,
        })
    }
}

#[async_trait]
impl Store for PgStore {
    async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn put_tenant(&self, t: &TenantRecord) -> Result<()> {
        let mut tx = self.write_global().await?;
        sqlx::query(common::PUT_TENANT)
            .bind(&t.id)
            .bind(&t.display_name)
            .bind(&t.domain)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn tenants(&self) -> Result<Vec<TenantRecord>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(common::TENANTS)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, display_name, domain)| TenantRecord {
                id,
                display_name,
                domain,
            })
            .collect())
    }

    async fn record_issuer_base(
        &self,
        tenant: &str,
        base: &str,
        replace: bool,
    ) -> Result<Option<String>> {
        let current: Option<Option<String>> = sqlx::query_scalar(common::TENANT_ISSUER_BASE)
            .bind(tenant)
            .fetch_optional(&self.pool)
            .await?;
        let Some(current) = current else {
            return Ok(None);
        };
        if !common::issuer_base_changes(current.as_deref(), base, replace) {
            return Ok(current);
        }
        let mut tx = self.write_global().await?;
        let recorded: Option<Option<String>> = sqlx::query_scalar(common::RECORD_ISSUER_BASE)
            .bind(tenant)
            .bind(base)
            .bind(replace)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(recorded.flatten())
    }

    async fn tenant_is_empty(&self, tenant: &str) -> Result<bool> {
        let row: Option<i32> = sqlx::query_scalar(common::TENANT_HAS_ENTITIES)
            .bind(tenant)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_none())
    }

    async fn clear_tenant(&self, tenant: &str) -> Result<()> {
        let mut tx = self.write(tenant).await?;
        for sql in common::CLEAR_TENANT {
            sqlx::query(sql).bind(tenant).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get(&self, tenant: &str, kind: EntityKind, id: &str) -> Result<Option<Doc>> {
        let row: Option<(String, i64)> = sqlx::query_as(GET)
            .bind(tenant)
            .bind(kind.type_name())
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(json, version)| Doc {
            id: id.to_string(),
            json,
            version,
        }))
    }

    async fn get_many(&self, tenant: &str, kind: EntityKind, ids: &[String]) -> Result<Vec<Doc>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1_000) {
            let mut qb = QueryBuilder::<Postgres>::new(
                "SELECT id, doc::text, version FROM entities WHERE tenant_id = ",
            );
            qb.push_bind(tenant)
                .push(" AND entity_type = ")
                .push_bind(kind.type_name())
                .push(" AND id IN (");
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(id.as_str());
            }
            qb.push(")");
            let rows: Vec<(String, String, i64)> = qb
                .build_query_as()
                .persistent(false)
                .fetch_all(&self.pool)
                .await?;
            out.extend(
                rows.into_iter()
                    .map(|(id, json, version)| Doc { id, json, version }),
            );
        }
        Ok(out)
    }

    async fn apply(&self, tenant: &str, work: &UnitOfWork) -> Result<Vec<Doc>> {
        let mut tx = self.write(tenant).await?;
        match write::apply(&mut tx, &PgDialect, tenant, work).await {
            Ok(docs) => Ok(tx.commit().await.map(|()| docs)?),
            Err(e) => {
                // Release the tenant's writer lock now rather than whenever the dropped
                // transaction's rollback reaches the server.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    async fn list(&self, tenant: &str, query: &ListQuery<'_>) -> Result<Page> {
        self.fetch_page(tenant, query).await
    }

    async fn has_link(
        &self,
        tenant: &str,
        relation: Relation,
        from: &str,
        to: &str,
    ) -> Result<bool> {
        let row: Option<i32> = sqlx::query_scalar(common::HAS_LINK)
            .bind(tenant)
            .bind(relation.name())
            .bind(from)
            .bind(to)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn latest_seq(&self, tenant: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(common::LATEST_SEQ)
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn changes(
        &self,
        tenant: &str,
        kind: EntityKind,
        parent: Option<&str>,
        after: i64,
        upto: i64,
        limit: u32,
    ) -> Result<Vec<DeltaItem>> {
        self.read_changes(tenant, kind, parent, (after, upto), limit)
            .await
    }

    async fn password_hash(&self, tenant: &str, user_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(common::GET_PASSWORD)
            .bind(tenant)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>> {
        let rows: Vec<(String, String, String, Option<String>)> =
            sqlx::query_as(common::SIGNING_KEYS)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(
                |(kid, private_pem, created_at, retired_at)| SigningKeyRecord {
                    kid,
                    private_pem,
                    created_at,
                    retired_at,
                },
            )
            .collect())
    }

    async fn put_signing_key(&self, key: &SigningKeyRecord) -> Result<()> {
        let mut tx = self.write_global().await?;
        sqlx::query(common::PUT_SIGNING_KEY)
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
        entities: &[(EntityKind, Value)],
        links: &[(Relation, String, String)],
    ) -> Result<()> {
        self.load(tenant, entities, links).await
    }

    async fn bulk_load_batches(
        &self,
        tenant: &str,
        batches: &mut (dyn Iterator<Item = crate::BulkBatch> + Send),
    ) -> Result<()> {
        self.load_batches(tenant, batches).await
    }
}
