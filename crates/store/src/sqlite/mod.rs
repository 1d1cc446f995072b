//! The embedded SQLite backend: a WAL-mode database file (or an in-memory database) behind
//! a small connection pool. SQLite allows one writer at a time, so this process queues its
//! own write transactions on a mutex and opens them with `BEGIN IMMEDIATE`; readers never
//! wait for writers. Point reads go through an exact in-process cache (see `cache`).

mod bulk;
mod cache;
mod identity;
mod jobs;
mod page;
#[cfg(test)]
mod plans;

use crate::common::{self, changes_sql};
use crate::conflict::other;
use crate::schema_version;
use crate::sql::dialect::{Dialect, SqliteDialect};
use crate::sql::listing::{self, Shape};
use crate::sql::write;
use crate::{
    DeltaItem, Doc, EntityKind, ListQuery, Op, Page, Relation, Result, SigningKeyRecord, Store,
    TenantRecord, UnitOfWork,
};
use async_trait::async_trait;
use cache::DocCache;
use serde_json::Value;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

crate::sql::shared_reads!(SqliteStore);

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

const GET: &str =
    "SELECT doc, version FROM entities WHERE tenant_id = $1 AND entity_type = $2 AND id = $3";

/// Document bytes the read cache may hold: about ten thousand users.
const CACHE_BYTES: usize = 16 << 20;

pub(crate) struct SqliteStore {
    pool: SqlitePool,
    cache: DocCache,
    /// Queues this process's writers here rather than in SQLite's busy handler, which
    /// sleeps and polls. (Other processes, e.g. `edugraph token`, still meet the busy
    /// timeout.)
    writer: Mutex<()>,
    /// Delta statements: over a whole kind, and over one container's children.
    changes_sql: [String; 2],
}

/// A write transaction together with this process's writer turn.
type Write<'a> = (MutexGuard<'a, ()>, Transaction<'static, Sqlite>);

