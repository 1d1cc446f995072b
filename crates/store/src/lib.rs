//! The edugraph store: one `Store` trait, chosen once at start-up from the database URL,
//! with a SQLite implementation (the embedded default) and a PostgreSQL implementation.
//!
//! Storage model (see ARCHITECTURE.md): every Graph entity is a row of `entities` holding
//! its canonical Graph JSON document; non-contained navigations are rows of `links`;
//! every change appends to `changes`, which feeds `delta()`. Secrets never live in a
//! document. Every row carries its tenant id and nothing crosses tenants.

use async_trait::async_trait;
use edugraph_odata::{Expr, OrderBy};
use serde_json::Value;

mod common;
mod conflict;
mod error;
mod identity;
mod jobs;
mod open;
mod postgres;
mod schema_version;
mod sql;
mod sqlite;
mod unit;

pub use error::StoreError;
pub use identity::{
    AppRecord, AppSecretRecord, AuditRecord, AuthCodeRecord, GrantRecord, IdentityStore,
    RefreshTokenRecord, UserConsentRecord,
};
pub use jobs::{Claim, Finish, JobQuery, JobRecord, JobState, JobStore, NewJob, Purged};
pub use open::open;
pub use unit::{Op, UnitOfWork};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The kinds of entity the store holds: the roster's top-level sets and the entities
/// contained in them. A contained kind names its container ([`EntityKind::container`]); the
/// store keeps each child's container id, lists children by container, and deletes a
/// container with everything under it, however deep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    User,
    Class,
    School,
    /// `educationCategory`, in a class (`assignmentCategories`).
    Category,
    /// `educationAssignmentDefaults`, the class's singleton (its id is the class's).
    AssignmentDefaults,
    /// `educationAssignmentSettings`, the class's singleton (its id is the class's).
    AssignmentSettings,
    /// `educationGradingCategory`, in a class (reached through its assignment settings).
    GradingCategory,
    /// `educationGradingScheme`, in a class (reached through its assignment settings).
    GradingScheme,
    /// `educationRubric`, owned by a user.
    Rubric,
    /// `educationAssignment`, in a class.
    Assignment,
    /// `educationSubmission`, in an assignment.
    Submission,
    /// `educationOutcome` (all its derived types), in a submission.
    Outcome,
    /// `educationSynchronizationProfile` (beta School Data Sync).
    SyncProfile,
    /// `educationSynchronizationProfileStatus`, a profile's singleton (its id is the
    /// profile's).
    SyncStatus,
    /// `educationSynchronizationError`, a record a profile's sync could not take.
    SyncError,
}

impl EntityKind {
    pub const ALL: [EntityKind; 15] = [
        EntityKind::User,
        EntityKind::Class,
        EntityKind::School,
        EntityKind::Category,
        EntityKind::AssignmentDefaults,
        EntityKind::AssignmentSettings,
        EntityKind::GradingCategory,
        EntityKind::GradingScheme,
        EntityKind::Rubric,
        EntityKind::Assignment,
        EntityKind::Submission,
        EntityKind::Outcome,
        EntityKind::SyncProfile,
        EntityKind::SyncStatus,
        EntityKind::SyncError,
    ];

    /// The Graph type name, also the `entity_type` column value.
    pub fn type_name(self) -> &'static str {
        match self {
            EntityKind::User => "educationUser",
            EntityKind::Class => "educationClass",
            EntityKind::School => "educationSchool",
            EntityKind::Category => "educationCategory",
            EntityKind::AssignmentDefaults => "educationAssignmentDefaults",
            EntityKind::AssignmentSettings => "educationAssignmentSettings",
            EntityKind::GradingCategory => "educationGradingCategory",
            EntityKind::GradingScheme => "educationGradingScheme",
            EntityKind::Rubric => "educationRubric",
            EntityKind::Assignment => "educationAssignment",
            EntityKind::Submission => "educationSubmission",
            EntityKind::Outcome => "educationOutcome",
            EntityKind::SyncProfile => "educationSynchronizationProfile",
            EntityKind::SyncStatus => "educationSynchronizationProfileStatus",
            EntityKind::SyncError => "educationSynchronizationError",
        }
    }

    /// The kind whose entities contain this kind's, `None` for top-level sets.
    pub fn container(self) -> Option<EntityKind> {
        use EntityKind::*;
        match self {
            User | Class | School | SyncProfile => None,
            Category | AssignmentDefaults | AssignmentSettings | GradingCategory
            | GradingScheme | Assignment => Some(Class),
            Rubric => Some(User),
            Submission => Some(Assignment),
            Outcome => Some(Submission),
            SyncStatus | SyncError => Some(SyncProfile),
        }
    }

    /// Whether entities of this kind can contain others (deleting one cascades).
    pub fn contains_others(self) -> bool {
        EntityKind::ALL.iter().any(|k| k.container() == Some(self))
    }

    /// The position in [`EntityKind::ALL`], for tables indexed by kind.
    pub fn index(self) -> usize {
        EntityKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or_default()
    }

    /// The kind whose `type_name` is `name`.
    pub fn from_type_name(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.type_name() == name)
    }
}

