//! Builders for the demo's Graph documents. Each takes everything it needs as plain
//! values (ids, numbers, an entity-local random generator) so that one entity's document
//! never depends on the order in which others were generated.

use super::names::*;
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Map, Value};

/// School-year constants shared by every demo document; fixed so that documents are
/// byte-identical between runs (never derived from the wall clock).
const SCHOOL_YEAR_END: i32 = 2025;

/// The identity set of an object created by synchronisation rather than by a signed-in
/// user: Graph still emits the full object, with a null user id.
pub(super) fn system_identity() -> Value {
    json!({"application": null, "device": null, "user": {"id": null, "displayName": null}})
}

/// School level: decides the grade range and the subjects taught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Elementary,
    Middle,
    High,
}

impl Level {
    /// Grades as numbers, kindergarten = 0.
    pub(super) fn grades(self) -> (u32, u32) {
        match self {
            Level::Elementary => (0, 5),
            Level::Middle => (6, 8),
            Level::High => (9, 12),
        }
    }
    fn label(self) -> &'static str {
        match self {
            Level::Elementary => "Elementary School",
            Level::Middle => "Middle School",
            Level::High => "High School",
        }
    }
    pub(super) fn subjects(self) -> &'static [&'static str] {
        match self {
            Level::Elementary => ELEMENTARY_SUBJECTS,
            Level::Middle => MIDDLE_SUBJECTS,
            Level::High => HIGH_SUBJECTS,
        }
    }
}

/// Graph's grade strings: `KG` for kindergarten, else the number.
pub(super) fn grade_label(grade: u32) -> String {
    if grade == 0 {
        "KG".to_string()
    } else {
        grade.to_string()
    }
}

/// Lower-case ASCII letters and digits only, for nicknames and addresses.
pub(super) fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

/// What the tenant-wide pieces of every document need.
#[derive(Debug, Clone)]
pub(super) struct TenantInfo {
    pub domain: String,
    pub city: &'static str,
    pub state: &'static str,
    /// First three digits of every postal code in the district.
    pub zip_prefix: u32,
}

pub(super) struct SchoolSpec {
    pub number: usize,
    pub name: String,
    pub level: Level,
}

/// The properties of a school (the caller wraps them into a stored document).
pub(super) fn school(t: &TenantInfo, s: &SchoolSpec, rng: &mut StdRng) -> Map<String, Value> {
    let (lo, hi) = s.level.grades();
    let principal_first = if rng.gen_bool(0.5) {
        pick(rng, FEMALE_GIVEN)
    } else {
        pick(rng, MALE_GIVEN)
    };
    let principal_last = pick(rng, SURNAMES);
    let street = format!(
        "{} {} {}",
        rng.gen_range(100..9999),
        pick(rng, STREETS),
        pick(rng, STREET_KINDS)
    );
    let display = format!("{} {}", s.name, s.level.label());
    props(json!({
        "description": format!("{} serving grades {} to {}.", display, grade_label(lo), grade_label(hi)),
        "displayName": display,
        "externalSource": "sis",
        "address": {
            "city": t.city,
            "countryOrRegion": "US",
            "postalCode": format!("{}{:02}", t.zip_prefix, rng.gen_range(1..100)),
            "state": t.state,
            "street": street,
        },
        "createdBy": system_identity(),
        "externalId": format!("SCH-{:04}", s.number),
        "externalPrincipalId": format!("PRN-{:04}", s.number),
        "fax": format!("+1 555 01{:02} {:04}", s.number % 100, 9000 + s.number % 1000),
        "highestGrade": grade_label(hi),
        "lowestGrade": grade_label(lo),
        "phone": format!("+1 555 01{:02} {:04}", s.number % 100, 1000 + s.number % 1000),
        "principalEmail": format!("{}.{}@{}", slug(principal_first), slug(principal_last), t.domain),
        "principalName": format!("{principal_first} {principal_last}"),
        "schoolNumber": format!("{:04}", s.number),
    }))
}

