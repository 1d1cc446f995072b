//! Rubrics: server-assigned ids, the grid rules, weights, the points total of BEHAVIOR §6
//! and the created/modified stamps.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::tests::{map, refused, v1};
use super::*;
use crate::Caller;

fn teacher() -> Caller {
    Caller::User {
        tenant: "t".into(),
        app_id: "app-1".into(),
        user_id: "teacher-1".into(),
        scopes: vec![],
    }
}
fn app() -> Caller {
    Caller::App {
        tenant: "t".into(),
        app_id: "app-1".into(),
        roles: vec![],
    }
}
fn t0() -> OffsetDateTime {
    time::macros::datetime!(2024-05-01 10:00:00 UTC)
}
fn t1() -> OffsetDateTime {
    time::macros::datetime!(2024-05-02 11:30:00.25 UTC)
}
/// Ids `<prefix>1`, `<prefix>2`, ... in the order they are drawn.
fn counter(prefix: &'static str) -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("{prefix}{n}")
    }
}
fn text(s: &str) -> Value {
    json!({"content": s, "contentType": "text"})
}
fn create(body: Value) -> Result<Value, RuleError> {
    let caller = teacher();
    let mut ids = counter("n");
    rubric::create(
        v1(),
        "r1",
        map(body),
        Stamp {
            now: t0(),
            caller: &caller,
        },
        &mut ids,
    )
}
fn update(existing: &Value, patch: Value) -> Result<Value, RuleError> {
    let caller = teacher();
    let mut ids = counter("u");
    rubric::update(
        v1(),
        existing,
        map(patch),
        Stamp {
            now: t1(),
            caller: &caller,
        },
        &mut ids,
    )
}

/// Graph's points rubric example (BEHAVIOR §6): weights 50/50, levels worth 2 and 1.
fn points_example() -> Value {
    let points = |n: u32| json!({"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType", "maxPoints": n});
    json!({
        "displayName": "Example Points Rubric",
        "description": text("This is an example of a rubric with points"),
        "levels": [
            {"displayName": "Good", "description": text(""), "grading": points(2)},
            {"displayName": "Poor", "description": text(""), "grading": points(1)}
        ],
        "qualities": [
            {"description": text("Argument"), "weight": 50.0,
             "criteria": [{"description": text("persuasive")}, {"description": text("no sense")}]},
            {"description": text("Spelling"), "weight": 50.0,
             "criteria": [{"description": text("few errors")}, {"description": text("many errors")}]}
        ],
        "grading": {"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType"}
    })
}

fn credit_rubric() -> Value {
    json!({
        "displayName": "Credit",
        "levels": [{"displayName": "Good"}, {"displayName": "Poor"}],
        "qualities": [
            {"description": text("Argument"), "criteria": [{"description": text("a")}, {"description": text("b")}]}
        ]
    })
}

#[test]
fn points_example_computes_100_and_assigns_ids_in_document_order() {
    let doc = create(points_example()).unwrap();
    assert_eq!(
        doc["grading"],
        json!({"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType", "maxPoints": 100})
    );
    assert_eq!(doc["grading"]["maxPoints"].to_string(), "100");
    assert_eq!(doc["levels"][0]["levelId"], "n1");
    assert_eq!(doc["levels"][1]["levelId"], "n2");
    assert_eq!(doc["qualities"][0]["qualityId"], "n3");
    assert_eq!(doc["qualities"][0]["criteria"][0]["id"], "n4");
    assert_eq!(doc["qualities"][0]["criteria"][1]["id"], "n5");
    assert_eq!(doc["qualities"][1]["qualityId"], "n6");
    assert_eq!(doc["qualities"][1]["criteria"][1]["id"], "n8");
    assert_eq!(doc["levels"][0]["grading"]["maxPoints"], 2);
}