/// Non-contained navigations stored as links `from → to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// class → user (students and teachers: teachers are members too).
    ClassMembers,
    /// class → user.
    ClassTeachers,
    /// school → class.
    SchoolClasses,
    /// school → user.
    SchoolUsers,
    /// class → grading scheme: the class's `assignmentSettings/defaultGradingScheme`.
    DefaultGradingScheme,
}

impl Relation {
    pub const ALL: [Relation; 5] = [
        Relation::ClassMembers,
        Relation::ClassTeachers,
        Relation::SchoolClasses,
        Relation::SchoolUsers,
        Relation::DefaultGradingScheme,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Relation::ClassMembers => "classMembers",
            Relation::ClassTeachers => "classTeachers",
            Relation::SchoolClasses => "schoolClasses",
            Relation::SchoolUsers => "schoolUsers",
            Relation::DefaultGradingScheme => "defaultGradingScheme",
        }
    }
    /// Kinds at the two ends.
    pub fn ends(self) -> (EntityKind, EntityKind) {
        match self {
            Relation::ClassMembers | Relation::ClassTeachers => {
                (EntityKind::Class, EntityKind::User)
            }
            Relation::SchoolClasses => (EntityKind::School, EntityKind::Class),
            Relation::SchoolUsers => (EntityKind::School, EntityKind::User),
            Relation::DefaultGradingScheme => (EntityKind::Class, EntityKind::GradingScheme),
        }
    }
}

/// Which entities of a kind a listing ranges over. A scoped listing is empty when the
/// scope's own entity (the class of `Outgoing(ClassMembers, class)`) does not exist, so a
/// non-empty page shows that it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every entity of the kind in the tenant.
    All,
    /// The `to` ends of links `from_id → *` (members of a class: `Outgoing(ClassMembers, class)`).
    Outgoing(Relation, String),
    /// The `from` ends of links `* → to_id` (classes of a user: `Incoming(ClassMembers, user)`).
    Incoming(Relation, String),
    /// The entities contained in the entity with this id (a class's assignment categories).
    /// Unlike the link scopes, an empty page says nothing about whether the container
    /// exists: callers that need a 404 look it up.
    Children(String),
}

/// Which end of a relation a batched link read starts from ([`Store::linked`]): the
/// `from` ends (`Outgoing`: a class's members) or the `to` ends (`Incoming`: a user's
/// classes), as in [`Scope::Outgoing`] and [`Scope::Incoming`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Outgoing,
    Incoming,
}

/// The entities linked to one entity of a batched read ([`Store::linked`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Linked {
    /// The entity the links were read from.
    pub id: String,
    /// The entities at the other end, in the scoped listing's order (by id).
    pub docs: Vec<Doc>,
}

/// One page of a listing. `filter` and `orderby` come bound from the OData layer; the
/// implementation compiles them to SQL with every value bound. Without `orderby` the
/// order is by `id`, so paging with `skip` is stable.
#[derive(Debug, Clone)]
pub struct ListQuery<'a> {
    pub kind: EntityKind,
    pub scope: Scope,
    pub filter: Option<&'a Expr>,
    pub orderby: &'a [OrderBy],
    pub skip: u64,
    /// Page size; the implementation fetches one more row to know whether more follow.
    pub limit: u32,
    /// Also count every match (`$count=true` and `/$count`).
    pub count: bool,
}

