//! The fixture of the authorization matrix: a tenant with a school, a class with its
//! teacher and student, another class with its own teacher and student, a spare class
//! for `$ref` writes, an administrator (primaryRole `none`) and a provisioned School
//! Data Sync profile with one recorded error; the callers the matrix tries; request paths for each route; and a snapshot of the stored state, to tell a
//! write that happened from a refusal that changed nothing.

pub mod oracle;

use std::collections::BTreeSet;

use edugraph_edu::access::Op;
use edugraph_edu::sets::{Action, Set, SetDef, Shape};
use edugraph_edu::sync::profiles;
use edugraph_server::http::graph::dispatch::Pat;
use edugraph_store::{EntityKind, Relation};

use crate::common::{TestApp, TENANT_A, TENANT_B};

/// Ids of the fixture entities in tenant A.
pub struct Fixture {
    pub school: String,
    /// The class: `teacher` teaches it, `student` and `teacher` are its members.
    pub class: String,
    /// Another class, with `other_teacher` and `other_student`.
    pub other_class: String,
    /// No links; the target of the `$ref` writes.
    pub spare_class: String,
    pub teacher: String,
    pub student: String,
    pub other_teacher: String,
    pub other_student: String,
    pub admin: String,
    /// Every stored link, as `(relation, from, to)`.
    pub links: Vec<(Relation, String, String)>,
    /// The class's assignment category, grading category (weight 100) and grading
    /// scheme (its default), and the teacher's rubric.
    pub category: String,
    pub grading_category: String,
    pub grading_scheme: String,
    pub rubric: String,
    /// A provisioned synchronization profile (never started) and its recorded error.
    pub profile: String,
    pub sync_error: String,
}

/// The fixture profile's recorded error: `record_errors` numbers a run's errors
/// `{run}-{n}`.
pub const SYNC_ERROR: &str = "0-1";

impl Fixture {
    pub async fn build(t: &TestApp) -> Fixture {
        let mut f = Fixture {
            school: t.school("Fixture High").await,
            class: t.class("fx-class").await,
            other_class: t.class("fx-other").await,
            spare_class: t.class("fx-spare").await,
            teacher: t.user("fx-teacher", "teacher").await,
            student: t.user("fx-student", "student").await,
            other_teacher: t.user("fx-oteacher", "teacher").await,
            other_student: t.user("fx-ostudent", "student").await,
            admin: t.user("fx-admin", "none").await,
            links: Vec::new(),
            category: String::new(),
            grading_category: String::new(),
            grading_scheme: String::new(),
            rubric: String::new(),
            profile: String::new(),
            sync_error: SYNC_ERROR.to_string(),
        };
        use Relation::*;
        let links = [
            (ClassMembers, &f.class, &f.teacher),
            (ClassMembers, &f.class, &f.student),
            (ClassTeachers, &f.class, &f.teacher),
            (ClassMembers, &f.other_class, &f.other_teacher),
            (ClassMembers, &f.other_class, &f.other_student),
            (ClassTeachers, &f.other_class, &f.other_teacher),
            (SchoolClasses, &f.school, &f.class),
            (SchoolUsers, &f.school, &f.teacher),
            (SchoolUsers, &f.school, &f.student),
        ];
        let links: Vec<_> = links
            .into_iter()
            .map(|(r, a, b)| (r, a.clone(), b.clone()))
            .collect();
        for (relation, from, to) in &links {
            let (set, nav, target) = match relation {
                ClassMembers => ("classes", "members", "users"),
                ClassTeachers => ("classes", "teachers", "users"),
                SchoolClasses => ("schools", "classes", "classes"),
                SchoolUsers => ("schools", "users", "users"),
                DefaultGradingScheme => unreachable!("not a roster link"),
            };
            t.link(
                &format!("/v1.0/education/{set}/{from}/{nav}"),
                &format!("education/{target}/{to}"),
            )
            .await;
        }
        f.links = links;
        // The class's assignment setup, made by its teacher.
        let teacher = t.user_token(&f.teacher, &["EduAssignments.ReadWriteBasic"]);
        let class = format!("/v1.0/education/classes/{}", f.class);
        let make = |path: String, body: serde_json::Value| {
            let teacher = teacher.clone();
            async move {
                let body = body.to_string();
                let resp = t
                    .call(axum::http::Method::POST, &path, &teacher, Some(&body))
                    .await;
                resp.expect(201).json()["id"].as_str().unwrap().to_string()
            }
        };
        f.category = make(format!("{class}/assignmentCategories"), category_body(0)).await;
        f.grading_category = make(
            format!("{class}/assignmentSettings/gradingCategories"),
            grading_category_body(0, 100),
        )
        .await;
        f.grading_scheme = make(
            format!("{class}/assignmentSettings/gradingSchemes"),
            grading_scheme_body(0),
        )
        .await;
        f.rubric = make("/v1.0/education/me/rubrics".into(), rubric_body(0)).await;
        let url = scheme_url(&f.class, &f.grading_scheme);
        let body = serde_json::json!({ "@odata.id": url }).to_string();
        t.call(
            axum::http::Method::PUT,
            &format!("{class}/assignmentSettings/defaultGradingScheme/$ref"),
            &teacher,
            Some(&body),
        )
        .await
        .expect(204);
        f.links.push((
            DefaultGradingScheme,
            f.class.clone(),
            f.grading_scheme.clone(),
        ));
        f.profile = "fx-profile".to_string();
        let store = t.state.store();
        let body = profile_body("Fixture profile", "a.example.edu");
        let now = time::OffsetDateTime::now_utc();
        let verified = ["a.example.edu".to_string()];
        let body = body.as_object().unwrap();
        profiles::create(store, TENANT_A, &f.profile, body, &verified, now)
            .await
            .unwrap();
        assert!(profiles::provision(store, TENANT_A, &f.profile)
            .await
            .unwrap());
        f.restore_sync_error(t).await;
        f
    }

