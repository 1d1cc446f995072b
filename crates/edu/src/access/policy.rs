//! The policy table: for every [`Op`], who may call it, as data.
//!
//! A row says which kind of token is needed at all ([`Access`]), the least delegated and
//! least application permission that grant it ([`Need`]; every level covering it grants
//! it too, see `permission`), any directory permission needed in addition, and the
//! class-role rule for delegated callers. Rows follow BEHAVIOR.md §1 and Appendix A;
//! routes Appendix A does not list follow their siblings (`$count` and `$ref` listings
//! as the listing, `/users/{id}/classes/{id}` as `/users/{id}/classes`, `GET /education`
//! as a roster read).
//!
//! Decisions recorded here:
//! - Application `EduRoster.ReadBasic.All` grants only the roster delta functions, as
//!   Appendix A and the per-operation docs list it; every other roster read needs
//!   `EduRoster.Read.All`.
//! - The directory objects behind roster entities (`/classes/{id}/group`,
//!   `/users/{id}/user`, `/me/user`, and `$expand` of them) also need
//!   `Directory.Read.All` (delegated: or `User.Read` for a user object), as §0.2 says.
//! - `Member.Read.Hidden` (class members) and `Notes.ReadWrite.All` (submission actions)
//!   are listed by Graph beside the education permissions, not required; they are not
//!   enforced.
//! - Class teachers are listed to any delegated caller with a roster scope; only the
//!   members listing is limited to the class's members (§0.2).

use super::permission::{Family, Level, Need};
use super::Op;
use crate::sets::{Action, Set};

/// Which callers reach the permission check at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed (`$metadata`).
    Public,
    /// Any verified token.
    Token,
    /// Only a token with a signed-in user (`/education/me...`); app-only tokens get 400.
    SignedInUser,
}

/// A delegated caller's role in the class the path names. Teachers are members too, so
/// a teacher is never also counted a student.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassRole {
    Teacher,
    Student,
    Other,
}

/// Which class roles may call an operation with a delegated token. Application callers
/// act with teacher-like visibility over every class and are not subject to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassRule {
    /// No class condition.
    Anyone,
    /// Teachers and students of the class (its `members`).
    Members,
    /// Teachers of the class only.
    Teachers,
    /// Students of the class only.
    Students,
    /// Not a class rule: the path's first key must be the delegated caller's own user id.
    Owner,
}

impl ClassRule {
    pub fn allows(self, role: ClassRole) -> bool {
        match self {
            ClassRule::Anyone => true,
            ClassRule::Members => role != ClassRole::Other,
            ClassRule::Teachers => role == ClassRole::Teacher,
            ClassRule::Students => role == ClassRole::Student,
            // Decided on the caller's id, not a class role (`access::check_owner`).
            ClassRule::Owner => false,
        }
    }
}

/// One row of the permission model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub access: Access,
    /// Least delegated permission that grants the call; `None`: not supported with
    /// delegated tokens.
    pub delegated: Option<Need>,
    /// Least application permission; `None`: not supported with application tokens.
    pub application: Option<Need>,
    /// One of these is needed as well with a delegated token (empty: nothing more).
    pub delegated_also: &'static [&'static str],
    /// One of these is needed as well with an application token.
    pub application_also: &'static [&'static str],
    /// Delegated callers' role in the class of the path's first key.
    pub class_rule: ClassRule,
}

const fn roster(level: Level) -> Option<Need> {
    Some(Need::new(Family::EduRoster, level))
}

/// Roster read: delegated `EduRoster.ReadBasic`, application `EduRoster.Read.All`.
const READ: Policy = Policy {
    access: Access::Token,
    delegated: roster(Level::ReadBasic),
    application: roster(Level::Read),
    delegated_also: &[],
    application_also: &[],
    class_rule: ClassRule::Anyone,
};
/// Roster delta functions: the one place `EduRoster.ReadBasic.All` is listed.
const DELTA: Policy = Policy {
    application: roster(Level::ReadBasic),
    ..READ
};
/// App-only roster read (`/users`, `/schools/{id}/users`).
const APP_READ: Policy = Policy {
    delegated: None,
    ..READ
};
/// Roster write: application `EduRoster.ReadWrite.All` only.
const WRITE: Policy = Policy {
    delegated: None,
    application: roster(Level::ReadWrite),
    ..READ
};
/// Reads of the class's members: delegated callers must belong to the class.
const MEMBERS_READ: Policy = Policy {
    class_rule: ClassRule::Members,
    ..READ
};
/// The directory group behind a class.
const GROUP_READ: Policy = Policy {
    delegated_also: &["Directory.Read.All"],
    application_also: &["Directory.Read.All"],
    ..READ
};
/// The directory user behind an educationUser.
const DIRECTORY_USER_READ: Policy = Policy {
    delegated_also: &["User.Read", "Directory.Read.All"],
    application_also: &["Directory.Read.All"],
    ..READ
};
const ME: Policy = Policy {
    access: Access::SignedInUser,
    ..READ
};
/// A roster write below `/me`.
const SIGNED_IN_WRITE: Policy = Policy {
    access: Access::SignedInUser,
    ..WRITE
};

