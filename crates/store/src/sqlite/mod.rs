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

use crate::common::changes_sql;
use crate::conflict::other;
use crate::schema_version;
use crate::sql::dialect::{Dialect, SqliteDialect};
use crate::sql::listing::{self, Shape};
use crate::sql::store_impl::store_impl;
use crate::{Doc, EntityKind, ListQuery, Op, Result, UnitOfWork};
use cache::DocCache;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

const GET: &str =
    "SELECT doc, version FROM entities WHERE tenant_id = $1 AND entity_type = $2 AND id = $3";
/// Followed by the bound tenant, type and ids (see `store_impl!`).
const GET_MANY: &str = "SELECT id, doc, version FROM entities WHERE tenant_id = ";

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

    /// SQLite has one writer: every write, server-wide or a tenant's, takes the same turn.
    async fn global_write(&self) -> Result<Write<'_>> {
        self.write().await
    }

    async fn tenant_write(&self, _tenant: &str) -> Result<Write<'_>> {
        self.write().await
    }

    async fn write(&self) -> Result<Write<'_>> {
        let turn = self.writer.lock().await;
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
        // could fail to upgrade when another process wrote in between.
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((turn, tx))
    }

    /// Keeps the read cache exact after `clear_tenant`, which names none of the entities it
    /// deleted: start afresh.
    fn settle_clear(&self) {
        self.cache.clear();
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

    /// A point read, from the document cache when it holds the entity.
    async fn get_doc(&self, tenant: &str, kind: EntityKind, id: &str) -> Result<Option<Doc>> {
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
        let doc = self.read_doc(tenant, kind, id).await?;
        if let Some(doc) = &doc {
            self.cache
                .fill(ticket, tenant, kind, id, &doc.json, doc.version);
        }
        Ok(doc)
    }

    async fn page_items(&self, tenant: &str, q: &ListQuery<'_>) -> Result<Vec<Doc>> {
        if !q.orderby.is_empty() {
            return self.read_page(tenant, q).await;
        }
        // In id order: one packed row (see `page`).
        let mut qb = QueryBuilder::<Sqlite>::new(page::PACK_OPEN);
        listing::build(
            &SqliteDialect,
            tenant,
            q,
            Shape::Packed(page::PACK_ITEM),
            &mut qb,
        )?;
        qb.push(page::PACK_CLOSE);
        // Read in place from the row: decoding a `String` would copy the whole page once
        // more before `unpack` copies each item out of it.
        let row = qb.build().fetch_one(&self.pool).await?;
        let packed: Option<&str> = row.try_get(0)?;
        page::unpack(packed)
    }
}

store_impl!(
    SqliteStore,
    Sqlite,
    dialect = SqliteDialect,
    get = GET,
    get_many = GET_MANY
);
