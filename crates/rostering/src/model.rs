//! The normalized roster: one shape whatever the input format, holding what a sync needs.
//!
//! Identifiers are kept as strings exactly as received (after trimming): `007` and `7` are
//! different ids. References between entities are by those ids; every reference left in a
//! [`Roster`] resolves (dangling ones were reported and dropped while reading).

use std::collections::BTreeMap;
use std::sync::Arc;

use time::{Date, OffsetDateTime};

/// Where a record came from, for reports back to the administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Arc<str>,
    /// 1-based physical line where the record starts.
    pub line: u64,
}

/// OneRoster's per-record `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    Active,
    ToBeDeleted,
}

/// Per-record change facts; both empty outside OneRoster (and in well-formed bulk files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub status: Option<RecordStatus>,
    pub date_last_modified: Option<OffsetDateTime>,
}

/// OneRoster manifest mode of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    Absent,
    Bulk,
    Delta,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

impl Address {
    pub(crate) fn non_empty(self) -> Option<Address> {
        (self != Address::default()).then_some(self)
    }
}

/// A school, or another organisation (district, department, ministry…) from an org file.
/// SDS v1 knows only schools.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    pub sis_id: String,
    pub name: String,
    /// camelCase org type (`school`, `district`, `ministryOfEducation`, …); `school` in v1.
    pub org_type: String,
    pub parent_id: Option<String>,
    /// School Number (v1) or OneRoster `identifier`.
    pub number: Option<String>,
    pub principal_sis_id: Option<String>,
    pub principal_name: Option<String>,
    pub principal_email: Option<String>,
    pub grade_low: Option<String>,
    pub grade_high: Option<String>,
    pub address: Option<Address>,
    pub phone: Option<String>,
    /// Other optional columns, keyed by their canonical header (`State ID`, `Zone`, …).
    pub properties: BTreeMap<String, String>,
    pub change: Change,
    pub origin: Origin,
}

impl School {
    pub fn is_school(&self) -> bool {
        self.org_type == "school"
    }
}

/// An academic session: a term in SDS v1, any `academicSessions.csv` row elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub sis_id: String,
    pub name: Option<String>,
    /// `schoolYear`, `semester`, `term`, `gradingPeriod`, …; none in v1.
    pub term_type: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub parent_id: Option<String>,
    pub school_year: Option<i32>,
    pub change: Change,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    pub sis_id: String,
    pub name: Option<String>,
    /// Course Number (v1), `code` (v2.1), `courseCode` (OneRoster).
    pub code: Option<String>,
    pub description: Option<String>,
    pub subjects: Vec<String>,
    pub subject_codes: Vec<String>,
    pub grades: Vec<String>,
    /// Owning org; none for v1 courses, which are embedded in sections.
    pub school_id: Option<String>,
    pub school_year_id: Option<String>,
    pub change: Change,
    pub origin: Origin,
}

/// A class (SDS v1 section).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub sis_id: String,
    pub school_id: String,
    pub name: String,
    /// Section Number (v1), `code` (v2.1), `classCode` (OneRoster).
    pub code: Option<String>,
    pub course_id: Option<String>,
    pub term_ids: Vec<String>,
    pub periods: Vec<String>,
    pub grades: Vec<String>,
    pub subjects: Vec<String>,
    pub location: Option<String>,
    /// OneRoster `classType` (`homeroom`, `scheduled`).
    pub class_type: Option<String>,
    pub properties: BTreeMap<String, String>,
    pub change: Change,
    pub origin: Origin,
}

/// What a person is for Graph. Staff roles of SDS v2.1 and OneRoster count as teachers;
/// parents, guardians and relatives as guardians.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonRole {
    Student,
    Teacher,
    Guardian,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
    Other,
    Unspecified,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// SIS ID / sourcedId. SDS v1 guardians (User.csv) are keyed by their lower-cased email.
    /// In v1 a student and a teacher may share an id: the pair (`role`, `sis_id`) is the key.
    pub sis_id: String,
    pub role: PersonRole,
    pub username: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub middle_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    /// Student Number / Teacher Number (v1), `userNumber` (v2.1), `identifier` (OneRoster).
    pub number: Option<String>,
    pub grade: Option<String>,
    pub birth_date: Option<Date>,
    pub gender: Option<Gender>,
    pub graduation_year: Option<i32>,
    pub phone: Option<String>,
    pub sms: Option<String>,
    pub enabled: Option<bool>,
    /// SDS v2.1 `activeDirectoryMatchId`.
    pub match_id: Option<String>,
    /// OneRoster `userIds` entries as (`type`, `id`).
    pub user_ids: Vec<(String, String)>,
    pub mailing_address: Option<Address>,
    pub residence_address: Option<Address>,
    /// SDS v2.1 `userFlags.csv` values.
    pub flags: Vec<String>,
    pub properties: BTreeMap<String, String>,
    pub change: Change,
    pub origin: Origin,
}

