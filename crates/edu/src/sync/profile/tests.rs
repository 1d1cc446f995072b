//! The profile rules against the Graph documentation's create example and every way a
//! body can go wrong.

use super::*;

fn verified() -> Vec<String> {
    vec!["contoso.edu".into(), "testschool.edu".into()]
}

/// The request body of Graph's "Create educationSynchronizationProfile" example, with
/// its lower-case type names.
fn example() -> Map<String, Value> {
    let v = json!({
        "displayName": "Test Profile",
        "dataProvider": {
            "@odata.type": "#microsoft.graph.educationcsvdataprovider",
            "customizations": {
                "student": {"optionalPropertiesToSync": ["State ID", "Middle Name"]}
            }
        },
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationidentitycreationconfiguration",
            "userDomains": [
                {"appliesTo": "student", "name": "testschool.edu"},
                {"appliesTo": "teacher", "name": "testschool.edu"}
            ]
        },
        "licensesToAssign": [
            {"appliesTo": "teacher", "skuIds": ["6fd2c87f-b296-42f0-b197-1e91e994b900"]},
            {"appliesTo": "student", "skuIds": ["6fd2c87f-b296-42f0-b197-1e91e994b900"]}
        ]
    });
    v.as_object().unwrap().clone()
}

fn refused(body: &Map<String, Value>) -> String {
    let err = new_profile(body, "p1", &verified()).unwrap_err();
    assert_eq!(err.code, "BadRequest");
    err.message
}

#[test]
fn the_documentation_example_becomes_a_provisioning_profile_with_every_customization() {
    let doc = new_profile(&example(), "p1", &verified()).unwrap();
    assert_eq!(doc["@odata.type"], PROFILE_TYPE);
    assert_eq!(doc["id"], "p1");
    assert_eq!(doc["state"], "provisioning");
    assert_eq!(doc["expirationDate"], Value::Null);
    let provider = &doc["dataProvider"];
    assert_eq!(
        provider["@odata.type"],
        "#microsoft.graph.educationCsvDataProvider"
    );
    let customizations = provider["customizations"].as_object().unwrap();
    assert_eq!(
        customizations.keys().collect::<Vec<_>>(),
        ENTITIES.iter().collect::<Vec<_>>()
    );
    assert_eq!(
        customizations["student"],
        json!({
            "optionalPropertiesToSync": ["State ID", "Middle Name"],
            "synchronizationStartDate": null,
            "isSyncDeferred": false,
            "allowDisplayNameUpdate": false
        })
    );
    assert_eq!(
        customizations["teacherRoster"]["optionalPropertiesToSync"],
        Value::Null
    );
    let identity = &doc["identitySynchronizationConfiguration"];
    assert_eq!(
        identity["@odata.type"],
        "#microsoft.graph.educationIdentityCreationConfiguration"
    );
    assert_eq!(
        identity["userDomains"][1],
        json!({"appliesTo": "teacher", "name": "testschool.edu"})
    );
    assert_eq!(doc["licensesToAssign"], example()["licensesToAssign"]);
    // Members in the documentation's order.
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "@odata.type",
            "id",
            "displayName",
            "state",
            "expirationDate",
            "dataProvider",
            "identitySynchronizationConfiguration",
            "licensesToAssign",
            "handleSpecialCharacterConstraint"
        ]
    );
    // Not in the example's body: the schema's property, unset.
    assert_eq!(doc["handleSpecialCharacterConstraint"], Value::Null);
}

#[test]
fn optional_property_names_are_stored_in_their_canonical_spelling() {
    let mut body = example();
    body["dataProvider"]["customizations"]["student"]["optionalPropertiesToSync"] =
        json!(["state id", "MIDDLE NAME", "Mailing City"]);
    let doc = new_profile(&body, "p1", &verified()).unwrap();
    assert_eq!(
        doc["dataProvider"]["customizations"]["student"]["optionalPropertiesToSync"],
        json!(["State ID", "Middle Name", "Mailing City"])
    );
}

