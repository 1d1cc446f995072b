//! Entity, link and secret writes, once for both backends: a backend opens its write
//! transaction (SQLite: this process's writer turn and `BEGIN IMMEDIATE`; PostgreSQL: the
//! tenant's advisory lock), hands it over as a [`Tx`], and commits. Everything between,
//! including the compare-and-swap on `entities.version` and the delta rules (a membership
//! change counts as a change of the class), lives here.

use super::dialect::Dialect;
use crate::common::{
    self, doc_id, is_class_roster, relations_touching, unique_check_sql, unique_values,
};
use crate::conflict::other;
use crate::{Doc, EntityKind, Op, Relation, Result, StoreError, UnitOfWork};
use async_trait::async_trait;
use serde_json::Value;
use std::collections::HashSet;

/// A value bound to a write statement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    /// A NULL text.
    Null,
}

/// The three statement shapes writes need, over an open write transaction.
#[async_trait]
pub(crate) trait Tx: Send {
    /// Runs a statement; the number of rows it changed.
    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64>;
    /// The first column (an integer) of the first row, if any.
    async fn int(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<i64>>;
    /// The first column (text) of every row.
    async fn texts(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<String>>;
}

/// Implements [`Tx`] for a backend's `sqlx::Transaction`.
macro_rules! tx_for {
    ($db:ty) => {
        #[async_trait::async_trait]
        impl $crate::sql::write::Tx for sqlx::Transaction<'static, $db> {
            async fn execute(
                &mut self,
                sql: &str,
                args: &[$crate::sql::write::Arg<'_>],
            ) -> $crate::Result<u64> {
                let q = $crate::sql::write::bind!(sqlx::query(sql), args);
                Ok(q.execute(&mut **self).await?.rows_affected())
            }
            async fn int(
                &mut self,
                sql: &str,
                args: &[$crate::sql::write::Arg<'_>],
            ) -> $crate::Result<Option<i64>> {
                let q = $crate::sql::write::bind!(sqlx::query_scalar(sql), args);
                Ok(q.fetch_optional(&mut **self).await?)
            }
            async fn texts(
                &mut self,
                sql: &str,
                args: &[$crate::sql::write::Arg<'_>],
            ) -> $crate::Result<Vec<String>> {
                let q = $crate::sql::write::bind!(sqlx::query_scalar(sql), args);
                Ok(q.fetch_all(&mut **self).await?)
            }
        }
    };
}
macro_rules! bind {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match *arg {
                $crate::sql::write::Arg::Text(v) => q.bind(v),
                $crate::sql::write::Arg::Int(v) => q.bind(v),
                $crate::sql::write::Arg::Null => q.bind(None::<&str>),
            };
        }
        q
    }};
}
pub(crate) use bind;
tx_for!(sqlx::Sqlite);
tx_for!(sqlx::Postgres);

/// Applies `work` inside `tx` (which the caller commits); the documents written.
pub(crate) async fn apply(
    tx: &mut dyn Tx,
    d: &dyn Dialect,
    tenant: &str,
    work: &UnitOfWork,
) -> Result<Vec<Doc>> {
    let mut docs = Vec::new();
    // Classes whose roster this unit changed already: one change-log entry each, however
    // many members and teachers it gains or loses (a sync's unit holds a class's whole
    // new roster).
    let mut rosters: HashSet<&str> = HashSet::new();
    for op in &work.ops {
        match op {
            Op::Create { kind, doc, parent } => {
                let parent = parent.as_deref();
                docs.push(put(tx, d, tenant, *kind, doc, New(parent)).await?)
            }
            Op::Update { kind, doc, version } => {
                docs.push(put(tx, d, tenant, *kind, doc, Replace(*version)).await?)
            }
            Op::Delete { kind, id, version } => delete(tx, tenant, *kind, id, *version).await?,
            Op::Link { relation, from, to } => {
                link(tx, tenant, *relation, from, to).await?;
                roster_changed(tx, tenant, *relation, from, &mut rosters).await?
            }
            Op::Unlink { relation, from, to } => {
                unlink(tx, tenant, *relation, from, to).await?;
                roster_changed(tx, tenant, *relation, from, &mut rosters).await?
            }
            Op::SetPassword { user, hash } => {
                let args = [Arg::Text(tenant), Arg::Text(user), Arg::Text(hash)];
                tx.execute(common::PUT_PASSWORD, &args).await?;
            }
        }
    }
    Ok(docs)
}

/// The current version of an entity, `None` when it does not exist.
async fn version_of(
    tx: &mut dyn Tx,
    tenant: &str,
    kind: EntityKind,
    id: &str,
) -> Result<Option<i64>> {
    let args = [
        Arg::Text(tenant),
        Arg::Text(kind.type_name()),
        Arg::Text(id),
    ];
    tx.int(common::VERSION, &args).await
}

/// `Stale` unless the entity's version is `expected` (`NotFound` when it is gone).
fn check_version(current: Option<i64>, expected: Option<i64>) -> Result<()> {
    match (current, expected) {
        (None, _) => Err(StoreError::NotFound),
        (Some(v), Some(want)) if v != want => Err(StoreError::Stale),
        _ => Ok(()),
    }
}

/// What a [`put`] writes: a new entity (in its container, if any) or a new document of
/// the version read.
#[derive(Clone, Copy)]
enum Put<'a> {
    New(Option<&'a str>),
    Replace(i64),
}
use Put::{New, Replace};

/// A create or a compare-and-swap update of the version read.
async fn put(
    tx: &mut dyn Tx,
    d: &dyn Dialect,
    tenant: &str,
    kind: EntityKind,
    doc: &Value,
    how: Put<'_>,
) -> Result<Doc> {
    let id = doc_id(doc)?;
    let json = serde_json::to_string(doc).map_err(|e| other(e.to_string()))?;
    let current = version_of(tx, tenant, kind, id).await?;
    let parent = match how {
        New(_) if current.is_some() => return Err(StoreError::Conflict("id".into())),
        New(parent) => {
            check_container(tx, tenant, kind, parent).await?;
            parent.map(str::to_string)
        }
        Replace(version) => {
            check_version(current, Some(version))?;
            parent_of(tx, tenant, kind, id).await?
        }
    };
    check_unique(tx, d, tenant, kind, doc, id).await?;
    let seq = record_change(tx, tenant, kind, id, "upsert", parent.as_deref()).await?;
    let ty = kind.type_name();
    let new_version = match how {
        New(parent) => {
            let sql = format!(
                "INSERT INTO entities (tenant_id, entity_type, id, doc, change_seq, parent_id) \
                 VALUES ($1, $2, $3, {}, $4, $6)",
                d.doc_param("$5")
            );
            let parent = parent.map_or(Arg::Null, Arg::Text);
            let args = [
                Arg::Text(tenant),
                Arg::Text(ty),
                Arg::Text(id),
                Arg::Int(seq),
                Arg::Text(&json),
                parent,
            ];
            tx.execute(&sql, &args).await?;
            1
        }
        Replace(version) => {
            let sql = format!(
                "UPDATE entities SET doc = {}, version = version + 1, modified_at = {}, \
                 change_seq = $4 WHERE tenant_id = $1 AND entity_type = $2 AND id = $3 \
                 AND version = $6",
                d.doc_param("$5"),
                d.now()
            );
            let args = [
                Arg::Text(tenant),
                Arg::Text(ty),
                Arg::Text(id),
                Arg::Int(seq),
                Arg::Text(&json),
                Arg::Int(version),
            ];
            if tx.execute(&sql, &args).await? == 0 {
                return Err(StoreError::Stale);
            }
            version + 1
        }
    };
    Ok(Doc {
        id: id.to_string(),
        json,
        version: new_version,
    })
}

async fn delete(
    tx: &mut dyn Tx,
    tenant: &str,
    kind: EntityKind,
    id: &str,
    version: Option<i64>,
) -> Result<()> {
    check_version(version_of(tx, tenant, kind, id).await?, version)?;
    // What the entity contains goes first, deepest last in the list but all in this
    // transaction; each deletion is recorded with its container so delta reports it.
    if kind.contains_others() {
        let args = [Arg::Text(tenant), Arg::Text(id)];
        for row in tx.texts(common::DESCENDANTS, &args).await? {
            let mut parts = row.splitn(3, ' ');
            let (Some(ty), Some(child), Some(parent)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(other("a contained entity row is malformed"));
            };
            let child_kind = EntityKind::from_type_name(ty)
                .ok_or_else(|| other(format!("unknown contained entity type {ty}")))?;
            let args = [Arg::Text(tenant), Arg::Text(ty), Arg::Text(child)];
            tx.execute(common::DELETE_ENTITY, &args).await?;
            drop_links(tx, tenant, child_kind, child).await?;
            record_change(tx, tenant, child_kind, child, "delete", Some(parent)).await?;
        }
    }
    let parent = parent_of(tx, tenant, kind, id).await?;
    let ty = kind.type_name();
    // Classes that lose a member or teacher change too; find them before the links go.
    let classes = if kind == EntityKind::User {
        let args = [Arg::Text(tenant), Arg::Text(id)];
        tx.texts(common::ROSTER_CLASSES_OF, &args).await?
    } else {
        Vec::new()
    };
    let args = [Arg::Text(tenant), Arg::Text(ty), Arg::Text(id)];
    tx.execute(common::DELETE_ENTITY, &args).await?;
    drop_links(tx, tenant, kind, id).await?;
    if kind == EntityKind::User {
        let args = [Arg::Text(tenant), Arg::Text(id)];
        tx.execute(common::DELETE_SECRETS_OF, &args).await?;
    }
    record_change(tx, tenant, kind, id, "delete", parent.as_deref()).await?;
    for class in &classes {
        touch(tx, tenant, EntityKind::Class, class).await?;
    }
    Ok(())
}

/// Deletes every link from or to a deleted entity.
async fn drop_links(tx: &mut dyn Tx, tenant: &str, kind: EntityKind, id: &str) -> Result<()> {
    let (from, to) = relations_touching(kind);
    for (sql, relations) in [
        (common::DELETE_LINKS_FROM, from),
        (common::DELETE_LINKS_TO, to),
    ] {
        for rel in relations {
            let args = [Arg::Text(tenant), Arg::Text(rel.name()), Arg::Text(id)];
            tx.execute(sql, &args).await?;
        }
    }
    Ok(())
}

/// `NotFound` unless a contained kind is created in an existing container (and a
/// top-level kind in none).
async fn check_container(
    tx: &mut dyn Tx,
    tenant: &str,
    kind: EntityKind,
    parent: Option<&str>,
) -> Result<()> {
    match (kind.container(), parent) {
        (None, None) => Ok(()),
        (Some(container), Some(parent)) => match version_of(tx, tenant, container, parent).await? {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound),
        },
        (Some(_), None) => Err(other(format!(
            "a {} is created in a container",
            kind.type_name()
        ))),
        (None, Some(_)) => Err(other(format!("a {} has no container", kind.type_name()))),
    }
}

