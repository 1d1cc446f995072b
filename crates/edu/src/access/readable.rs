//! The readable-property rule: given what a caller was granted and an entity type, which
//! property paths the caller may read. It is the single source for both sides of a read:
//! the server masks every payload with it (what is shown) and checks every property path
//! a query names against it before running anything (what can be tested, sorted by,
//! selected or expanded), so the two cannot drift apart. A value the caller may not see
//! must not be recoverable through `$filter=student/birthDate eq ...` one query at a time.
//!
//! The rule is data: one [`Row`] per (type, kind of grant), first match wins; a type
//! without a matching row is readable in full. Outcomes, feedback and submissions add
//! their rows here (keyed on the assignment grant once `Grant` carries it).

use edugraph_odata::query::{PathRef, PathUse};
use edugraph_odata::ODataError;

use super::decide::{Grant, UserView};

/// The educationUser properties a caller with a reduced view sees (BEHAVIOR §0.2). Nested
/// paths are written with `/`.
pub const REDUCED_USER_PROPERTIES: &[&str] = &[
    "id",
    "primaryRole",
    "accountEnabled",
    "displayName",
    "givenName",
    "surname",
    "userPrincipalName",
    "userType",
    "onPremisesInfo",
    "student/externalId",
    "teacher/externalId",
];

/// Server-managed educationUser properties shown only when `$select` names them (they
/// stay readable, filterable and sortable for whoever may read them).
const USER_ON_REQUEST: &[&str] = &["refreshTokensValidFromDateTime"];

/// What a caller may read of one entity type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readable {
    /// `None`: every property. `Some(paths)`: these paths and everything inside them.
    only: Option<&'static [&'static str]>,
    /// Readable properties left out of a payload unless `$select` names them.
    on_request: &'static [&'static str],
    /// Why a path is hidden, for the refusal message.
    why: &'static str,
}

/// How much of a property path lies within what the caller may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The path is readable, with everything under it.
    Whole,
    /// Only some properties under the path are readable (`student` when only
    /// `student/externalId` is). The masked payload shows the readable part, and so
    /// whether the value is null (or how many items a collection holds); that is all a
    /// query can test of it (a complex value compares only with null, and cannot be
    /// sorted by), so it may be used like a readable path.
    Part,
    Hidden,
}

/// One row of the rule: for entities of `type_name`, callers whose grant satisfies
/// `applies` read `readable`.
pub struct Row {
    pub type_name: &'static str,
    pub applies: fn(&Grant) -> bool,
    pub readable: Readable,
}

fn reduced_users(g: &Grant) -> bool {
    g.user_view == UserView::Reduced
}

fn always(_: &Grant) -> bool {
    true
}

/// The rule, first match wins.
pub static ROWS: &[Row] = &[
    Row {
        type_name: "educationUser",
        applies: reduced_users,
        readable: Readable {
            only: Some(REDUCED_USER_PROPERTIES),
            on_request: USER_ON_REQUEST,
            why: "Delegated tokens and application tokens granted EduRoster.ReadBasic.All read a reduced set of educationUser properties; the others need the application permission EduRoster.Read.All.",
        },
    },
    Row {
        type_name: "educationUser",
        applies: always,
        readable: Readable {
            on_request: USER_ON_REQUEST,
            ..Readable::ALL
        },
    },
];

/// What a caller holding `grant` may read of entities of `type_name` (`educationUser`).
pub fn readable(grant: &Grant, type_name: &str) -> Readable {
    ROWS.iter()
        .find(|r| r.type_name == type_name && (r.applies)(grant))
        .map_or(Readable::ALL, |r| r.readable)
}

impl Readable {
    /// Every property, none held back.
    pub const ALL: Readable = Readable {
        only: None,
        on_request: &[],
        why: "",
    };