#[test]
fn credit_rubric_document_is_exact() {
    let doc = create(credit_rubric()).unwrap();
    let expected = json!({
        "@odata.type": "#microsoft.graph.educationRubric",
        "id": "r1",
        "createdBy": {"application": null, "device": null, "user": {"id": "teacher-1", "displayName": null}},
        "createdDateTime": "2024-05-01T10:00:00Z",
        "description": null,
        "displayName": "Credit",
        "grading": null,
        "lastModifiedBy": {"application": null, "device": null, "user": {"id": "teacher-1", "displayName": null}},
        "lastModifiedDateTime": "2024-05-01T10:00:00Z",
        "levels": [
            {"levelId": "n1", "description": null, "displayName": "Good", "grading": null},
            {"levelId": "n2", "description": null, "displayName": "Poor", "grading": null}
        ],
        "qualities": [{
            "qualityId": "n3",
            "criteria": [
                {"id": "n4", "description": {"content": "a", "contentType": "text"}},
                {"id": "n5", "description": {"content": "b", "contentType": "text"}}
            ],
            "description": {"content": "Argument", "contentType": "text"},
            "displayName": null,
            "weight": null
        }]
    });
    // Compare the text: key order is part of the contract.
    assert_eq!(doc.to_string(), expected.to_string());
}

#[test]
fn an_app_caller_is_the_application_of_the_identity_set() {
    let caller = app();
    let mut ids = counter("n");
    let doc = rubric::create(
        v1(),
        "r1",
        map(credit_rubric()),
        Stamp {
            now: t0(),
            caller: &caller,
        },
        &mut ids,
    )
    .unwrap();
    assert_eq!(
        doc["createdBy"].to_string(),
        r#"{"application":{"id":"app-1","displayName":null},"device":null,"user":{"id":null,"displayName":null}}"#
    );
}

#[test]
fn max_points_formula() {
    assert_eq!(rubric::max_points(&[2.0, 1.0], Some(&[50.0, 50.0])), 100.0);
    assert_eq!(rubric::max_points(&[4.0, 3.0, 0.0], None), 100.0);
    assert_eq!(rubric::max_points(&[0.0, 0.0], None), 0.0);
    // A quality weighted 50 graded at the 1-point level of a 2-point scale earns 25.
    assert_eq!(rubric::quality_share(&[2.0, 1.0], 50.0, 1), 25.0);
    assert_eq!(rubric::quality_share(&[2.0, 1.0], 50.0, 0), 50.0);
    assert_eq!(rubric::quality_share(&[2.0, 1.0], 50.0, 7), 0.0);
}

#[test]
fn criteria_count_must_match_the_levels() {
    let mut body = credit_rubric();
    body["qualities"][0]["criteria"] = json!([{"description": text("only one")}]);
    let msg = refused(create(body));
    assert!(
        msg.contains("'qualities/0/criteria'")
            && msg.contains("1 criteria")
            && msg.contains("2 level"),
        "{msg}"
    );
    let mut body = credit_rubric();
    body["qualities"][0]
        .as_object_mut()
        .unwrap()
        .remove("criteria");
    let msg = refused(create(body));
    assert!(msg.contains("'qualities/0/criteria'"), "{msg}");
}

#[test]
fn weights_must_all_be_given_and_total_100() {
    let mut body = points_example();
    body["qualities"][1]["weight"] = json!(40.0);
    let msg = refused(create(body));
    assert!(msg.contains("sum to 100"), "{msg}");
    let mut body = points_example();
    body["qualities"][1]["weight"] = Value::Null;
    let msg = refused(create(body));
    assert!(msg.contains("'qualities/1/weight'"), "{msg}");
    let mut body = points_example();
    body["qualities"][0]["weight"] = json!(150.0);
    let msg = refused(create(body));
    assert!(msg.contains("'qualities/0/weight'"), "{msg}");
}