/// A stored entity: its id, its Graph JSON document exactly as written (no
/// `@odata.context`), and its version: 1 when created, one more with every update. An
/// update names the version it read and fails with [`StoreError::Stale`] when another
/// write came first (see docs/concurrency.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub id: String,
    pub json: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Doc>,
    /// Set when `count` was asked for.
    pub total: Option<u64>,
    /// More rows follow this page.
    pub more: bool,
}

/// One entry of a delta page: the current document, or `None` when the entity was deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaItem {
    pub id: String,
    pub seq: i64,
    pub doc: Option<String>,
}

/// One batch of a streamed bulk load: entities `(kind, doc)` and links, as for
/// [`Store::bulk_load`].
pub type BulkBatch = (Vec<(EntityKind, BulkDoc)>, Vec<(Relation, String, String)>);

/// A document of a streamed bulk load: parsed, or already JSON text (as a sync's plan
/// keeps them: parsing a district's 91,000 documents only to serialise them again took
/// a second of the load).
#[derive(Debug, Clone, PartialEq)]
pub enum BulkDoc {
    Parsed(Value),
    /// Compact JSON text of an object and its `"id"`, which must agree.
    Text {
        id: String,
        json: String,
    },
}

impl From<Value> for BulkDoc {
    fn from(doc: Value) -> BulkDoc {
        BulkDoc::Parsed(doc)
    }
}

impl BulkDoc {
    /// The document parsed (text that is not JSON parses as `null`, which no load takes).
    pub fn into_value(self) -> Value {
        match self {
            BulkDoc::Parsed(doc) => doc,
            BulkDoc::Text { json, .. } => serde_json::from_str(&json).unwrap_or(Value::Null),
        }
    }
}

/// A tenant: the unit of isolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRecord {
    pub id: String,
    pub display_name: String,
    /// The primary verified domain (`contoso.edu`): token discovery and group mail
    /// addresses use it; principal names may use any verified domain
    /// ([`Store::tenant_domains`]).
    pub domain: String,
}

/// A token-signing key pair (RSA, PKCS#8 PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub private_pem: String,
    pub created_at: String,
    /// Keys are retired, not deleted, so their tokens verify until they expire.
    pub retired_at: Option<String>,
}

