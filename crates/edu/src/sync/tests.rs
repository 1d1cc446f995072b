//! The sync engine against a real SQLite store: first import, idempotent re-import,
//! snapshot removals, the safety threshold, dry runs, OneRoster `tobedeleted`, and the
//! shared Microsoft sample set.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use edugraph_rostering::{Format, RecordStatus, Roster, Size};
use edugraph_store::{EntityKind, ListQuery, Relation, Scope, Store, TenantRecord};
use serde_json::Value;

use super::*;

const TENANT: &str = "11111111-2222-3333-4444-555555555555";
const DOMAIN: &str = "district.example";

async fn store() -> Arc<dyn Store> {
    let store = edugraph_store::open("sqlite::memory:").await.unwrap();
    store
        .put_tenant(&TenantRecord {
            id: TENANT.into(),
            display_name: "District".into(),
            domain: DOMAIN.into(),
        })
        .await
        .unwrap();
    store
}

fn opts() -> SyncOptions {
    SyncOptions {
        user_domain: Some(DOMAIN.into()),
        ..SyncOptions::default()
    }
}

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "edugraph-sync-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn small(format: Format, name: &str) -> TempDir {
    let dir = TempDir::new(name);
    edugraph_rostering::generate(&dir.0, format, Size::Small, 7).unwrap();
    dir
}

fn read(dir: &Path) -> Roster {
    let parsed = edugraph_rostering::read_dir(dir, None).unwrap();
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    parsed.roster
}

async fn sync(store: &dyn Store, roster: &Roster, opts: &SyncOptions) -> (Plan, Applied) {
    let plan = plan(store, TENANT, roster, opts).await.unwrap();
    let applied = apply(store, TENANT, &plan).await.unwrap();
    (plan, applied)
}

async fn all(store: &dyn Store, kind: EntityKind, scope: Scope) -> Vec<Value> {
    let query = ListQuery {
        kind,
        scope,
        filter: None,
        orderby: &[],
        skip: 0,
        limit: 10_000,
        count: false,
    };
    let page = store.list(TENANT, &query).await.unwrap();
    assert!(!page.more);
    page.items
        .iter()
        .map(|d| serde_json::from_str(&d.json).unwrap())
        .collect()
}

/// Every entity's (id, version), sorted.
async fn versions(store: &dyn Store) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for kind in EntityKind::ALL {
        let query = ListQuery {
            kind,
            scope: Scope::All,
            filter: None,
            orderby: &[],
            skip: 0,
            limit: 10_000,
            count: false,
        };
        for d in store.list(TENANT, &query).await.unwrap().items {
            out.push((d.id, d.version));
        }
    }
    out.sort();
    out
}

async fn user_by_student_id(store: &dyn Store, sis_id: &str) -> Value {
    all(store, EntityKind::User, Scope::All)
        .await
        .into_iter()
        .find(|u| u["student"]["externalId"] == sis_id)
        .unwrap_or_else(|| panic!("no student {sis_id}"))
}

async fn class_by_external_id(store: &dyn Store, sis_id: &str) -> Value {
    all(store, EntityKind::Class, Scope::All)
        .await
        .into_iter()
        .find(|c| c["externalId"] == sis_id)
        .unwrap_or_else(|| panic!("no class {sis_id}"))
}

fn id(doc: &Value) -> String {
    doc["id"].as_str().unwrap().to_string()
}

/// Drops every line of the folder's CSV files that has a field equal to one of `ids`.
fn remove_rows(dir: &Path, ids: &[&str]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|line| !line.split(',').any(|f| ids.contains(&f.trim_matches('"'))))
            .collect();
        std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    }
}

