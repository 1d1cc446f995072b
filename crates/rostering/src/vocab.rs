//! Value lists shared by the formats (the SDS "default list of values" and OneRoster's
//! vocabularies), and how roles map onto [`PersonRole`].

use crate::model::{EnrollmentRole, PersonRole};

pub(crate) const SDS_ORG_TYPES: &[&str] = &[
    "school",
    "ministryOfEducation",
    "localAuthority",
    "department",
    "university",
    "region",
    "district",
    "college",
    "division",
    "local",
    "campus",
    "province",
    "state",
    "adultEducation",
    "researchCenter",
    "national",
    "municipality",
    "program",
    "departmentOfEducation",
    "academicTrust",
];

/// SDS org user roles of the staff group (all count as teachers for Graph).
pub(crate) const SDS_STAFF_ROLES: &[&str] = &[
    "principal",
    "chair",
    "professor",
    "researcher",
    "adjunct",
    "affiliate",
    "occupationalTherapist",
    "physicalTherapist",
    "speechTherapist",
    "visionTherapist",
    "paraprofessional",
    "specialServices",
    "advisor",
    "proctor",
    "nurse",
    "officeStaff",
    "lecturer",
    "itAdmin",
    "administrator",
    "teacher",
    "faculty",
    "staff",
    "teacherAssistant",
    "assistant",
    "instructor",
    "substitute",
    "coach",
    "alumni",
];

pub(crate) const SDS_SESSION_TYPES: &[&str] =
    &["schoolYear", "semester", "term", "gradingPeriod", "quarter"];
pub(crate) const CONTACT_ROLES: &[&str] =
    &["parent", "guardian", "relative", "aide", "doctor", "other"];
pub(crate) const SEXES: &[&str] = &["male", "female", "other", "unspecified", "notSelected"];

pub(crate) const OR_ORG_TYPES: &[&str] = &[
    "department",
    "school",
    "district",
    "local",
    "state",
    "national",
];
pub(crate) const OR_SESSION_TYPES: &[&str] = &["gradingPeriod", "semester", "schoolYear", "term"];
pub(crate) const OR_CLASS_TYPES: &[&str] = &["homeroom", "scheduled"];
pub(crate) const OR11_ROLES: &[&str] = &[
    "administrator",
    "aide",
    "guardian",
    "parent",
    "proctor",
    "relative",
    "student",
    "teacher",
];
pub(crate) const OR12_ROLES: &[&str] = &[
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
];
pub(crate) const OR_ENROLLMENT_ROLES: &[&str] = &["administrator", "proctor", "student", "teacher"];
pub(crate) const OR_ROLE_TYPES: &[&str] = &["primary", "secondary"];

/// All formats' role words onto Graph's view: students, staff (teachers), contacts, other.
pub(crate) fn person_role(role: &str) -> PersonRole {
    match role {
        "student" => PersonRole::Student,
        "parent" | "guardian" | "relative" => PersonRole::Guardian,
        r if SDS_STAFF_ROLES.contains(&r) || OR12_ROLES.contains(&r) || OR11_ROLES.contains(&r) => {
            PersonRole::Teacher
        }
        _ => PersonRole::Other,
    }
}

pub(crate) fn enrollment_role(role: &str) -> EnrollmentRole {
    match person_role(role) {
        PersonRole::Student => EnrollmentRole::Student,
        PersonRole::Teacher => EnrollmentRole::Teacher,
        _ => EnrollmentRole::Other,
    }
}

/// The SDS v1 sex/gender spellings and OneRoster/SDS v2.1 ones onto [`crate::Gender`].
pub(crate) fn gender(s: &str) -> crate::model::Gender {
    use crate::model::Gender;
    match s {
        "male" | "M" => Gender::Male,
        "female" | "F" => Gender::Female,
        "other" => Gender::Other,
        _ => Gender::Unspecified,
    }
}
