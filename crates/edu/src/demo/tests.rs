//! Tests of the demo generator: determinism, sizes, uniqueness and referential integrity.

use super::*;
use edugraph_odata::{ApiVersion, Schema};
use std::collections::{HashMap, HashSet};

fn str_at<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = doc;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str()
}

#[test]
fn same_seed_gives_identical_output_and_different_seed_differs() {
    let a = generate(7, DemoSize::Small);
    let b = generate(7, DemoSize::Small);
    assert_eq!(a, b);
    // Serialised bytes too, so key order is part of determinism.
    let bytes = |d: &Demo| {
        d.entities
            .iter()
            .map(|(_, v)| v.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(bytes(&a), bytes(&b));
    let c = generate(8, DemoSize::Small);
    assert_ne!(a.tenant.id, c.tenant.id);
    assert_ne!(a.teacher_id, c.teacher_id);
    assert_ne!(bytes(&a), bytes(&c));
}

#[test]
fn tenant_id_is_a_v5_uuid_of_the_seed() {
    let d = generate(42, DemoSize::Small);
    let id = uuid::Uuid::parse_str(&d.tenant.id).unwrap();
    assert_eq!(id.get_version_num(), 5);
    assert_eq!(DemoPlan::new(42, DemoSize::District).tenant, d.tenant);
}

#[test]
fn small_has_the_advertised_sizes_and_shapes() {
    let d = generate(1, DemoSize::Small);
    let count = |k| d.entities.iter().filter(|(kind, _)| *kind == k).count();
    assert_eq!(count(EntityKind::School), 3);
    assert_eq!(count(EntityKind::Class), 8);
    assert_eq!(count(EntityKind::User), 6 + 30 + 1);
    let roles = |r: &str| {
        d.entities
            .iter()
            .filter(|(_, v)| v["primaryRole"] == r)
            .count()
    };
    assert_eq!(
        (roles("teacher"), roles("student"), roles("none")),
        (6, 30, 1)
    );
    for (kind, doc) in &d.entities {
        let map = doc.as_object().unwrap();
        let keys: Vec<&String> = map.keys().take(2).collect();
        assert_eq!(keys, ["@odata.type", "id"], "{doc}");
        let ty = format!("#microsoft.graph.{}", kind.type_name());
        assert_eq!(doc["@odata.type"], ty.as_str());
        let id = uuid::Uuid::parse_str(doc["id"].as_str().unwrap()).unwrap();
        assert_eq!(id.get_version_num(), 4);
        // Complete: every property of the type is present, null when unset.
        let props = &Schema::get(ApiVersion::V1)
            .entity_type(kind.type_name())
            .unwrap()
            .properties;
        assert_eq!(map.len(), props.len() + 1, "{doc}");
        assert!(props.iter().all(|p| map.contains_key(&p.name)));
        assert!(
            map.get("passwordProfile").is_none_or(Value::is_null),
            "{doc}"
        );
    }
}

#[test]
fn users_carry_the_education_and_directory_properties() {
    let d = generate(3, DemoSize::Small);
    let users: Vec<&Value> = d
        .entities
        .iter()
        .filter(|(k, _)| *k == EntityKind::User)
        .map(|(_, v)| v)
        .collect();
    for u in &users {
        assert_eq!(u["accountEnabled"], true);
        assert_eq!(u["userType"], "Member");
        assert_eq!(u["mail"], u["userPrincipalName"]);
        assert!(u["userPrincipalName"]
            .as_str()
            .unwrap()
            .ends_with(&format!("@{}", d.tenant.domain)));
        assert_eq!(u["createdBy"]["user"]["id"], Value::Null);
        assert!(u["assignedLicenses"].as_array().unwrap().is_empty());
    }
    let student = users
        .iter()
        .find(|u| u["id"] == d.student_id.as_str())
        .unwrap();
    assert_eq!(student["userPrincipalName"], d.student_upn.as_str());
    let keys: HashSet<&str> = student["student"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let want: HashSet<&str> = [
        "birthDate",
        "externalId",
        "gender",
        "grade",
        "graduationYear",
        "studentNumber",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, want);
    assert!(student["teacher"].is_null());
    let teacher = users
        .iter()
        .find(|u| u["id"] == d.teacher_id.as_str())
        .unwrap();
    assert_eq!(teacher["primaryRole"], "teacher");
    assert!(str_at(teacher, &["teacher", "externalId"])
        .unwrap()
        .starts_with("TCH-"));
    // `first.last.N@domain`
    let upn = d.teacher_upn.split('@').next().unwrap();
    assert_eq!(upn.split('.').count(), 3, "{upn}");
    let admin = users
        .iter()
        .find(|u| u["id"] == d.admin_id.as_str())
        .unwrap();
    assert_eq!(admin["primaryRole"], "none");
    assert!(admin["student"].is_null() && admin["teacher"].is_null());
    assert_eq!(admin["userPrincipalName"], d.admin_upn.as_str());
}

#[test]
fn personas_have_passwords_and_the_teacher_teaches_the_student() {
    let d = generate(5, DemoSize::Small);
    let ids: Vec<&str> = d.passwords.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            d.teacher_id.as_str(),
            d.student_id.as_str(),
            d.admin_id.as_str()
        ]
    );
    assert!(d.passwords.iter().all(|(_, pw)| pw.len() >= 12));
    let taught: HashSet<&str> = d
        .links
        .iter()
        .filter(|(r, _, to)| *r == Relation::ClassTeachers && *to == d.teacher_id)
        .map(|(_, c, _)| c.as_str())
        .collect();
    assert!(d.links.iter().any(|(r, c, to)| *r == Relation::ClassMembers
        && *to == d.student_id
        && taught.contains(c.as_str())));
}

/// Checks every property the tests promise on a full tenant; returns membership count.
fn check_integrity(d: &Demo) -> usize {
    let mut kinds: HashMap<&str, EntityKind> = HashMap::new();
    for (kind, doc) in &d.entities {
        assert!(
            kinds.insert(doc["id"].as_str().unwrap(), *kind).is_none(),
            "duplicate id"
        );
    }
    let unique = |what: &str, values: Vec<String>| {
        let n = values.len();
        let lower: HashSet<String> = values.into_iter().map(|v| v.to_lowercase()).collect();
        assert_eq!(lower.len(), n, "{what} not unique");
    };
    let of = |k: EntityKind| {
        d.entities
            .iter()
            .filter(move |(kind, _)| *kind == k)
            .map(|(_, v)| v)
    };
    unique(
        "upn",
        of(EntityKind::User)
            .map(|u| u["userPrincipalName"].as_str().unwrap().to_string())
            .collect(),
    );
    let nicks = of(EntityKind::User).chain(of(EntityKind::Class));
    unique(
        "mailNickname",
        nicks
            .map(|u| u["mailNickname"].as_str().unwrap().to_string())
            .collect(),
    );
    let ext = of(EntityKind::School)
        .chain(of(EntityKind::Class))
        .filter_map(|v| v["externalId"].as_str())
        .chain(of(EntityKind::User).filter_map(|u| str_at(u, &["student", "externalId"])))
        .chain(of(EntityKind::User).filter_map(|u| str_at(u, &["teacher", "externalId"])));
    unique("externalId", ext.map(str::to_string).collect());

    let mut seen_links = HashSet::new();
    let mut members: HashSet<(&str, &str)> = HashSet::new();
    let mut teachers_per_class: HashMap<&str, usize> = HashMap::new();
    for (rel, from, to) in &d.links {
        let (a, b) = rel.ends();
        assert_eq!(kinds.get(from.as_str()), Some(&a), "{rel:?} from {from}");
        assert_eq!(kinds.get(to.as_str()), Some(&b), "{rel:?} to {to}");
        assert!(seen_links.insert((rel.name(), from, to)), "duplicate link");
        match rel {
            Relation::ClassMembers => {
                members.insert((from, to));
            }
            Relation::ClassTeachers => *teachers_per_class.entry(from).or_default() += 1,
            _ => {}
        }
    }
    for (rel, class, user) in &d.links {
        if *rel == Relation::ClassTeachers {
            assert!(
                members.contains(&(class.as_str(), user.as_str())),
                "teacher not a member"
            );
        }
    }
    for class in of(EntityKind::Class) {
        let n = teachers_per_class
            .get(class["id"].as_str().unwrap())
            .copied()
            .unwrap_or(0);
        assert!((1..=2).contains(&n), "class with {n} teachers");
    }
    // Every user but the admin, and every class, belongs to exactly one school.
    let mut school_of: HashMap<&str, usize> = HashMap::new();
    for (rel, _, to) in &d.links {
        if matches!(rel, Relation::SchoolUsers | Relation::SchoolClasses) {
            *school_of.entry(to).or_default() += 1;
        }
    }
    for (kind, doc) in &d.entities {
        let id = doc["id"].as_str().unwrap();
        let want = usize::from(*kind != EntityKind::School && id != d.admin_id);
        assert_eq!(school_of.get(id).copied().unwrap_or(0), want, "{id}");
    }
    members.len()
}

#[test]
fn small_is_referentially_sound() {
    let d = generate(11, DemoSize::Small);
    let members = check_integrity(&d);
    assert!(members >= 8 * 5, "{members}");
}

#[test]
fn district_has_the_benchmark_sizes_and_is_sound() {
    let d = generate(2, DemoSize::District);
    let count = |k| d.entities.iter().filter(|(kind, _)| *kind == k).count();
    assert_eq!(count(EntityKind::School), 239);
    assert_eq!(count(EntityKind::Class), 26_000);
    assert_eq!(count(EntityKind::User), 8_400 + 57_000 + 1);
    let members = check_integrity(&d);
    assert!(
        (440_000..=480_000).contains(&members),
        "{members} memberships"
    );
}

#[test]
fn batches_are_self_contained() {
    let plan = DemoPlan::new(9, DemoSize::Small);
    for batch in plan.batches() {
        let ids: HashSet<&str> = batch
            .entities
            .iter()
            .map(|(_, v)| v["id"].as_str().unwrap())
            .collect();
        for (_, from, to) in &batch.links {
            assert!(ids.contains(from.as_str()) && ids.contains(to.as_str()));
        }
    }
}

#[test]
fn sizes_parse_and_print() {
    assert_eq!("small".parse::<DemoSize>(), Ok(DemoSize::Small));
    assert_eq!("District".parse::<DemoSize>(), Ok(DemoSize::District));
    assert!("huge".parse::<DemoSize>().unwrap_err().contains("huge"));
    assert_eq!(DemoSize::District.to_string(), "district");
    assert_eq!(DemoSize::default(), DemoSize::Small);
}
