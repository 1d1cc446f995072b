//! Categories, grading categories, grading schemes and the class singletons on the real
//! v1.0 and beta schemas.

use edugraph_odata::{ApiVersion, Schema};
use serde_json::{json, Map, Value};

use super::*;

pub(super) fn v1() -> &'static Schema {
    Schema::get(ApiVersion::V1)
}
pub(super) fn beta() -> &'static Schema {
    Schema::get(ApiVersion::Beta)
}
pub(super) fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}
/// The message of a refusal, failing the test when the call succeeded.
pub(super) fn refused(r: Result<Value, RuleError>) -> String {
    match r {
        Err(e) => {
            assert_eq!(e.code, "BadRequest", "{e:?}");
            e.message
        }
        Ok(v) => panic!("accepted: {v}"),
    }
}

// ---- educationCategory ----

#[test]
fn category_create_builds_the_whole_document() {
    let doc = category::create(v1(), "c1", map(json!({"displayName": "Homework"}))).unwrap();
    assert_eq!(
        doc.to_string(),
        r##"{"@odata.type":"#microsoft.graph.educationCategory","id":"c1","displayName":"Homework"}"##
    );
}

#[test]
fn category_accepts_its_own_odata_type_and_echoed_annotations() {
    let body = json!({
        "@odata.type": "#microsoft.graph.educationCategory",
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#x",
        "displayName": "Quiz"
    });
    let doc = category::create(v1(), "c1", map(body)).unwrap();
    assert_eq!(doc["displayName"], "Quiz");
}

#[test]
fn category_refuses_missing_blank_unknown_id_and_foreign_type() {
    let msg = refused(category::create(v1(), "c1", map(json!({}))));
    assert!(msg.contains("'displayName'"), "{msg}");
    let msg = refused(category::create(
        v1(),
        "c1",
        map(json!({"displayName": "  "})),
    ));
    assert!(
        msg.contains("'displayName'") && msg.contains("empty"),
        "{msg}"
    );
    let msg = refused(category::create(
        v1(),
        "c1",
        map(json!({"displayName": "x", "color": "red"})),
    ));
    assert!(msg.contains("'color'"), "{msg}");
    let msg = refused(category::create(
        v1(),
        "c1",
        map(json!({"id": "mine", "displayName": "x"})),
    ));
    assert!(msg.contains("'id'") && msg.contains("read-only"), "{msg}");
    let msg = refused(category::create(
        v1(),
        "c1",
        map(json!({"@odata.type": "#microsoft.graph.educationClass", "displayName": "x"})),
    ));
    assert!(msg.contains("does not match"), "{msg}");
    let msg = refused(category::create(
        v1(),
        "c1",
        map(json!({"displayName": "x".repeat(limits::MAX_DISPLAY_NAME + 1)})),
    ));
    assert!(msg.contains("longer than 256"), "{msg}");
}

#[test]
fn category_update_replaces_the_name_and_keeps_the_id() {
    let existing = category::create(v1(), "c1", map(json!({"displayName": "Old"}))).unwrap();
    let doc = category::update(v1(), &existing, map(json!({"displayName": "New"}))).unwrap();
    assert_eq!(
        doc,
        json!({"@odata.type": "#microsoft.graph.educationCategory", "id": "c1", "displayName": "New"})
    );
    let msg = refused(category::update(
        v1(),
        &existing,
        map(json!({"displayName": null})),
    ));
    assert!(msg.contains("'displayName'"), "{msg}");
    let msg = refused(category::update(v1(), &existing, map(json!({"id": "c2"}))));
    assert!(msg.contains("'id'") && msg.contains("read-only"), "{msg}");
}

// ---- educationGradingCategory ----

#[test]
fn grading_category_create_and_update() {
    let doc = grading_category::create(
        v1(),
        "g1",
        map(json!({"displayName": "Homework", "percentageWeight": 60})),
    )
    .unwrap();
    assert_eq!(
        doc.to_string(),
        r##"{"@odata.type":"#microsoft.graph.educationGradingCategory","id":"g1","displayName":"Homework","percentageWeight":60}"##
    );
    let doc = grading_category::update(v1(), &doc, map(json!({"percentageWeight": 40}))).unwrap();
    assert_eq!(doc["percentageWeight"], 40);
    assert_eq!(doc["displayName"], "Homework");
}

