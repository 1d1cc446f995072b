//! Who may call what. Every Graph operation the server routes is an [`Op`]; [`policy`] maps
//! each one to the permissions that grant it (an exhaustive `match`, so a new operation
//! cannot be routed without a policy), and [`authorize`] checks a caller against it.
//!
//! The permission data follows BEHAVIOR.md §0.2/§1 and Appendix A: roster reads take the
//! `EduRoster` family (delegated `ReadBasic < Read < ReadWrite`, application `.All`
//! twins), roster writes take the application permission `EduRoster.ReadWrite.All` only.
//! Rules that need the store (class membership) are returned as [`Rule`]s for the caller
//! of `authorize` to enforce.

use crate::Caller;

/// Delegated permissions that allow roster reads (`EduRoster.Write` is a published alias).
pub const ROSTER_READ_DELEGATED: &[&str] = &[
    "EduRoster.ReadBasic",
    "EduRoster.Read",
    "EduRoster.ReadWrite",
    "EduRoster.Write",
];
/// Application permissions that allow roster reads with the full property set.
pub const ROSTER_READ_APP: &[&str] = &[
    "EduRoster.Read.All",
    "EduRoster.ReadWrite.All",
    "EduRoster.WriteWrite.All",
];
/// Application permissions that allow roster reads with the basic property set.
pub const ROSTER_READ_BASIC_APP: &[&str] = &["EduRoster.ReadBasic.All"];
/// Application permissions that allow roster writes (`WriteWrite` is a typo Graph's own
/// permission tables carry; accepted as an alias).
pub const ROSTER_WRITE_APP: &[&str] = &["EduRoster.ReadWrite.All", "EduRoster.WriteWrite.All"];

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

/// Every operation of the Graph surface, named after its path and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Metadata,
    GetRoot,
    // schools
    ListSchools,
    CountSchools,
    SchoolsDelta,
    CreateSchool,
    GetSchool,
    UpdateSchool,
    DeleteSchool,
    ListSchoolClasses,
    CountSchoolClasses,
    ListSchoolClassRefs,
    AddSchoolClass,
    RemoveSchoolClass,
    ListSchoolUsers,
    CountSchoolUsers,
    ListSchoolUserRefs,
    AddSchoolUser,
    RemoveSchoolUser,
    // classes
    ListClasses,
    CountClasses,
    ClassesDelta,
    CreateClass,
    GetClass,
    UpdateClass,
    DeleteClass,
    ListClassMembers,
    CountClassMembers,
    ListClassMemberRefs,
    AddClassMember,
    RemoveClassMember,
    ListClassTeachers,
    CountClassTeachers,
    ListClassTeacherRefs,
    AddClassTeacher,
    RemoveClassTeacher,
    ListClassSchools,
    CountClassSchools,
    GetClassSchool,
    GetClassGroup,
    // users
    ListUsers,
    CountUsers,
    UsersDelta,
    CreateUser,
    GetUser,
    UpdateUser,
    DeleteUser,
    ListUserClasses,
    CountUserClasses,
    GetUserClass,
    ListUserSchools,
    CountUserSchools,
    GetUserSchool,
    ListUserTaughtClasses,
    CountUserTaughtClasses,
    GetUserTaughtClass,
    GetUserDirectoryUser,
    // me
    GetMe,
    UpdateMe,
    ListMeClasses,
    CountMeClasses,
    GetMeClass,
    ListMeSchools,
    CountMeSchools,
    GetMeSchool,
    ListMeTaughtClasses,
    CountMeTaughtClasses,
    GetMeTaughtClass,
    GetMeDirectoryUser,
}

/// Extra conditions beyond holding a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    None,
    /// No token needed (`$metadata`).
    Public,
    /// Delegated callers must be a member (or teacher) of the class named in the path.
    DelegatedClassMembersOnly,
    /// Only meaningful for a signed-in user (`/education/me...`).
    SignedInUser,
}

/// Which permissions grant an operation. An empty list means "not supported" for that
/// kind of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub delegated: &'static [&'static str],
    pub application: &'static [&'static str],
    /// Application permissions that grant the call with the basic educationUser view.
    pub application_basic: &'static [&'static str],
    pub rule: Rule,
}

const fn read(rule: Rule) -> Policy {
    Policy {
        delegated: ROSTER_READ_DELEGATED,
        application: ROSTER_READ_APP,
        application_basic: ROSTER_READ_BASIC_APP,
        rule,
    }
}
const fn app_only_read() -> Policy {
    Policy {
        delegated: &[],
        application: ROSTER_READ_APP,
        application_basic: ROSTER_READ_BASIC_APP,
        rule: Rule::None,
    }
}
const fn write() -> Policy {
    Policy {
        delegated: &[],
        application: ROSTER_WRITE_APP,
        application_basic: &[],
        rule: Rule::None,
    }
}