    /// Records the fixture profile's error again if a write (`reset`) cleared it.
    pub async fn restore_sync_error(&self, t: &TestApp) {
        let store = t.state.store();
        if store
            .get_in(TENANT_A, EntityKind::SyncError, &self.profile, SYNC_ERROR)
            .await
            .unwrap()
            .is_some()
        {
            return;
        }
        let failed = profiles::FailedRecord {
            entry_type: "student".into(),
            error_code: "missingValue".into(),
            message: "SIS ID is empty.".into(),
            joining_value: String::new(),
            file: "Student.csv".into(),
            line: 3,
        };
        let now = time::OffsetDateTime::now_utc();
        profiles::record_errors(store, TENANT_A, &self.profile, 0, &[failed], now)
            .await
            .unwrap();
    }

    pub fn linked(&self, relation: Relation, from: &str, to: &str) -> bool {
        self.links
            .iter()
            .any(|(r, a, b)| *r == relation && a == from && b == to)
    }

    pub fn users(&self) -> [&str; 5] {
        [
            &self.teacher,
            &self.student,
            &self.other_teacher,
            &self.other_student,
            &self.admin,
        ]
    }

    /// A GET path for `pattern`: keys are the fixture's school, the class, and the
    /// class's teacher (a member, teacher and school user, so every nested read of a
    /// user resolves), and the fixture profile; beta-only routes under `/beta`.
    pub fn read_path(&self, pattern: &[Pat]) -> String {
        let beta = pattern.contains(&Pat::Lit("synchronizationProfiles"));
        let mut out = String::from(if beta { "/beta" } else { "/v1.0" });
        let mut prev = "";
        for p in pattern {
            out.push('/');
            match p {
                Pat::Lit(l) => {
                    out.push_str(l);
                    prev = l;
                }
                Pat::Key => out.push_str(match prev {
                    "schools" => &self.school,
                    "classes" | "taughtClasses" => &self.class,
                    "users" => &self.teacher,
                    "assignmentCategories" => &self.category,
                    "gradingCategories" => &self.grading_category,
                    "gradingSchemes" => &self.grading_scheme,
                    "rubrics" => &self.rubric,
                    "synchronizationProfiles" => &self.profile,
                    "errors" => &self.sync_error,
                    other => panic!("no fixture key after '{other}'"),
                }),
                Pat::Ref => out.push_str("$ref"),
                Pat::Count => out.push_str("$count"),
                Pat::Delta => out.push_str("delta"),
                Pat::Func(name) => {
                    out.push_str(name);
                    out.push_str("()");
                }
            }
        }
        out
    }
}

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Who {
    Anonymous,
    App {
        tenant: &'static str,
        roles: Vec<&'static str>,
    },
    /// A signed-in user of tenant A.
    User {
        id: String,
        scopes: Vec<&'static str>,
    },
}

pub struct Caller {
    pub label: &'static str,
    pub who: Who,
    pub token: String,
}

