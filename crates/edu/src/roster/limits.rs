//! String length limits of roster properties, as data: one row per (entity type, property
//! path, maximum length in characters). Rows marked Entra are the limits Graph documents
//! for the directory object behind the entity (user, group); the others are edugraph's
//! choice, generous enough for any real roster. A string property without a row gets
//! [`DEFAULT_MAX_LENGTH`], so no property can hold megabytes. Checked on every create and
//! update body before anything is stored; docs/limits.md lists the table.

use edugraph_store::EntityKind;
use serde_json::{Map, Value};

use super::RuleError;

/// One limit: `path` is the property path with `/` between segments
/// (`student/externalId`); the elements of a string collection share their collection's
/// path (`businessPhones`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxLength {
    pub kind: EntityKind,
    pub path: &'static str,
    pub max: usize,
}

/// Any string property without a row in [`MAX_LENGTHS`].
pub const DEFAULT_MAX_LENGTH: usize = 1024;

/// Paths with rules of their own, skipped here (the password's length belongs to the
/// password policy, which answers with Entra's password message).
const OWN_RULES: &[&str] = &["passwordProfile/password"];

const fn row(kind: EntityKind, path: &'static str, max: usize) -> MaxLength {
    MaxLength { kind, path, max }
}

use EntityKind::{Class, School, User};

#[rustfmt::skip]
pub static MAX_LENGTHS: &[MaxLength] = &[
    // educationUser: Entra's user limits.
    row(User, "displayName", 256),
    row(User, "givenName", 64),
    row(User, "surname", 64),
    row(User, "mailNickname", 64),
    row(User, "userPrincipalName", 113),
    row(User, "department", 64),
    row(User, "mobilePhone", 64),
    row(User, "businessPhones", 64),
    row(User, "usageLocation", 2),
    row(User, "mailingAddress/street", 1024),
    row(User, "mailingAddress/city", 128),
    row(User, "mailingAddress/state", 128),
    row(User, "mailingAddress/postalCode", 40),
    row(User, "mailingAddress/countryOrRegion", 128),
    row(User, "residenceAddress/street", 1024),
    row(User, "residenceAddress/city", 128),
    row(User, "residenceAddress/state", 128),
    row(User, "residenceAddress/postalCode", 40),
    row(User, "residenceAddress/countryOrRegion", 128),
    // educationUser: edugraph's choice, in line with the names above.
    row(User, "middleName", 64),
    row(User, "officeLocation", 128),
    row(User, "student/externalId", 256),
    row(User, "student/studentNumber", 64),
    row(User, "student/grade", 64),
    row(User, "student/graduationYear", 16),
    row(User, "teacher/externalId", 256),
    row(User, "teacher/teacherNumber", 64),
    // educationClass: Entra's group limits for the group behind the class.
    row(Class, "displayName", 256),
    row(Class, "mailNickname", 64),
    row(Class, "description", 1024),
    // educationClass: edugraph's choice.
    row(Class, "externalId", 256),
    row(Class, "externalName", 256),
    row(Class, "classCode", 256),
    row(Class, "grade", 64),
    row(Class, "term/displayName", 256),
    row(Class, "term/externalId", 256),
    row(Class, "course/displayName", 256),
    row(Class, "course/externalId", 256),
    row(Class, "course/courseNumber", 64),
    row(Class, "course/subject", 256),
    // educationSchool: edugraph's choice (the directory has no object behind a school).
    row(School, "displayName", 256),
    row(School, "description", 1024),
    row(School, "externalId", 256),
    row(School, "externalPrincipalId", 256),
    row(School, "principalName", 256),
    row(School, "principalEmail", 256),
    row(School, "schoolNumber", 64),
    row(School, "phone", 64),
    row(School, "fax", 64),
    row(School, "highestGrade", 64),
    row(School, "lowestGrade", 64),
    row(School, "address/street", 1024),
    row(School, "address/city", 128),
    row(School, "address/state", 128),
    row(School, "address/postalCode", 40),
    row(School, "address/countryOrRegion", 128),
];

/// The most characters `path` of `kind` may hold.
pub fn max_length(kind: EntityKind, path: &str) -> usize {
    MAX_LENGTHS
        .iter()
        .find(|r| r.kind == kind && r.path == path)
        .map_or(DEFAULT_MAX_LENGTH, |r| r.max)
}

/// Refuses the first string of `body` (at any depth) longer than its limit, naming the
/// property, its length and the limit.
pub fn check_lengths(kind: EntityKind, body: &Map<String, Value>) -> Result<(), RuleError> {
    for (name, value) in body {
        check_value(kind, name, value)?;
    }
    Ok(())
}

fn check_value(kind: EntityKind, path: &str, value: &Value) -> Result<(), RuleError> {
    match value {
        Value::String(s) if !OWN_RULES.contains(&path) => {
            let max = max_length(kind, path);
            // A string of at most `max` bytes has at most `max` characters: most values
            // are decided without counting.
            if s.len() > max && s.chars().nth(max).is_some() {
                return Err(RuleError::directory(format!(
                    "Invalid value specified for property '{path}' of resource '{}': it is {} characters long; at most {max} are allowed.",
                    kind.type_name(),
                    s.chars().count()
                )));
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_value(kind, path, v)),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| check_value(kind, &format!("{path}/{k}"), v)),
        _ => Ok(()),
    }
}
