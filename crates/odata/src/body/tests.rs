use super::*;
use crate::ApiVersion;
use serde_json::json;

fn v1() -> &'static Schema {
    Schema::get(ApiVersion::V1)
}

fn user(body: Value) -> Result<Value, ODataError> {
    check_body(v1(), "educationUser", &body)
}

fn msg(r: Result<Value, ODataError>) -> String {
    let e = r.unwrap_err();
    assert_eq!(e.code, "BadRequest");
    e.message
}

#[test]
fn sdk_style_user_body_passes_and_is_normalised() {
    let body = json!({
        "displayName": "Ann", "accountEnabled": true, "mailNickname": "ann",
        "userPrincipalName": "ann@contoso.com", "usageLocation": "US", "primaryRole": "student",
        "passwordProfile": {"password": "x", "forceChangePasswordNextSignIn": false},
        "student": {"externalId": "e1", "grade": "9", "studentNumber": "1", "birthDate": "2010-05-04"},
        "businessPhones": ["555"],
        "assignedLicenses": [{"skuId": "8A2F0C1E-1234-4ABC-9DEF-0123456789AB", "disabledPlans": []}],
        "refreshTokensValidFromDateTime": "2026-11-29T10:52:06+02:00",
        "@odata.context": "ignored",
    });
    let out = user(body).unwrap();
    assert_eq!(
        out["refreshTokensValidFromDateTime"],
        "2026-11-29T08:52:06Z"
    );
    assert_eq!(
        out["assignedLicenses"][0]["skuId"],
        "8a2f0c1e-1234-4abc-9def-0123456789ab"
    );
    assert_eq!(out["student"]["birthDate"], "2010-05-04");
    assert!(out.get("@odata.context").is_none());
}

#[test]
fn unknown_properties_are_named() {
    assert_eq!(
        msg(user(json!({"foo": 1}))),
        "Property 'foo' does not exist on type 'microsoft.graph.educationUser'."
    );
    assert_eq!(
        msg(user(json!({"student": {"nope": "x"}}))),
        "Property 'nope' does not exist on type 'microsoft.graph.educationStudent'."
    );
    // Property names are case-sensitive, as in Graph.
    assert!(msg(user(json!({"DisplayName": "x"}))).contains("'DisplayName'"));
}

#[test]
fn wrong_types_are_named() {
    assert_eq!(
        msg(user(json!({"accountEnabled": "abc"}))),
        "Cannot convert the literal 'abc' to the expected type 'Edm.Boolean' for property 'accountEnabled'."
    );
    assert!(msg(user(json!({"displayName": 5}))).contains("'displayName'"));
    assert!(msg(user(json!({"student": "x"}))).contains("microsoft.graph.educationStudent"));
    assert!(
        msg(user(json!({"student": {"birthDate": "2010-13-01"}}))).contains("'student/birthDate'")
    );
    assert!(msg(user(
        json!({"refreshTokensValidFromDateTime": "2024-05-01T10:00:00"})
    ))
    .contains("Edm.DateTimeOffset"));
    assert!(msg(user(json!({"assignedLicenses": [{"skuId": "not-a-guid"}]}))).contains("Edm.Guid"));
    assert!(msg(user(json!({"businessPhones": "555"}))).contains("JSON array"));
    assert!(msg(user(json!({"businessPhones": [5]}))).contains("businessPhones"));
    assert!(msg(check_body(
        v1(),
        "educationGradingCategory",
        &json!({"percentageWeight": 10.0})
    ))
    .contains("Edm.Int32"));
    assert!(msg(check_body(
        v1(),
        "educationGradingCategory",
        &json!({"percentageWeight": 3_000_000_000u64})
    ))
    .contains("Edm.Int32"));
    assert!(check_body(
        v1(),
        "educationGradingCategory",
        &json!({"percentageWeight": 10})
    )
    .is_ok());
}

#[test]
fn enums_are_checked_exactly() {
    let e = msg(user(json!({"primaryRole": "wizard"})));
    assert!(
        e.contains("'wizard'")
            && e.contains("microsoft.graph.educationUserRole")
            && e.contains("teacher"),
        "{e}"
    );
    assert!(user(json!({"primaryRole": "Student"})).is_err());
    assert!(user(json!({"primaryRole": 1})).is_err());
    assert!(user(json!({"primaryRole": "faculty"})).is_err());
    assert!(check_body(
        Schema::get(ApiVersion::Beta),
        "educationUser",
        &json!({"primaryRole": "faculty"})
    )
    .is_ok());
}

