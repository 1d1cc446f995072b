//! The authorization matrix, generated from the policy table: every route of `ROUTES` ×
//! every method × every kind of caller (no token; applications at each roster level,
//! with the alias, with delegated-style names, of another tenant; the class's teacher and
//! student, another class's teacher and student, an administrator, and users with
//! application names or without a roster scope) gets exactly the status the oracle
//! derives from the operation's policy row. A refusal's message names what was missing;
//! a write that succeeds changes the stored state and a refused one changes nothing.

mod authz_support;
mod common;

use authz_support::oracle::expect;
use authz_support::{
    callers, category_body, grading_category_body, grading_scheme_body, profile_body, ref_target,
    rubric_body, scheme_url, snapshot, Fixture, Who,
};
use axum::http::Method;
use common::{user_body, TestApp};
use edugraph_edu::access::Op;
use edugraph_edu::sets::{Action, Call, Home, Set, SetDef, Shape};
use edugraph_server::http::graph::dispatch::{Pat, Verb, ROUTES};
use edugraph_store::{EntityKind, Relation, UnitOfWork};
use serde_json::{json, Value};

fn method(verb: Verb) -> Method {
    match verb {
        Verb::Get => Method::GET,
        Verb::Post => Method::POST,
        Verb::Patch => Method::PATCH,
        Verb::Put => Method::PUT,
        Verb::Delete => Method::DELETE,
    }
}

/// Request paths and bodies for the writes, with the targets they need: a fresh entity
/// to delete (replaced after each successful delete), and `$ref` links put in the state
/// the write starts from (absent before an add, present before a remove).
#[derive(Default)]
struct Writes {
    n: u32,
    victims: Vec<(Op, String)>,
}

impl Writes {
    /// The entity kept for `op` to delete, if there is one.
    fn kept(&self, op: Op) -> Option<String> {
        self.victims
            .iter()
            .find(|(o, _)| *o == op)
            .map(|(_, id)| id.clone())
    }

    /// Creates an entity for `op` to delete by POSTing `body` to `collection`, and keeps it.
    async fn create_victim(
        &mut self,
        t: &TestApp,
        op: Op,
        collection: &str,
        token: &str,
        body: Value,
    ) -> String {
        let resp = t
            .call(Method::POST, collection, token, Some(&body.to_string()))
            .await
            .expect(201);
        let id = resp.json()["id"].as_str().unwrap().to_string();
        self.victims.push((op, id.clone()));
        id
    }

    async fn prepare(
        &mut self,
        t: &TestApp,
        f: &Fixture,
        op: Op,
        pattern: &[Pat],
    ) -> (String, Value) {
        self.n += 1;
        let n = self.n;
        let renamed = json!({"displayName": format!("Renamed {n}")});
        let base = "/v1.0/education";
        let Op::Set(set, action) = op else {
            panic!("no write plan for {op:?}");
        };
        let def = SetDef::of(set);
        if def.shape == Shape::Provisioned {
            return self.prepare_profile(t, f, op, pattern).await;
        }
        let kind_set = |kind| SetDef::top_level(kind).map_or("", SetDef::name);
        match (def.home, def.shape, action) {
            (Home::Root, _, Action::Create) => {
                let body = match def.kind {
                    EntityKind::School => json!({"displayName": format!("W{n}")}),
                    EntityKind::Class => {
                        json!({"displayName": format!("W{n}"), "mailNickname": format!("w-class-{n}")})
                    }
                    _ => user_body(&format!("w-user-{n}"), "student"),
                };
                (format!("{base}/{}", def.name()), body)
            }
            (Home::Root, _, Action::Update) => {
                let id = match def.kind {
                    EntityKind::School => &f.school,
                    EntityKind::Class => &f.class,
                    _ => &f.student,
                };
                (format!("{base}/{}/{id}", def.name()), renamed)
            }
            (_, Shape::Caller, Action::Update) => (format!("{base}/me"), renamed),
            (Home::Root, _, Action::Delete) => {
                let id = match self.kept(op) {
                    Some(id) => id,
                    None => {
                        let nick = format!("victim-{n}");
                        let id = match def.kind {
                            EntityKind::School => t.school(&nick).await,
                            EntityKind::Class => t.class(&nick).await,
                            _ => t.user(&nick, "student").await,
                        };
                        self.victims.push((op, id.clone()));
                        id
                    }
                };
                (format!("{base}/{}/{id}", kind_set(def.kind)), Value::Null)
            }
            (_, Shape::Links(_), _) => {
                let r = ref_target(op, f).unwrap_or_else(|| panic!("no write plan for {op:?}"));
                let store = t.state.store();
                let linked = store
                    .has_link(common::TENANT_A, r.relation, &r.from, &r.to)
                    .await
                    .unwrap();
                let adding = action == Action::AddRef;
                if adding && linked {
                    store
                        .remove_link(common::TENANT_A, r.relation, &r.from, &r.to)
                        .await
                        .unwrap();
                } else if !adding && !linked {
                    store
                        .add_link(common::TENANT_A, r.relation, &r.from, &r.to)
                        .await
                        .unwrap();
                }
                let url = format!(
                    "https://graph.microsoft.com/v1.0/education/{}/{}",
                    r.target_set, r.to
                );
                let nav = format!("{base}/{}/{}/{}", r.set, r.from, r.nav);
                match (adding, &pattern[pattern.len() - 2]) {
                    (true, _) => (format!("{nav}/$ref"), json!({"@odata.id": url})),
                    (false, Pat::Key) => (format!("{nav}/{}/$ref", r.to), Value::Null),
                    (false, _) => (format!("{nav}/$ref?@id={url}"), Value::Null),
                }
            }
            _ => self.prepare_set(t, f, set, action, pattern).await,
        }
    }