#[test]
fn the_customizations_may_name_their_declared_type() {
    let mut body = example();
    let customizations = &mut body["dataProvider"]["customizations"];
    customizations["@odata.type"] =
        json!("#microsoft.graph.educationSynchronizationCustomizations");
    let doc = new_profile(&body, "p1", &verified()).unwrap();
    assert!(doc["dataProvider"]["customizations"]
        .get("@odata.type")
        .is_none());
    body["dataProvider"]["customizations"]["@odata.type"] = json!("#microsoft.graph.educationUser");
    assert!(refused(&body).contains("educationSynchronizationCustomizations"));
}

#[test]
fn every_spelling_of_the_type_names_is_accepted() {
    for provider in [
        "#microsoft.graph.educationCsvDataProvider",
        "#Microsoft.Education.DataSync.educationCsvDataProvider",
        "microsoft.graph.educationcsvdataprovider",
        "#educationCsvDataProvider",
    ] {
        let mut body = example();
        body["dataProvider"]["@odata.type"] = json!(provider);
        let doc = new_profile(&body, "p1", &verified()).unwrap();
        assert_eq!(
            doc["dataProvider"]["@odata.type"], CSV_PROVIDER,
            "{provider}"
        );
    }
    let mut body = example();
    body.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.educationsynchronizationprofile"),
    );
    assert!(new_profile(&body, "p1", &verified()).is_ok());
}

#[test]
fn user_domains_must_be_verified_domains_of_the_tenant() {
    let mut body = example();
    body["identitySynchronizationConfiguration"]["userDomains"][1]["name"] = json!("elsewhere.edu");
    let message = refused(&body);
    assert!(message.contains("'elsewhere.edu'"), "{message}");
    // The tenant's spelling is kept, whatever the body's case.
    let mut body = example();
    body["identitySynchronizationConfiguration"]["userDomains"][0]["name"] =
        json!("TestSchool.EDU");
    let doc = new_profile(&body, "p1", &verified()).unwrap();
    assert_eq!(
        doc["identitySynchronizationConfiguration"]["userDomains"][0]["name"],
        "testschool.edu"
    );
    // No domains at all: nothing to create accounts in.
    let mut body = example();
    body["identitySynchronizationConfiguration"]["userDomains"] = json!([]);
    assert!(refused(&body).contains("userDomains"));
}

#[test]
fn matching_configurations_name_verified_target_domains() {
    let mut body = example();
    body.insert(
        "identitySynchronizationConfiguration".into(),
        json!({
            "@odata.type": "#microsoft.graph.educationIdentityMatchingConfiguration",
            "matchingOptions": [{
                "appliesTo": "student",
                "sourcePropertyName": "Username",
                "targetPropertyName": "userPrincipalName",
                "targetDomain": "contoso.edu"
            }]
        }),
    );
    let doc = new_profile(&body, "p1", &verified()).unwrap();
    let identity = &doc["identitySynchronizationConfiguration"];
    assert_eq!(identity["@odata.type"], MATCHING);
    assert_eq!(
        identity["matchingOptions"][0]["targetDomain"],
        "contoso.edu"
    );
    body["identitySynchronizationConfiguration"]["matchingOptions"][0]["targetDomain"] =
        json!("x.edu");
    assert!(refused(&body).contains("'x.edu'"));
    body["identitySynchronizationConfiguration"]["matchingOptions"] = json!([]);
    assert!(refused(&body).contains("matchingOptions"));
}

