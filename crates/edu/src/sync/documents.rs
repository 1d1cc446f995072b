//! Roster records as Graph properties (ROSTER-CSV.md §7): what a school, class or user
//! document says according to the files. A value the files leave empty is `null` here;
//! [`present`] keeps only what the files do say, which is what an update overwrites, so a
//! format without a column (SDS v2.1 has no school address) never clears a value.

use std::collections::HashMap;

use edugraph_rostering::{
    Address, Course, Gender, Person, PersonRole, RecordStatus, Relationship, School, Section, Term,
};
use serde_json::{json, Map, Value};

/// The `externalSource` of everything the sync writes.
pub(super) const SIS: &str = "sis";

fn opt(v: &Option<String>) -> Value {
    v.as_deref().map_or(Value::Null, |s| json!(s))
}

fn address(a: &Option<Address>) -> Value {
    match a {
        Some(a) => json!({
            "city": opt(&a.city),
            "countryOrRegion": opt(&a.country),
            "postalCode": opt(&a.postal_code),
            "state": opt(&a.state),
            "street": opt(&a.street),
        }),
        None => Value::Null,
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub(super) fn school(s: &School) -> Map<String, Value> {
    object(json!({
        "displayName": s.name,
        "externalSource": SIS,
        "address": address(&s.address),
        "externalId": s.sis_id,
        "externalPrincipalId": opt(&s.principal_sis_id),
        "highestGrade": opt(&s.grade_high),
        "lowestGrade": opt(&s.grade_low),
        "phone": opt(&s.phone),
        "principalEmail": opt(&s.principal_email),
        "principalName": opt(&s.principal_name),
        "schoolNumber": opt(&s.number),
    }))
}

/// A class; `term` is the section's first session, `course` its course.
pub(super) fn class(
    s: &Section,
    term: Option<&Term>,
    course: Option<&Course>,
) -> Map<String, Value> {
    let grade = s
        .grades
        .first()
        .or_else(|| course.and_then(|c| c.grades.first()));
    let term = term.map_or(Value::Null, |t| {
        json!({
            "displayName": opt(&t.name),
            "endDate": t.end_date.map(|d| d.to_string()),
            "externalId": t.sis_id,
            "startDate": t.start_date.map(|d| d.to_string()),
        })
    });
    let course_doc = course.map_or(Value::Null, |c| {
        json!({
            "courseNumber": opt(&c.code),
            "description": opt(&c.description),
            "displayName": opt(&c.name),
            "externalId": c.sis_id,
            "subject": c.subjects.first().or(s.subjects.first()),
        })
    });
    object(json!({
        "classCode": opt(&s.code),
        "course": course_doc,
        "description": course.map_or(Value::Null, |c| opt(&c.description)),
        "displayName": s.name,
        "externalId": s.sis_id,
        "externalName": s.name,
        "externalSource": SIS,
        "grade": grade,
        "term": term,
    }))
}

/// A user; `upn` and `nickname` only on creation (the sync never renames an account).
pub(super) fn user(
    p: &Person,
    naming: Option<(&str, &str)>,
    contacts: Option<Vec<Value>>,
) -> Map<String, Value> {
    let enabled = p.enabled.unwrap_or(true) && p.change.status != Some(RecordStatus::ToBeDeleted);
    let names: Vec<&str> = [&p.given_name, &p.family_name]
        .into_iter()
        .filter_map(|n| n.as_deref())
        .collect();
    let display = if names.is_empty() {
        p.username.clone().unwrap_or_else(|| p.sis_id.clone())
    } else {
        names.join(" ")
    };
    let (role, student, teacher) = match p.role {
        PersonRole::Student => (
            "student",
            json!({
                "birthDate": p.birth_date.map(|d| d.to_string()),
                "externalId": p.sis_id,
                "gender": p.gender.and_then(gender),
                "grade": opt(&p.grade),
                "graduationYear": p.graduation_year.map(|y| y.to_string()),
                "studentNumber": opt(&p.number),
            }),
            Value::Null,
        ),
        _ => (
            "teacher",
            Value::Null,
            json!({"externalId": p.sis_id, "teacherNumber": opt(&p.number)}),
        ),
    };
    let mut doc = object(json!({
        "accountEnabled": enabled,
        "displayName": display,
        "externalSource": SIS,
        "givenName": opt(&p.given_name),
        "mailingAddress": address(&p.mailing_address),
        "middleName": opt(&p.middle_name),
        "mobilePhone": opt(&p.sms.clone().or_else(|| p.phone.clone())),
        "primaryRole": role,
        "residenceAddress": address(&p.residence_address),
        "student": student,
        "surname": opt(&p.family_name),
        "teacher": teacher,
    }));
    if let Some((upn, nickname)) = naming {
        doc.insert("userPrincipalName".into(), json!(upn));
        doc.insert("mail".into(), json!(upn));
        doc.insert("mailNickname".into(), json!(nickname));
    }
    if let Some(contacts) = contacts {
        doc.insert("relatedContacts".into(), Value::Array(contacts));
    }
    doc
}

fn gender(g: Gender) -> Option<&'static str> {
    match g {
        Gender::Female => Some("female"),
        Gender::Male => Some("male"),
        Gender::Other => Some("other"),
        Gender::Unspecified => None,
    }
}

/// Graph's `contactRelationship` members; other roster roles become `other`.
const RELATIONSHIPS: &[&str] = &[
    "parent", "relative", "aide", "doctor", "guardian", "child", "other",
];

/// The `relatedContacts` of each student, keyed by the student's id. Contacts without an
/// email are left out: Graph requires `emailAddress`.
pub(super) fn related_contacts(
    relationships: &[Relationship],
    persons: &HashMap<&str, &Person>,
) -> HashMap<String, Vec<Value>> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for r in relationships {
        let Some(c) = persons.get(r.contact_id.as_str()) else {
            continue;
        };
        let Some(email) = c.email.as_deref() else {
            continue;
        };
        let names: Vec<&str> = [&c.given_name, &c.family_name]
            .into_iter()
            .filter_map(|n| n.as_deref())
            .collect();
        let relationship = if RELATIONSHIPS.contains(&r.role.as_str()) {
            r.role.as_str()
        } else {
            "other"
        };
        out.entry(r.person_id.clone()).or_default().push(json!({
            "accessConsent": null,
            "displayName": if names.is_empty() { email.to_string() } else { names.join(" ") },
            "emailAddress": email,
            "mobilePhone": opt(&c.sms.clone().or_else(|| c.phone.clone())),
            "relationship": relationship,
        }));
    }
    out
}