    /// A write on the synchronization profiles (under `/beta`, with or without
    /// `/education`): a new profile, a full or partial change of the fixture's, a fresh
    /// profile to delete, or one of its actions.
    async fn prepare_profile(
        &mut self,
        t: &TestApp,
        f: &Fixture,
        op: Op,
        pattern: &[Pat],
    ) -> (String, Value) {
        let n = self.n;
        let path = f.read_path(pattern);
        let Op::Set(_, action) = op else {
            unreachable!("a set's operation")
        };
        match action {
            Action::Create => (path, profile_body(&format!("Profile {n}"), "a.example.edu")),
            Action::Replace => (
                path,
                profile_body(&format!("Replaced {n}"), "a.example.edu"),
            ),
            Action::Update => (path, json!({"displayName": format!("Renamed {n}")})),
            Action::Delete => {
                let id = match self.kept(op) {
                    Some(id) => id,
                    None => {
                        let (collection, _) = path.rsplit_once('/').expect("an item path");
                        let token =
                            t.app_token(common::TENANT_A, &["EduAdministration.ReadWrite.All"]);
                        let body = profile_body(&format!("Victim {n}"), "a.example.edu");
                        self.create_victim(t, op, collection, &token, body).await
                    }
                };
                (path.replace(&f.profile, &id), Value::Null)
            }
            Action::Call(_) => (path, Value::Null),
            other => panic!("{other:?} is not a write"),
        }
    }

    /// A write on a contained set: a create body, a change, a victim to delete (a fresh
    /// entity, or a written singleton), or the default grading scheme reference put in
    /// the state the write starts from.
    async fn prepare_set(
        &mut self,
        t: &TestApp,
        f: &Fixture,
        set: Set,
        action: Action,
        pattern: &[Pat],
    ) -> (String, Value) {
        let n = self.n;
        let path = f.read_path(pattern);
        let def = SetDef::of(set);
        let store = t.state.store();
        let tenant = common::TENANT_A;
        let body = |set| match set {
            Set::AssignmentCategories => category_body(n),
            Set::GradingCategories => grading_category_body(n, 0),
            Set::GradingSchemes => grading_scheme_body(n),
            Set::MeRubrics | Set::UserRubrics => rubric_body(n),
            other => panic!("no create body for {other:?}"),
        };
        let scheme_link = (Relation::DefaultGradingScheme, &f.class, &f.grading_scheme);
        match action {
            Action::Create => (path, body(set)),
            Action::Update => (
                path,
                match set {
                    Set::AssignmentDefaults => json!({"dueTime": format!("22:{:02}:00", n % 60)}),
                    Set::AssignmentSettings => {
                        json!({"submissionAnimationDisabled": n.is_multiple_of(2)})
                    }
                    _ => json!({"displayName": format!("Renamed {n}")}),
                },
            ),
            Action::Delete if def.shape == Shape::Singleton => {
                if store
                    .get_in(tenant, def.kind, &f.class, &f.class)
                    .await
                    .unwrap()
                    .is_none()
                {
                    let default = def
                        .rules
                        .and_then(|r| r.default)
                        .expect("a singleton's defaults");
                    let work = UnitOfWork::new().create_in(def.kind, &f.class, default(&f.class));
                    store.apply(tenant, &work).await.unwrap();
                }
                (path, Value::Null)
            }
            Action::Delete => {
                let op = Op::Set(set, action);
                let id = match self.kept(op) {
                    Some(id) => id,
                    None => {
                        let (collection, _) = path.rsplit_once('/').expect("an item path");
                        let collection =
                            collection.replace("/me/", &format!("/users/{}/", f.teacher));
                        let token = t.user_token(&f.teacher, &["EduAssignments.ReadWriteBasic"]);
                        let mut victim = body(set);
                        if set == Set::UserRubrics || set == Set::MeRubrics {
                            victim["displayName"] = json!(format!("Victim {n}"));
                        }
                        self.create_victim(t, op, &collection, &token, victim).await
                    }
                };
                let (collection, _) = path.rsplit_once('/').expect("an item path");
                (format!("{collection}/{id}"), Value::Null)
            }
            Action::PutRef => {
                let (rel, from, to) = scheme_link;
                if store.has_link(tenant, rel, from, to).await.unwrap() {
                    store.remove_link(tenant, rel, from, to).await.unwrap();
                }
                (
                    path,
                    json!({"@odata.id": scheme_url(&f.class, &f.grading_scheme)}),
                )
            }
            Action::DeleteRef => (path, Value::Null),
            other => panic!("{other:?} is not a write"),
        }
    }