#[tokio::test]
async fn first_import_creates_everything_the_files_hold() {
    let store = store().await;
    let dir = small(Format::SdsV1, "first");
    let roster = read(&dir.0);
    let (plan, applied) = sync(store.as_ref(), &roster, &opts()).await;
    assert!(plan.first_import && applied.bulk);
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    assert_eq!(
        all(store.as_ref(), EntityKind::School, Scope::All)
            .await
            .len(),
        3
    );
    assert_eq!(
        all(store.as_ref(), EntityKind::Class, Scope::All)
            .await
            .len(),
        18
    );
    let users = all(store.as_ref(), EntityKind::User, Scope::All).await;
    assert_eq!(users.len(), 90 + 12);
    assert!(users
        .iter()
        .all(|u| u["externalSource"] == "sis" && u["accountEnabled"] == true));
    let students = users
        .iter()
        .filter(|u| u["primaryRole"] == "student")
        .count();
    assert_eq!(students, 90);
    let upn = users[0]["userPrincipalName"].as_str().unwrap();
    assert!(upn.ends_with(&format!("@{DOMAIN}")), "{upn}");
    // 288 enrollments: one teacher per section (a member and a teacher) and 270 students.
    let count = |r: Relation| {
        plan.links
            .iter()
            .find(|l| l.relation == r)
            .unwrap()
            .add
            .len()
    };
    assert_eq!(count(Relation::ClassMembers), 288);
    assert_eq!(count(Relation::ClassTeachers), 18);
    assert_eq!(count(Relation::SchoolClasses), 18);
    assert_eq!(count(Relation::SchoolUsers), 102);
    // Planned in the links table's key order (a bulk load relies on it for speed).
    assert!(plan.links.iter().all(|l| l.add.is_sorted()));
    let class = &all(store.as_ref(), EntityKind::Class, Scope::All).await[0];
    let members = all(
        store.as_ref(),
        EntityKind::User,
        Scope::Outgoing(Relation::ClassMembers, id(class)),
    )
    .await;
    assert!(!members.is_empty());
    assert!(class["term"]["externalId"].is_string() && class["course"]["externalId"].is_string());
    // A plan's samples name the linked entities by their ids in the files.
    let mut external = std::collections::HashMap::new();
    for c in all(store.as_ref(), EntityKind::Class, Scope::All).await {
        external.insert(id(&c), c["externalId"].as_str().unwrap().to_string());
    }
    for u in &users {
        let role = u["primaryRole"].as_str().unwrap();
        let sis = u[role]["externalId"].as_str().unwrap().to_string();
        external.insert(id(u), sis);
    }
    let links = plan
        .links
        .iter()
        .find(|l| l.relation == Relation::ClassMembers)
        .unwrap();
    let want: Vec<String> = links
        .add
        .iter()
        .take(3)
        .map(|(from, to)| format!("+ {} → {}", external[&**from], external[&**to]))
        .collect();
    assert_eq!(links.samples, want);
}

#[tokio::test]
async fn importing_the_same_files_again_changes_nothing() {
    let store = store().await;
    let dir = small(Format::OneRoster12, "again");
    let roster = read(&dir.0);
    sync(store.as_ref(), &roster, &opts()).await;
    let seq = store.latest_seq(TENANT).await.unwrap();
    let before = versions(store.as_ref()).await;

    let (plan, applied) = sync(store.as_ref(), &read(&dir.0), &opts()).await;
    assert!(plan.is_empty(), "{:?}", plan.rows());
    assert!(!plan.first_import);
    assert_eq!(plan.users.unchanged, 102);
    assert_eq!(applied.transactions, 0);
    assert_eq!(store.latest_seq(TENANT).await.unwrap(), seq);
    assert_eq!(versions(store.as_ref()).await, before);
}

#[tokio::test]
async fn a_changed_value_updates_only_that_entity() {
    let store = store().await;
    let mut roster = read(&small(Format::SdsV21, "change").0);
    sync(store.as_ref(), &roster, &opts()).await;
    let before = versions(store.as_ref()).await;

    roster.persons[0].family_name = Some("Renamed".into());
    let (plan, applied) = sync(store.as_ref(), &roster, &opts()).await;
    assert_eq!((plan.users.updates.len(), plan.changes()), (1, 1));
    assert_eq!(applied.updated, 1);
    let after = versions(store.as_ref()).await;
    let bumped: Vec<_> = before.iter().zip(&after).filter(|(a, b)| a != b).collect();
    assert_eq!(bumped.len(), 1);
    assert_eq!(bumped[0].1 .1, bumped[0].0 .1 + 1);
}