    /// The readable paths when the caller may not read everything (the payload mask).
    pub fn only(&self) -> Option<&'static [&'static str]> {
        self.only
    }

    /// Properties shown only when `$select`ed.
    pub fn on_request(&self) -> &'static [&'static str] {
        self.on_request
    }

    /// How much of `path` (segments from the entity) the caller may read.
    pub fn reach<S: AsRef<str>>(&self, path: &[S]) -> Reach {
        let Some(only) = self.only else {
            return Reach::Whole;
        };
        let mut reach = Reach::Hidden;
        for entry in only {
            let entry: Vec<&str> = entry.split('/').collect();
            let common = entry
                .iter()
                .zip(path)
                .take_while(|(e, p)| **e == p.as_ref())
                .count();
            if common == entry.len() {
                return Reach::Whole;
            }
            if common == path.len() {
                reach = Reach::Part;
            }
        }
        reach
    }

    /// Whether `path` may appear in the query option `used_in`. The same answer for
    /// every option today (see [`Reach::Part`]); the option is an argument so a row can
    /// tell them apart (a property shown but not sortable) without changing callers.
    pub fn allows<S: AsRef<str>>(&self, _used_in: PathUse, path: &[S]) -> bool {
        self.reach(path) != Reach::Hidden
    }

    /// Checks one path of a query on entities of `type_name`; the refusal is a 400 that
    /// names the property, the option and what the caller may read instead.
    pub fn check(&self, type_name: &str, path: &PathRef) -> Result<(), ODataError> {
        if self.allows(path.used_in, &path.segments) {
            return Ok(());
        }
        let within = if path.via.is_empty() {
            String::new()
        } else {
            format!(" (inside $expand={})", path.via.join("/"))
        };
        Err(ODataError::bad_request(format!(
            "The property '{path}' of type 'microsoft.graph.{type_name}' cannot be used in {}{within}: this caller may not read it. {} Readable: {}.",
            path.used_in.option(),
            self.why,
            self.only.unwrap_or_default().join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::ClassRule;

    fn grant(user_view: UserView) -> Grant {
        Grant {
            user_view,
            class_rule: ClassRule::Anyone,
        }
    }

    fn path(used_in: PathUse, p: &str) -> PathRef {
        PathRef {
            via: Vec::new(),
            used_in,
            segments: p.split('/').map(str::to_string).collect(),
        }
    }

    #[test]
    fn reduced_users_read_the_documented_set_and_what_lies_inside_it() {
        let r = readable(&grant(UserView::Reduced), "educationUser");
        for p in REDUCED_USER_PROPERTIES {
            assert_eq!(
                r.reach(&p.split('/').collect::<Vec<_>>()),
                Reach::Whole,
                "{p}"
            );
        }
        assert_eq!(r.reach(&["onPremisesInfo", "immutableId"]), Reach::Whole);
        assert_eq!(r.reach(&["student"]), Reach::Part);
        assert_eq!(r.reach(&["student", "birthDate"]), Reach::Hidden);
        assert_eq!(r.reach(&["mail"]), Reach::Hidden);
        assert_eq!(r.reach(&["relatedContacts", "emailAddress"]), Reach::Hidden);
        assert_eq!(r.reach(&["refreshTokensValidFromDateTime"]), Reach::Hidden);
        assert!(r.allows(PathUse::Select, &["student"]));
        assert!(r.allows(PathUse::Filter, &["student"]));
        assert!(!r.allows(PathUse::Filter, &["student", "gender"]));
        assert!(!r.allows(PathUse::OrderBy, &["mail"]));
        assert_eq!(r.on_request(), USER_ON_REQUEST);
    }

    #[test]
    fn full_views_and_other_types_read_everything() {
        let full = readable(&grant(UserView::Full), "educationUser");
        assert_eq!(full.only(), None);
        assert_eq!(full.reach(&["student", "birthDate"]), Reach::Whole);
        assert_eq!(full.on_request(), USER_ON_REQUEST);
        for ty in ["educationClass", "educationSchool"] {
            for view in [UserView::Full, UserView::Reduced] {
                assert_eq!(readable(&grant(view), ty), Readable::ALL, "{ty}");
            }
        }
    }

    #[test]
    fn a_refusal_names_the_property_and_the_option() {
        let r = readable(&grant(UserView::Reduced), "educationUser");
        let e = r
            .check("educationUser", &path(PathUse::Filter, "student/gender"))
            .unwrap_err();
        assert_eq!(e.code, "BadRequest");
        assert!(e.message.contains("'student/gender'"), "{}", e.message);
        assert!(e.message.contains("$filter"), "{}", e.message);
        assert!(r
            .check("educationUser", &path(PathUse::OrderBy, "displayName"))
            .is_ok());
    }
}
