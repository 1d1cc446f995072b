//! Writing entities: create with a password hash as one unit of work, PATCH as a
//! compare-and-swap on the version read with bounded retries, conditional delete, and the
//! entity tags (`W/"<version>"`) that `If-Match` compares. docs/concurrency.md explains the
//! choices.
//!
//! Updates of one entity take turns inside this process (a striped lock held from the
//! read to the write), so concurrent PATCHes of different properties all land without
//! retrying; the compare-and-swap catches writers in other processes sharing a
//! PostgreSQL database, and a lost race is retried on the new version.

use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::OnceLock;

use edugraph_store::{Doc, EntityKind, Store, StoreError, UnitOfWork};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::roster::RuleError;

/// Read-merge-write attempts of one update before it gives up with [`WriteError::Contended`].
pub const MAX_ATTEMPTS: usize = 5;

/// Turns of this process's updaters, by hash of (tenant, kind, id).
const TURNS: usize = 64;

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("not found")]
    NotFound,
    /// `If-Match` names no current version of the entity.
    #[error("precondition failed")]
    PreconditionFailed,
    /// Other writers changed the entity on every attempt.
    #[error("the entity kept changing")]
    Contended,
    /// The entity is in a state that does not allow the change (a sync that is not in
    /// progress cannot be paused); the message says why.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WriteError::NotFound,
            other => WriteError::Store(other),
        }
    }
}

/// The entity tag of a version: weak, as Graph's are.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// An `If-Match` header: `*` or a list of entity tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses the header value; `W/` prefixes are ignored (the comparison is weak, as for
    /// Graph's weak tags), quotes are required for tags.
    pub fn parse(header: &str) -> IfMatch {
        if header.trim() == "*" {
            return IfMatch::Any;
        }
        let tags = header
            .split(',')
            .map(str::trim)
            .map(|t| t.strip_prefix("W/").unwrap_or(t))
            .filter_map(|t| t.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
            .map(str::to_string)
            .collect();
        IfMatch::Tags(tags)
    }

    /// Whether an existing entity at `version` meets the condition.
    pub fn matches(&self, version: i64) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| t.parse() == Ok(version)),
        }
    }

    /// The version a conditional write must still find, if the condition names one.
    fn pinned(&self, version: i64) -> Option<i64> {
        match self {
            IfMatch::Any => None,
            IfMatch::Tags(_) => Some(version),
        }
    }
}

/// Creates an entity and, for a user with a password, its hash: one transaction.
pub async fn create(
    store: &dyn Store,
    tenant: &str,
    kind: EntityKind,
    doc: Value,
    password_hash: Option<&str>,
) -> Result<Doc, WriteError> {
    let id = doc.get("id").and_then(Value::as_str).map(str::to_string);
    let mut work = UnitOfWork::new().create(kind, doc);
    if let (Some(hash), Some(id)) = (password_hash, id) {
        work = work.set_password(&id, hash);
    }
    let docs = store
        .apply(tenant, &work)
        .await
        .map_err(WriteError::Store)?;
    docs.into_iter().next().ok_or_else(missing_doc)
}

/// Reads the entity, checks `if_match`, merges with `merge` and writes the result (and the
/// new password hash, in the same transaction) if the version is still the one read.
/// A lost race is retried on the new version, up to [`MAX_ATTEMPTS`]; with an `If-Match`
/// naming tags it is a failed precondition instead, since the tag is no longer current.
pub async fn update(
    store: &dyn Store,
    tenant: &str,
    kind: EntityKind,
    id: &str,
    if_match: Option<&IfMatch>,
    password_hash: Option<&str>,
    mut merge: impl FnMut(&Value) -> Result<Value, RuleError> + Send,
) -> Result<Doc, WriteError> {
    let _turn = turn(tenant, kind, id).lock().await;
    for _ in 0..MAX_ATTEMPTS {
        let current = store
            .get(tenant, kind, id)
            .await?
            .ok_or(WriteError::NotFound)?;
        check(if_match, current.version)?;
        let existing: Value = serde_json::from_str(&current.json)
            .map_err(|e| WriteError::Store(StoreError::Other(Box::new(e))))?;
        let mut work = UnitOfWork::new().update(kind, merge(&existing)?, current.version);
        if let Some(hash) = password_hash {
            work = work.set_password(id, hash);
        }
        match store.apply(tenant, &work).await {
            Ok(docs) => return docs.into_iter().next().ok_or_else(missing_doc),
            Err(StoreError::Stale) if matches!(if_match, Some(IfMatch::Tags(_))) => {
                return Err(WriteError::PreconditionFailed)
            }
            Err(StoreError::Stale) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(WriteError::Contended)
}

/// Deletes the entity; with `if_match`, only while its version meets the condition.
pub async fn delete(
    store: &dyn Store,
    tenant: &str,
    kind: EntityKind,
    id: &str,
    if_match: Option<&IfMatch>,
) -> Result<(), WriteError> {
    let version = match if_match {
        None => None,
        Some(cond) => {
            let current = store
                .get(tenant, kind, id)
                .await?
                .ok_or(WriteError::NotFound)?;
            check(Some(cond), current.version)?;
            cond.pinned(current.version)
        }
    };
    match store
        .apply(tenant, &UnitOfWork::new().delete(kind, id, version))
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Stale) => Err(WriteError::PreconditionFailed),
        Err(e) => Err(e.into()),
    }
}

fn check(if_match: Option<&IfMatch>, version: i64) -> Result<(), WriteError> {
    match if_match {
        Some(cond) if !cond.matches(version) => Err(WriteError::PreconditionFailed),
        _ => Ok(()),
    }
}

fn missing_doc() -> WriteError {
    WriteError::Store(StoreError::Other(
        "a one-entity write returned no document".into(),
    ))
}

/// This process's turn for updating one entity.
fn turn(tenant: &str, kind: EntityKind, id: &str) -> &'static Mutex<()> {
    static LOCKS: OnceLock<Vec<Mutex<()>>> = OnceLock::new();
    stripe(&LOCKS, (tenant, kind, id))
}

/// This process's turn for changing the set of entities one container holds (a rule over
/// the whole set, such as grading weights totalling 100, is checked and written while it
/// is held). A lock set of its own: a holder goes on to take an entity's [`turn`], and the
/// two must never be the same mutex.
pub(crate) fn container_turn(tenant: &str, kind: EntityKind, id: &str) -> &'static Mutex<()> {
    static LOCKS: OnceLock<Vec<Mutex<()>>> = OnceLock::new();
    stripe(&LOCKS, (tenant, kind, id))
}

fn stripe(
    locks: &'static OnceLock<Vec<Mutex<()>>>,
    key: (&str, EntityKind, &str),
) -> &'static Mutex<()> {
    let locks = locks.get_or_init(|| (0..TURNS).map(|_| Mutex::new(())).collect());
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
    &locks[(hash % TURNS as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_and_if_match() {
        assert_eq!(etag(3), "W/\"3\"");
        assert!(IfMatch::parse("*").matches(7));
        assert!(IfMatch::parse(&etag(3)).matches(3));
        assert!(IfMatch::parse("\"3\"").matches(3));
        assert!(IfMatch::parse("W/\"1\", W/\"3\"").matches(3));
        assert!(!IfMatch::parse(&etag(3)).matches(4));
        // Unquoted or garbled tags match nothing.
        for bad in ["3", "W/3", "\"x\"", "", "**"] {
            assert!(!IfMatch::parse(bad).matches(3), "{bad}");
        }
    }
}
