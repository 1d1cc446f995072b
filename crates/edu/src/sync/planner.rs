//! [`plan`]: the roster against what the tenant holds. Entities first (each roster record
//! matched, created or left out; each synced entity the files no longer list retired),
//! then the links, as store ids: the wanted links of the files against the links between
//! synced entities that exist.

use std::collections::{HashMap, HashSet};

use edugraph_odata::{ApiVersion, Schema};
use edugraph_rostering::{
    EnrollmentRole, FileMode, Person, PersonRole, RecordStatus, Roster, School,
};
use edugraph_store::{EntityKind, Relation, Store};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::customize::Custom;
use super::documents::{self, overlay, present};
use super::existing::{text, Existing, Held};
use super::{EntityChanges, LinkChanges, Plan, Skipped, StoreId, SyncError, SyncOptions, Write};
use crate::roster::{new_document, MailNickname, UserPrincipalName};
use crate::{Caller, Clock, SystemClock};

/// The links a sync manages: the roster's (a class's default grading scheme is not one).
const ROSTER_RELATIONS: [Relation; 4] = [
    Relation::ClassMembers,
    Relation::ClassTeachers,
    Relation::SchoolClasses,
    Relation::SchoolUsers,
];

/// The application id recorded in `createdBy` of what the sync creates.
pub const SYNC_APP_ID: &str = "5c2f0e8a-6d1b-4a57-9b1e-d3e000005d55";

/// Links shown per relation in a plan's samples.
const SAMPLES: usize = 3;

/// Computes what applying `roster` to `tenant` would change. Reads the store, writes
/// nothing.
pub async fn plan(
    store: &dyn Store,
    tenant: &str,
    roster: &Roster,
    opts: &SyncOptions,
) -> Result<Plan, SyncError> {
    let existing = Existing::read(store, tenant).await?;
    let mut b = Builder::new(tenant, roster, existing, opts);
    b.schools();
    b.classes();
    b.users();
    let links = ROSTER_RELATIONS.iter().map(|r| b.links(*r)).collect();
    let mut plan = Plan {
        tenant: tenant.to_string(),
        dry_run: opts.dry_run,
        first_import: b.ex.empty,
        held: None,
        schools: b.schools,
        classes: b.classes,
        users: b.users,
        links,
        skipped: b.skipped,
    };
    if let Some(limit) = opts.max_deactivation_percent {
        plan.held = held(&plan, limit);
    }
    Ok(plan)
}

/// The first row of the plan that loses more than `limit` percent of what it held.
fn held(plan: &Plan, limit: f64) -> Option<String> {
    let users = ("users", plan.users.deactivations.len(), plan.users.existing);
    let links = plan
        .links
        .iter()
        .map(|l| (l.relation.name(), l.remove.len(), l.existing));
    std::iter::once(users)
        .chain(links)
        .find_map(|(what, lost, had)| {
            let percent = if had == 0 {
                0.0
            } else {
                lost as f64 * 100.0 / had as f64
            };
            (percent > limit).then(|| {
                format!(
                    "{what}: {lost} of {had} would be deactivated or unlinked ({percent:.1}%), above the limit of {limit}%"
                )
            })
        })
}

struct Builder<'a> {
    roster: &'a Roster,
    ex: Existing,
    opts: &'a SyncOptions,
    schema: &'static Schema,
    creator: Caller,
    now: OffsetDateTime,
    /// External id → store id of every school, class, student and teacher the tenant
    /// will hold after the sync (matched or created, not retired).
    school_ids: HashMap<String, StoreId>,
    class_ids: HashMap<String, StoreId>,
    student_ids: HashMap<String, StoreId>,
    teacher_ids: HashMap<String, StoreId>,
    /// Store ids of synced entities the files no longer list (their links go), with
    /// their external ids.
    retired: HashMap<String, String>,
    schools: EntityChanges,
    classes: EntityChanges,
    users: EntityChanges,
    skipped: Vec<Skipped>,
    /// Serialisation buffer of [`Builder::new_doc`].
    scratch: Vec<u8>,
}

/// A link as (from, to) store ids.
type Pair = (StoreId, StoreId);

/// What the files say about one relation.
struct Wanted {
    /// Links the files do not list go (a snapshot), or stay (a delta).
    snapshot: bool,
    /// Links the files list, in file order, perhaps repeated.
    want: Vec<Pair>,
    /// Links the files mark `tobedeleted`.
    drop: HashSet<Pair>,
}

/// Which id map an unlisted entity belongs to.
#[derive(Clone, Copy)]
enum Unlisted {
    School,
    Class,
    Student,
    Teacher,
}