/// The callers of the matrix: no token; applications at every roster level, with the
/// alias, with delegated-style names, with the directory permission, and of another
/// tenant; and delegated users by their role in the class, at varied roster levels.
pub fn callers(t: &TestApp, f: &Fixture) -> Vec<Caller> {
    let app = |label, tenant, roles: &[&'static str]| {
        (
            label,
            Who::App {
                tenant,
                roles: roles.to_vec(),
            },
        )
    };
    let user = |label, id: &String, scopes: &[&'static str]| {
        (
            label,
            Who::User {
                id: id.clone(),
                scopes: scopes.to_vec(),
            },
        )
    };
    let list = vec![
        ("no token", Who::Anonymous),
        app("app without roles", TENANT_A, &[]),
        app("app with an unrelated role", TENANT_A, &["User.Read.All"]),
        app("app ReadBasic.All", TENANT_A, &["EduRoster.ReadBasic.All"]),
        app(
            "app EduAssignments.ReadBasic.All",
            TENANT_A,
            &["EduAssignments.ReadBasic.All"],
        ),
        app(
            "app EduAssignments.ReadWriteBasic.All",
            TENANT_A,
            &["EduAssignments.ReadWriteBasic.All"],
        ),
        app("app Read.All", TENANT_A, &["EduRoster.Read.All"]),
        app("app ReadWrite.All", TENANT_A, &["EduRoster.ReadWrite.All"]),
        app(
            "app WriteWrite.All (alias)",
            TENANT_A,
            &["EduRoster.WriteWrite.All"],
        ),
        app(
            "app with delegated-style names",
            TENANT_A,
            &[
                "EduRoster.ReadBasic",
                "EduRoster.Read",
                "EduRoster.ReadWrite",
            ],
        ),
        app(
            "app Read.All + Directory.Read.All",
            TENANT_A,
            &["EduRoster.Read.All", "Directory.Read.All"],
        ),
        app(
            "app of tenant B, ReadWrite.All + Directory.Read.All",
            TENANT_B,
            &["EduRoster.ReadWrite.All", "Directory.Read.All"],
        ),
        user(
            "teacher of the class",
            &f.teacher,
            &["EduRoster.ReadBasic", "Directory.Read.All"],
        ),
        user(
            "teacher of another class",
            &f.other_teacher,
            &["EduRoster.Read", "User.Read"],
        ),
        user(
            "student of the class",
            &f.student,
            &["EduRoster.ReadBasic", "User.Read"],
        ),
        user(
            "another student",
            &f.other_student,
            &["EduRoster.ReadWrite"],
        ),
        user(
            "admin (primaryRole none)",
            &f.admin,
            &["EduRoster.Write", "Directory.Read.All"],
        ),
        user(
            "teacher of the class with application names",
            &f.teacher,
            &["EduRoster.ReadWrite.All", "EduRoster.Read.All"],
        ),
        user(
            "student of the class without a roster scope",
            &f.student,
            &["User.Read", "Directory.Read.All"],
        ),
        user(
            "teacher of the class, assignments",
            &f.teacher,
            &["EduAssignments.ReadWriteBasic"],
        ),
        user(
            "student of the class, assignments",
            &f.student,
            &["EduAssignments.ReadWriteBasic"],
        ),
        user(
            "teacher of another class, assignments",
            &f.other_teacher,
            &["EduAssignments.ReadWrite"],
        ),
        user(
            "another student, assignments read",
            &f.other_student,
            &["EduAssignments.ReadBasic"],
        ),
        app(
            "app EduAdministration.Read.All",
            TENANT_A,
            &["EduAdministration.Read.All"],
        ),
        app(
            "app EduAdministration.ReadWrite.All",
            TENANT_A,
            &["EduAdministration.ReadWrite.All"],
        ),
        app(
            "app of tenant B, EduAdministration.ReadWrite.All",
            TENANT_B,
            &["EduAdministration.ReadWrite.All"],
        ),
        user(
            "admin, EduAdministration.Read",
            &f.admin,
            &["EduAdministration.Read"],
        ),
        user(
            "admin, EduAdministration.ReadWrite",
            &f.admin,
            &["EduAdministration.ReadWrite"],
        ),
        user(
            "admin with application names",
            &f.admin,
            &["EduAdministration.ReadWrite.All"],
        ),
    ];
    list.into_iter()
        .map(|(label, who)| {
            let token = match &who {
                Who::Anonymous => String::new(),
                Who::App { tenant, roles } => t.app_token(tenant, roles),
                Who::User { id, scopes } => t.user_token(id, scopes),
            };
            Caller { label, who, token }
        })
        .collect()
}

/// What a write must leave visible: the change sequence of both tenants and every link
/// between fixture entities (school links do not count as entity changes).
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    seq_a: i64,
    seq_b: i64,
    links: BTreeSet<(String, String, String)>,
}

