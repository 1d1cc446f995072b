//! The catalog of contained entity sets: every collection, singleton and single-valued
//! reference served below a roster entity (a class's assignment categories, its
//! assignment defaults and settings with their grading categories and schemes, a user's
//! rubrics) is one [`SetDef`] row here. Routes, policies (one row per set in
//! `access::policy`), `@odata.context` fragments, entity URLs and the use cases in
//! [`cases`] all read these rows; the domain rules of each type are the functions in its
//! row's [`Rules`]. Adding a contained CRUD entity is a row here, a policy row and its
//! rules: no new handler.

pub mod cases;
mod rules;

use edugraph_store::EntityKind;

pub use crate::grading::Stamp;
pub use rules::Rules;

/// A served contained set, named after its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Set {
    /// `classes/{id}/assignmentCategories`
    AssignmentCategories,
    /// `classes/{id}/assignmentDefaults`
    AssignmentDefaults,
    /// `classes/{id}/assignmentSettings`
    AssignmentSettings,
    /// `classes/{id}/assignmentSettings/gradingCategories`
    GradingCategories,
    /// `classes/{id}/assignmentSettings/gradingSchemes`
    GradingSchemes,
    /// `classes/{id}/assignmentSettings/defaultGradingScheme` (a reference to one of the
    /// class's grading schemes)
    DefaultGradingScheme,
    /// `me/rubrics`
    MeRubrics,
    /// `users/{id}/rubrics`
    UserRubrics,
}

/// What an operation on a set does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    List,
    Count,
    Delta,
    Create,
    Get,
    Update,
    Delete,
    /// `PUT .../$ref` of a single-valued reference.
    PutRef,
    /// `DELETE .../$ref` of a single-valued reference.
    DeleteRef,
}

impl Action {
    /// Whether the action changes stored data (the write row of the set's policy).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::Create | Action::Update | Action::Delete | Action::PutRef | Action::DeleteRef
        )
    }
}

/// Where a set's path starts: below a class, below a user, or below the signed-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Class,
    User,
    Me,
}

impl Home {
    /// The entity kind the home key names (`/me` is the caller's user).
    pub fn kind(self) -> EntityKind {
        match self {
            Home::Class => EntityKind::Class,
            Home::User | Home::Me => EntityKind::User,
        }
    }
}

/// How a set holds its entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Many entities, keyed by id.
    Collection,
    /// One entity per container, existing (with its defaults) as long as the container
    /// does; its id is the container's.
    Singleton,
    /// A single-valued, non-contained navigation to an entity of another set of the
    /// same container, stored as a link.
    Reference(Set),
}

/// One row of the catalog.
pub struct SetDef {
    pub set: Set,
    /// What the store holds (and the Graph type of the set's entities).
    pub kind: EntityKind,
    pub home: Home,
    /// The path segments after the home's key.
    pub path: &'static [&'static str],
    pub shape: Shape,
    /// Whether `delta()` is served (the schema's change tracking).
    pub delta: bool,
    /// The type's domain rules; `None` for references.
    pub rules: Option<&'static Rules>,
}

use Action::*;

const CLASS_SETTINGS: &str = "assignmentSettings";

/// Every contained set edugraph serves.
pub static SETS: &[SetDef] = &[
    SetDef {
        set: Set::AssignmentCategories,
        kind: EntityKind::Category,
        home: Home::Class,
        path: &["assignmentCategories"],
        shape: Shape::Collection,
        delta: true,
        rules: Some(&rules::CATEGORY),
    },
    SetDef {
        set: Set::AssignmentDefaults,
        kind: EntityKind::AssignmentDefaults,
        home: Home::Class,
        path: &["assignmentDefaults"],
        shape: Shape::Singleton,
        delta: false,
        rules: Some(&rules::ASSIGNMENT_DEFAULTS),
    },
    SetDef {
        set: Set::AssignmentSettings,
        kind: EntityKind::AssignmentSettings,
        home: Home::Class,
        path: &[CLASS_SETTINGS],
        shape: Shape::Singleton,
        delta: false,
        rules: Some(&rules::ASSIGNMENT_SETTINGS),
    },
    SetDef {
        set: Set::GradingCategories,
        kind: EntityKind::GradingCategory,
        home: Home::Class,
        path: &[CLASS_SETTINGS, "gradingCategories"],
        shape: Shape::Collection,
        delta: false,
        rules: Some(&rules::GRADING_CATEGORY),
    },
    SetDef {
        set: Set::GradingSchemes,
        kind: EntityKind::GradingScheme,
        home: Home::Class,
        path: &[CLASS_SETTINGS, "gradingSchemes"],
        shape: Shape::Collection,
        delta: false,
        rules: Some(&rules::GRADING_SCHEME),
    },
    SetDef {
        set: Set::DefaultGradingScheme,
        kind: EntityKind::GradingScheme,
        home: Home::Class,
        path: &[CLASS_SETTINGS, "defaultGradingScheme"],
        shape: Shape::Reference(Set::GradingSchemes),
        delta: false,
        rules: None,
    },
    SetDef {
        set: Set::MeRubrics,
        kind: EntityKind::Rubric,
        home: Home::Me,
        path: &["rubrics"],
        shape: Shape::Collection,
        delta: false,
        rules: Some(&rules::RUBRIC),
    },
    SetDef {
        set: Set::UserRubrics,
        kind: EntityKind::Rubric,
        home: Home::User,
        path: &["rubrics"],
        shape: Shape::Collection,
        delta: false,
        rules: Some(&rules::RUBRIC),
    },
];

impl SetDef {
    /// The row of `set`.
    pub fn of(set: Set) -> &'static SetDef {
        SETS.iter()
            .find(|d| d.set == set)
            .expect("every Set has a row in SETS")
    }

    /// The actions served on the set, in route order: on the set's own path (the
    /// collection or the singleton) and then on `$count`, `delta`, an item and `$ref`.
    pub fn actions(&self) -> &'static [Action] {
        match (self.shape, self.delta) {
            (Shape::Collection, true) => &[List, Create, Count, Delta, Get, Update, Delete],
            (Shape::Collection, false) => &[List, Create, Count, Get, Update, Delete],
            (Shape::Singleton, _) => &[Get, Update, Delete],
            (Shape::Reference(_), _) => &[Get, PutRef, DeleteRef],
        }
    }

    /// The Graph type name of the set's entities.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// The `@odata.context` fragment of the set's path below its home key
    /// (`education/classes('c1')/assignmentCategories`); `home_key` is the quoted key
    /// literal, ignored for `/me`.
    pub fn fragment(&self, home_key: &str) -> String {
        let home = match self.home {
            Home::Class => format!("education/classes({home_key})"),
            Home::User => format!("education/users({home_key})"),
            Home::Me => "education/me".to_string(),
        };
        format!("{home}/{}", self.path.join("/"))
    }

    /// The canonical path of an entity of the set, after the version
    /// (`education/classes/c1/assignmentCategories/k1`), for `Location` and `$ref`.
    pub fn entity_path(&self, home_id: &str, id: &str) -> String {
        let home = match self.home {
            Home::Class => format!("education/classes/{home_id}"),
            Home::User | Home::Me => format!("education/users/{home_id}"),
        };
        match self.shape {
            Shape::Collection => format!("{home}/{}/{id}", self.path.join("/")),
            Shape::Singleton | Shape::Reference(_) => format!("{home}/{}", self.path.join("/")),
        }
    }
}

#[cfg(test)]
mod tests;