#[test]
fn nulls_follow_nullable() {
    assert!(user(json!({"displayName": null})).is_ok());
    assert!(msg(user(json!({"primaryRole": null}))).contains("cannot be null"));
    assert!(msg(user(json!({"businessPhones": null}))).contains("businessPhones"));
    assert!(msg(user(json!({"businessPhones": [null]}))).contains("cannot be null"));
    assert!(user(json!({"relatedContacts": null})).is_ok());
}

#[test]
fn odata_type_selects_derived_types_anywhere_in_the_object() {
    let schema = v1();
    let outcome = json!({"points": {"points": 9.5, "@odata.type": "#microsoft.graph.educationAssignmentPointsGrade"},
        "@odata.type": "microsoft.graph.educationPointsOutcome"});
    let out = check_body(schema, "educationOutcome", &outcome).unwrap();
    let keys: Vec<_> = out.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["@odata.type", "points"]);
    assert_eq!(
        out["@odata.type"],
        "#microsoft.graph.educationPointsOutcome"
    );
    assert_eq!(
        out["points"]["@odata.type"],
        "#microsoft.graph.educationAssignmentPointsGrade"
    );
    // Without the derived type, its properties are unknown.
    assert!(msg(check_body(
        schema,
        "educationOutcome",
        &json!({"points": {}})
    ))
    .contains("'points'"));
    let asg = json!({"grading": {"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType", "maxPoints": 10.0},
        "assignTo": {"@odata.type": "#microsoft.graph.educationAssignmentClassRecipient"}});
    assert!(check_body(schema, "educationAssignment", &asg).is_ok());
    let school = json!({"@odata.type": "#microsoft.graph.educationSchool", "displayName": "S"});
    assert!(check_body(schema, "educationSchool", &school).is_ok());
    assert!(check_body(schema, "educationOrganization", &school).is_ok());
}

#[test]
fn bad_odata_types() {
    let schema = v1();
    assert!(
        msg(user(json!({"@odata.type": "#microsoft.graph.nothing"}))).contains("does not exist")
    );
    assert!(msg(user(
        json!({"@odata.type": "#microsoft.graph.educationSchool"})
    ))
    .contains("not 'microsoft.graph.educationUser'"));
    assert!(msg(user(json!({"@odata.type": 5}))).contains("must be a string"));
    let e = msg(check_body(
        schema,
        "educationAssignment",
        &json!({"grading": {"@odata.type": "#microsoft.graph.educationStudent"}}),
    ));
    assert!(e.contains("'grading'"), "{e}");
}

#[test]
fn navigations_and_binds_are_rejected() {
    assert!(msg(user(json!({"classes": []}))).contains("navigation property 'classes'"));
    assert!(msg(check_body(
        v1(),
        "educationClass",
        &json!({"members@odata.bind": ["x"]})
    ))
    .contains("$ref"));
}

#[test]
fn open_types_allow_extra_properties() {
    let body = json!({"createdBy": {"user": {"id": "u", "displayName": null, "email": "x"}, "phone": {"id": "p"}}});
    let out = user(body).unwrap();
    assert_eq!(out["createdBy"]["phone"]["id"], "p");
    assert_eq!(out["createdBy"]["user"]["email"], "x");
    assert!(user(json!({"createdBy": {"user": {"id": 5}}})).is_err());
}

#[test]
fn body_must_be_an_object() {
    for b in [json!([]), json!("x"), json!(null), json!(1)] {
        assert!(msg(user(b)).contains("JSON object"));
    }
    assert!(check_body(v1(), "nothing", &json!({})).is_err());
}

#[test]
fn helpers() {
    let b = json!({"@odata.type": "#microsoft.graph.educationSchool"});
    assert_eq!(named_type(&b), Some("educationSchool"));
    assert_eq!(
        effective_type(v1(), "educationOrganization", &b)
            .unwrap()
            .name(),
        "educationSchool"
    );
    assert_eq!(
        effective_type(v1(), "educationUser", &json!({}))
            .unwrap()
            .name(),
        "educationUser"
    );
}