#[test]
fn required_properties_and_counts() {
    for (name, needle) in [
        ("displayName", "'displayName'"),
        ("levels", "'levels'"),
        ("qualities", "'qualities'"),
    ] {
        let mut body = credit_rubric();
        body.as_object_mut().unwrap().remove(name);
        let msg = refused(create(body));
        assert!(msg.contains(needle), "{name}: {msg}");
    }
    let mut body = credit_rubric();
    body["levels"] = json!([]);
    assert!(refused(create(body)).contains("at least 1"));
    let mut body = credit_rubric();
    body["qualities"] = json!([]);
    assert!(refused(create(body)).contains("at least 1"));
    let mut body = credit_rubric();
    body["levels"] = Value::Array(vec![json!({"displayName": "L"}); limits::MAX_LEVELS + 1]);
    assert!(refused(create(body)).contains("at most 50"));
    let mut body = credit_rubric();
    body["levels"][0]["displayName"] = json!("");
    assert!(refused(create(body)).contains("'levels/0/displayName'"));
    let mut body = credit_rubric();
    body["qualities"][0]["criteria"][1]["description"] =
        text(&"d".repeat(limits::MAX_DESCRIPTION + 1));
    assert!(refused(create(body)).contains("'qualities/0/criteria/1/description/content'"));
}

#[test]
fn server_managed_properties_are_refused_on_create() {
    for (path, value, needle) in [
        ("/id", json!("mine"), "'id'"),
        ("/createdBy", json!({"user": {"id": "x"}}), "'createdBy'"),
        (
            "/lastModifiedDateTime",
            json!("2024-01-01T00:00:00Z"),
            "'lastModifiedDateTime'",
        ),
        ("/levels/0/levelId", json!("L"), "'levels/0/levelId'"),
        (
            "/qualities/0/qualityId",
            json!("Q"),
            "'qualities/0/qualityId'",
        ),
        (
            "/qualities/0/criteria/1/id",
            json!("C"),
            "'qualities/0/criteria/1/id'",
        ),
    ] {
        let mut body = credit_rubric();
        let (parent, key) = path.rsplit_once('/').unwrap();
        let target = if parent.is_empty() {
            &mut body
        } else {
            body.pointer_mut(parent).unwrap()
        };
        target.as_object_mut().unwrap().insert(key.into(), value);
        let msg = refused(create(body));
        assert!(
            msg.contains(needle) && msg.contains("read-only"),
            "{path}: {msg}"
        );
    }
}

#[test]
fn unknown_properties_are_refused() {
    let mut body = credit_rubric();
    body["color"] = json!("red");
    assert!(refused(create(body)).contains("'color'"));
    let mut body = credit_rubric();
    body["levels"][0]["points"] = json!(3);
    assert!(refused(create(body)).contains("'points'"));
}

#[test]
fn points_rules_on_levels() {
    // A points rubric needs points on every level.
    let mut body = points_example();
    body["levels"][1]["grading"] = Value::Null;
    assert!(refused(create(body)).contains("'levels/1/grading'"));
    let mut body = points_example();
    body["levels"][0]["grading"]["maxPoints"] = json!(-1);
    assert!(refused(create(body)).contains("'levels/0/grading/maxPoints'"));
    let mut body = points_example();
    body["levels"][0]["grading"]["maxPoints"] = json!(9_999_999);
    assert!(refused(create(body)).contains("'levels/0/grading/maxPoints'"));
    let mut body = points_example();
    body["levels"][0]["grading"]
        .as_object_mut()
        .unwrap()
        .remove("maxPoints");
    assert!(refused(create(body)).contains("'levels/0/grading/maxPoints'"));
    // A credit rubric's levels carry no points.
    let mut body = points_example();
    body["grading"] = Value::Null;
    assert!(refused(create(body)).contains("'levels/0/grading'"));
    // The grading object must name the points type.
    let mut body = points_example();
    body["grading"] = json!({});
    assert!(refused(create(body)).contains("'grading'"));
    // A sent total is accepted only when it is the computed one.
    let mut body = points_example();
    body["grading"]["maxPoints"] = json!(100);
    assert!(create(body).is_ok());
    let mut body = points_example();
    body["grading"]["maxPoints"] = json!(4);
    assert!(refused(create(body)).contains("'grading/maxPoints'"));
}

