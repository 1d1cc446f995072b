//! The School Data Sync engine: brings a tenant in line with a parsed roster
//! (`edugraph_rostering::Roster`) in two steps, [`plan`] then [`apply`].
//!
//! **Plan.** [`plan`] reads what the tenant holds and compares it with the roster, per kind
//! (schools, classes, users) and per link relation (`SchoolClasses`, `SchoolUsers`,
//! `ClassMembers`, `ClassTeachers`). Records match existing entities by `externalId`
//! (schools, classes) or `student.externalId` / `teacher.externalId` (users), always with
//! `externalSource` `sis`: the sync owns what it created and never touches entities
//! created through the API. For each match the would-be document is built and compared
//! with the stored one; equal documents are left alone, so applying the same files twice
//! writes nothing the second time (no version bump, no delta entry).
//!
//! **Snapshot and delta.** SDS files and OneRoster `bulk` files are full snapshots: a
//! synced entity missing from them is deactivated (users: `accountEnabled: false`; classes
//! and schools have no such flag and only lose their links), and a link between two synced
//! entities that the files no longer list is removed. Nothing is ever deleted. OneRoster
//! `delta` files touch only what they list, and `status: tobedeleted` deactivates or
//! unlinks in either mode. Links to entities the sync does not own (a teacher added by
//! hand) are kept.
//!
//! **Safety.** [`SyncOptions::max_deactivation_percent`] bounds the share of any kind or
//! relation a plan may deactivate or unlink; a plan above it is `held` with the reason
//! and [`apply`] refuses it, so a truncated upload cannot empty a district.
//!
//! **Apply and crashes.** [`apply`] loads a first import into an empty tenant with one
//! `Store::bulk_load` (one transaction: a crash leaves the tenant empty). Otherwise it
//! writes through `Store::apply` in units of at most [`BATCH`] operations, each unit its
//! own transaction: entity creates and updates first, then the link changes grouped by
//! the class or school they start from, a unit cut only between two containers (one
//! class's changes may exceed the batch, never be split). A crash midway leaves some units
//! applied and the rest not: nothing is half-written, and every class has its old roster
//! or its new one.
//! Running the import again recomputes the plan from the store: entities created by the
//! first run now match by their external ids, links that exist compare equal, so the
//! re-run applies exactly what is missing and nothing twice.
//!
//! Not synced: guardians and persons of other roles (no educationUser is created for
//! them; guardians appear in their students' `relatedContacts`), and passwords from the
//! files (accounts are created without one).

mod apply;
pub mod customize;
mod documents;
mod existing;
mod planner;
pub mod profile;
pub mod profiles;
mod report;
pub mod run;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use edugraph_store::{EntityKind, Relation, StoreError};
use serde_json::Value;

pub use apply::{apply, apply_paced, Applied, Pace, Written, BATCH};
pub use planner::{plan, SYNC_APP_ID};
pub use report::Row;

/// How a sync runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncOptions {
    /// Domain appended to usernames without an `@` (`{username}@{domain}`); usernames
    /// that carry a domain are kept as written. Without it, a new user whose username has
    /// no domain is skipped (the CLI passes the tenant's verified domain).
    pub user_domain: Option<String>,
    /// Domains for one role (a profile's `userDomains`), before `user_domain`.
    pub student_domain: Option<String>,
    pub teacher_domain: Option<String>,
    /// Hold the plan when any kind or relation would lose more than this percentage of
    /// what the tenant holds (deactivated users, removed links).
    pub max_deactivation_percent: Option<f64>,
    /// Compute the plan only; [`apply`] then writes nothing.
    pub dry_run: bool,
    /// Identity matching: records update the users the sync holds and never create one
    /// (a record without its user is skipped).
    pub match_only: bool,
    /// A profile's property selection, display-name rule and licenses (the default:
    /// everything synced, display names follow the files, no licenses).
    pub customize: customize::Customizations,
}

/// Everything a sync would change, computed from the roster and the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub tenant: String,
    pub dry_run: bool,
    /// The tenant held no entities: [`apply`] bulk-loads.
    pub first_import: bool,
    /// Why [`apply`] must not write this plan (the safety threshold), if it must not.
    pub held: Option<String>,
    pub schools: EntityChanges,
    pub classes: EntityChanges,
    pub users: EntityChanges,
    /// One per relation, in [`Relation::ALL`] order.
    pub links: Vec<LinkChanges>,
    /// Roster records that cannot be synced, with the reason.
    pub skipped: Vec<Skipped>,
}

/// The entity writes of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityChanges {
    pub kind: EntityKind,
    /// Synced entities (`externalSource` `sis`) the tenant held before.
    pub existing: usize,
    /// Complete new documents, as JSON text: a district's plan holds tens of thousands,
    /// and parsed they would take several times the memory.
    pub creates: Vec<String>,
    /// Changed documents of matched entities, with the version read.
    pub updates: Vec<Write>,
    /// Users the files no longer list (or list as `tobedeleted`), disabled.
    pub deactivations: Vec<Write>,
    /// Synced entities the files no longer list; users among them are in `deactivations`
    /// unless already disabled, classes and schools only lose their links.
    pub absent: usize,
    /// Matched entities whose documents are already what the files say.
    pub unchanged: usize,
}

/// A replacement document and the version it was computed from (compare-and-swap).
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub doc: Value,
    pub version: i64,
}

/// The link changes of one relation, as store ids.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkChanges {
    pub relation: Relation,
    /// Links between synced entities the tenant held before.
    pub existing: usize,
    /// In `(from, to)` order, which is the links table's key order within a relation.
    pub add: Vec<(StoreId, StoreId)>,
    pub remove: Vec<(StoreId, StoreId)>,
    pub unchanged: usize,
    /// A few added and removed links, written `from → to` with external ids.
    pub samples: Vec<String>,
}

/// An entity's store id in a plan's links. Shared, not copied: a district's plan names
/// each class and user in hundreds of thousands of links.
pub type StoreId = Arc<str>;

/// A roster record left out of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub kind: EntityKind,
    pub external_id: String,
    pub reason: String,
    /// The file and 1-based line of the record.
    pub file: String,
    pub line: u64,
}

/// What can stop a sync.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the plan is held and was not applied: {0}")]
    Held(String),
    #[error("the plan was computed for tenant {0}")]
    OtherTenant(String),
}

impl Plan {
    /// Entity documents and links the plan would write.
    pub fn changes(&self) -> usize {
        let entities: usize = [&self.schools, &self.classes, &self.users]
            .iter()
            .map(|e| e.creates.len() + e.updates.len() + e.deactivations.len())
            .sum();
        let links: usize = self
            .links
            .iter()
            .map(|l| l.add.len() + l.remove.len())
            .sum();
        entities + links
    }

    /// True when applying would write nothing.
    pub fn is_empty(&self) -> bool {
        self.changes() == 0
    }
}
