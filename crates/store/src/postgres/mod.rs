//! The PostgreSQL backend: the path past one machine. The server keeps no state of its own,
//! so several instances can share one database. Writers of one tenant take a transaction-
//! scoped advisory lock, so that a tenant's changes commit in the order of their sequence
//! numbers and a delta reader never skips one that commits late.

mod bulk;
mod identity;
mod jobs;

use crate::common::changes_sql;
use crate::schema_version;
use crate::sql::dialect::{Dialect, PgDialect};
use crate::sql::store_impl::store_impl;
use crate::{Doc, EntityKind, ListQuery, Result, UnitOfWork};
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Transaction};
use std::time::Duration;

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

const GET: &str =
    "SELECT doc::text, version FROM entities WHERE tenant_id = $1 AND entity_type = $2 AND id = $3";
/// Followed by the bound tenant, type and ids (see `store_impl!`).
const GET_MANY: &str = "SELECT id, doc::text, version FROM entities WHERE tenant_id = ";

/// A write transaction; PostgreSQL holds nothing beside it (its locks end with it).
type Write = ((), Transaction<'static, Postgres>);

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
    async fn tenant_write(&self, tenant: &str) -> Result<Write> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        Ok(((), tx))
    }

    /// Server-wide rows (tenants, signing keys, identity records, jobs) need no tenant
    /// lock.
    async fn global_write(&self) -> Result<Write> {
        Ok(((), self.pool.begin().await?))
    }

    /// No cache: other instances write to the same database.
    async fn get_doc(&self, tenant: &str, kind: EntityKind, id: &str) -> Result<Option<Doc>> {
        self.read_doc(tenant, kind, id).await
    }

    async fn page_items(&self, tenant: &str, q: &ListQuery<'_>) -> Result<Vec<Doc>> {
        self.read_page(tenant, q).await
    }

    /// Nothing to keep exact: PostgreSQL caches no documents.
    fn settle(&self, _tenant: &str, _work: &UnitOfWork, _res: &Result<Vec<Doc>>) {}

    fn settle_clear(&self) {}
}

store_impl!(
    PgStore,
    Postgres,
    dialect = PgDialect,
    get = GET,
    get_many = GET_MANY
);