#[tokio::test]
async fn a_student_and_a_section_missing_from_the_files_are_deactivated_and_unlinked() {
    let store = store().await;
    let dir = small(Format::SdsV1, "remove");
    sync(store.as_ref(), &read(&dir.0), &opts()).await;
    let student = user_by_student_id(store.as_ref(), "P000005").await;
    let class = class_by_external_id(store.as_ref(), "C000003").await;
    let classes_of_student: Vec<_> = {
        let mut ids = Vec::new();
        for c in all(store.as_ref(), EntityKind::Class, Scope::All).await {
            if store
                .has_link(TENANT, Relation::ClassMembers, &id(&c), &id(&student))
                .await
                .unwrap()
            {
                ids.push(id(&c));
            }
        }
        ids
    };
    assert!(
        !classes_of_student.is_empty(),
        "the generator enrolls every student"
    );
    let counts = versions(store.as_ref()).await.len();

    remove_rows(&dir.0, &["P000005", "C000003"]);
    let (plan, _) = sync(store.as_ref(), &read(&dir.0), &opts()).await;
    assert_eq!(plan.users.deactivations.len(), 1);
    assert_eq!((plan.classes.absent, plan.users.absent), (1, 1));

    // Nothing deleted; the student disabled; the class emptied and out of its school.
    assert_eq!(versions(store.as_ref()).await.len(), counts);
    let after = store
        .get(TENANT, EntityKind::User, &id(&student))
        .await
        .unwrap()
        .unwrap();
    let after: Value = serde_json::from_str(&after.json).unwrap();
    assert_eq!(after["accountEnabled"], false);
    for c in &classes_of_student {
        let linked = store
            .has_link(TENANT, Relation::ClassMembers, c, &id(&student))
            .await
            .unwrap();
        assert!(!linked, "still a member of {c}");
    }
    for relation in [Relation::ClassMembers, Relation::ClassTeachers] {
        let scope = Scope::Outgoing(relation, id(&class));
        assert!(all(store.as_ref(), EntityKind::User, scope)
            .await
            .is_empty());
    }
    assert!(store
        .get(TENANT, EntityKind::Class, &id(&class))
        .await
        .unwrap()
        .is_some());
    let schools = all(store.as_ref(), EntityKind::School, Scope::All).await;
    for s in &schools {
        let linked = store
            .has_link(TENANT, Relation::SchoolClasses, &id(s), &id(&class))
            .await
            .unwrap();
        assert!(!linked);
    }

    // Once retired, a further run has nothing left to do.
    let (again, _) = sync(store.as_ref(), &read(&dir.0), &opts()).await;
    assert!(again.is_empty(), "{:?}", again.rows());
}

#[tokio::test]
async fn a_returning_student_is_enabled_again() {
    let store = store().await;
    let full = read(&small(Format::SdsV1, "return").0);
    sync(store.as_ref(), &full, &opts()).await;
    let mut without = full.clone();
    without.persons.retain(|p| p.sis_id != "P000001");
    without.enrollments.retain(|e| e.person_id != "P000001");
    without.memberships.retain(|m| m.person_id != "P000001");
    sync(store.as_ref(), &without, &opts()).await;
    assert_eq!(
        user_by_student_id(store.as_ref(), "P000001").await["accountEnabled"],
        false
    );

    let (plan, _) = sync(store.as_ref(), &full, &opts()).await;
    assert_eq!(plan.users.updates.len(), 1);
    assert_eq!(
        user_by_student_id(store.as_ref(), "P000001").await["accountEnabled"],
        true
    );
    assert!(sync(store.as_ref(), &full, &opts()).await.0.is_empty());
}

#[tokio::test]
async fn the_safety_threshold_holds_a_plan_that_removes_too_much() {
    let store = store().await;
    let full = read(&small(Format::SdsV1, "threshold").0);
    sync(store.as_ref(), &full, &opts()).await;
    let seq = store.latest_seq(TENANT).await.unwrap();

    let mut half = full.clone();
    let gone: Vec<String> = half
        .persons
        .iter()
        .filter(|p| p.sis_id.starts_with('P'))
        .take(45)
        .map(|p| p.sis_id.clone())
        .collect();
    half.persons.retain(|p| !gone.contains(&p.sis_id));
    half.enrollments.retain(|e| !gone.contains(&e.person_id));
    half.memberships.retain(|m| !gone.contains(&m.person_id));
    let limited = SyncOptions {
        max_deactivation_percent: Some(10.0),
        ..opts()
    };
    let plan = plan(store.as_ref(), TENANT, &half, &limited).await.unwrap();
    let reason = plan.held.clone().expect("held");
    assert!(reason.starts_with("users: 45 of 102"), "{reason}");
    let refused = apply(store.as_ref(), TENANT, &plan).await;
    assert!(matches!(refused, Err(SyncError::Held(_))));
    assert_eq!(store.latest_seq(TENANT).await.unwrap(), seq);

    // Under the limit the same kind of plan goes through.
    let loose = SyncOptions {
        max_deactivation_percent: Some(50.0),
        ..opts()
    };
    let (plan, applied) = sync(store.as_ref(), &half, &loose).await;
    assert!(plan.held.is_none());
    assert_eq!(applied.deactivated, 45);
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let store = store().await;
    let roster = read(&small(Format::SdsV1, "dry").0);
    let dry = SyncOptions {
        dry_run: true,
        ..opts()
    };
    let (plan, applied) = sync(store.as_ref(), &roster, &dry).await;
    assert_eq!(plan.users.creates.len(), 102);
    assert!(applied.dry_run && applied.created == 0);
    assert!(store.tenant_is_empty(TENANT).await.unwrap());
    assert_eq!(store.latest_seq(TENANT).await.unwrap(), 0);
}