pub async fn snapshot(t: &TestApp, f: &Fixture) -> Snapshot {
    let store = t.state.store();
    let classes = [&f.class, &f.other_class, &f.spare_class];
    let mut pairs: Vec<(Relation, &str, &str)> = Vec::new();
    for c in classes {
        pairs.push((Relation::SchoolClasses, &f.school, c));
        for u in f.users() {
            pairs.push((Relation::ClassMembers, c, u));
            pairs.push((Relation::ClassTeachers, c, u));
        }
    }
    for u in f.users() {
        pairs.push((Relation::SchoolUsers, &f.school, u));
    }
    pairs.push((Relation::DefaultGradingScheme, &f.class, &f.grading_scheme));
    let mut links = BTreeSet::new();
    for (relation, from, to) in pairs {
        if store.has_link(TENANT_A, relation, from, to).await.unwrap() {
            links.insert((
                relation.name().to_string(),
                from.to_string(),
                to.to_string(),
            ));
        }
    }
    Snapshot {
        seq_a: store.latest_seq(TENANT_A).await.unwrap(),
        seq_b: store.latest_seq(TENANT_B).await.unwrap(),
        links,
    }
}

/// The link a `$ref` write adds or removes: stored as `relation: from → to`, addressed
/// as `/education/{set}/{from}/{nav}/$ref` with a reference to `/education/{target_set}/{to}`.
pub struct RefTarget {
    pub relation: Relation,
    pub from: String,
    pub to: String,
    pub set: &'static str,
    pub nav: &'static str,
    pub target_set: &'static str,
}

/// The link of a `$ref` write operation: between the school or the spare class and an
/// entity not yet linked to it in the fixture. The relation and the path names come
/// from the set's catalog row.
pub fn ref_target(op: Op, f: &Fixture) -> Option<RefTarget> {
    let Op::Set(set, Action::AddRef | Action::RemoveRef) = op else {
        return None;
    };
    let def = SetDef::of(set);
    let Shape::Links(links) = def.shape else {
        return None;
    };
    let (from, to) = match set {
        Set::SchoolClasses => (&f.school, &f.spare_class),
        Set::SchoolUsers => (&f.school, &f.other_student),
        Set::ClassMembers => (&f.spare_class, &f.other_student),
        Set::ClassTeachers => (&f.spare_class, &f.other_teacher),
        _ => return None,
    };
    let set_of = |kind| SetDef::top_level(kind).map_or("", SetDef::name);
    Some(RefTarget {
        relation: links.relation,
        from: from.clone(),
        to: to.clone(),
        set: set_of(def.home.kind()?),
        nav: def.name(),
        target_set: set_of(def.kind),
    })
}

/// A synchronization profile's create (and replace) body: the CSV provider, users
/// created in `domain`.
pub fn profile_body(name: &str, domain: &str) -> serde_json::Value {
    serde_json::json!({
        "displayName": name,
        "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
            "userDomains": [
                {"appliesTo": "student", "name": domain},
                {"appliesTo": "teacher", "name": domain}
            ]
        }
    })
}

/// Bodies of the contained sets' creates, distinct by `n`.
pub fn category_body(n: u32) -> serde_json::Value {
    serde_json::json!({"displayName": format!("Category {n}")})
}

pub fn grading_category_body(n: u32, weight: u32) -> serde_json::Value {
    serde_json::json!({"displayName": format!("Grading {n}"), "percentageWeight": weight})
}

pub fn grading_scheme_body(n: u32) -> serde_json::Value {
    serde_json::json!({
        "displayName": format!("Scheme {n}"),
        "hidePointsDuringGrading": false,
        "grades": [
            {"displayName": "Pass", "minPercentage": 60, "defaultPercentage": 100},
            {"displayName": "Fail", "minPercentage": 0, "defaultPercentage": 0}
        ]
    })
}

pub fn rubric_body(n: u32) -> serde_json::Value {
    let text = |s: &str| serde_json::json!({"content": s, "contentType": "text"});
    serde_json::json!({
        "displayName": format!("Rubric {n}"),
        "description": text("A rubric"),
        "levels": [
            {"displayName": "Good", "description": text("good")},
            {"displayName": "Poor", "description": text("poor")}
        ],
        "qualities": [{
            "description": text("Argument"),
            "criteria": [{"description": text("Clear")}, {"description": text("Unclear")}]
        }]
    })
}

/// The `@odata.id` of one of a class's grading schemes.
pub fn scheme_url(class: &str, scheme: &str) -> String {
    format!(
        "https://graph.microsoft.com/v1.0/education/classes/{class}/assignmentSettings/gradingSchemes/{scheme}"
    )
}