#[test]
fn grading_category_refuses_bad_weights_and_missing_properties() {
    for (body, needle) in [
        (json!({"displayName": "H"}), "'percentageWeight'"),
        (json!({"percentageWeight": 10}), "'displayName'"),
        (
            json!({"displayName": "H", "percentageWeight": 101}),
            "'percentageWeight'",
        ),
        (
            json!({"displayName": "H", "percentageWeight": -1}),
            "'percentageWeight'",
        ),
        (
            json!({"displayName": "H", "percentageWeight": "50"}),
            "percentageWeight",
        ),
        (
            json!({"displayName": "H", "percentageWeight": null}),
            "percentageWeight",
        ),
    ] {
        let msg = refused(grading_category::create(v1(), "g", map(body.clone())));
        assert!(msg.contains(needle), "{body}: {msg}");
    }
}

#[test]
fn check_weights_needs_exactly_100_unless_empty() {
    let cat = |w: Value| json!({"id": "x", "displayName": "d", "percentageWeight": w});
    assert!(grading_category::check_weights(&[]).is_ok());
    assert!(grading_category::check_weights(&[cat(json!(60)), cat(json!(40))]).is_ok());
    assert!(grading_category::check_weights(&[cat(json!(100))]).is_ok());
    // Fractions within the tolerance (the weights are JSON numbers).
    assert!(grading_category::check_weights(&[
        cat(json!(33.3)),
        cat(json!(33.3)),
        cat(json!(33.4))
    ])
    .is_ok());
    for bad in [
        vec![cat(json!(60)), cat(json!(30))],
        vec![cat(json!(60)), cat(json!(41))],
        vec![cat(json!(0))],
        vec![cat(json!(100)), cat(Value::Null)],
        vec![cat(json!("100"))],
    ] {
        let e = grading_category::check_weights(&bad).unwrap_err();
        assert_eq!(e.message, "GradingCategory weights must sum to 100.");
        assert_eq!(e.code, "BadRequest");
    }
}

// ---- educationGradingScheme ----

fn pass_fail() -> Value {
    json!({
        "displayName": "Pass/Fail",
        "grades": [
            {"displayName": "Pass", "minPercentage": 60, "defaultPercentage": 100},
            {"displayName": "Fail", "minPercentage": 0, "defaultPercentage": 0}
        ]
    })
}

#[test]
fn grading_scheme_create_fills_defaults_in_schema_order() {
    let doc = grading_scheme::create(v1(), "s1", map(pass_fail())).unwrap();
    assert_eq!(
        doc.to_string(),
        concat!(
            r##"{"@odata.type":"#microsoft.graph.educationGradingScheme","id":"s1","displayName":"Pass/Fail","##,
            r##""grades":[{"defaultPercentage":100,"displayName":"Pass","minPercentage":60},"##,
            r##"{"defaultPercentage":0,"displayName":"Fail","minPercentage":0}],"hidePointsDuringGrading":false}"##
        )
    );
    assert_eq!(
        grading_scheme::grade_for(&doc, 75.0).unwrap()["displayName"],
        "Pass"
    );
    assert_eq!(
        grading_scheme::grade_for(&doc, 59.9).unwrap()["displayName"],
        "Fail"
    );
}