#[tokio::test]
async fn oneroster_tobedeleted_in_a_delta_file_touches_only_what_it_lists() {
    let store = store().await;
    let full = read(&small(Format::OneRoster12, "delta").0);
    sync(store.as_ref(), &full, &opts()).await;

    // A delta set listing one student as tobedeleted and nothing else.
    let mut delta = full.clone();
    for key in [
        "orgs",
        "users",
        "roles",
        "classes",
        "enrollments",
        "courses",
        "academicSessions",
    ] {
        delta
            .file_modes
            .insert(key.into(), edugraph_rostering::FileMode::Delta);
    }
    let mut student = delta
        .persons
        .iter()
        .find(|p| p.sis_id.starts_with('P'))
        .unwrap()
        .clone();
    student.change.status = Some(RecordStatus::ToBeDeleted);
    let sis_id = student.sis_id.clone();
    delta.persons = vec![student];
    delta.schools.clear();
    delta.sections.clear();
    delta.memberships.clear();
    delta.enrollments.clear();

    let (plan, _) = sync(store.as_ref(), &delta, &opts()).await;
    assert_eq!(plan.users.deactivations.len(), 1);
    assert_eq!(plan.schools.absent + plan.classes.absent, 0);
    let user = user_by_student_id(store.as_ref(), &sis_id).await;
    assert_eq!(user["accountEnabled"], false);
    // Its links go; nobody else's.
    let removed: usize = plan.links.iter().map(|l| l.remove.len()).sum();
    assert!(removed > 0);
    assert!(plan
        .links
        .iter()
        .flat_map(|l| &l.remove)
        .all(|(_, to)| **to == *id(&user)));
}

#[tokio::test]
async fn a_delta_users_file_keeps_the_users_it_does_not_list() {
    let store = store().await;
    let full = read(&small(Format::OneRoster12, "delta-keep").0);
    sync(store.as_ref(), &full, &opts()).await;

    // users.csv in delta mode lists one renamed student; the other files stay bulk and
    // still enroll everyone.
    let mut delta = full.clone();
    delta
        .file_modes
        .insert("users".into(), edugraph_rostering::FileMode::Delta);
    let mut student = delta
        .persons
        .iter()
        .find(|p| p.sis_id.starts_with('P'))
        .unwrap()
        .clone();
    student.family_name = Some("Delta".into());
    delta.persons = vec![student];

    let (plan, _) = sync(store.as_ref(), &delta, &opts()).await;
    assert_eq!(plan.users.updates.len(), 1);
    assert_eq!((plan.users.deactivations.len(), plan.users.absent), (0, 0));
    assert_eq!(plan.changes(), 1, "{:?}", plan.rows());
}

#[tokio::test]
async fn entities_created_through_the_api_are_never_touched() {
    let store = store().await;
    let roster = read(&small(Format::SdsV1, "manual").0);
    sync(store.as_ref(), &roster, &opts()).await;
    let manual = serde_json::json!({
        "id": "99999999-0000-0000-0000-000000000001",
        "displayName": "Hand made",
        "externalSource": "manual",
        "externalId": "C000001",
        "mailNickname": "handmade",
    });
    store
        .create(TENANT, EntityKind::Class, &manual)
        .await
        .unwrap();
    let (plan, _) = sync(store.as_ref(), &roster, &opts()).await;
    assert!(plan.is_empty(), "{:?}", plan.rows());
}