#[test]
fn bad_bodies_are_refused_with_what_is_wrong() {
    // (what, JSON pointer into the example, new value or None to remove it, the message
    // must mention)
    let customizations = "/dataProvider/customizations";
    let cases: Vec<(&str, String, Option<Value>, &str)> = vec![
        ("no name", "/displayName".into(), None, "displayName"),
        (
            "blank name",
            "/displayName".into(),
            Some(json!("  ")),
            "displayName",
        ),
        ("no provider", "/dataProvider".into(), None, "dataProvider"),
        (
            "API provider",
            "/dataProvider/@odata.type".into(),
            Some(json!("#microsoft.graph.educationPowerSchoolDataProvider")),
            "educationCsvDataProvider",
        ),
        (
            "untyped provider",
            "/dataProvider/@odata.type".into(),
            None,
            "@odata.type",
        ),
        (
            "unknown entity",
            format!("{customizations}/guardian"),
            Some(json!({})),
            "'guardian'",
        ),
        (
            "properties of a link file",
            format!("{customizations}/studentEnrollment"),
            Some(json!({"optionalPropertiesToSync": ["X"]})),
            "studentEnrollment",
        ),
        (
            "duplicate property",
            format!("{customizations}/student/optionalPropertiesToSync"),
            Some(json!(["Grade", "grade"])),
            "distinct",
        ),
        (
            "unknown property",
            format!("{customizations}/teacher"),
            Some(json!({"optionalPropertiesToSync": ["Teacher Number", "Shoe Size"]})),
            "'Shoe Size' is not an optional property of 'teacher'",
        ),
        (
            "a student's property for a school",
            format!("{customizations}/school"),
            Some(json!({"optionalPropertiesToSync": ["Birthdate"]})),
            "'Birthdate' is not an optional property of 'school'",
        ),
        (
            "bad start date",
            format!("{customizations}/studentEnrollment"),
            Some(json!({"synchronizationStartDate": "next week"})),
            "synchronizationStartDate",
        ),
        (
            "flag not a boolean",
            format!("{customizations}/school"),
            Some(json!({"isSyncDeferred": "yes"})),
            "isSyncDeferred",
        ),
        (
            "no identity configuration",
            "/identitySynchronizationConfiguration".into(),
            None,
            "identitySynchronizationConfiguration",
        ),
        (
            "unknown role",
            "/identitySynchronizationConfiguration/userDomains/0/appliesTo".into(),
            Some(json!("parent")),
            "appliesTo",
        ),
        (
            "licence not a GUID",
            "/licensesToAssign/0/skuIds".into(),
            Some(json!(["E5"])),
            "GUID",
        ),
        (
            "bad expiration date",
            "/expirationDate".into(),
            Some(json!("2025-13-01")),
            "expirationDate",
        ),
        (
            "unknown member",
            "/colour".into(),
            Some(json!(1)),
            "'colour'",
        ),
    ];
    for (label, pointer, value, mention) in cases {
        let mut body = Value::Object(example());
        let (parent, member) = pointer.rsplit_once('/').unwrap();
        let parent = body
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .unwrap();
        match value {
            Some(v) => parent.insert(member.to_string(), v),
            None => parent.remove(member),
        };
        let message = refused(body.as_object().unwrap());
        assert!(message.contains(mention), "{label}: {message}");
    }
}

#[test]
fn a_replacement_keeps_id_and_state_and_is_refused_while_deleting() {
    let created = new_profile(&example(), "p1", &verified()).unwrap();
    let provisioned = with_state(&created, ProfileState::Provisioned);
    assert_eq!(
        ProfileState::of(&provisioned),
        Some(ProfileState::Provisioned)
    );
    let mut body = example();
    body.insert("displayName".into(), json!("Renamed"));
    body.insert("id".into(), json!("other"));
    body.insert("state".into(), json!("deleting"));
    let replaced = replaced_profile(&provisioned, &body, &verified()).unwrap();
    assert_eq!(replaced["id"], "p1");
    assert_eq!(replaced["state"], "provisioned");
    assert_eq!(replaced["displayName"], "Renamed");
    // A replacement drops what the body leaves out.
    body.remove("licensesToAssign");
    let replaced = replaced_profile(&provisioned, &body, &verified()).unwrap();
    assert_eq!(replaced["licensesToAssign"], json!([]));

    let deleting = with_state(&provisioned, ProfileState::Deleting);
    let err = replaced_profile(&deleting, &example(), &verified()).unwrap_err();
    assert!(err.message.contains("being deleted"), "{}", err.message);
}
