//! No JSON makes a grading rule panic: every property of valid bodies (nested ones
//! included) is replaced by odd values (nulls, wrong types, huge numbers, long strings,
//! large arrays, deep nesting), and pseudo-random bodies are thrown at every entry point.
//! Each call must answer `Ok` with a well-formed document or a `BadRequest` rule error.

use serde_json::{json, Map, Value};

use super::tests::{map, v1};
use super::*;
use crate::Caller;

fn odd_values() -> Vec<Value> {
    let mut deep = json!(1);
    for _ in 0..64 {
        deep = json!({"a": [deep]});
    }
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1e308),
        json!(-1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(0.5),
        json!(""),
        json!("  "),
        json!("23:59:00"),
        json!("x".repeat(10_000)),
        json!([]),
        json!([null]),
        Value::Array(vec![json!({}); 500]),
        json!({}),
        json!({"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType"}),
        json!({"@odata.type": 5}),
        json!({"@odata.type": "#microsoft.graph.nope", "maxPoints": 1}),
        deep,
    ]
}

/// Every JSON pointer to a value inside `v` (objects and arrays, the root excluded).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

/// A tiny deterministic generator (xorshift) so the test needs no extra crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn value(&mut self, depth: u32) -> Value {
        const KEYS: &[&str] = &[
            "displayName",
            "levels",
            "qualities",
            "criteria",
            "grading",
            "maxPoints",
            "weight",
            "description",
            "content",
            "levelId",
            "qualityId",
            "id",
            "grades",
            "minPercentage",
            "defaultPercentage",
            "percentageWeight",
            "dueTime",
            "@odata.type",
            "x",
        ];
        match self.below(if depth == 0 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => json!(self.below(2) == 0),
            2 => json!(self.next() as i64 % 200),
            3 => json!(KEYS[self.below(KEYS.len())]),
            4 => json!((self.next() % 10_000) as f64 / 7.0),
            5 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
            _ => Value::Object(
                (0..self.below(5))
                    .map(|_| {
                        (
                            KEYS[self.below(KEYS.len())].to_string(),
                            self.value(depth - 1),
                        )
                    })
                    .collect(),
            ),
        }
    }
}

fn caller() -> Caller {
    Caller::User {
        tenant: "t".into(),
        app_id: "a".into(),
        user_id: "u".into(),
        scopes: vec![],
    }
}

/// Runs every entry point on `body` and checks the answer's form.
fn run_all(body: &Map<String, Value>, existing: &Existing) {
    let caller = caller();
    let now = time::macros::datetime!(2024-01-01 0:00 UTC);
    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("id{n}")
    };
    let results = [
        category::create(v1(), "c", body.clone()),
        category::update(v1(), &existing.category, body.clone()),
        grading_category::create(v1(), "g", body.clone()),
        grading_category::update(v1(), &existing.grading_category, body.clone()),
        grading_scheme::create(v1(), "s", body.clone()),
        grading_scheme::update(v1(), &existing.scheme, body.clone()),
        rubric::create(
            v1(),
            "r",
            body.clone(),
            Stamp {
                now,
                caller: &caller,
            },
            &mut ids,
        ),
        rubric::update(
            v1(),
            &existing.rubric,
            body.clone(),
            Stamp {
                now,
                caller: &caller,
            },
            &mut ids,
        ),
        defaults::update_assignment_defaults(v1(), &existing.defaults, body.clone()),
        defaults::update_assignment_settings(v1(), &existing.settings, body.clone()),
    ];
    for r in results {
        match r {
            Ok(doc) => {
                let first = doc.as_object().and_then(|m| m.keys().next().cloned());
                assert_eq!(first.as_deref(), Some("@odata.type"), "{doc}");
            }
            Err(e) => assert_eq!(e.code, "BadRequest", "{e:?}"),
        }
    }
    let _ = grading_category::check_weights(&[Value::Object(body.clone()), json!(null)]);
}

struct Existing {
    category: Value,
    grading_category: Value,
    scheme: Value,
    rubric: Value,
    defaults: Value,
    settings: Value,
}

fn valid_bodies() -> Vec<Value> {
    let pts = |n: u32| json!({"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType", "maxPoints": n});
    vec![
        json!({"displayName": "Homework", "percentageWeight": 50}),
        json!({"displayName": "S", "hidePointsDuringGrading": true, "grades": [
            {"displayName": "Pass", "minPercentage": 60, "defaultPercentage": 100},
            {"displayName": "Fail", "minPercentage": 0}
        ]}),
        json!({
            "displayName": "R",
            "description": {"content": "c", "contentType": "text"},
            "grading": {"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType"},
            "levels": [{"displayName": "A", "grading": pts(2)}, {"displayName": "B", "grading": pts(1)}],
            "qualities": [{"weight": 100, "description": {"content": "q"},
                           "criteria": [{"description": {"content": "1"}}, {"description": {"content": "2"}}]}]
        }),
        json!({"addedStudentAction": "assignIfOpen", "dueTime": "10:00:00", "submissionAnimationDisabled": true}),
    ]
}

fn existing() -> Existing {
    let caller = caller();
    let now = time::macros::datetime!(2024-01-01 0:00 UTC);
    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("e{n}")
    };
    let bodies = valid_bodies();
    Existing {
        category: category::create(v1(), "c", map(json!({"displayName": "C"}))).unwrap(),
        grading_category: grading_category::create(v1(), "g", map(bodies[0].clone())).unwrap(),
        scheme: grading_scheme::create(v1(), "s", map(bodies[1].clone())).unwrap(),
        rubric: rubric::create(
            v1(),
            "r",
            map(bodies[2].clone()),
            Stamp {
                now,
                caller: &caller,
            },
            &mut ids,
        )
        .unwrap(),
        defaults: defaults::assignment_defaults("k"),
        settings: defaults::assignment_settings("k"),
    }
}

#[test]
fn odd_values_in_every_position_never_panic() {
    let existing = existing();
    for body in valid_bodies() {
        let mut paths = Vec::new();
        pointers(&body, String::new(), &mut paths);
        for path in &paths {
            for odd in odd_values() {
                let mut changed = body.clone();
                *changed.pointer_mut(path).unwrap() = odd;
                run_all(&map(changed), &existing);
            }
        }
    }
}

#[test]
fn random_bodies_never_panic() {
    let existing = existing();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3_000 {
        if let Value::Object(body) = rng.value(5) {
            run_all(&body, &existing);
        }
    }
}

#[test]
fn odd_stored_documents_never_panic() {
    // The store hands back whatever it holds; a damaged document is an error, not a panic.
    let caller = caller();
    let now = time::macros::datetime!(2024-01-01 0:00 UTC);
    for stored in odd_values() {
        let body = || map(json!({"displayName": "x"}));
        let mut ids = || "i".to_string();
        let _ = category::update(v1(), &stored, body());
        let _ = grading_category::update(v1(), &stored, body());
        let _ = grading_scheme::update(v1(), &stored, body());
        let _ = rubric::update(
            v1(),
            &stored,
            body(),
            Stamp {
                now,
                caller: &caller,
            },
            &mut ids,
        );
        let _ = defaults::update_assignment_defaults(v1(), &stored, Map::new());
        let _ = defaults::update_assignment_settings(v1(), &stored, Map::new());
    }
}