#[test]
fn grading_scheme_grade_rules() {
    let with_grades = |grades: Value| json!({"displayName": "S", "grades": grades});
    for (body, needle) in [
        (json!({"displayName": "S"}), "'grades'"),
        (with_grades(json!([])), "at least 1"),
        (
            with_grades(json!([{"minPercentage": 0}])),
            "'grades/0/displayName'",
        ),
        (
            with_grades(json!([{"displayName": "A"}])),
            "'grades/0/minPercentage'",
        ),
        (
            with_grades(json!([{"displayName": "A", "minPercentage": 101}])),
            "'grades/0/minPercentage'",
        ),
        (
            with_grades(json!([{"displayName": "A", "minPercentage": 0, "defaultPercentage": -5}])),
            "'grades/0/defaultPercentage'",
        ),
        (
            with_grades(json!([
                {"displayName": "A", "minPercentage": 50},
                {"displayName": "B", "minPercentage": 50}
            ])),
            "both start at 50",
        ),
        (
            // B's default would map to A.
            with_grades(json!([
                {"displayName": "A", "minPercentage": 90},
                {"displayName": "B", "minPercentage": 80, "defaultPercentage": 95}
            ])),
            "'grades/1/defaultPercentage'",
        ),
        (
            with_grades(
                json!([{"displayName": "A", "minPercentage": 50, "defaultPercentage": 40}]),
            ),
            "'grades/0/defaultPercentage'",
        ),
        (
            with_grades(Value::Array(
                (0..=limits::MAX_GRADES)
                    .map(|i| json!({"displayName": "g", "minPercentage": i as f64 / 2.0}))
                    .collect(),
            )),
            "at most 100",
        ),
    ] {
        let msg = refused(grading_scheme::create(v1(), "s", map(body.clone())));
        assert!(msg.contains(needle), "{body}: {msg}");
    }
}

#[test]
fn grading_scheme_keeps_the_clients_order_and_patches_whole_grades() {
    let existing = grading_scheme::create(v1(), "s1", map(pass_fail())).unwrap();
    let doc = grading_scheme::update(
        v1(),
        &existing,
        map(json!({
            "hidePointsDuringGrading": true,
            "grades": [
                {"displayName": "F", "minPercentage": 0},
                {"displayName": "A", "minPercentage": 90}
            ]
        })),
    )
    .unwrap();
    assert_eq!(doc["hidePointsDuringGrading"], true);
    assert_eq!(doc["displayName"], "Pass/Fail");
    assert_eq!(doc["grades"][0]["displayName"], "F");
    assert_eq!(doc["grades"][0]["defaultPercentage"], Value::Null);
    assert_eq!(doc["grades"][1]["displayName"], "A");
    // v1.0 declares grades not-nullable; beta lets the schema through, the rule does not.
    assert!(grading_scheme::update(v1(), &existing, map(json!({"grades": null}))).is_err());
    let msg = refused(grading_scheme::update(
        beta(),
        &existing,
        map(json!({"grades": null})),
    ));
    assert!(msg.contains("'grades'"), "{msg}");
}

// ---- assignmentDefaults / assignmentSettings ----

#[test]
fn default_documents_are_exact() {
    assert_eq!(
        defaults::assignment_defaults("class-1").to_string(),
        r##"{"@odata.type":"#microsoft.graph.educationAssignmentDefaults","id":"class-1","addedStudentAction":"none","addToCalendarAction":"none","dueTime":"23:59:00","notificationChannelUrl":null}"##
    );
    assert_eq!(
        defaults::assignment_settings("class-1").to_string(),
        r##"{"@odata.type":"#microsoft.graph.educationAssignmentSettings","id":"class-1","submissionAnimationDisabled":false}"##
    );
}

#[test]
fn default_documents_match_the_schema_order() {
    // Updating with an empty patch rebuilds the document from the schema: same text.
    for schema in [v1(), beta()] {
        let d = defaults::assignment_defaults("c");
        let rebuilt = defaults::update_assignment_defaults(schema, &d, Map::new()).unwrap();
        assert_eq!(rebuilt.to_string(), d.to_string());
        let s = defaults::assignment_settings("c");
        let rebuilt = defaults::update_assignment_settings(schema, &s, Map::new()).unwrap();
        assert_eq!(rebuilt.to_string(), s.to_string());
    }
}

