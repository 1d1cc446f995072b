//! Who may call what. Every Graph operation the server routes is an [`Op`]; the
//! permission model is data:
//! - [`permission`]: the education permission families, their levels and how they
//!   order, delegated names and their `.All` application twins, aliases, and the
//!   directory permissions some routes need in addition;
//! - [`policy`](mod@policy): one row per operation (an exhaustive `match`, so an
//!   operation cannot be routed without a row): which token kind, the least delegated
//!   and application permission, extra directory permissions, the class-role rule;
//! - [`authorize`] checks a caller against a row and names what was missing when it
//!   refuses; the class-role rule needs the store and is left to the server, which
//!   checks it with [`check_class_role`];
//! - [`readable`](mod@readable): which properties a granted caller may read of each
//!   entity type, the one rule behind payload masking and the checks of `$filter`,
//!   `$orderby`, `$select` and `$expand`.
//!
//! Later issues add operations to [`Op`] and rows to the table; the families they need
//! (assignments, curricula, administration) are already in the catalogue.

pub mod decide;
pub mod permission;
pub mod policy;
pub mod readable;

pub use decide::{
    authorize, check_class_role, check_owner, Denied, Grant, UserView, ME_NEEDS_USER,
};
pub use permission::{Family, Kind, Level, Need, Permission};
pub use policy::{policy, Access, ClassRole, ClassRule, Policy};
pub use readable::{readable, Reach, Readable, REDUCED_USER_PROPERTIES};

/// Declares [`Op`] and [`Op::ALL`] from one list, so the list cannot miss a variant.
macro_rules! ops {
    ($($(#[$meta:meta])* $name:ident,)*) => {
        /// Every operation of the Graph surface: the roster's, named after their path and
        /// method, and those of the contained sets of the catalog (`crate::sets`), named
        /// by set and action.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Op {
            $($(#[$meta])* $name,)*
            /// An action on a contained set; its policy is the set's row.
            Set(Set, Action),
        }
        impl Op {
            /// The roster operations, in declaration order.
            pub const ROSTER: &'static [Op] = &[$(Op::$name,)*];

            /// Every operation: the roster's, then each served action of each set.
            pub fn all() -> Vec<Op> {
                let sets = SETS
                    .iter()
                    .flat_map(|d| d.actions().iter().map(|a| Op::Set(d.set, *a)));
                Op::ROSTER.iter().copied().chain(sets).collect()
            }
        }
    };
}

use crate::sets::{Action, Set, SETS};

ops! {
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

#[cfg(test)]
mod tests;