fn changes(kind: EntityKind, existing: usize) -> EntityChanges {
    EntityChanges {
        kind,
        existing,
        creates: Vec::new(),
        updates: Vec::new(),
        deactivations: Vec::new(),
        absent: 0,
        unchanged: 0,
    }
}

fn to_be_deleted(status: Option<RecordStatus>) -> bool {
    status == Some(RecordStatus::ToBeDeleted)
}

impl<'a> Builder<'a> {
    fn new(tenant: &str, roster: &'a Roster, ex: Existing, opts: &'a SyncOptions) -> Self {
        Builder {
            roster,
            opts,
            schema: Schema::get(ApiVersion::V1),
            creator: Caller::App {
                tenant: tenant.to_string(),
                app_id: SYNC_APP_ID.into(),
                roles: Vec::new(),
            },
            now: SystemClock.now(),
            school_ids: HashMap::new(),
            class_ids: HashMap::new(),
            student_ids: HashMap::new(),
            teacher_ids: HashMap::new(),
            retired: HashMap::new(),
            schools: changes(EntityKind::School, ex.schools.len()),
            classes: changes(EntityKind::Class, ex.classes.len()),
            users: changes(EntityKind::User, ex.students.len() + ex.teachers.len()),
            skipped: Vec::new(),
            scratch: Vec::new(),
            ex,
        }
    }

    /// A file's mode: SDS sets are snapshots; OneRoster says per file.
    fn snapshot(&self, file: &str) -> bool {
        self.roster
            .file_modes
            .get(file)
            .is_none_or(|m| *m == FileMode::Bulk)
    }

    /// A new entity's id and document text.
    fn new_doc(&mut self, kind: EntityKind, props: Map<String, Value>) -> (String, String) {
        let id = uuid::Uuid::new_v4().to_string();
        let doc = new_document(self.schema, kind, &id, props, &self.creator, self.now);
        // Written through one reused buffer, then copied out at its exact length: written
        // straight into their own strings (grown by doubling), a district's 91,000
        // documents held about 30 MB of unused capacity until the plan was applied.
        self.scratch.clear();
        let text = match serde_json::to_writer(&mut self.scratch, &doc) {
            Ok(()) => String::from_utf8_lossy(&self.scratch).into_owned(),
            Err(_) => doc.to_string(),
        };
        (id, text)
    }

    fn schools(&mut self) {
        let snapshot = self.snapshot("orgs");
        let mut held = std::mem::take(&mut self.ex.schools);
        let roster = self.roster;
        for s in roster.schools.iter().filter(|s| s.is_school()) {
            self.school(s, held.remove(&s.sis_id));
        }
        self.unlisted(Unlisted::School, snapshot, held);
    }

    fn school(&mut self, s: &School, held: Option<Held>) {
        let props = documents::school(s);
        let custom = &self.opts.customize.school;
        match (held, to_be_deleted(s.change.status)) {
            (Some(h), true) => self.retire(EntityKind::School, h),
            (Some(h), false) => {
                self.school_ids
                    .insert(s.sis_id.clone(), h.id.as_str().into());
                update(&mut self.schools, h, present(custom.apply(props, true)));
            }
            (None, true) => {}
            (None, false) => {
                let (id, doc) = self.new_doc(EntityKind::School, custom.apply(props, false));
                self.school_ids.insert(s.sis_id.clone(), id.into());
                self.schools.creates.push(doc);
            }
        }
    }

    fn classes(&mut self) {
        let snapshot = self.snapshot("classes");
        let mut held = std::mem::take(&mut self.ex.classes);
        let roster = self.roster;
        let terms: HashMap<&str, _> = roster
            .terms
            .iter()
            .map(|t| (t.sis_id.as_str(), t))
            .collect();
        let courses: HashMap<&str, _> = roster
            .courses
            .iter()
            .map(|c| (c.sis_id.as_str(), c))
            .collect();
        for s in &roster.sections {
            let term = s
                .term_ids
                .first()
                .and_then(|t| terms.get(t.as_str()).copied());
            let course = s.course_id.as_deref().and_then(|c| courses.get(c).copied());
            let custom = &self.opts.customize.section;
            let props = documents::class(s, term, course);
            match (held.remove(&s.sis_id), to_be_deleted(s.change.status)) {
                (Some(h), true) => self.retire(EntityKind::Class, h),
                (Some(h), false) => {
                    self.class_ids
                        .insert(s.sis_id.clone(), h.id.as_str().into());
                    update(&mut self.classes, h, present(custom.apply(props, true)));
                }
                (None, true) => {}
                (None, false) => {
                    let nick =
                        self.free_nickname(documents::nickname(&format!("Section_{}", s.sis_id)));
                    let mut props = custom.apply(props, false);
                    props.insert("mailNickname".into(), Value::String(nick));
                    let (id, doc) = self.new_doc(EntityKind::Class, props);
                    self.class_ids.insert(s.sis_id.clone(), id.into());
                    self.classes.creates.push(doc);
                }
            }
        }
        self.unlisted(Unlisted::Class, snapshot, held);
    }

