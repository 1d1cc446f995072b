//! Length limits, verified domains and the password policy, on create and on PATCH.

use super::limits::{max_length, DEFAULT_MAX_LENGTH, MAX_LENGTHS};
use super::password::check_password;
use super::*;
use edugraph_odata::ApiVersion;
use serde_json::json;

fn v1() -> &'static Schema {
    Schema::get(ApiVersion::V1)
}
fn caller() -> Caller {
    Caller::App {
        tenant: "t".into(),
        app_id: "app-1".into(),
        roles: vec![],
    }
}
fn domains() -> Vec<String> {
    vec!["contoso.edu".into(), "students.contoso.edu".into()]
}
fn now() -> OffsetDateTime {
    time::macros::datetime!(2024-05-01 10:00 UTC)
}
fn user() -> Value {
    json!({
        "displayName": "Ada Lovelace",
        "mailNickname": "ada",
        "userPrincipalName": "ada@contoso.edu",
        "accountEnabled": true,
        "passwordProfile": {"password": "S3cret!pw"},
    })
}
fn body(kind: EntityKind) -> Value {
    match kind {
        EntityKind::User => user(),
        EntityKind::Class => json!({"displayName": "Maths", "mailNickname": "maths"}),
        EntityKind::School => json!({"displayName": "North"}),
        other => panic!("not a roster kind: {other:?}"),
    }
}
fn create(kind: EntityKind, body: Value) -> Result<Prepared, RuleError> {
    let caller = caller();
    let domains = domains();
    let Value::Object(body) = body else {
        panic!("not an object")
    };
    prepare_create(
        v1(),
        kind,
        body,
        CreateContext {
            id: "id-1",
            now: now(),
            caller: &caller,
            directory: Directory {
                verified_domains: &domains,
            },
        },
    )
}
fn update(kind: EntityKind, existing: &Value, patch: Value) -> Result<Prepared, RuleError> {
    let domains = domains();
    let Value::Object(patch) = patch else {
        panic!("not an object")
    };
    let dir = Directory {
        verified_domains: &domains,
    };
    prepare_update(v1(), kind, existing, patch, now(), dir)
}

/// Sets `path` (`a/b`) of `v` to `value`, creating objects on the way.
fn set(v: &mut Value, path: &str, value: Value) {
    let mut at = v;
    let segs: Vec<&str> = path.split('/').collect();
    for seg in &segs[..segs.len() - 1] {
        at = at
            .as_object_mut()
            .unwrap()
            .entry(seg.to_string())
            .or_insert_with(|| json!({}));
    }
    at[segs[segs.len() - 1]] = value;
}

/// A value of `len` characters for `path` that passes its other rules.
fn text_of(path: &str, len: usize) -> Value {
    match path {
        "mailNickname" => json!("n".repeat(len)),
        "businessPhones" => json!(["9".repeat(len)]),
        _ => json!("é".repeat(len)),
    }
}

#[test]
fn every_table_row_names_a_string_property_of_the_schema() {
    use edugraph_odata::schema::{StructuredType, TypeRef};
    for row in MAX_LENGTHS {
        let mut ty = StructuredType::Entity(v1().entity_type(row.kind.type_name()).unwrap());
        let segs: Vec<&str> = row.path.split('/').collect();
        for (i, seg) in segs.iter().enumerate() {
            let p = ty
                .property(seg)
                .unwrap_or_else(|| panic!("{:?} {}", row.kind, row.path));
            match &p.ty {
                TypeRef::Complex(c) if i + 1 < segs.len() => {
                    ty = v1().structured_type(c).unwrap();
                }
                TypeRef::Primitive(t) if i + 1 == segs.len() => {
                    assert_eq!(t, "Edm.String", "{:?} {}", row.kind, row.path)
                }
                other => panic!("{:?} {}: {other:?}", row.kind, row.path),
            }
        }
    }
}