impl SqliteStore {
    pub(crate) async fn open(url: &str) -> Result<Self> {
        let in_memory = url.starts_with("sqlite::memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)?
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = if in_memory {
            // Each connection to `:memory:` would be a database of its own, so the pool
            // keeps exactly one connection, forever: the database lives as long as it.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            if let Some(dir) = options
                .get_filename()
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    other(format!(
                        "cannot create database folder {}: {e}",
                        dir.display()
                    ))
                })?;
            }
            // WAL lets readers run beside the writer; NORMAL sync is durable across
            // application crashes and only risks the last transactions on power loss.
            // A bulk load is one transaction, so the WAL file grows to the size of what it
            // wrote (the whole database, for a seeded district); the limit shrinks the file
            // back once the WAL has been copied into the database and restarts.
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .pragma("journal_size_limit", (64u64 << 20).to_string());
            // Each connection is a worker thread. Two per core keep the cores busy while
            // others hand rows over; more only add threads the scheduler preempts mid-query
            // (district members listing, scripts/bench.sh: p99 7 ms with 2 per core, 9 ms
            // with 4, 10.5 ms with 8; about the same throughput). Each costs at most
            // SQLite's default 2 MB page cache.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            SqlitePoolOptions::new()
                .max_connections((cores * 2).clamp(4, 32) as u32)
                // A "ping" before each use checks that a network peer is still there; an
                // embedded database has none, and the ping is one more hop to the worker
                // thread and back for every statement.
                .test_before_acquire(false)
                .connect_with(options)
                .await?
        };
        let found = schema_version::found_sqlite(&pool).await?;
        schema_version::check(&found, &MIGRATOR, "data folder")?;
        MIGRATOR.run(&pool).await?;
        schema_version::record_sqlite(&pool, &MIGRATOR).await?;
        schema_version::log_upgrade(&found, &MIGRATOR, "data folder");
        Ok(SqliteStore {
            pool,
            cache: DocCache::new(CACHE_BYTES),
            writer: Mutex::new(()),
            changes_sql: [false, true].map(|p| changes_sql(SqliteDialect.doc_column(), p)),
        })
    }

    async fn write(&self) -> Result<Write<'_>> {
        let turn = self.writer.lock().await;
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
        // could fail to upgrade when another process wrote in between.
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((turn, tx))
    }

    /// Keeps the read cache exact: after a unit of work the entries of the entities it
    /// wrote hold the committed documents, or are dropped (also when the outcome is
    /// unknown).
    fn settle(&self, tenant: &str, work: &UnitOfWork, res: &Result<Vec<Doc>>) {
        let Ok(docs) = res else {
            for (kind, id) in work.touched() {
                self.cache.invalidate(tenant, kind, id);
            }
            return;
        };
        let mut written = docs.iter();
        for op in &work.ops {
            match op {
                Op::Create { kind, .. } | Op::Update { kind, .. } => {
                    if let Some(doc) = written.next() {
                        self.cache
                            .put(tenant, *kind, &doc.id, &doc.json, doc.version);
                    }
                }
                // What a container held went with it, unnamed in the unit: start afresh.
                Op::Delete { kind, .. } if kind.contains_others() => self.cache.clear(),
                Op::Delete { kind, id, .. } => self.cache.invalidate(tenant, *kind, id),
                _ => {}
            }
        }
    }

    async fn fetch_page(&self, tenant: &str, q: &ListQuery<'_>) -> Result<Page> {
        let mut items = if q.orderby.is_empty() {
            // In id order: one packed row (see `page`).
            let mut qb = QueryBuilder::<Sqlite>::new(page::PACK_OPEN);
            listing::build(&SqliteDialect, tenant, q, Shape::Page, &mut qb)?;
            qb.push(page::PACK_CLOSE);
            let packed: Option<String> = qb.build_query_scalar().fetch_one(&self.pool).await?;
            page::unpack(packed.as_deref())?
        } else {
            let mut qb = QueryBuilder::<Sqlite>::new("");
            listing::build(&SqliteDialect, tenant, q, Shape::Page, &mut qb)?;
            let rows: Vec<(String, String, i64)> =
                qb.build_query_as().fetch_all(&self.pool).await?;
            rows.into_iter()
                .map(|(id, json, version)| Doc { id, json, version })
                .collect()
        };
        let more = items.len() > q.limit as usize;
        items.truncate(q.limit as usize);
        let total = if q.count {
            let mut qb = QueryBuilder::<Sqlite>::new("");
            listing::build(&SqliteDialect, tenant, q, Shape::Count, &mut qb)?;
            let n: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
            Some(n as u64)
        } else {
            None
        };
        Ok(Page { items, total, more })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn put_tenant(&self, t: &TenantRecord) -> Result<()> {
        let (_turn, mut tx) = self.write().await?;
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
        let (_turn, mut tx) = self.write().await?;
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
        let (_turn, mut tx) = self.write().await?;
        for sql in common::CLEAR_TENANT {
            sqlx::query(sql).bind(tenant).execute(&mut *tx).await?;
        }
        let done = tx.commit().await;
        self.cache.clear();
        Ok(done?)
    }

    async fn get(&self, tenant: &str, kind: EntityKind, id: &str) -> Result<Option<Doc>> {
        let ticket = match self.cache.get(tenant, kind, id) {
            Ok((json, version)) => {
                return Ok(Some(Doc {
                    id: id.to_string(),
                    json,
                    version,
                }))
            }
            Err(ticket) => ticket,
        };
        let row: Option<(String, i64)> = sqlx::query_as(GET)
            .bind(tenant)
            .bind(kind.type_name())
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some((json, version)) = &row {
            self.cache.fill(ticket, tenant, kind, id, json, *version);
        }
        Ok(row.map(|(json, version)| Doc {
            id: id.to_string(),
            json,
            version,
        }))
    }

    async fn get_many(&self, tenant: &str, kind: EntityKind, ids: &[String]) -> Result<Vec<Doc>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1_000) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT id, doc, version FROM entities WHERE tenant_id = ",
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
        let (turn, mut tx) = self.write().await?;
        let res = match write::apply(&mut tx, &SqliteDialect, tenant, work).await {
            Ok(docs) => tx.commit().await.map(|()| docs).map_err(Into::into),
            Err(e) => {
                // Roll back now, before the next writer's turn, rather than on drop.
                let _ = tx.rollback().await;
                Err(e)
            }
        };
        // Still this writer's turn: no later write can settle its entries first.
        self.settle(tenant, work, &res);
        drop(turn);
        res
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
        let (_turn, mut tx) = self.write().await?;
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