/// The policy of every operation.
pub fn policy(op: Op) -> Policy {
    use Op::*;
    match op {
        Metadata => Policy {
            delegated: &[],
            application: &[],
            application_basic: &[],
            rule: Rule::Public,
        },
        GetRoot
        | ListSchools
        | CountSchools
        | SchoolsDelta
        | GetSchool
        | ListSchoolClasses
        | CountSchoolClasses
        | ListSchoolClassRefs
        | ListClasses
        | CountClasses
        | ClassesDelta
        | GetClass
        | ListClassTeachers
        | CountClassTeachers
        | ListClassTeacherRefs
        | ListClassSchools
        | CountClassSchools
        | GetClassSchool
        | GetClassGroup
        | UsersDelta
        | GetUser
        | ListUserClasses
        | CountUserClasses
        | GetUserClass
        | ListUserSchools
        | CountUserSchools
        | GetUserSchool
        | ListUserTaughtClasses
        | CountUserTaughtClasses
        | GetUserTaughtClass
        | GetUserDirectoryUser => read(Rule::None),
        ListClassMembers | CountClassMembers | ListClassMemberRefs => {
            read(Rule::DelegatedClassMembersOnly)
        }
        ListSchoolUsers | CountSchoolUsers | ListSchoolUserRefs | ListUsers | CountUsers => {
            app_only_read()
        }
        CreateSchool | UpdateSchool | DeleteSchool | AddSchoolClass | RemoveSchoolClass
        | AddSchoolUser | RemoveSchoolUser | CreateClass | UpdateClass | DeleteClass
        | AddClassMember | RemoveClassMember | AddClassTeacher | RemoveClassTeacher
        | CreateUser | UpdateUser | DeleteUser => write(),
        GetMe | ListMeClasses | CountMeClasses | GetMeClass | ListMeSchools | CountMeSchools
        | GetMeSchool | ListMeTaughtClasses | CountMeTaughtClasses | GetMeTaughtClass
        | GetMeDirectoryUser => read(Rule::SignedInUser),
        UpdateMe => Policy {
            rule: Rule::SignedInUser,
            ..write()
        },
    }
}

/// How much of an educationUser the caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserView {
    /// Every property (application Read.All / ReadWrite.All).
    Full,
    /// [`REDUCED_USER_PROPERTIES`] only: delegated callers, and applications holding only
    /// `EduRoster.ReadBasic.All` (our choice: the same set, since "basic" is the point of
    /// that permission).
    Reduced,
}

/// What a granted call may see, and what is left for the server to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub user_view: UserView,
    pub rule: Rule,
}

/// Why a call is refused; the message names the missing permission or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// 403: the caller lacks a permission or role.
    Forbidden(String),
    /// 400: the call makes no sense for this caller (`/me` with an app-only token).
    BadRequest(String),
}

/// The message Graph gives for `/me` with an app-only token.
pub const ME_NEEDS_USER: &str = "/me request is only valid with delegated authentication flow.";

/// Checks `caller` against the policy of `op`. A public operation is granted to anyone;
/// `caller` is `None` only for those.
pub fn authorize(op: Op, caller: &Caller) -> Result<Grant, Denied> {
    let p = policy(op);
    if p.rule == Rule::Public {
        return Ok(Grant {
            user_view: UserView::Full,
            rule: Rule::Public,
        });
    }
    match caller {
        Caller::App { roles, .. } => {
            if p.rule == Rule::SignedInUser {
                return Err(Denied::BadRequest(ME_NEEDS_USER.to_string()));
            }
            if holds(roles, p.application) {
                Ok(Grant {
                    user_view: UserView::Full,
                    rule: p.rule,
                })
            } else if holds(roles, p.application_basic) {
                Ok(Grant {
                    user_view: UserView::Reduced,
                    rule: p.rule,
                })
            } else if p.application.is_empty() && p.application_basic.is_empty() {
                Err(Denied::Forbidden(
                    "This operation is not supported with application permissions.".into(),
                ))
            } else {
                let all: Vec<&str> = p
                    .application
                    .iter()
                    .chain(p.application_basic)
                    .copied()
                    .collect();
                Err(Denied::Forbidden(format!(
                    "Missing application permission: this operation requires one of {}.",
                    all.join(", ")
                )))
            }
        }
        Caller::User { scopes, .. } => {
            if p.delegated.is_empty() {
                let needed = p
                    .application
                    .first()
                    .copied()
                    .unwrap_or("an application permission");
                return Err(Denied::Forbidden(format!(
                    "This operation requires the application permission {needed}; it is not supported with delegated (user) tokens."
                )));
            }
            if holds(scopes, p.delegated) {
                Ok(Grant {
                    user_view: UserView::Reduced,
                    rule: p.rule,
                })
            } else {
                Err(Denied::Forbidden(format!(
                    "Missing delegated permission: this operation requires one of {}.",
                    p.delegated.join(", ")
                )))
            }
        }
    }
}

/// Permission names compare case-insensitively, as Entra's do.
fn holds(granted: &[String], wanted: &[&str]) -> bool {
    granted
        .iter()
        .any(|g| wanted.iter().any(|w| g.eq_ignore_ascii_case(w)))
}

/// The message for a delegated caller listing the members of a class they are not in.
pub fn not_class_member(class_id: &str) -> Denied {
    Denied::Forbidden(format!(
        "Only members and teachers of class '{class_id}' can list its members with a delegated token."
    ))
}

#[cfg(test)]
mod tests;
