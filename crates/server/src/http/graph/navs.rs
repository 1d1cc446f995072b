//! The roster's navigations to many (`members`, `classes`, ...) as the handlers and
//! `$expand` use them, derived from the catalog's `Links` rows. Every link is stored once
//! (`class → user`, `school → class`, `school → user`); the reverse navigations read the
//! same link from the other end.

use std::sync::LazyLock;

use edugraph_edu::access::Op;
use edugraph_edu::sets::{Action, Set, SetDef, Shape, SETS};
use edugraph_store::{EntityKind, Relation, Scope};

#[derive(Debug)]
pub struct Nav {
    /// The catalog row it comes from.
    pub set: Set,
    pub from: EntityKind,
    pub name: &'static str,
    pub target: EntityKind,
    pub relation: Relation,
    /// True when `from` is the `from` end of the stored link.
    pub outgoing: bool,
    /// The operation that lists it, whose policy also governs `$expand` of it.
    pub list_op: Op,
}

/// One per `Links` row of the catalog, `/me`'s included.
static ALL: LazyLock<Vec<Nav>> = LazyLock::new(|| {
    SETS.iter()
        .filter_map(|def| match (def.shape, def.home.kind()) {
            (Shape::Links(links), Some(from)) => Some(Nav {
                set: def.set,
                from,
                name: def.name(),
                target: def.kind,
                relation: links.relation,
                outgoing: links.outgoing,
                list_op: Op::Set(def.set, Action::List),
            }),
            _ => None,
        })
        .collect()
});

/// The navigation of a `Links` row.
pub fn of(set: Set) -> Option<&'static Nav> {
    ALL.iter().find(|n| n.set == set)
}

/// The collection navigation `name` of `from`, if it is one we store (below the
/// entity's key, not `/me`'s: its policy is the one `$expand` needs).
pub fn find(from: EntityKind, name: &str) -> Option<&'static Nav> {
    SetDef::navigation(from, name).and_then(|def| of(def.set))
}

impl Nav {
    /// The listing scope of this navigation from entity `id`.
    pub fn scope(&self, id: &str) -> Scope {
        if self.outgoing {
            Scope::Outgoing(self.relation, id.to_string())
        } else {
            Scope::Incoming(self.relation, id.to_string())
        }
    }
    /// The stored link `(from, to)` between `id` (of `self.from`) and `other` (of `self.target`).
    pub fn link<'a>(&self, id: &'a str, other: &'a str) -> (&'a str, &'a str) {
        if self.outgoing {
            (id, other)
        } else {
            (other, id)
        }
    }
}