/// The whole store: entities here, identity data in [`IdentityStore`], jobs in
/// [`JobStore`].
#[async_trait]
pub trait Store: IdentityStore + JobStore + Send + Sync + 'static {
    /// A cheap round trip to the database.
    async fn health(&self) -> Result<()>;

    // --- tenants -------------------------------------------------------------------
    /// Inserts the tenant or updates its names.
    async fn put_tenant(&self, tenant: &TenantRecord) -> Result<()>;
    async fn tenants(&self) -> Result<Vec<TenantRecord>>;
    /// The tenant that has verified `domain` (any case), primary or not.
    async fn domain_owner(&self, domain: &str) -> Result<Option<String>>;
    /// Verifies one more domain (lower-cased) for an existing tenant, at time `at` (RFC
    /// 3339): true when added, false when the tenant had it already, `Conflict("domain")`
    /// when another tenant has it.
    async fn add_tenant_domain(&self, tenant: &str, domain: &str, at: &str) -> Result<bool>;
    /// The tenant's verified domains: the primary (`TenantRecord::domain`) first, then the
    /// others by name; empty for an unknown tenant.
    async fn tenant_domains(&self, tenant: &str) -> Result<Vec<String>>;
    /// Records the base of the tenant's token issuer and returns the value recorded
    /// afterwards, or `None` when there is no such tenant. With `replace` false a value
    /// already recorded wins (the first process to record one decides); with `replace`
    /// true `base` replaces it. Writes only when the stored value changes.
    async fn record_issuer_base(
        &self,
        tenant: &str,
        base: &str,
        replace: bool,
    ) -> Result<Option<String>>;
    /// True when the tenant holds no entities.
    async fn tenant_is_empty(&self, tenant: &str) -> Result<bool>;
    /// Deletes every entity, link, change and secret of the tenant (the tenant row stays).
    async fn clear_tenant(&self, tenant: &str) -> Result<()>;

    // --- entities ------------------------------------------------------------------
    async fn get(&self, tenant: &str, kind: EntityKind, id: &str) -> Result<Option<Doc>>;
    /// Gets a contained entity under its container: `None` when there is no such entity
    /// or it belongs to another container (a child asked for under the wrong parent is
    /// not found).
    async fn get_in(
        &self,
        tenant: &str,
        kind: EntityKind,
        parent: &str,
        id: &str,
    ) -> Result<Option<Doc>> {
        // One listing of the container's children (an index range, never the whole kind).
        let filter = Expr::Compare {
            left: edugraph_odata::PropertyPath {
                lambda: None,
                segments: vec!["id".into()],
                ty: edugraph_odata::EdmType::String,
                collection: false,
            },
            op: edugraph_odata::CmpOp::Eq,
            right: edugraph_odata::Literal::String(id.to_string()),
        };
        let query = ListQuery {
            kind,
            scope: Scope::Children(parent.to_string()),
            filter: Some(&filter),
            orderby: &[],
            skip: 0,
            limit: 1,
            count: false,
        };
        Ok(self.list(tenant, &query).await?.items.pop())
    }
    /// Fetches several entities by id (missing ids are skipped), in no particular order.
    async fn get_many(&self, tenant: &str, kind: EntityKind, ids: &[String]) -> Result<Vec<Doc>>;
    /// Applies every operation of `work` in one transaction, all or nothing, and returns
    /// the documents the creates and updates stored, in their order. The first operation
    /// that fails ends the transaction and is the error: `Conflict` naming a taken unique
    /// property (`userPrincipalName`, `mailNickname`, compared case-insensitively), `id`
    /// or `link`; `NotFound` for a missing entity or link; `Stale` when an update or a
    /// conditional delete names a version that is no longer current.
    async fn apply(&self, tenant: &str, work: &UnitOfWork) -> Result<Vec<Doc>>;

    /// Inserts a new entity. `doc` must hold `"id": id`.
    async fn create(&self, tenant: &str, kind: EntityKind, doc: &Value) -> Result<Doc> {
        let work = UnitOfWork::new().create(kind, doc.clone());
        single(self.apply(tenant, &work).await?)
    }
    /// Replaces the whole document of an entity if its version is still `version`
    /// (compare-and-swap): `Stale` if it changed, `NotFound` if it is gone.
    async fn update(
        &self,
        tenant: &str,
        kind: EntityKind,
        doc: &Value,
        version: i64,
    ) -> Result<Doc> {
        let work = UnitOfWork::new().update(kind, doc.clone(), version);
        single(self.apply(tenant, &work).await?)
    }
    /// Deletes the entity, everything contained in it (however deep) and every link
    /// touching it (`NotFound` if absent); records each deletion for delta, and a change
    /// of every class that lost a member or teacher.
    async fn delete(&self, tenant: &str, kind: EntityKind, id: &str) -> Result<()> {
        let work = UnitOfWork::new().delete(kind, id, None);
        self.apply(tenant, &work).await.map(drop)
    }
    async fn list(&self, tenant: &str, query: &ListQuery<'_>) -> Result<Page>;

    // --- links ---------------------------------------------------------------------
    /// Adds a link. `NotFound` if either end does not exist, `Conflict` if it exists.
    /// Membership changes of a class count as a change of the class for delta.
    async fn add_link(&self, tenant: &str, relation: Relation, from: &str, to: &str) -> Result<()> {
        let work = UnitOfWork::new().link(relation, from, to);
        self.apply(tenant, &work).await.map(drop)
    }
    /// Removes a link; `NotFound` if there was none.
    async fn remove_link(
        &self,
        tenant: &str,
        relation: Relation,
        from: &str,
        to: &str,
    ) -> Result<()> {
        let work = UnitOfWork::new().unlink(relation, from, to);
        self.apply(tenant, &work).await.map(drop)
    }
    async fn has_link(
        &self,
        tenant: &str,
        relation: Relation,
        from: &str,
        to: &str,
    ) -> Result<bool>;
    /// Every link of `relation` in the tenant as `(from, to)` pairs, in no particular
    /// order: one query where a sync would otherwise list each class's members.
    async fn links(&self, tenant: &str, relation: Relation) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        self.each_link(tenant, relation, &mut |f, t| {
            out.push((f.to_string(), t.to_string()));
        })
        .await?;
        Ok(out)
    }
    /// [`Store::links`], each pair handed to `visit` as it is read instead of collected:
    /// a caller that keeps only some of a district's 460,000 class members never holds
    /// them all as strings.
    async fn each_link(
        &self,
        tenant: &str,
        relation: Relation,
        visit: &mut (dyn for<'a> FnMut(&'a str, &'a str) + Send),
    ) -> Result<()>;

    /// For each of `ids`, the entities the listing scoped `Outgoing(relation, id)` (or
    /// `Incoming`) would answer, with at most `limit` of them, for a whole page at once
    /// (`$expand`): one read of the links and one of the entities at their other ends,
    /// whatever the number of ids. An id without linked entities (or that is no entity)
    /// is left out; the order of the items is unspecified.
    async fn linked(
        &self,
        tenant: &str,
        relation: Relation,
        direction: Direction,
        ids: &[String],
        limit: u32,
    ) -> Result<Vec<Linked>>;
    /// Those of `from_ids` that have a `relation` link to `to`, in one statement (a
    /// delegated caller's roles in each class of a page), in no particular order.
    async fn linked_from(
        &self,
        tenant: &str,
        relation: Relation,
        from_ids: &[String],
        to: &str,
    ) -> Result<Vec<String>>;

    // --- delta ---------------------------------------------------------------------
    /// The newest change sequence number of the tenant (0 when nothing happened yet).
    async fn latest_seq(&self, tenant: &str) -> Result<i64>;
    /// Entities of `kind` changed with `after < seq <= upto`, one item per entity (its
    /// latest change), ordered by that seq, at most `limit`; with `parent`, only the
    /// entities contained in it (deletions included).
    async fn changes(
        &self,
        tenant: &str,
        kind: EntityKind,
        parent: Option<&str>,
        after: i64,
        upto: i64,
        limit: u32,
    ) -> Result<Vec<DeltaItem>>;

    // --- secrets and keys ----------------------------------------------------------
    /// Stores (or replaces) the password hash of a user. Never part of a document.
    async fn set_password_hash(&self, tenant: &str, user_id: &str, hash: &str) -> Result<()> {
        let work = UnitOfWork::new().set_password(user_id, hash);
        self.apply(tenant, &work).await.map(drop)
    }
    async fn password_hash(&self, tenant: &str, user_id: &str) -> Result<Option<String>>;
    /// Signing keys, newest first.
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>>;
    async fn put_signing_key(&self, key: &SigningKeyRecord) -> Result<()>;

    // --- bulk ----------------------------------------------------------------------
    /// Loads many entities and links in one transaction (demo data, imports). Entities
    /// are `(kind, doc)`; no uniqueness pre-checks beyond the database's own.
    async fn bulk_load(
        &self,
        tenant: &str,
        entities: &[(EntityKind, Value)],
        links: &[(Relation, String, String)],
    ) -> Result<()>;
    /// Loads a stream of batches (a district, school by school) while holding only one
    /// batch in memory. SQLite and PostgreSQL load the whole stream in one transaction,
    /// all or nothing: a commit per batch rewrites the same scattered index pages hundreds
    /// of times. This default commits batch by batch, with `bulk_load`.
    async fn bulk_load_batches(
        &self,
        tenant: &str,
        batches: &mut (dyn Iterator<Item = BulkBatch> + Send),
    ) -> Result<()> {
        for (entities, links) in batches {
            let entities: Vec<(EntityKind, Value)> = entities
                .into_iter()
                .map(|(kind, doc)| (kind, doc.into_value()))
                .collect();
            self.bulk_load(tenant, &entities, &links).await?;
        }
        Ok(())
    }
}

/// The one document a single-entity unit of work wrote.
fn single(mut docs: Vec<Doc>) -> Result<Doc> {
    match (docs.pop(), docs.is_empty()) {
        (Some(doc), true) => Ok(doc),
        _ => Err(conflict::other(
            "a one-entity write did not return one document",
        )),
    }
}