/// The container of an existing entity (`None` for top-level kinds).
async fn parent_of(
    tx: &mut dyn Tx,
    tenant: &str,
    kind: EntityKind,
    id: &str,
) -> Result<Option<String>> {
    if kind.container().is_none() {
        return Ok(None);
    }
    let args = [
        Arg::Text(tenant),
        Arg::Text(kind.type_name()),
        Arg::Text(id),
    ];
    Ok(tx.texts(common::PARENT, &args).await?.into_iter().next())
}

async fn link(tx: &mut dyn Tx, tenant: &str, rel: Relation, from: &str, to: &str) -> Result<()> {
    let (from_kind, to_kind) = rel.ends();
    if version_of(tx, tenant, from_kind, from).await?.is_none()
        || version_of(tx, tenant, to_kind, to).await?.is_none()
    {
        return Err(StoreError::NotFound);
    }
    let args = [
        Arg::Text(tenant),
        Arg::Text(rel.name()),
        Arg::Text(from),
        Arg::Text(to),
    ];
    if tx.execute(common::INSERT_LINK, &args).await? == 0 {
        return Err(StoreError::Conflict("link".into()));
    }
    Ok(())
}

async fn unlink(tx: &mut dyn Tx, tenant: &str, rel: Relation, from: &str, to: &str) -> Result<()> {
    let args = [
        Arg::Text(tenant),
        Arg::Text(rel.name()),
        Arg::Text(from),
        Arg::Text(to),
    ];
    if tx.execute(common::DELETE_LINK, &args).await? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The delta rule: a change of a class's members or teachers is a change of the class
/// (its document and version stay as they are). Recorded at the class's first roster
/// change in the unit (`rosters` holds the classes already recorded), so that it comes
/// before anything later in the unit, a deletion of the class among them.
async fn roster_changed<'a>(
    tx: &mut dyn Tx,
    tenant: &str,
    rel: Relation,
    from: &'a str,
    rosters: &mut HashSet<&'a str>,
) -> Result<()> {
    if is_class_roster(rel) && rosters.insert(from) {
        touch(tx, tenant, EntityKind::Class, from).await?;
    }
    Ok(())
}