const fn assignments(level: Level) -> Option<Need> {
    Some(Need::new(Family::EduAssignments, level))
}

/// Reads of a class's assignment setup (categories, defaults, settings): the class's
/// members with a delegated token, any class with an application one.
const CLASS_SETUP_READ: Policy = Policy {
    delegated: assignments(Level::ReadBasic),
    application: assignments(Level::ReadBasic),
    class_rule: ClassRule::Members,
    ..READ
};
/// Changes of a class's assignment setup: its teachers, delegated only (Appendix A lists
/// no application permission).
const CLASS_SETUP_WRITE: Policy = Policy {
    delegated: assignments(Level::ReadWriteBasic),
    application: None,
    class_rule: ClassRule::Teachers,
    ..READ
};
/// Grading categories and schemes: delegated only (BEHAVIOR §8.4, §8.5).
const GRADING_READ: Policy = Policy {
    application: None,
    ..CLASS_SETUP_READ
};
/// The signed-in user's own rubrics.
const MY_RUBRICS_READ: Policy = Policy {
    access: Access::SignedInUser,
    delegated: assignments(Level::ReadBasic),
    application: None,
    ..READ
};
const MY_RUBRICS_WRITE: Policy = Policy {
    delegated: assignments(Level::ReadWriteBasic),
    ..MY_RUBRICS_READ
};
/// A user's rubrics by id [inferred]: delegated callers reach only their own (the owner
/// rule), applications any user's with the assignment permissions.
const USER_RUBRICS_READ: Policy = Policy {
    delegated: assignments(Level::ReadBasic),
    application: assignments(Level::ReadBasic),
    class_rule: ClassRule::Owner,
    ..READ
};
const USER_RUBRICS_WRITE: Policy = Policy {
    delegated: assignments(Level::ReadWriteBasic),
    application: assignments(Level::ReadWriteBasic),
    ..USER_RUBRICS_READ
};

const fn administration(level: Level) -> Option<Need> {
    Some(Need::new(Family::EduAdministration, level))
}

/// School Data Sync reads (profiles, their status and errors): delegated
/// `EduAdministration.Read`, application `EduAdministration.Read.All` (BEHAVIOR §10).
const SYNC_READ: Policy = Policy {
    delegated: administration(Level::Read),
    application: administration(Level::Read),
    ..READ
};
/// School Data Sync changes, the profile's actions and its upload URL included.
const SYNC_WRITE: Policy = Policy {
    delegated: administration(Level::ReadWrite),
    application: administration(Level::ReadWrite),
    ..READ
};

/// The row of a set: one read and one write policy per set (an exhaustive match, so a
/// set cannot be served without its row), with the roster's exceptions: its delta
/// functions, and the app-only listing of all users beside the read of one.
fn set_policy(set: Set, action: Action) -> Policy {
    use Set::*;
    let (read, write) = match set {
        Schools | SchoolClasses | Classes | ClassTeachers | ClassSchools | Users | UserClasses
        | UserSchools | UserTaughtClasses => (READ, WRITE),
        SchoolUsers => (APP_READ, WRITE),
        ClassMembers => (MEMBERS_READ, WRITE),
        ClassGroup => (GROUP_READ, WRITE),
        UserDirectoryUser => (DIRECTORY_USER_READ, WRITE),
        // Documented as app-only EduRoster.ReadWrite.All, which no app can use without a
        // user: delegated callers get 403 naming it, apps the /me 400.
        Me | MeClasses | MeSchools | MeTaughtClasses => (ME, SIGNED_IN_WRITE),
        MeDirectoryUser => (
            Policy {
                access: Access::SignedInUser,
                ..DIRECTORY_USER_READ
            },
            SIGNED_IN_WRITE,
        ),
        AssignmentCategories | AssignmentDefaults | AssignmentSettings => {
            (CLASS_SETUP_READ, CLASS_SETUP_WRITE)
        }
        GradingCategories | GradingSchemes | DefaultGradingScheme => {
            (GRADING_READ, CLASS_SETUP_WRITE)
        }
        MeRubrics => (MY_RUBRICS_READ, MY_RUBRICS_WRITE),
        UserRubrics => (USER_RUBRICS_READ, USER_RUBRICS_WRITE),
        SyncProfiles | SyncProfileStatus | SyncErrors => (SYNC_READ, SYNC_WRITE),
    };
    match (set, action) {
        (Schools | Classes | Users, Action::Delta) => DELTA,
        (Users, Action::List | Action::Count) => APP_READ,
        (_, action) if action.writes() => write,
        _ => read,
    }
}

/// The policy of every operation.
pub fn policy(op: Op) -> Policy {
    match op {
        Op::Metadata => Policy {
            access: Access::Public,
            delegated: None,
            application: None,
            ..READ
        },
        Op::GetRoot => READ,
        Op::Set(set, action) => set_policy(set, action),
    }
}