/// A person's place in an org: the School SIS ID of a v1 row, a v2.1/OneRoster 1.2
/// `roles.csv` row, one entry of OneRoster 1.1 `orgSourcedIds`.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub sis_id: Option<String>,
    pub person_id: String,
    pub person_role: PersonRole,
    pub school_id: String,
    /// The role as written, camelCase (`student`, `professor`, `siteAdministrator`, …).
    pub role_name: String,
    pub is_primary: Option<bool>,
    pub grade: Option<String>,
    pub term_id: Option<String>,
    pub begin_date: Option<Date>,
    pub end_date: Option<Date>,
    pub change: Change,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnrollmentRole {
    Student,
    Teacher,
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    /// OneRoster `sourcedId`; SDS files have no row id.
    pub sis_id: Option<String>,
    pub section_id: String,
    pub person_id: String,
    pub role: EnrollmentRole,
    pub role_name: String,
    pub school_id: Option<String>,
    pub primary: Option<bool>,
    pub begin_date: Option<Date>,
    pub end_date: Option<Date>,
    pub change: Change,
    pub origin: Origin,
}

/// A student ↔ contact link (v1 Guardianrelationship.csv, v2.1 relationships.csv,
/// OneRoster `agentSourcedIds`).
#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    pub person_id: String,
    pub contact_id: String,
    /// camelCase (`parent`, `guardian`, `relative`, …); `other` when the file has none.
    pub role: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Roster {
    pub schools: Vec<School>,
    pub terms: Vec<Term>,
    pub courses: Vec<Course>,
    pub sections: Vec<Section>,
    pub persons: Vec<Person>,
    pub memberships: Vec<Membership>,
    pub enrollments: Vec<Enrollment>,
    pub relationships: Vec<Relationship>,
    /// OneRoster manifest modes, keyed by the manifest's file key (`users`, `roles`, …).
    pub file_modes: BTreeMap<String, FileMode>,
}

impl Person {
    /// A person with only the key set; readers fill in what their format has.
    pub(crate) fn new(sis_id: String, role: PersonRole, origin: Origin) -> Person {
        Person {
            sis_id,
            role,
            username: None,
            given_name: None,
            family_name: None,
            middle_name: None,
            email: None,
            password: None,
            number: None,
            grade: None,
            birth_date: None,
            gender: None,
            graduation_year: None,
            phone: None,
            sms: None,
            enabled: None,
            match_id: None,
            user_ids: Vec::new(),
            mailing_address: None,
            residence_address: None,
            flags: Vec::new(),
            properties: BTreeMap::new(),
            change: Change::default(),
            origin,
        }
    }
}

impl Roster {
    /// Sets each person's role from their memberships (the primary one first) where the
    /// format keeps roles apart from users; people only named as contacts become guardians.
    pub(crate) fn roles_from_memberships(&mut self) {
        use std::collections::{HashMap, HashSet};
        let mut best: HashMap<&str, (bool, PersonRole)> = HashMap::new();
        for m in &self.memberships {
            let primary = m.is_primary.unwrap_or(false);
            let e = best
                .entry(m.person_id.as_str())
                .or_insert((primary, m.person_role));
            if primary && !e.0 {
                *e = (true, m.person_role);
            }
        }
        let contacts: HashSet<&str> = self
            .relationships
            .iter()
            .map(|r| r.contact_id.as_str())
            .collect();
        let roles: Vec<PersonRole> = self
            .persons
            .iter()
            .map(|p| match best.get(p.sis_id.as_str()) {
                Some(&(_, r)) => r,
                None if contacts.contains(p.sis_id.as_str()) => PersonRole::Guardian,
                None => PersonRole::Other,
            })
            .collect();
        for (p, r) in self.persons.iter_mut().zip(roles) {
            p.role = r;
        }
    }
}