/// `Conflict(property)` when another entity of the kind holds one of `doc`'s unique values.
async fn check_unique(
    tx: &mut dyn Tx,
    d: &dyn Dialect,
    tenant: &str,
    kind: EntityKind,
    doc: &Value,
    id: &str,
) -> Result<()> {
    for (prop, value) in unique_values(kind, doc) {
        let args = [
            Arg::Text(tenant),
            Arg::Text(kind.type_name()),
            Arg::Text(value),
            Arg::Text(id),
        ];
        if tx.int(&unique_check_sql(d, prop)?, &args).await?.is_some() {
            return Err(StoreError::Conflict(prop.to_string()));
        }
    }
    Ok(())
}

async fn record_change(
    tx: &mut dyn Tx,
    tenant: &str,
    kind: EntityKind,
    id: &str,
    op: &str,
    parent: Option<&str>,
) -> Result<i64> {
    let args = [
        Arg::Text(tenant),
        Arg::Text(kind.type_name()),
        Arg::Text(id),
        Arg::Text(op),
        parent.map_or(Arg::Null, Arg::Text),
    ];
    tx.int(common::RECORD_CHANGE, &args)
        .await?
        .ok_or_else(|| other("the change log returned no sequence number"))
}

/// Records a change of an entity whose document stayed the same (a class whose roster
/// changed), so that delta reports it.
async fn touch(tx: &mut dyn Tx, tenant: &str, kind: EntityKind, id: &str) -> Result<()> {
    let seq = record_change(tx, tenant, kind, id, "upsert", None).await?;
    let args = [
        Arg::Text(tenant),
        Arg::Text(kind.type_name()),
        Arg::Text(id),
        Arg::Int(seq),
    ];
    tx.execute(common::SET_CHANGE_SEQ, &args).await?;
    Ok(())
}
