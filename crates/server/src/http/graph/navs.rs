//! The non-contained navigations of the roster entities and the store links behind them.
//! Every link is stored once (`class → user`, `school → class`, `school → user`); the
//! reverse navigations read the same link from the other end.

use edugraph_edu::access::Op;
use edugraph_store::{EntityKind, Relation, Scope};

#[derive(Debug)]
pub struct Nav {
    pub from: EntityKind,
    pub name: &'static str,
    pub target: EntityKind,
    pub relation: Relation,
    /// True when `from` is the `from` end of the stored link.
    pub outgoing: bool,
    /// The operation that lists it, whose policy also governs `$expand` of it.
    pub list_op: Op,
}

pub static SCHOOL_CLASSES: Nav = Nav {
    from: EntityKind::School,
    name: "classes",
    target: EntityKind::Class,
    relation: Relation::SchoolClasses,
    outgoing: true,
    list_op: Op::ListSchoolClasses,
};
pub static SCHOOL_USERS: Nav = Nav {
    from: EntityKind::School,
    name: "users",
    target: EntityKind::User,
    relation: Relation::SchoolUsers,
    outgoing: true,
    list_op: Op::ListSchoolUsers,
};
pub static CLASS_MEMBERS: Nav = Nav {
    from: EntityKind::Class,
    name: "members",
    target: EntityKind::User,
    relation: Relation::ClassMembers,
    outgoing: true,
    list_op: Op::ListClassMembers,
};
pub static CLASS_TEACHERS: Nav = Nav {
    from: EntityKind::Class,
    name: "teachers",
    target: EntityKind::User,
    relation: Relation::ClassTeachers,
    outgoing: true,
    list_op: Op::ListClassTeachers,
};
pub static CLASS_SCHOOLS: Nav = Nav {
    from: EntityKind::Class,
    name: "schools",
    target: EntityKind::School,
    relation: Relation::SchoolClasses,
    outgoing: false,
    list_op: Op::ListClassSchools,
};
pub static USER_CLASSES: Nav = Nav {
    from: EntityKind::User,
    name: "classes",
    target: EntityKind::Class,
    relation: Relation::ClassMembers,
    outgoing: false,
    list_op: Op::ListUserClasses,
};
pub static USER_TAUGHT_CLASSES: Nav = Nav {
    from: EntityKind::User,
    name: "taughtClasses",
    target: EntityKind::Class,
    relation: Relation::ClassTeachers,
    outgoing: false,
    list_op: Op::ListUserTaughtClasses,
};
pub static USER_SCHOOLS: Nav = Nav {
    from: EntityKind::User,
    name: "schools",
    target: EntityKind::School,
    relation: Relation::SchoolUsers,
    outgoing: false,
    list_op: Op::ListUserSchools,
};

pub static ALL: [&Nav; 8] = [
    &SCHOOL_CLASSES,
    &SCHOOL_USERS,
    &CLASS_MEMBERS,
    &CLASS_TEACHERS,
    &CLASS_SCHOOLS,
    &USER_CLASSES,
    &USER_TAUGHT_CLASSES,
    &USER_SCHOOLS,
];

/// The collection navigation `name` of `from`, if it is one we store.
pub fn find(from: EntityKind, name: &str) -> Option<&'static Nav> {
    ALL.iter()
        .copied()
        .find(|n| n.from == from && n.name == name)
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
