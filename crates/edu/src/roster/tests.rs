//! Create/update rules on real schema documents.

use super::*;
use edugraph_odata::ApiVersion;
use serde_json::json;

fn v1() -> &'static Schema {
    Schema::get(ApiVersion::V1)
}
fn beta() -> &'static Schema {
    Schema::get(ApiVersion::Beta)
}
fn app() -> Caller {
    Caller::App {
        tenant: "t".into(),
        app_id: "app-1".into(),
        roles: vec![],
    }
}
fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}
/// The tenant of these tests verifies `contoso.edu`.
fn dir() -> Directory<'static> {
    static DOMAINS: std::sync::LazyLock<Vec<String>> =
        std::sync::LazyLock::new(|| vec!["contoso.edu".to_string()]);
    Directory {
        verified_domains: &DOMAINS,
    }
}
fn update(existing: &Value, patch: Value) -> Result<Prepared, RuleError> {
    prepare_update(v1(), EntityKind::User, existing, map(patch), now(), dir())
}
fn now() -> OffsetDateTime {
    time::macros::datetime!(2024-05-01 10:00:00.5 UTC)
}
fn user_body() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.educationUser",
        "displayName": "Ada Lovelace",
        "mailNickname": "ada",
        "userPrincipalName": "ada@contoso.edu",
        "accountEnabled": true,
        "passwordProfile": {"password": "S3cret!pw", "forceChangePasswordNextSignIn": false},
        "primaryRole": "student",
        "student": {"externalId": "S-1", "grade": "9"}
    })
}
fn create(kind: EntityKind, body: Value) -> Result<Prepared, RuleError> {
    let caller = app();
    prepare_create(
        v1(),
        kind,
        map(body),
        CreateContext {
            id: "id-1",
            now: now(),
            caller: &caller,
            directory: dir(),
        },
    )
}