#[test]
fn assignment_defaults_patch() {
    let d = defaults::assignment_defaults("c");
    let doc = defaults::update_assignment_defaults(
        v1(),
        &d,
        map(json!({
            "addedStudentAction": "assignIfOpen",
            "addToCalendarAction": "studentsAndPublisher",
            "dueTime": "17:30:00.5",
            "notificationChannelUrl": "https://graph.microsoft.com/v1.0/teams/t/channels/ch"
        })),
    )
    .unwrap();
    assert_eq!(
        doc.to_string(),
        r##"{"@odata.type":"#microsoft.graph.educationAssignmentDefaults","id":"c","addedStudentAction":"assignIfOpen","addToCalendarAction":"studentsAndPublisher","dueTime":"17:30:00.5","notificationChannelUrl":"https://graph.microsoft.com/v1.0/teams/t/channels/ch"}"##
    );
    // A later PATCH keeps what the first one set.
    let doc = defaults::update_assignment_defaults(v1(), &doc, map(json!({"dueTime": "08:00:00"})))
        .unwrap();
    assert_eq!(doc["addedStudentAction"], "assignIfOpen");
    assert_eq!(doc["dueTime"], "08:00:00");
}

#[test]
fn assignment_defaults_refusals() {
    let d = defaults::assignment_defaults("c");
    for (patch, needle) in [
        (json!({"dueTime": "23:59"}), "dueTime"),
        (json!({"dueTime": "24:00:00"}), "dueTime"),
        (json!({"dueTime": "7:00:00"}), "dueTime"),
        (json!({"dueTime": 1700}), "dueTime"),
        (json!({"dueTime": null}), "'dueTime'"),
        (
            json!({"addedStudentAction": "always"}),
            "addedStudentAction",
        ),
        (
            json!({"addToCalendarAction": "everyone"}),
            "addToCalendarAction",
        ),
        (json!({"addedStudentAction": null}), "'addedStudentAction'"),
        (json!({"id": "other"}), "'id'"),
        (
            json!({"dueDateTime": "2024-01-01T00:00:00Z"}),
            "'dueDateTime'",
        ),
        (
            json!({"notificationChannelUrl": "x".repeat(limits::MAX_URL + 1)}),
            "'notificationChannelUrl'",
        ),
    ] {
        let msg = refused(defaults::update_assignment_defaults(
            v1(),
            &d,
            map(patch.clone()),
        ));
        assert!(msg.contains(needle), "{patch}: {msg}");
    }
    // Clearing the channel is fine.
    let doc = defaults::update_assignment_defaults(
        v1(),
        &d,
        map(json!({"notificationChannelUrl": null})),
    )
    .unwrap();
    assert_eq!(doc["notificationChannelUrl"], Value::Null);
}

#[test]
fn hidden_calendar_member_is_accepted_in_requests() {
    // `studentsOnly` comes after unknownFutureValue; requests may send it (BEHAVIOR §0.5).
    let d = defaults::assignment_defaults("c");
    let doc = defaults::update_assignment_defaults(
        v1(),
        &d,
        map(json!({"addToCalendarAction": "studentsOnly"})),
    )
    .unwrap();
    assert_eq!(doc["addToCalendarAction"], "studentsOnly");
}

#[test]
fn assignment_settings_patch() {
    let s = defaults::assignment_settings("c");
    let doc = defaults::update_assignment_settings(
        v1(),
        &s,
        map(json!({"submissionAnimationDisabled": true})),
    )
    .unwrap();
    assert_eq!(
        doc,
        json!({
            "@odata.type": "#microsoft.graph.educationAssignmentSettings",
            "id": "c",
            "submissionAnimationDisabled": true
        })
    );
    for (patch, needle) in [
        (
            json!({"submissionAnimationDisabled": "yes"}),
            "submissionAnimationDisabled",
        ),
        (
            json!({"submissionAnimationDisabled": null}),
            "submissionAnimationDisabled",
        ),
        (json!({"gradingSchemes": []}), "gradingSchemes"),
        (
            json!({"gradingCategories@delta": []}),
            "gradingCategories@delta",
        ),
        (json!({"id": "x"}), "'id'"),
    ] {
        let msg = refused(defaults::update_assignment_settings(
            v1(),
            &s,
            map(patch.clone()),
        ));
        assert!(msg.contains(needle), "{patch}: {msg}");
    }
}
