//! The catalog of served entity sets: every entity set, navigation, singleton and
//! single-valued reference of the Graph surface (the roster's `schools`, `classes`,
//! `users` with their navigations and directory objects, `/me`; a class's assignment
//! categories, its assignment defaults and settings with their grading categories and
//! schemes; a user's rubrics; beta's School Data Sync profiles with their status and
//! errors) is one [`SetDef`] row in [`SETS`]. Routes, policies (one
//! row per set in `access::policy`), `@odata.context` fragments, entity URLs, `$expand`
//! targets, the authorization matrix's route walk and the use cases in [`cases`] all read
//! these rows; the domain rules of each contained type are the functions in its row's
//! [`Rules`]. Adding a contained CRUD entity is a row here, a policy row and its rules:
//! no new handler.

pub mod cases;
pub mod check;
mod rows;
mod rules;

use edugraph_store::{EntityKind, Relation};

pub use crate::grading::Stamp;
pub use rules::Rules;

/// A served set, named after its path: the roster's entity sets and navigations, `/me`
/// and its navigations, and the sets contained below a class or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Set {
    /// `schools`
    Schools,
    /// `schools/{id}/classes`
    SchoolClasses,
    /// `schools/{id}/users`
    SchoolUsers,
    /// `classes`
    Classes,
    /// `classes/{id}/members`
    ClassMembers,
    /// `classes/{id}/teachers`
    ClassTeachers,
    /// `classes/{id}/schools`
    ClassSchools,
    /// `classes/{id}/group` (the directory group behind the class)
    ClassGroup,
    /// `users`
    Users,
    /// `users/{id}/classes`
    UserClasses,
    /// `users/{id}/schools`
    UserSchools,
    /// `users/{id}/taughtClasses`
    UserTaughtClasses,
    /// `users/{id}/user` (the directory user behind the education user)
    UserDirectoryUser,
    /// `me`
    Me,
    /// `me/classes`
    MeClasses,
    /// `me/schools`
    MeSchools,
    /// `me/taughtClasses`
    MeTaughtClasses,
    /// `me/user`
    MeDirectoryUser,
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
    /// `synchronizationProfiles` (beta School Data Sync)
    SyncProfiles,
    /// `synchronizationProfiles/{id}/profileStatus`
    SyncProfileStatus,
    /// `synchronizationProfiles/{id}/errors`
    SyncErrors,
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
    /// `GET .../$ref` of a navigation to many: the linked entities' URLs.
    ListRefs,
    /// `POST .../$ref` of a navigation to many: link one more entity.
    AddRef,
    /// `DELETE .../{id}/$ref` or `.../$ref?$id=...` of a navigation to many.
    RemoveRef,
    /// `PUT` of an item: its configuration replaced whole.
    Replace,
    /// A bound action or function of an item.
    Call(Call),
}

/// The bound actions and functions of a set's items (`POST .../{id}/start`,
/// `GET .../{id}/uploadUrl()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    Start,
    Pause,
    Resume,
    Reset,
    /// Beyond Graph: applies a sync held by the profile's safety threshold.
    Confirm,
    UploadUrl,
}

impl Call {
    /// The name in the path (a function's without its `()`).
    pub fn name(self) -> &'static str {
        match self {
            Call::Start => "start",
            Call::Pause => "pause",
            Call::Resume => "resume",
            Call::Reset => "reset",
            Call::Confirm => "confirm",
            Call::UploadUrl => "uploadUrl",
        }
    }

    /// A function (`GET name()`), else an action (`POST name`).
    pub fn is_function(self) -> bool {
        self == Call::UploadUrl
    }

    /// Whether the Graph schema has it; `confirm` is edugraph's own.
    pub fn in_graph(self) -> bool {
        self != Call::Confirm
    }
}

impl Action {
    /// Whether the action changes stored data (the write row of the set's policy).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::Create
                | Action::Update
                | Action::Delete
                | Action::PutRef
                | Action::DeleteRef
                | Action::AddRef
                | Action::RemoveRef
                | Action::Replace
                // `uploadUrl()` hands out a write credential: a write.
                | Action::Call(_)
        )
    }
}

/// Where a set's path starts: at `/education`, below a school, a class or a user, or
/// below the signed-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Root,
    School,
    Class,
    User,
    Me,
    /// Below a School Data Sync profile.
    SyncProfile,
}

impl Home {
    /// The entity kind the home key names (`/me` is the caller's user); `None` at the
    /// root, which has no key.
    pub fn kind(self) -> Option<EntityKind> {
        match self {
            Home::Root => None,
            Home::School => Some(EntityKind::School),
            Home::Class => Some(EntityKind::Class),
            Home::User | Home::Me => Some(EntityKind::User),
            Home::SyncProfile => Some(EntityKind::SyncProfile),
        }
    }

    /// The path of the home after the version, with its key (`education/classes/c1`);
    /// `key` is the key as the caller needs it written (`('c1')` in an `@odata.context`,
    /// `/c1` in an entity URL).
    fn path(self, key: &str) -> String {
        let kind = match self {
            Home::Root => return "education".to_string(),
            Home::Me => return "education/me".to_string(),
            Home::School => EntityKind::School,
            Home::Class => EntityKind::Class,
            Home::User => EntityKind::User,
            Home::SyncProfile => EntityKind::SyncProfile,
        };
        let set = SetDef::top_level(kind).map_or("", SetDef::name);
        format!("education/{set}{key}")
    }
}

/// The directory object behind a roster entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directory {
    /// A class's Microsoft 365 group.
    Group,
    /// An education user's directory user.
    User,
}