/// The properties the files say something about: nulls removed, nested objects kept
/// only with their non-null members.
pub(super) fn present(props: Map<String, Value>) -> Map<String, Value> {
    props
        .into_iter()
        .filter_map(|(k, v)| match v {
            Value::Null => None,
            Value::Object(m) => {
                let m = present(m);
                (!m.is_empty()).then_some((k, Value::Object(m)))
            }
            v => Some((k, v)),
        })
        .collect()
}

/// Writes `props` over `doc`: nested objects merge (a null one is replaced), the rest is
/// replaced whole.
pub(super) fn overlay(doc: &mut Map<String, Value>, props: Map<String, Value>) {
    for (name, value) in props {
        match (doc.get_mut(&name), value) {
            (Some(Value::Object(old)), Value::Object(new)) => overlay(old, new),
            (_, value) => {
                doc.insert(name, value);
            }
        }
    }
}

/// A mail nickname from free text: characters Entra refuses in aliases become `-`, at
/// most 64 characters.
pub(super) fn nickname(text: &str) -> String {
    const FORBIDDEN: &[char] = &['@', '(', ')', '\\', '[', ']', '"', ';', ':', '<', '>', ','];
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || FORBIDDEN.contains(&c) || !c.is_ascii() {
                '-'
            } else {
                c
            }
        })
        .take(64)
        .collect();
    if s.is_empty() {
        "class".into()
    } else {
        s
    }
}
