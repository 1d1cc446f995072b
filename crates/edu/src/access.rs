//! Who may call what. Every Graph operation the server routes is an [`Op`]; the
//! permission model is data:
//! - [`permission`]: the education permission families, their levels and how they
//!   order, delegated names and their `.All` application twins, aliases, and the
//!   directory permissions some routes need in addition;
//! - [`policy`](mod@policy): one row per operation (an exhaustive `match`, so an
//!   operation cannot be routed without a row): which token kind, the least delegated
//!   and application permission, extra directory permissions, the class-role rule;
//! - [`authorize`] checks a caller against a row and names what was missing when it
//!   refuses; the class-role rule needs the store: [`class_role`] reads the caller's
//!   role in a class and [`check_class_role`] judges it;
//! - [`readable`](mod@readable): which properties a granted caller may read of each
//!   entity type, the one rule behind payload masking and the checks of `$filter`,
//!   `$orderby`, `$select` and `$expand`.
//!
//! Later issues add sets to the catalog and their rows to the table; the families they
//! need (assignments, curricula, administration) are already in the catalogue.

pub mod decide;
pub mod permission;
pub mod policy;
pub mod readable;
mod role;

pub use decide::{
    authorize, check_class_role, check_owner, Denied, Grant, UserView, ME_NEEDS_USER,
};
pub use permission::{Family, Kind, Level, Need, Permission};
pub use policy::{policy, Access, ClassRole, ClassRule, Policy};
pub use readable::{readable, Reach, Readable, REDUCED_USER_PROPERTIES};
pub use role::{class_role, class_roles};

use crate::sets::{Action, Set, SETS};

/// Every operation of the Graph surface: the service's `$metadata` and `/education`
/// root, and each served action of each set of the catalog (`crate::sets`), named by set
/// and action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Metadata,
    GetRoot,
    /// An action on a set; its policy is the set's row.
    Set(Set, Action),
}

impl Op {
    /// Every operation: the service's two, then each served action of each set.
    pub fn all() -> Vec<Op> {
        let sets = SETS
            .iter()
            .flat_map(|d| d.actions().into_iter().map(|a| Op::Set(d.set, a)));
        [Op::Metadata, Op::GetRoot]
            .into_iter()
            .chain(sets)
            .collect()
    }
}

#[cfg(test)]
mod tests;