/// A navigation to many entities of another top-level set, stored as links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Links {
    pub relation: Relation,
    /// True when the home is the `from` end of the stored link.
    pub outgoing: bool,
    /// Whether the links are written through `$ref` (else the navigation is read-only
    /// and its items can be read one by one).
    pub refs: bool,
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
    /// A navigation to many entities of another top-level set.
    Links(Links),
    /// The directory object behind the home entity, derived from it.
    Directory(Directory),
    /// The signed-in user's own education user (`/me`).
    Caller,
    /// A collection whose entities the service provisions and removes in the
    /// background: replaced whole with `PUT` besides `PATCH`, deleted asynchronously.
    Provisioned,
    /// Records the service keeps below the home (a sync's errors): read-only.
    Log,
    /// A report the service keeps for the home (a sync's status): read-only, one.
    Report,
}

/// One row of the catalog.
pub struct SetDef {
    pub set: Set,
    /// What the store holds (and the Graph type of the set's entities); for
    /// [`Shape::Directory`] the home's kind, from which the object is derived.
    pub kind: EntityKind,
    pub home: Home,
    /// The path segments after the home (and its key).
    pub path: &'static [&'static str],
    pub shape: Shape,
    /// Whether `delta()` is served (the schema's change tracking).
    pub delta: bool,
    /// The type's domain rules for the contained sets; `None` for references and for the
    /// roster, whose rules are `crate::roster`'s.
    pub rules: Option<&'static Rules>,
    /// The bound actions and functions of the set's items.
    pub calls: &'static [Call],
    /// Served under `/beta` only (and, as Graph's older pages write them, also without
    /// the leading `/education`).
    pub beta_only: bool,
}

pub use rows::SETS;

impl SetDef {
    /// The row of `set`.
    pub fn of(set: Set) -> &'static SetDef {
        SETS.iter()
            .find(|d| d.set == set)
            .expect("every Set has a row in SETS")
    }

    /// The actions served on the set, in route order: on the set's own path (the
    /// collection or the singleton) and then on `$count`, `delta`, `$ref` and an item,
    /// then the items' bound calls.
    pub fn actions(&self) -> Vec<Action> {
        let mut out = self.shape_actions().to_vec();
        out.extend(self.calls.iter().map(|c| Action::Call(*c)));
        out
    }

    fn shape_actions(&self) -> &'static [Action] {
        use Action::*;
        match (self.shape, self.delta) {
            (Shape::Collection, true) => &[List, Create, Count, Delta, Get, Update, Delete],
            (Shape::Collection, false) => &[List, Create, Count, Get, Update, Delete],
            (Shape::Singleton, _) => &[Get, Update, Delete],
            (Shape::Reference(_), _) => &[Get, PutRef, DeleteRef],
            (Shape::Links(l), _) if l.refs => &[List, Count, ListRefs, AddRef, RemoveRef],
            (Shape::Links(_), _) => &[List, Count, Get],
            (Shape::Directory(_), _) => &[Get],
            (Shape::Caller, _) => &[Get, Update],
            (Shape::Provisioned, _) => &[List, Create, Count, Get, Replace, Update, Delete],
            (Shape::Log, _) => &[List, Count, Get],
            (Shape::Report, _) => &[Get],
        }
    }

    /// The Graph type name of the set's entities.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// The row's last path segment (the navigation's name), or the home's (`me`).
    pub fn name(&self) -> &'static str {
        self.path.last().copied().unwrap_or("me")
    }

    /// The `@odata.context` fragment of the set's path (`education/users`,
    /// `education/classes('c1')/assignmentCategories`, `education/me/classes`);
    /// `home_key` is the quoted key literal, ignored at the root and for `/me`.
    pub fn fragment(&self, home_key: &str) -> String {
        let home = self.home.path(&format!("({home_key})"));
        join(home, self.path, None)
    }

    /// The canonical path of an entity of the set, after the version
    /// (`education/classes/c1/assignmentCategories/k1`, `education/users/u1`), for
    /// `Location`, `@odata.id` and `$ref`; `home_id` is ignored at the root. Below `/me`
    /// it is the path below the user's id.
    pub fn entity_path(&self, home_id: &str, id: &str) -> String {
        let home = match self.home {
            Home::Me => Home::User,
            other => other,
        };
        let home = home.path(&format!("/{home_id}"));
        let item = matches!(
            self.shape,
            Shape::Collection | Shape::Provisioned | Shape::Log
        )
        .then_some(id);
        join(home, self.path, item)
    }

    /// The top-level entity set of `kind` (`users` for `educationUser`).
    pub fn top_level(kind: EntityKind) -> Option<&'static SetDef> {
        SETS.iter().find(|d| d.home == Home::Root && d.kind == kind)
    }

    /// The navigation `name` of a `from` entity that this catalog serves below its key
    /// (not below `/me`): a navigation to many or a directory object.
    pub fn navigation(from: EntityKind, name: &str) -> Option<&'static SetDef> {
        SETS.iter().find(|d| {
            d.home != Home::Me
                && d.home.kind() == Some(from)
                && d.path == [name]
                && matches!(d.shape, Shape::Links(_) | Shape::Directory(_))
        })
    }
}

/// `home/path.../item`.
fn join(home: String, path: &[&str], item: Option<&str>) -> String {
    let mut out = home;
    for seg in path.iter().copied().chain(item) {
        out.push('/');
        out.push_str(seg);
    }
    out
}

#[cfg(test)]
mod tests;