    /// Puts a `$ref` write's link back as the fixture has it, so the reads that follow
    /// see the fixture unchanged.
    async fn restore(&self, t: &TestApp, f: &Fixture, op: Op) {
        if let Op::Set(Set::SyncProfiles, Action::Call(Call::Reset)) = op {
            f.restore_sync_error(t).await;
            return;
        }
        if let Op::Set(Set::DefaultGradingScheme, _) = op {
            let store = t.state.store();
            let (rel, from, to) = (Relation::DefaultGradingScheme, &f.class, &f.grading_scheme);
            if !store
                .has_link(common::TENANT_A, rel, from, to)
                .await
                .unwrap()
            {
                store
                    .add_link(common::TENANT_A, rel, from, to)
                    .await
                    .unwrap();
            }
            return;
        }
        let Some(r) = ref_target(op, f) else {
            return;
        };
        let store = t.state.store();
        let tenant = common::TENANT_A;
        let linked = store
            .has_link(tenant, r.relation, &r.from, &r.to)
            .await
            .unwrap();
        let want = f.linked(r.relation, &r.from, &r.to);
        if linked && !want {
            store
                .remove_link(tenant, r.relation, &r.from, &r.to)
                .await
                .unwrap();
        } else if want && !linked {
            store
                .add_link(tenant, r.relation, &r.from, &r.to)
                .await
                .unwrap();
        }
    }

    /// A deleted victim is gone; the next delete needs a new one.
    fn deleted(&mut self, op: Op) {
        self.victims.retain(|(o, _)| *o != op);
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_policy_table_says() {
    let t = TestApp::new().await;
    let f = Fixture::build(&t).await;
    let callers = callers(&t, &f);
    let mut writes = Writes::default();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut granted = 0;
    let mut seen = std::collections::BTreeSet::new();
    for route in ROUTES.iter() {
        for (verb, op) in route.methods {
            for caller in &callers {
                let expected = expect(*op, *verb, route.pattern, &caller.who, &f);
                let (uri, mut body) = match verb {
                    Verb::Get => (f.read_path(route.pattern), Value::Null),
                    _ => writes.prepare(&t, &f, *op, route.pattern).await,
                };
                // A new user's principal name and a profile's user domains must be
                // the caller's tenant's.
                if let Who::App { tenant, .. } = &caller.who {
                    if *tenant == common::TENANT_B && !body.is_null() {
                        let moved = body.to_string().replace("a.example.edu", "b.example.edu");
                        body = serde_json::from_str(&moved).unwrap();
                    }
                }
                let before = snapshot(&t, &f).await;
                let body = (!body.is_null()).then(|| body.to_string());
                let resp = t
                    .call(method(*verb), &uri, &caller.token, body.as_deref())
                    .await;
                let after = snapshot(&t, &f).await;
                checked += 1;
                let got = resp.status.as_u16();
                seen.insert(got);
                let at = format!("{} {uri} as {}", verb.as_str(), caller.label);
                if got != expected.status {
                    failures.push(format!(
                        "{at}: got {got}, expected {}: {}",
                        expected.status,
                        resp.text()
                    ));
                    continue;
                }
                if got == 403 {
                    let (code, message) = resp.error();
                    if code != "AccessDenied" {
                        failures.push(format!("{at}: code {code}"));
                    }
                    for m in &expected.mentions {
                        if !message.contains(m.as_str()) {
                            failures.push(format!("{at}: message does not name '{m}': {message}"));
                        }
                    }
                }
                let success = (200..300).contains(&got);
                granted += usize::from(success);
                if *verb == Verb::Get {
                    if before != after {
                        failures.push(format!("{at}: a read changed the stored state"));
                    }
                } else if success {
                    if before == after {
                        failures.push(format!("{at}: {got} but nothing changed"));
                    }
                    if matches!(op, Op::Set(_, Action::Delete)) {
                        writes.deleted(*op);
                    }
                } else if before != after {
                    failures.push(format!("{at}: refused with {got} but the state changed"));
                }
                writes.restore(&t, &f, *op).await;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} calls differ from the policy table:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The matrix is not vacuous: it saw every kind of answer.
    assert!(checked > 900, "only {checked} calls");
    assert!(granted > 200, "only {granted} granted calls");
    for status in [200, 201, 204, 400, 401, 403, 404] {
        assert!(
            seen.contains(&status),
            "no call answered {status}: {seen:?}"
        );
    }
}
