//! A unit of work: the entity, link and secret writes of one use case, applied by
//! [`Store::apply`](crate::Store::apply) in one transaction, all or nothing. Creating a
//! user with its password hash is two operations of one unit; publishing an assignment
//! will be one update and N creates.

use crate::{EntityKind, Relation};
use serde_json::Value;

/// One write of a unit of work.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Insert a new entity; `doc` holds its `"id"`. A contained kind names its container
    /// (`parent`), which must exist (`NotFound` otherwise).
    Create {
        kind: EntityKind,
        doc: Value,
        parent: Option<String>,
    },
    /// Replace the document of an entity whose version is still `version`.
    Update {
        kind: EntityKind,
        doc: Value,
        version: i64,
    },
    /// Delete an entity (only while its version is `version`, when given) with its links
    /// and secrets.
    Delete {
        kind: EntityKind,
        id: String,
        version: Option<i64>,
    },
    Link {
        relation: Relation,
        from: String,
        to: String,
    },
    Unlink {
        relation: Relation,
        from: String,
        to: String,
    },
    /// Store (or replace) a user's password hash.
    SetPassword { user: String, hash: String },
}

/// Operations applied in order in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitOfWork {
    pub ops: Vec<Op>,
}

impl UnitOfWork {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(mut self, op: Op) -> Self {
        self.ops.push(op);
        self
    }

    pub fn create(self, kind: EntityKind, doc: Value) -> Self {
        self.push(Op::Create {
            kind,
            doc,
            parent: None,
        })
    }

    /// Creates an entity contained in `parent` (an entity of `kind.container()`).
    pub fn create_in(self, kind: EntityKind, parent: &str, doc: Value) -> Self {
        self.push(Op::Create {
            kind,
            doc,
            parent: Some(parent.to_string()),
        })
    }

    pub fn update(self, kind: EntityKind, doc: Value, version: i64) -> Self {
        self.push(Op::Update { kind, doc, version })
    }

    pub fn delete(self, kind: EntityKind, id: &str, version: Option<i64>) -> Self {
        self.push(Op::Delete {
            kind,
            id: id.to_string(),
            version,
        })
    }

    pub fn link(self, relation: Relation, from: &str, to: &str) -> Self {
        self.push(Op::Link {
            relation,
            from: from.to_string(),
            to: to.to_string(),
        })
    }

    pub fn unlink(self, relation: Relation, from: &str, to: &str) -> Self {
        self.push(Op::Unlink {
            relation,
            from: from.to_string(),
            to: to.to_string(),
        })
    }

    pub fn set_password(self, user: &str, hash: &str) -> Self {
        self.push(Op::SetPassword {
            user: user.to_string(),
            hash: hash.to_string(),
        })
    }

    /// The entities whose documents the unit writes or deletes (a document cache drops
    /// them when the outcome is unknown).
    pub fn touched(&self) -> impl Iterator<Item = (EntityKind, &str)> {
        self.ops.iter().filter_map(|op| match op {
            Op::Create { kind, doc, .. } | Op::Update { kind, doc, .. } => {
                doc.get("id").and_then(Value::as_str).map(|id| (*kind, id))
            }
            Op::Delete { kind, id, .. } => Some((*kind, id.as_str())),
            _ => None,
        })
    }
}