    fn users(&mut self) {
        let snapshot = self.snapshot("users");
        let mut students = std::mem::take(&mut self.ex.students);
        let mut teachers = std::mem::take(&mut self.ex.teachers);
        let roster = self.roster;
        // Contacts are guardians (SDS v1 keys them by email, apart from students' ids).
        let contacts_by_id: HashMap<&str, &Person> = roster
            .persons
            .iter()
            .filter(|p| matches!(p.role, PersonRole::Guardian | PersonRole::Other))
            .map(|p| (p.sis_id.as_str(), p))
            .collect();
        // Only formats with relationship files own `relatedContacts`.
        let owns_contacts = !roster.relationships.is_empty();
        let mut contacts = documents::related_contacts(&roster.relationships, &contacts_by_id);
        for p in &roster.persons {
            let held = match p.role {
                PersonRole::Student => students.remove(&p.sis_id),
                PersonRole::Teacher => teachers.remove(&p.sis_id),
                PersonRole::Guardian | PersonRole::Other => continue,
            };
            let related = (owns_contacts && p.role == PersonRole::Student)
                .then(|| contacts.remove(&p.sis_id).unwrap_or_default());
            match (held, to_be_deleted(p.change.status)) {
                (Some(h), true) => self.retire(EntityKind::User, h),
                (Some(h), false) => {
                    self.user_ids(p.role)
                        .insert(p.sis_id.clone(), h.id.as_str().into());
                    let props = documents::user(p, None, related);
                    let props = self.custom(p.role).apply(props, true);
                    update(&mut self.users, h, present(props));
                }
                (None, true) => {}
                (None, false) => self.create_user(p, related),
            }
        }
        self.unlisted(Unlisted::Student, snapshot, students);
        self.unlisted(Unlisted::Teacher, snapshot, teachers);
    }

    /// The customization of a person's file (`student` or `teacher`).
    fn custom(&self, role: PersonRole) -> &Custom {
        match role {
            PersonRole::Student => &self.opts.customize.student,
            _ => &self.opts.customize.teacher,
        }
    }

    fn user_ids(&mut self, role: PersonRole) -> &mut HashMap<String, StoreId> {
        match role {
            PersonRole::Student => &mut self.student_ids,
            _ => &mut self.teacher_ids,
        }
    }

    fn create_user(&mut self, p: &Person, related: Option<Vec<Value>>) {
        // Identity matching only ever updates accounts the sync already holds.
        let upn = match self.principal_name(p).and_then(|upn| {
            if self.opts.match_only {
                Err("no account matches the record, and identity matching never creates one".into())
            } else {
                Ok(upn)
            }
        }) {
            Ok(upn) => upn,
            Err(reason) => {
                self.skipped.push(Skipped {
                    kind: EntityKind::User,
                    external_id: p.sis_id.clone(),
                    reason,
                    file: p.origin.file.to_string(),
                    line: p.origin.line,
                });
                return;
            }
        };
        let local = upn.split('@').next().unwrap_or_default();
        let nick = match MailNickname::parse(local) {
            Ok(n) => n.as_str().to_string(),
            Err(_) => documents::nickname(local),
        };
        let nick = self.free_nickname(nick);
        let props = documents::user(p, Some((&upn, &nick)), related);
        let mut props = self.custom(p.role).apply(props, false);
        let customize = &self.opts.customize;
        if let Some(licenses) = customize.licenses(p.role == PersonRole::Teacher) {
            props.insert("assignedLicenses".into(), licenses);
        }
        let (id, doc) = self.new_doc(EntityKind::User, props);
        self.ex.upns.insert(upn.to_lowercase(), id.clone());
        self.user_ids(p.role).insert(p.sis_id.clone(), id.into());
        self.users.creates.push(doc);
    }