#[test]
fn user_create_builds_a_complete_document_without_the_password() {
    let p = create(EntityKind::User, user_body()).unwrap();
    assert_eq!(p.password.as_deref(), Some("S3cret!pw"));
    let doc = p.doc.as_object().unwrap();
    let keys: Vec<&str> = doc.keys().map(String::as_str).take(2).collect();
    assert_eq!(keys, ["@odata.type", "id"]);
    assert_eq!(doc["@odata.type"], "#microsoft.graph.educationUser");
    assert_eq!(doc["id"], "id-1");
    assert_eq!(
        doc["passwordProfile"],
        json!({"forceChangePasswordNextSignIn": false})
    );
    assert!(!p.doc.to_string().contains("S3cret"));
    assert_eq!(doc["mail"], "ada@contoso.edu");
    assert_eq!(doc["externalSource"], "manual");
    assert_eq!(doc["assignedLicenses"], json!([]));
    assert_eq!(doc["createdBy"]["application"]["id"], "app-1");
    assert_eq!(
        doc["createdBy"]["user"],
        json!({"id": null, "displayName": null})
    );
    assert!(doc["refreshTokensValidFromDateTime"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(doc["student"]["externalId"], "S-1");
    assert_eq!(doc["primaryRole"], "student");
}

#[test]
fn each_required_user_property_is_enforced() {
    for name in [
        "displayName",
        "mailNickname",
        "userPrincipalName",
        "accountEnabled",
        "passwordProfile",
    ] {
        let mut body = user_body();
        body.as_object_mut().unwrap().remove(name);
        let err = create(EntityKind::User, body).unwrap_err();
        assert!(err.message.contains(name), "{name}: {}", err.message);
        assert_eq!(err.code, "Request_BadRequest");
    }
    let mut body = user_body();
    body["passwordProfile"] = json!({"forceChangePasswordNextSignIn": true});
    let err = create(EntityKind::User, body).unwrap_err();
    assert!(
        err.message.contains("passwordProfile.password"),
        "{}",
        err.message
    );
}

#[test]
fn read_only_properties_are_refused_by_name() {
    for (name, value) in [
        ("id", json!("x")),
        ("mail", json!("a@b.c")),
        ("assignedPlans", json!([])),
        (
            "refreshTokensValidFromDateTime",
            json!("2024-01-01T00:00:00Z"),
        ),
        ("createdBy", json!({"user": {"id": "u"}})),
    ] {
        let mut body = user_body();
        body[name] = value;
        let err = create(EntityKind::User, body).unwrap_err();
        assert!(
            err.message.contains(&format!("'{name}'")) && err.message.contains("read-only"),
            "{}",
            err.message
        );
    }
}

#[test]
fn unknown_properties_and_wrong_types_are_refused() {
    let mut body = user_body();
    body["favouriteColour"] = json!("blue");
    assert!(create(EntityKind::User, body)
        .unwrap_err()
        .message
        .contains("favouriteColour"));
    let mut body = user_body();
    body["accountEnabled"] = json!("yes");
    assert!(create(EntityKind::User, body)
        .unwrap_err()
        .message
        .contains("accountEnabled"));
}

#[test]
fn beta_only_enum_members_are_refused_on_v1() {
    let mut body = user_body();
    body["primaryRole"] = json!("faculty");
    assert!(create(EntityKind::User, body.clone())
        .unwrap_err()
        .message
        .contains("faculty"));
    let caller = app();
    let ok = prepare_create(
        beta(),
        EntityKind::User,
        map(body),
        CreateContext {
            id: "b",
            now: now(),
            caller: &caller,
            directory: dir(),
        },
    );
    assert_eq!(ok.unwrap().doc["primaryRole"], "faculty");
}

#[test]
fn bad_names_are_refused() {
    for upn in [
        "no-at-sign",
        "@contoso.edu",
        "ada@",
        "a b@contoso.edu",
        "a@b@c",
        ".ada@contoso.edu",
    ] {
        let mut body = user_body();
        body["userPrincipalName"] = json!(upn);
        let err = create(EntityKind::User, body).unwrap_err();
        assert!(
            err.message.contains("userPrincipalName"),
            "{upn}: {}",
            err.message
        );
    }
    let mut body = user_body();
    body["mailNickname"] = json!("has space");
    assert!(create(EntityKind::User, body)
        .unwrap_err()
        .message
        .contains("mailNickname"));
}

#[test]
fn the_odata_type_must_match() {
    let mut body = user_body();
    body["@odata.type"] = json!("#microsoft.graph.educationClass");
    assert!(create(EntityKind::User, body)
        .unwrap_err()
        .message
        .contains("@odata.type"));
    let body = json!({"@odata.type": "microsoft.graph.educationSchool", "displayName": "North"});
    assert!(create(EntityKind::School, body).is_ok());
}

#[test]
fn class_and_school_requirements() {
    assert!(create(EntityKind::Class, json!({"displayName": "Maths"}))
        .unwrap_err()
        .message
        .contains("mailNickname"));
    let p = create(
        EntityKind::Class,
        json!({"displayName": "Maths", "mailNickname": "maths-9"}),
    )
    .unwrap();
    assert_eq!(p.doc["@odata.type"], "#microsoft.graph.educationClass");
    assert_eq!(p.password, None);
    assert!(create(EntityKind::School, json!({"description": "x"}))
        .unwrap_err()
        .message
        .contains("displayName"));
}

#[test]
fn malformed_bodies() {
    assert_eq!(
        parse_body(b"{not json").unwrap_err().message,
        MALFORMED_JSON
    );
    assert_eq!(parse_body(b"").unwrap_err().message, MALFORMED_JSON);
    assert!(parse_body(b"[1]").is_err());
    assert!(parse_body(br#"{"a":1}"#).is_ok());
}

#[test]
fn update_merges_complex_values_and_keeps_server_fields() {
    let existing = create(EntityKind::User, user_body()).unwrap().doc;
    let patch = json!({"student": {"grade": "10"}, "displayName": "Ada K", "userPrincipalName": "ada.k@contoso.edu"});
    let p = update(&existing, patch).unwrap();
    assert_eq!(p.doc["student"]["externalId"], "S-1");
    assert_eq!(p.doc["student"]["grade"], "10");
    assert_eq!(p.doc["displayName"], "Ada K");
    assert_eq!(p.doc["mail"], "ada.k@contoso.edu");
    assert_eq!(p.doc["createdBy"], existing["createdBy"]);
    assert_eq!(p.password, None);
}

#[test]
fn update_takes_a_new_password_out_of_the_document() {
    let existing = create(EntityKind::User, user_body()).unwrap().doc;
    let patch =
        json!({"passwordProfile": {"password": "N3w!pass", "forceChangePasswordNextSignIn": true}});
    let p = update(&existing, patch).unwrap();
    assert_eq!(p.password.as_deref(), Some("N3w!pass"));
    assert_eq!(
        p.doc["passwordProfile"],
        json!({"forceChangePasswordNextSignIn": true})
    );
}

#[test]
fn update_refuses_clearing_required_and_read_only() {
    let existing = create(EntityKind::User, user_body()).unwrap().doc;
    let err = update(&existing, json!({"displayName": null})).unwrap_err();
    assert!(err.message.contains("displayName"), "{}", err.message);
    let err = update(&existing, json!({"id": "other"})).unwrap_err();
    assert!(err.message.contains("'id'"));
}