#[test]
fn a_string_over_its_limit_is_refused_on_create_and_patch() {
    for row in MAX_LENGTHS {
        if row.path == "userPrincipalName" || row.path == "usageLocation" {
            continue; // own formats, tested below
        }
        let value = |len| text_of(row.path, len);
        let mut ok = body(row.kind);
        set(&mut ok, row.path, value(row.max));
        let created = create(row.kind, ok).unwrap_or_else(|e| panic!("{}: {e}", row.path));
        let mut over = body(row.kind);
        set(&mut over, row.path, value(row.max + 1));
        let e = create(row.kind, over).unwrap_err();
        assert_eq!(e.code, "Request_BadRequest");
        assert_eq!(
            e.message,
            format!(
                "Invalid value specified for property '{}' of resource '{}': it is {} characters long; at most {} are allowed.",
                row.path,
                row.kind.type_name(),
                row.max + 1,
                row.max
            )
        );
        let mut patch = json!({});
        set(&mut patch, row.path, value(row.max + 1));
        let e = update(row.kind, &created.doc, patch).unwrap_err();
        assert!(
            e.message.contains(&format!("at most {}", row.max)),
            "{}",
            e.message
        );
    }
}

#[test]
fn a_three_megabyte_display_name_is_refused_and_unlisted_strings_have_the_default() {
    let mut u = user();
    u["displayName"] = json!("x".repeat(3 << 20));
    let e = create(EntityKind::User, u).unwrap_err();
    assert!(e.message.contains("'displayName'") && e.message.contains("at most 256"));
    assert_eq!(
        max_length(EntityKind::User, "externalSourceDetail"),
        DEFAULT_MAX_LENGTH
    );
    let mut u = user();
    u["externalSourceDetail"] = json!("x".repeat(DEFAULT_MAX_LENGTH + 1));
    assert!(create(EntityKind::User, u)
        .unwrap_err()
        .message
        .contains("at most 1024"));
    // Each element of a string collection has the collection's limit.
    let mut u = user();
    u["businessPhones"] = json!(["+1 555 0100", "9".repeat(65)]);
    assert!(create(EntityKind::User, u)
        .unwrap_err()
        .message
        .contains("'businessPhones'"));
}

#[test]
fn user_principal_names_have_entra_lengths() {
    let mut u = user();
    u["userPrincipalName"] = json!(format!("{}@contoso.edu", "a".repeat(64)));
    assert!(create(EntityKind::User, u).is_ok());
    let mut u = user();
    u["userPrincipalName"] = json!(format!("{}@contoso.edu", "a".repeat(65)));
    let e = create(EntityKind::User, u).unwrap_err();
    assert!(
        e.message.contains("65 characters before the @; at most 64"),
        "{}",
        e.message
    );
    let mut u = user();
    u["userPrincipalName"] = json!(format!("{}@{}.edu", "a".repeat(64), "c".repeat(45)));
    assert!(create(EntityKind::User, u)
        .unwrap_err()
        .message
        .contains("at most 113"));
}

#[test]
fn the_principal_name_must_use_a_verified_domain() {
    for upn in ["ada@Contoso.EDU", "ada@students.contoso.edu"] {
        let mut u = user();
        u["userPrincipalName"] = json!(upn);
        assert!(create(EntityKind::User, u).is_ok(), "{upn}");
    }
    for upn in [
        "ada@evil.example",
        "ada@sub.contoso.edu",
        "ada@contoso.edu.evil",
    ] {
        let mut u = user();
        u["userPrincipalName"] = json!(upn);
        let e = create(EntityKind::User, u).unwrap_err();
        assert_eq!(e.code, "Request_BadRequest");
        assert_eq!(e.message, UPN_DOMAIN_REFUSED, "{upn}");
    }
    let existing = create(EntityKind::User, user()).unwrap().doc;
    let e = update(
        EntityKind::User,
        &existing,
        json!({"userPrincipalName": "ada@gmail.com"}),
    );
    assert_eq!(e.unwrap_err().message, UPN_DOMAIN_REFUSED);
    // A PATCH that leaves the name alone does not re-judge it.
    assert!(update(EntityKind::User, &existing, json!({"displayName": "Ada L"})).is_ok());
}