    /// `username` as written when it has a domain, else `username@user_domain`; the
    /// email when there is no username. Must be a valid name no other user holds.
    fn principal_name(&self, p: &Person) -> Result<String, String> {
        let role_domain = match p.role {
            PersonRole::Student => self.opts.student_domain.as_ref(),
            PersonRole::Teacher => self.opts.teacher_domain.as_ref(),
            _ => None,
        };
        let domain = role_domain.or(self.opts.user_domain.as_ref());
        let upn = match (&p.username, &p.email, domain) {
            (Some(u), _, _) if u.contains('@') => u.clone(),
            (Some(u), _, Some(domain)) => format!("{u}@{domain}"),
            (Some(u), _, None) => {
                return Err(format!(
                    "username {u} has no domain and no user domain was given"
                ))
            }
            (None, Some(email), _) => email.clone(),
            (None, None, _) => return Err("no username and no email".into()),
        };
        UserPrincipalName::parse(&upn).map_err(|e| e.message)?;
        match self.ex.upns.get(&upn.to_lowercase()) {
            Some(other) => Err(format!(
                "userPrincipalName {upn} already belongs to user {other}"
            )),
            None => Ok(upn),
        }
    }

    /// `base`, or `base` with the first free `-N` suffix; taken from then on.
    fn free_nickname(&mut self, base: String) -> String {
        let mut nick = base.clone();
        let mut n = 2;
        while self.ex.nicknames.contains(&nick.to_lowercase()) {
            let suffix = format!("-{n}");
            let keep: String = base.chars().take(64 - suffix.len()).collect();
            nick = format!("{keep}{suffix}");
            n += 1;
        }
        self.ex.nicknames.insert(nick.to_lowercase());
        nick
    }

    /// Synced entities the files do not list: retired by a snapshot; kept, and so still
    /// there for the links of other files, by a delta.
    fn unlisted(&mut self, what: Unlisted, snapshot: bool, held: HashMap<String, Held>) {
        let mut held: Vec<(String, Held)> = held.into_iter().collect();
        held.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        for (key, h) in held {
            let (kind, ids) = match what {
                Unlisted::School => (EntityKind::School, &mut self.school_ids),
                Unlisted::Class => (EntityKind::Class, &mut self.class_ids),
                Unlisted::Student => (EntityKind::User, &mut self.student_ids),
                Unlisted::Teacher => (EntityKind::User, &mut self.teacher_ids),
            };
            if snapshot {
                self.retire(kind, h);
            } else {
                ids.insert(key, h.id.into());
            }
        }
    }

    /// Retires a synced entity: its links go, a user is disabled.
    fn retire(&mut self, kind: EntityKind, h: Held) {
        let mut doc = h.doc();
        let label = external_id(&doc).unwrap_or_else(|| h.id.clone());
        self.retired.insert(h.id.clone(), label);
        let changes = match kind {
            EntityKind::School => &mut self.schools,
            EntityKind::Class => &mut self.classes,
            EntityKind::User => &mut self.users,
            // A sync holds only the roster's kinds.
            _ => return,
        };
        changes.absent += 1;
        if kind == EntityKind::User && doc.get("accountEnabled") != Some(&Value::Bool(false)) {
            doc["accountEnabled"] = Value::Bool(false);
            changes.deactivations.push(Write {
                doc,
                version: h.version,
            });
        }
    }

    /// The store id of a person, by the role the link names.
    fn user(&self, role: PersonRole, id: &str) -> Option<&StoreId> {
        match role {
            PersonRole::Student => self.student_ids.get(id),
            PersonRole::Teacher => self.teacher_ids.get(id),
            _ => None,
        }
    }

    /// Wanted links and links the files mark `tobedeleted`, for one relation.
    fn wanted(&self, relation: Relation) -> Wanted {
        let r = self.roster;
        let mut want = Vec::new();
        let mut drop = HashSet::new();
        let mut put = |from: Option<&StoreId>, to: Option<&StoreId>, gone: bool| {
            if let (Some(f), Some(t)) = (from, to) {
                let pair = (f.clone(), t.clone());
                if gone {
                    drop.insert(pair);
                } else {
                    want.push(pair);
                }
            }
        };
        let snapshot = match relation {
            // Not a roster link (see `ROSTER_RELATIONS`): nothing wanted, nothing dropped.
            Relation::DefaultGradingScheme => false,
            Relation::SchoolClasses => {
                for s in &r.sections {
                    let gone = to_be_deleted(s.change.status);
                    put(
                        self.school_ids.get(&s.school_id),
                        self.class_ids.get(&s.sis_id),
                        gone,
                    );
                }
                self.snapshot("classes")
            }
            Relation::SchoolUsers => {
                for m in &r.memberships {
                    let gone = to_be_deleted(m.change.status);
                    put(
                        self.school_ids.get(&m.school_id),
                        self.user(m.person_role, &m.person_id),
                        gone,
                    );
                }
                // OneRoster 1.2 and SDS v2.1 keep memberships in roles.csv, 1.1 in users.csv.
                self.snapshot(if r.file_modes.contains_key("roles") {
                    "roles"
                } else {
                    "users"
                })
            }
            Relation::ClassMembers | Relation::ClassTeachers => {
                for e in &r.enrollments {
                    if relation == Relation::ClassTeachers && e.role != EnrollmentRole::Teacher {
                        continue;
                    }
                    let user = match e.role {
                        EnrollmentRole::Student => self.user(PersonRole::Student, &e.person_id),
                        EnrollmentRole::Teacher => self.user(PersonRole::Teacher, &e.person_id),
                        EnrollmentRole::Other => self
                            .user(PersonRole::Teacher, &e.person_id)
                            .or_else(|| self.user(PersonRole::Student, &e.person_id)),
                    };
                    let gone = to_be_deleted(e.change.status);
                    put(self.class_ids.get(&e.section_id), user, gone);
                }
                self.snapshot("enrollments")
            }
        };
        Wanted {
            snapshot,
            want,
            drop,
        }
    }