#[tokio::test]
async fn a_username_taken_by_another_user_is_skipped_with_the_reason() {
    let store = store().await;
    let roster = read(&small(Format::SdsV1, "taken").0);
    let taken = roster
        .persons
        .iter()
        .find(|p| p.sis_id == "P000002")
        .unwrap();
    let upn = format!("{}@{DOMAIN}", taken.username.as_deref().unwrap());
    let manual = serde_json::json!({
        "id": "99999999-0000-0000-0000-000000000002",
        "displayName": "Someone",
        "externalSource": "manual",
        "userPrincipalName": upn,
        "mailNickname": "someone",
    });
    store
        .create(TENANT, EntityKind::User, &manual)
        .await
        .unwrap();
    let (plan, _) = sync(store.as_ref(), &roster, &opts()).await;
    assert_eq!(plan.skipped.len(), 1);
    assert_eq!(plan.skipped[0].external_id, "P000002");
    assert!(plan.skipped[0].reason.contains("already belongs"));
    assert_eq!(plan.users.creates.len(), 101);
}

/// Microsoft's SDS v1 "100-Users" sample, when the shared samples are present.
#[tokio::test]
async fn the_microsoft_100_users_sample_imports() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/rostering-samples/sds-v1/OfficeDev_O365-EDU-Tools/SDS-Format/100-Users",
    );
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let parsed = edugraph_rostering::read_dir(&dir, None).unwrap();
    let summary = parsed.summary();
    let store = store().await;
    let (plan, applied) = sync(store.as_ref(), &parsed.roster, &opts()).await;
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    let users = all(store.as_ref(), EntityKind::User, Scope::All).await;
    assert_eq!(users.len(), summary.students + summary.teachers);
    assert_eq!(
        applied.created,
        summary.schools + summary.sections + users.len()
    );
    // "100 users": 86 students and 12 teachers.
    assert_eq!(users.len(), 98);
    let members = plan
        .links
        .iter()
        .find(|l| l.relation == Relation::ClassMembers)
        .unwrap();
    assert_eq!(members.add.len(), summary.enrollments);
    assert!(sync(store.as_ref(), &parsed.roster, &opts())
        .await
        .0
        .is_empty());
}

/// A crash between two units leaves every class with its old roster or its new one: a
/// container's link changes are never split between units, entity writes come before
/// any link, and every operation of the plan is in exactly one unit.
#[tokio::test]
async fn units_never_split_one_class_roster() {
    use edugraph_store::Op;
    let store = store().await;
    let dir = small(Format::SdsV1, "units");
    let plan = plan(store.as_ref(), TENANT, &read(&dir.0), &opts())
        .await
        .unwrap();
    let batch = 7;
    let units: Vec<_> = apply::units(&plan, batch).collect();
    let link_from = |op: &Op| match op {
        Op::Link { from, .. } | Op::Unlink { from, .. } => Some(from.clone()),
        _ => None,
    };
    let mut unit_of: std::collections::HashMap<String, usize> = Default::default();
    let mut seen_link = false;
    let mut links = 0;
    let mut entities = 0;
    for (i, unit) in units.iter().enumerate() {
        assert!(!unit.ops.is_empty());
        let containers: std::collections::HashSet<_> =
            unit.ops.iter().filter_map(link_from).collect();
        // A unit over the batch size holds one container's changes alone.
        if unit.ops.len() > batch {
            assert_eq!(containers.len(), 1, "unit {i}: {} ops", unit.ops.len());
        }
        for op in &unit.ops {
            match link_from(op) {
                Some(from) => {
                    seen_link = true;
                    links += 1;
                    let first = *unit_of.entry(from.clone()).or_insert(i);
                    assert_eq!(first, i, "{from}'s links are split between units");
                }
                None => {
                    assert!(!seen_link, "an entity write after a link");
                    entities += 1;
                }
            }
        }
    }
    let planned_links: usize = plan
        .links
        .iter()
        .map(|l| l.add.len() + l.remove.len())
        .sum();
    assert_eq!(links, planned_links);
    assert_eq!(entities, 123);
    // Some class has more than one link change (members and a teacher), so the rule
    // was put to the test.
    assert!(unit_of.len() < planned_links);
}