fn props(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The education-specific part of a user.
pub(super) enum Role {
    Teacher { number: usize },
    Student { number: usize, grade: u32 },
    Admin,
}

pub(super) struct UserSpec {
    /// The `N` of `first.last.N@domain`, unique in the tenant.
    pub number: usize,
    pub role: Role,
}

/// The mail nickname of the demo administrator (its UPN is this at the tenant domain).
pub(crate) const ADMIN_NICKNAME: &str = "district.admin";

/// The properties of a user, and its `userPrincipalName`. `valid_from` is the formatted
/// `refreshTokensValidFromDateTime`.
pub(super) fn user(
    t: &TenantInfo,
    u: &UserSpec,
    valid_from: &str,
    rng: &mut StdRng,
) -> (Map<String, Value>, String) {
    // Gender drives the name list; "other" is rare and takes any list.
    let roll = rng.gen_range(0..100);
    let gender = match roll {
        0..=48 => "female",
        49..=97 => "male",
        _ => "other",
    };
    let given = match (gender, rng.gen_bool(0.5)) {
        ("female", _) | ("other", true) => pick(rng, FEMALE_GIVEN),
        _ => pick(rng, MALE_GIVEN),
    };
    let (given, surname) = match u.role {
        Role::Admin => ("District", "Administrator"),
        _ => (given, pick(rng, SURNAMES)),
    };
    let nickname = match u.role {
        Role::Admin => ADMIN_NICKNAME.to_string(),
        _ => format!("{}.{}.{}", slug(given), slug(surname), u.number),
    };
    let upn = format!("{nickname}@{}", t.domain);
    let (role, student, teacher) = match u.role {
        Role::Teacher { number } => (
            "teacher",
            Value::Null,
            json!({"externalId": format!("TCH-{number:05}"), "teacherNumber": format!("T{number:05}")}),
        ),
        Role::Student { number, grade } => {
            // Age on 1 September of the school year is grade + 5 (kindergarten at five):
            // born from September six years before the grade's school year ends.
            let born = SCHOOL_YEAR_END - 6 - grade as i32;
            let (year, month) = if rng.gen_bool(2.0 / 3.0) {
                (born, rng.gen_range(1..=8))
            } else {
                (born - 1, rng.gen_range(9..=12))
            };
            let birth = format!("{year}-{month:02}-{:02}", rng.gen_range(1..=28));
            (
                "student",
                json!({
                    "birthDate": birth,
                    "externalId": format!("STU-{number:06}"),
                    "gender": gender,
                    "grade": grade_label(grade),
                    "graduationYear": (SCHOOL_YEAR_END + 12 - grade as i32).to_string(),
                    "studentNumber": format!("S{number:06}"),
                }),
                Value::Null,
            )
        }
        Role::Admin => ("none", Value::Null, Value::Null),
    };
    let doc = json!({
        "accountEnabled": true,
        "assignedLicenses": [],
        "assignedPlans": [],
        "businessPhones": [],
        "createdBy": system_identity(),
        "displayName": format!("{given} {surname}"),
        "externalSource": "sis",
        "givenName": given,
        "mail": upn,
        "mailNickname": nickname,
        "preferredLanguage": "en-US",
        "primaryRole": role,
        "provisionedPlans": [],
        "refreshTokensValidFromDateTime": valid_from,
        "student": student,
        "surname": surname,
        "teacher": teacher,
        "usageLocation": "US",
        "userPrincipalName": upn,
        "userType": "Member",
    });
    (props(doc), upn)
}

pub(super) struct ClassSpec {
    /// Global class number, unique in the tenant.
    pub number: usize,
    /// Section within its school, for display names.
    pub section: usize,
    pub school_number: usize,
    pub level: Level,
    pub grade: u32,
}

/// The properties of a class.
pub(super) fn class(c: &ClassSpec, rng: &mut StdRng) -> Map<String, Value> {
    let subject = pick(rng, c.level.subjects());
    let grade = grade_label(c.grade);
    let display = format!("{subject} - Grade {grade} - Section {}", c.section + 1);
    let code: String = subject
        .split_whitespace()
        .map(|w| &w[..w.len().min(3)])
        .collect::<String>()
        .to_uppercase();
    // High schools run semesters; the others run the whole year.
    let (term_name, term_id, start, end) = match (c.level, rng.gen_bool(0.5)) {
        (Level::High, true) => ("Fall 2024", "TERM-2024-FA", "2024-08-26", "2025-01-17"),
        (Level::High, false) => ("Spring 2025", "TERM-2025-SP", "2025-01-21", "2025-06-13"),
        _ => ("2024-2025", "TERM-2024-FY", "2024-08-26", "2025-06-13"),
    };
    props(json!({
        "classCode": format!("{code}{grade}-{}", c.section + 1),
        "createdBy": system_identity(),
        "description": format!("{subject} for grade {grade}, section {}.", c.section + 1),
        "displayName": display,
        "externalId": format!("CLS-{:06}", c.number),
        "externalName": display,
        "externalSource": "sis",
        "grade": grade,
        "mailNickname": format!("{}-s{:04}-c{:06}", slug(subject), c.school_number, c.number),
        "term": {
            "displayName": term_name,
            "endDate": end,
            "externalId": term_id,
            "startDate": start,
        },
    }))
}