#[test]
fn update_moves_the_modified_stamps_and_keeps_the_created_ones() {
    let existing = create(credit_rubric()).unwrap();
    let doc = update(&existing, json!({"displayName": "Renamed"})).unwrap();
    assert_eq!(doc["displayName"], "Renamed");
    assert_eq!(doc["createdDateTime"], "2024-05-01T10:00:00Z");
    assert_eq!(doc["lastModifiedDateTime"], "2024-05-02T11:30:00.25Z");
    assert_eq!(doc["levels"], existing["levels"]);
    assert_eq!(doc["qualities"], existing["qualities"]);
}

#[test]
fn update_keeps_known_ids_and_assigns_new_ones() {
    let existing = create(points_example()).unwrap();
    // The client echoes the stored grid, drops the second quality and adds a new one.
    let mut qualities = existing["qualities"].clone();
    let q = qualities.as_array_mut().unwrap();
    q.pop();
    q.push(json!({
        "description": text("Style"),
        "weight": 50.0,
        "criteria": [{"description": text("x")}, {"description": text("y")}]
    }));
    let doc = update(&existing, json!({"qualities": qualities})).unwrap();
    assert_eq!(doc["qualities"][0]["qualityId"], "n3");
    assert_eq!(doc["qualities"][0]["criteria"][0]["id"], "n4");
    assert_eq!(doc["qualities"][1]["qualityId"], "u1");
    assert_eq!(doc["qualities"][1]["criteria"][0]["id"], "u2");
    assert_eq!(doc["grading"]["maxPoints"], 100);
    assert_eq!(doc["levels"], existing["levels"]);
}

#[test]
fn update_refuses_foreign_or_repeated_ids_and_read_only_properties() {
    let existing = create(points_example()).unwrap();
    let mut levels = existing["levels"].clone();
    levels[0]["levelId"] = json!("not-ours");
    assert!(refused(update(&existing, json!({"levels": levels}))).contains("'levels/0/levelId'"));
    let mut levels = existing["levels"].clone();
    levels[1]["levelId"] = levels[0]["levelId"].clone();
    assert!(refused(update(&existing, json!({"levels": levels}))).contains("more than once"));
    let mut qualities = existing["qualities"].clone();
    qualities[0]["criteria"][0]["id"] = json!("made-up");
    let msg = refused(update(&existing, json!({"qualities": qualities})));
    assert!(msg.contains("'qualities/0/criteria/0/id'"), "{msg}");
    for patch in [
        json!({"createdDateTime": "2020-01-01T00:00:00Z"}),
        json!({"lastModifiedBy": null}),
        json!({"id": "r2"}),
    ] {
        assert!(
            refused(update(&existing, patch.clone())).contains("read-only"),
            "{patch}"
        );
    }
}

#[test]
fn update_revalidates_the_merged_grid() {
    let existing = create(points_example()).unwrap();
    // Three levels but the stored qualities have two criteria each.
    let mut levels = existing["levels"].clone();
    levels.as_array_mut().unwrap().push(json!({
        "displayName": "Missing",
        "grading": {"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType", "maxPoints": 0}
    }));
    let msg = refused(update(&existing, json!({"levels": levels})));
    assert!(msg.contains("'qualities/0/criteria'"), "{msg}");
    // Turning the rubric into a credit rubric needs levels without points.
    assert!(refused(update(&existing, json!({"grading": null}))).contains("'levels/0/grading'"));
    let credit_levels = json!([{"displayName": "Good"}, {"displayName": "Poor"}]);
    let doc = update(&existing, json!({"grading": null, "levels": credit_levels})).unwrap();
    assert_eq!(doc["grading"], Value::Null);
    assert_eq!(doc["levels"][0]["levelId"], "u1");
}