    fn links(&mut self, relation: Relation) -> LinkChanges {
        let held = self.ex.links.remove(&relation).unwrap_or_default();
        let Wanted {
            snapshot,
            mut want,
            drop,
        } = self.wanted(relation);
        let retired =
            |(f, t): &Pair| self.retired.contains_key(&**f) || self.retired.contains_key(&**t);
        // Sorted and deduplicated in place rather than through a set of copies: a
        // district's class members are 460,000 pairs of ids. The order is also the links
        // table's key order, which a bulk load wants.
        want.sort_unstable();
        want.dedup();
        let listed = |p: &Pair| want.binary_search(p).is_ok();
        let mut remove: Vec<Pair> = held
            .iter()
            .filter(|p| retired(p) || drop.contains(*p) || (snapshot && !listed(p)))
            .cloned()
            .collect();
        remove.sort();
        want.retain(|p| !retired(p) && !drop.contains(p));
        let before = want.len();
        want.retain(|p| !held.contains(p));
        let unchanged = before - want.len();
        let add = want;
        let samples = self.samples(&add, &remove);
        LinkChanges {
            relation,
            existing: held.len(),
            add,
            remove,
            unchanged,
            samples,
        }
    }

    /// A few links of the plan with external ids (store ids for entities only the store
    /// knows).
    fn samples(&self, add: &[Pair], remove: &[Pair]) -> Vec<String> {
        // External ids of the few store ids shown, found in one pass over the id maps
        // (they map external to store ids), the first map holding an id naming it.
        let mut labels: HashMap<&str, Option<&String>> = add
            .iter()
            .take(SAMPLES)
            .chain(remove.iter().take(SAMPLES))
            .flat_map(|(f, t)| [&**f, &**t])
            .map(|id| (id, None))
            .collect();
        for map in [
            &self.school_ids,
            &self.class_ids,
            &self.student_ids,
            &self.teacher_ids,
        ] {
            for (external, id) in map {
                if let Some(label @ None) = labels.get_mut(&**id) {
                    *label = Some(external);
                }
            }
        }
        let label = |id: &StoreId| -> String {
            labels
                .get(&**id)
                .copied()
                .flatten()
                .or_else(|| self.retired.get(&**id))
                .map_or_else(|| id.to_string(), String::clone)
        };
        let added = add
            .iter()
            .take(SAMPLES)
            .map(|(f, t)| format!("+ {} → {}", label(f), label(t)));
        let removed = remove
            .iter()
            .take(SAMPLES)
            .map(|(f, t)| format!("- {} → {}", label(f), label(t)));
        added.chain(removed).collect()
    }
}

/// Records the write a matched entity needs, if any: the stored document with the files'
/// values written over it, when that differs from what is stored.
fn update(changes: &mut EntityChanges, held: Held, props: Map<String, Value>) {
    let stored = held.doc();
    let Value::Object(mut doc) = stored.clone() else {
        return;
    };
    overlay(&mut doc, props);
    let doc = Value::Object(doc);
    if doc == stored {
        changes.unchanged += 1;
    } else {
        changes.updates.push(Write {
            doc,
            version: held.version,
        });
    }
}

/// The external id a document is matched by.
pub(super) fn external_id(doc: &Value) -> Option<String> {
    text(doc, &["externalId"])
        .or_else(|| text(doc, &["student", "externalId"]))
        .or_else(|| text(doc, &["teacher", "externalId"]))
}