#[test]
fn passwords_follow_the_default_policy() {
    let upn = Some("ada.king@contoso.edu");
    for ok in [
        "S3cret!pw",
        "correct horse 9",
        "ALLCAPS-99",
        "lower-case-and-1",
        "Abcdefg1",
    ] {
        assert!(check_password(ok, upn, None).is_ok(), "{ok}");
    }
    for (bad, why) in [
        ("Sh0rt!", "this one has 6"),
        ("alllowercase", "three of"),
        ("ALLUPPER123", "three of"),
        ("12345678!!", "three of"),
        ("Pässw0rd!", "A-Z"),
        ("My-Ada.King-1", "alias"),
    ] {
        let e = check_password(bad, upn, None).unwrap_err();
        assert_eq!(e.code, "Request_BadRequest");
        assert!(
            e.message.starts_with(super::password::PASSWORD_REFUSED),
            "{bad}"
        );
        assert!(e.message.contains(why), "{bad}: {}", e.message);
    }
    assert!(check_password(&"Aa1!".repeat(64), upn, None).is_ok());
    assert!(check_password(&"Aa1!".repeat(65), upn, None)
        .unwrap_err()
        .message
        .contains("256"));
    // A one- or two-letter alias is not searched for.
    assert!(check_password("Bob-is-1!", Some("b@contoso.edu"), None).is_ok());
}

#[test]
fn disable_strong_password_keeps_only_the_length_limits() {
    let upn = Some("ada@contoso.edu");
    for policies in [
        "DisableStrongPassword",
        "DisablePasswordExpiration, disablestrongpassword",
    ] {
        assert!(check_password("password", upn, Some(policies)).is_ok());
        assert!(check_password("ada-ada-ada", upn, Some(policies)).is_ok());
        assert!(check_password("short", upn, Some(policies)).is_err());
        assert!(check_password(&"x".repeat(257), upn, Some(policies)).is_err());
    }
    assert!(check_password("password", upn, Some("DisablePasswordExpiration")).is_err());
}

#[test]
fn the_policy_applies_on_create_and_patch_with_the_merged_user() {
    let mut u = user();
    u["passwordProfile"] = json!({"password": "password"});
    assert!(create(EntityKind::User, u.clone())
        .unwrap_err()
        .message
        .starts_with(super::password::PASSWORD_REFUSED));
    u["passwordPolicies"] = json!("DisableStrongPassword");
    let weak = create(EntityKind::User, u).unwrap().doc;
    // The stored policy lets a weak password through on PATCH too ...
    assert!(update(
        EntityKind::User,
        &weak,
        json!({"passwordProfile": {"password": "letmein!"}})
    )
    .is_ok());
    // ... and a PATCH that drops it is judged without it.
    let e = update(
        EntityKind::User,
        &weak,
        json!({"passwordPolicies": "None", "passwordProfile": {"password": "letmein!"}}),
    );
    assert!(e.is_err());
    let strong = create(EntityKind::User, user()).unwrap().doc;
    assert!(update(
        EntityKind::User,
        &strong,
        json!({"passwordProfile": {"password": "letmein!"}})
    )
    .is_err());
    // The alias of a principal name changed in the same PATCH counts.
    let e = update(
        EntityKind::User,
        &strong,
        json!({"userPrincipalName": "grace@contoso.edu", "passwordProfile": {"password": "Grace-2024"}}),
    );
    assert!(e.unwrap_err().message.contains("alias"));
}

#[test]
fn demo_personas_and_documents_pass_the_rules() {
    use crate::demo::{DemoPlan, DemoSize};
    for seed in 0..64 {
        let plan = DemoPlan::new(seed, DemoSize::Small);
        let upns = [&plan.teacher_upn, &plan.student_upn, &plan.admin_upn];
        for (upn, (_, password)) in upns.iter().zip(&plan.passwords) {
            check_password(password, Some(upn), None)
                .unwrap_or_else(|e| panic!("seed {seed} {upn}: {e}"));
        }
        if seed < 4 {
            let domains = vec![plan.tenant.domain.clone()];
            for batch in plan.batches() {
                for (kind, doc) in &batch.entities {
                    let Value::Object(map) = doc else { panic!() };
                    limits::check_lengths(*kind, map)
                        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                    if let Some(upn) = map.get("userPrincipalName").and_then(Value::as_str) {
                        UserPrincipalName::parse(upn)
                            .unwrap()
                            .check_domain(&domains)
                            .unwrap();
                    }
                }
            }
        }
    }
}

#[test]
fn docs_limits_lists_every_length_limit() {
    let doc = include_str!("../../../../docs/limits.md");
    let thousands = |n: usize| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    for row in MAX_LENGTHS {
        let line = format!(
            "| {} | `{}` | {} |",
            row.kind.type_name(),
            row.path,
            thousands(row.max)
        );
        assert!(doc.contains(&line), "docs/limits.md lacks {line}");
    }
    assert!(doc.contains(&thousands(DEFAULT_MAX_LENGTH)));
}
