//! The rows of the catalog, in route order: the roster's sets first (each entity set
//! followed by its navigations, then `/me` and its own), then the contained sets.
//! Order matters only where a literal and a key compete in a route (`delta`, which each
//! collection's routes put before its items).

use edugraph_store::{EntityKind, Relation};

use super::{rules, Call, Directory, Home, Links, Set, SetDef, Shape};

/// A row without domain rules: the roster's (its rules are `crate::roster`'s) and
/// references.
const fn roster(
    set: Set,
    kind: EntityKind,
    home: Home,
    path: &'static [&'static str],
    shape: Shape,
) -> SetDef {
    SetDef {
        set,
        kind,
        home,
        path,
        shape,
        delta: false,
        rules: None,
        calls: &[],
        beta_only: false,
    }
}

/// A top-level entity set of the roster, with `delta()`.
const fn entity_set(set: Set, kind: EntityKind, path: &'static [&'static str]) -> SetDef {
    SetDef {
        delta: true,
        ..roster(set, kind, Home::Root, path, Shape::Collection)
    }
}

/// A navigation to many `kind` entities stored as `relation` links.
const fn links(
    set: Set,
    kind: EntityKind,
    home: Home,
    name: &'static [&'static str],
    relation: Relation,
    outgoing: bool,
    refs: bool,
) -> SetDef {
    let shape = Shape::Links(Links {
        relation,
        outgoing,
        refs,
    });
    roster(set, kind, home, name, shape)
}

/// A set contained below a class or a user, with its type's rules.
const fn contained(
    set: Set,
    kind: EntityKind,
    home: Home,
    path: &'static [&'static str],
    shape: Shape,
    delta: bool,
    rules: &'static rules::Rules,
) -> SetDef {
    SetDef {
        delta,
        rules: Some(rules),
        ..roster(set, kind, home, path, shape)
    }
}

/// A row of beta's School Data Sync: the profiles with their calls, or what the service
/// keeps below one.
const fn sync(
    set: Set,
    kind: EntityKind,
    home: Home,
    path: &'static [&'static str],
    shape: Shape,
    calls: &'static [Call],
) -> SetDef {
    SetDef {
        calls,
        beta_only: true,
        ..roster(set, kind, home, path, shape)
    }
}

const CLASS_SETTINGS: &str = "assignmentSettings";
const PROFILE_CALLS: &[Call] = &[
    Call::Start,
    Call::Pause,
    Call::Resume,
    Call::Reset,
    Call::Confirm,
    Call::UploadUrl,
];

use EntityKind::{Class, School, User};
use Home::Me;

/// Every set edugraph serves.
#[rustfmt::skip]
pub static SETS: &[SetDef] = &[
    // schools
    entity_set(Set::Schools, School, &["schools"]),
    links(Set::SchoolClasses, Class, Home::School, &["classes"], Relation::SchoolClasses, true, true),
    links(Set::SchoolUsers, User, Home::School, &["users"], Relation::SchoolUsers, true, true),
    // classes
    entity_set(Set::Classes, Class, &["classes"]),
    links(Set::ClassMembers, User, Home::Class, &["members"], Relation::ClassMembers, true, true),
    links(Set::ClassTeachers, User, Home::Class, &["teachers"], Relation::ClassTeachers, true, true),
    links(Set::ClassSchools, School, Home::Class, &["schools"], Relation::SchoolClasses, false, false),
    roster(Set::ClassGroup, Class, Home::Class, &["group"], Shape::Directory(Directory::Group)),
    // users
    entity_set(Set::Users, User, &["users"]),
    links(Set::UserClasses, Class, Home::User, &["classes"], Relation::ClassMembers, false, false),
    links(Set::UserSchools, School, Home::User, &["schools"], Relation::SchoolUsers, false, false),
    links(Set::UserTaughtClasses, Class, Home::User, &["taughtClasses"], Relation::ClassTeachers, false, false),
    roster(Set::UserDirectoryUser, User, Home::User, &["user"], Shape::Directory(Directory::User)),
    // me
    roster(Set::Me, User, Me, &[], Shape::Caller),
    links(Set::MeClasses, Class, Me, &["classes"], Relation::ClassMembers, false, false),
    links(Set::MeSchools, School, Me, &["schools"], Relation::SchoolUsers, false, false),
    links(Set::MeTaughtClasses, Class, Me, &["taughtClasses"], Relation::ClassTeachers, false, false),
    roster(Set::MeDirectoryUser, User, Me, &["user"], Shape::Directory(Directory::User)),
    // a class's assignment setup
    contained(Set::AssignmentCategories, EntityKind::Category, Home::Class, &["assignmentCategories"], Shape::Collection, true, &rules::CATEGORY),
    contained(Set::AssignmentDefaults, EntityKind::AssignmentDefaults, Home::Class, &["assignmentDefaults"], Shape::Singleton, false, &rules::ASSIGNMENT_DEFAULTS),
    contained(Set::AssignmentSettings, EntityKind::AssignmentSettings, Home::Class, &[CLASS_SETTINGS], Shape::Singleton, false, &rules::ASSIGNMENT_SETTINGS),
    contained(Set::GradingCategories, EntityKind::GradingCategory, Home::Class, &[CLASS_SETTINGS, "gradingCategories"], Shape::Collection, false, &rules::GRADING_CATEGORY),
    contained(Set::GradingSchemes, EntityKind::GradingScheme, Home::Class, &[CLASS_SETTINGS, "gradingSchemes"], Shape::Collection, false, &rules::GRADING_SCHEME),
    roster(Set::DefaultGradingScheme, EntityKind::GradingScheme, Home::Class, &[CLASS_SETTINGS, "defaultGradingScheme"], Shape::Reference(Set::GradingSchemes)),
    // rubrics
    contained(Set::MeRubrics, EntityKind::Rubric, Me, &["rubrics"], Shape::Collection, false, &rules::RUBRIC),
    contained(Set::UserRubrics, EntityKind::Rubric, Home::User, &["rubrics"], Shape::Collection, false, &rules::RUBRIC),
    // School Data Sync (beta)
    sync(Set::SyncProfiles, EntityKind::SyncProfile, Home::Root, &["synchronizationProfiles"], Shape::Provisioned, PROFILE_CALLS),
    sync(Set::SyncProfileStatus, EntityKind::SyncStatus, Home::SyncProfile, &["profileStatus"], Shape::Report, &[]),
    sync(Set::SyncErrors, EntityKind::SyncError, Home::SyncProfile, &["errors"], Shape::Log, &[]),
];
