//! The pure rules for a class's grading set-up and for teachers' rubrics (BEHAVIOR §6 and
//! §8): assignment categories, grading categories and their class-wide weight invariant,
//! letter-grade schemes, rubrics (server-assigned level, quality and criterion ids, the
//! computed points total, created/modified stamps) and the two per-class singletons,
//! `assignmentDefaults` and `assignmentSettings`.
//!
//! Nothing here touches the store or HTTP: every function takes the request body (and the
//! stored document for updates) and returns the complete document to store, or a
//! [`RuleError`] that the HTTP side turns into a 400. A rejected body therefore cannot have
//! changed anything. Bodies are checked against the schema with the same
//! `edugraph_odata::body` check the roster uses, so unknown properties, wrong types and
//! bad enum members are refused the same way everywhere.
//!
//! Documents come out in one shape: `@odata.type`, `id`, then every property of the type
//! in schema order, unset ones as `null` (as Graph returns them).

mod document;
pub mod limits;

pub mod category;
pub mod defaults;
pub mod grading_category;
pub mod grading_scheme;
pub mod rubric;

pub use crate::roster::RuleError;
pub use document::identity_set;

/// What the server decides for a new or changed document.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    pub now: time::OffsetDateTime,
    pub caller: &'a crate::Caller,
}

/// Generates server-assigned ids (the server passes `|| uuid::Uuid::new_v4().to_string()`;
/// tests pass a counter so the ids are predictable).
pub type Ids<'a> = &'a mut dyn FnMut() -> String;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_odd_inputs;
#[cfg(test)]
mod tests_rubric;
