//! SDS v1: `School.csv`, `Section.csv`, `Student.csv`, `Teacher.csv`, `StudentEnrollment.csv`,
//! `TeacherRoster.csv`, optionally `User.csv` + `Guardianrelationship.csv` (guardians).
//! US and UK header spellings are both accepted (UK ones as aliases). Terms and courses are
//! denormalised onto sections; they are rebuilt here, first row wins.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diag::{code, Diagnostics};
use crate::keys::Keys;
use crate::model::*;
use crate::open_table;
use crate::resolve::{resolve, Dropped, Labels, Rules};
use crate::row::{DateStyle, Row};
use crate::source::FileSet;
use crate::table::{hdr, opt, req, Col, TableOpts};
use crate::values;

pub(crate) const FILES: [&str; 8] = [
    "School.csv",
    "Section.csv",
    "Student.csv",
    "Teacher.csv",
    "StudentEnrollment.csv",
    "TeacherRoster.csv",
    "User.csv",
    "Guardianrelationship.csv",
];

const GENDERS: &[&str] = &[
    "M",
    "F",
    "male",
    "female",
    "other",
    "unspecified",
    "notSelected",
];
const CONTACT_ROLES: &[&str] = &[
    "parent",
    "relative",
    "aide",
    "doctor",
    "guardian",
    "child",
    "administrator",
    "other",
];

fn sis_id() -> Col {
    req("SIS ID").alias(&["ID"])
}

fn school_ref() -> Col {
    req("School SIS ID").alias(&["School DfE Number"])
}

fn school_cols() -> Vec<Col> {
    let mut v = vec![req("SIS ID").alias(&["DfE Number"]), req("Name")];
    v.extend(
        [
            "School Number",
            "School NCES_ID",
            "State ID",
            "Grade Low",
            "Grade High",
            "Principal SIS ID",
            "Principal Name",
            "Principal Secondary Email",
            "Address",
            "City",
            "State",
            "Country",
            "Phone",
            "Zone",
        ]
        .map(opt),
    );
    v.push(opt("Zip").alias(&["Postal Code"]));
    v
}

fn section_cols() -> Vec<Col> {
    let mut v = vec![sis_id(), school_ref(), req("Section Name")];
    v.extend(
        [
            "Section Number",
            "Term SIS ID",
            "Term Name",
            "Term StartDate",
            "Term EndDate",
            "Course SIS ID",
            "Course Name",
            "Course Number",
            "Course Description",
            "Course Subject",
            "Periods",
            "Status",
        ]
        .map(opt),
    );
    v
}

fn person_cols(student: bool) -> Vec<Col> {
    let mut v = vec![sis_id(), school_ref(), req("Username")];
    v.extend(
        [
            "First Name",
            "Last Name",
            "Password",
            "State ID",
            "Secondary Email",
            "Middle Name",
            "Grade",
            "Status",
        ]
        .map(opt),
    );
    if student {
        v.extend(
            [
                "Student Number",
                "Birthdate",
                "Graduation Year",
                "Gender",
                "ELL Status",
                "FederalRace",
                "Mailing Address",
                "Mailing City",
                "Mailing State",
                "Mailing Zip",
                "Mailing Country",
                "Mailing Latitude",
                "Mailing Longitude",
            ]
            .map(opt),
        );
        // SDS's own export script writes "Resident …"; both are read.
        v.push(opt("Residence Address").alias(&["Resident Address"]));
        v.push(opt("Residence City").alias(&["Resident City"]));
        v.push(opt("Residence State").alias(&["Resident State"]));
        v.push(opt("Residence Zip").alias(&["Resident Zip"]));
        v.push(opt("Residence Country").alias(&["Resident Country"]));
        v.push(opt("Residence Latitude").alias(&["Resident Latitude"]));
        v.push(opt("Residence Longitude").alias(&["Resident Longitude"]));
    } else {
        v.extend(["Teacher Number", "Title", "Qualification"].map(opt));
    }
    v
}

fn link_cols() -> Vec<Col> {
    vec![req("Section SIS ID").alias(&["Section ID"]), sis_id()]
}

pub(crate) fn read(fs: &FileSet, diags: &mut Diagnostics) -> Roster {
    require_files(fs, diags);
    let mut roster = Roster::default();
    let mut dropped = Dropped::default();
    if let Some(f) = fs.get("School.csv") {
        if let Some(t) = open_table(f, school_cols(), TableOpts::default(), diags) {
            if t_has_uk_header(f) {
                diags.info(
                    &f.name,
                    1,
                    None,
                    code::UK_HEADERS,
                    "UK header variant (DfE Number, ID, …)".into(),
                );
            }
            let mut keys = Keys::default();
            let (rows, lost) = t.rows(diags, |r| school(r, &mut keys));
            roster.schools = rows;
            dropped.schools.extend(lost);
        }
    }
    read_sections(fs, &mut roster, &mut dropped, diags);
    for (file, role) in [
        ("Student.csv", PersonRole::Student),
        ("Teacher.csv", PersonRole::Teacher),
    ] {
        let Some(f) = fs.get(file) else { continue };
        let Some(t) = open_table(
            f,
            person_cols(role == PersonRole::Student),
            TableOpts::default(),
            diags,
        ) else {
            continue;
        };
        let (mut ids, mut names) = (Keys::default(), Keys::default());
        let (rows, lost) = t.rows(diags, |r| person(r, role, &mut ids, &mut names));
        dropped.persons(role, lost, true);
        for (p, m) in rows {
            roster.persons.push(p);
            roster.memberships.push(m);
        }
    }
    note_shared_ids(&roster, diags);
    for (file, role) in [
        ("StudentEnrollment.csv", EnrollmentRole::Student),
        ("TeacherRoster.csv", EnrollmentRole::Teacher),
    ] {
        let Some(f) = fs.get(file) else { continue };
        let Some(t) = open_table(f, link_cols(), TableOpts::default(), diags) else {
            continue;
        };
        let (rows, _) = t.rows(diags, |r| enrollment(r, role));
        roster.enrollments.extend(rows);
    }
    read_guardians(fs, &mut roster, &mut dropped, diags);
    resolve(&mut roster, &rules(), &mut dropped, diags);
    roster
}

fn t_has_uk_header(f: &crate::source::SourceFile) -> bool {
    let start = f
        .bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF])
        .unwrap_or(&f.bytes);
    start.len() >= 10 && start[..10].eq_ignore_ascii_case(b"DfE Number")
}

fn require_files(fs: &FileSet, diags: &mut Diagnostics) {
    for f in ["School.csv", "Student.csv", "Teacher.csv"] {
        if !fs.has(f) {
            diags.error(
                f,
                0,
                None,
                code::MISSING_FILE,
                format!("{f} is required in an SDS v1 set"),
            );
        }
    }
    let groups: [&[&str]; 2] = [
        &["Section.csv", "StudentEnrollment.csv", "TeacherRoster.csv"],
        &["User.csv", "Guardianrelationship.csv"],
    ];
    for group in groups {
        if group.iter().any(|f| fs.has(f)) {
            for f in group.iter().filter(|f| !fs.has(f)) {
                diags.error(
                    f,
                    0,
                    None,
                    code::MISSING_FILE,
                    format!("{f} is required with {}", group.join(", ")),
                );
            }
        }
    }
}

fn address(r: &Row<'_>, cols: [&str; 5]) -> Option<Address> {
    Address {
        street: r.text(cols[0]),
        city: r.text(cols[1]),
        state: r.text(cols[2]),
        postal_code: r.text(cols[3]),
        country: r.text(cols[4]),
    }
    .non_empty()
}

fn props(
    r: &mut Row<'_>,
    names: &[&'static str],
    decimals: &[&'static str],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for &n in names {
        if let Some(v) = r.text(n) {
            out.insert(n.to_string(), v);
        }
    }
    for &n in decimals {
        if let Some(v) = r.get(n) {
            if v.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                out.insert(n.to_string(), v.trim().to_string());
            } else {
                r.warn(
                    n,
                    code::INVALID_VALUE,
                    format!("\"{v}\" is not a decimal number; value ignored"),
                );
            }
        }
    }
    out
}

fn school(r: &mut Row<'_>, keys: &mut Keys) -> Option<School> {
    let id = r.req_id("SIS ID");
    r.set_key(&id);
    keys.first(r, "SIS ID", &id, code::DUPLICATE_ID);
    Some(School {
        name: r.req_text("Name"),
        org_type: "school".into(),
        parent_id: None,
        number: r.text("School Number"),
        principal_sis_id: r.id("Principal SIS ID"),
        principal_name: r.text("Principal Name"),
        principal_email: r.email("Principal Secondary Email"),
        grade_low: r.text("Grade Low"),
        grade_high: r.text("Grade High"),
        address: address(r, ["Address", "City", "State", "Zip", "Country"]),
        phone: r.text("Phone"),
        properties: props(r, &["School NCES_ID", "State ID", "Zone"], &[]),
        change: Change::default(),
        origin: r.origin(),
        sis_id: id,
    })
}

/// Sections, plus the terms and courses they carry.
fn read_sections(
    fs: &FileSet,
    roster: &mut Roster,
    dropped: &mut Dropped,
    diags: &mut Diagnostics,
) {
    let Some(f) = fs.get("Section.csv") else {
        return;
    };
    let Some(t) = open_table(f, section_cols(), TableOpts::default(), diags) else {
        return;
    };
    let mut keys = Keys::default();
    let mut terms: HashMap<String, usize> = HashMap::new();
    let mut courses: HashMap<String, usize> = HashMap::new();
    let (rows, lost) = t.rows(diags, |r| {
        let id = r.req_id("SIS ID");
        r.set_key(&id);
        keys.first(r, "SIS ID", &id, code::DUPLICATE_ID);
        let term = r.id("Term SIS ID").map(|tid| Term {
            name: r.text("Term Name"),
            term_type: None,
            start_date: r.date("Term StartDate", DateStyle::SdsV1),
            end_date: r.date("Term EndDate", DateStyle::SdsV1),
            parent_id: None,
            school_year: None,
            change: Change::default(),
            origin: r.origin(),
            sis_id: tid,
        });
        if let Some(t) = &term {
            r.date_order(t.start_date, t.end_date, "Term EndDate");
        }
        let course = r.id("Course SIS ID").map(|cid| Course {
            name: r.text("Course Name"),
            code: r.text("Course Number"),
            description: r.text("Course Description"),
            subjects: r.text("Course Subject").into_iter().collect(),
            subject_codes: Vec::new(),
            grades: Vec::new(),
            school_id: None,
            school_year_id: None,
            change: Change::default(),
            origin: r.origin(),
            sis_id: cid,
        });
        let section = Section {
            school_id: r.req_id("School SIS ID"),
            name: r.req_text("Section Name"),
            code: r.text("Section Number"),
            course_id: course.as_ref().map(|c| c.sis_id.clone()),
            term_ids: term.iter().map(|t| t.sis_id.clone()).collect(),
            periods: r.list("Periods"),
            grades: Vec::new(),
            subjects: Vec::new(),
            location: None,
            class_type: None,
            properties: props(r, &["Status"], &[]),
            change: Change::default(),
            origin: r.origin(),
            sis_id: id,
        };
        Some((section, term, course))
    });
    dropped.sections.extend(lost);
    for (section, term, course) in rows {
        if let Some(t) = term {
            merge(
                &mut roster.terms,
                &mut terms,
                t,
                diags,
                |a, b| (a.name, a.start_date, a.end_date) == (b.name, b.start_date, b.end_date),
                code::INCONSISTENT_TERM,
                "Term SIS ID",
            );
        }
        if let Some(c) = course {
            merge(
                &mut roster.courses,
                &mut courses,
                c,
                diags,
                |a, b| {
                    (&a.name, &a.code, &a.description, &a.subjects)
                        == (&b.name, &b.code, &b.description, &b.subjects)
                },
                code::INCONSISTENT_COURSE,
                "Course SIS ID",
            );
        }
        roster.sections.push(section);
    }
}

trait Keyed {
    fn key(&self) -> &str;
    fn origin(&self) -> &Origin;
}
impl Keyed for Term {
    fn key(&self) -> &str {
        &self.sis_id
    }
    fn origin(&self) -> &Origin {
        &self.origin
    }
}
impl Keyed for Course {
    fn key(&self) -> &str {
        &self.sis_id
    }
    fn origin(&self) -> &Origin {
        &self.origin
    }
}

/// Adds a denormalised record the first time its id is seen; later copies must agree.
fn merge<T: Keyed + Clone>(
    list: &mut Vec<T>,
    index: &mut HashMap<String, usize>,
    item: T,
    diags: &mut Diagnostics,
    same: impl Fn(T, T) -> bool,
    code: &'static str,
    col: &str,
) {
    match index.get(item.key()) {
        None => {
            index.insert(item.key().to_string(), list.len());
            list.push(item);
        }
        Some(&i) => {
            let first = &list[i];
            let (file, line, first_line) = (
                item.origin().file.clone(),
                item.origin().line,
                first.origin().line,
            );
            if !same(first.clone(), item.clone()) {
                diags.warn(
                    &file,
                    line,
                    Some(col),
                    code,
                    format!("\"{}\" differs from its first description on line {first_line}; the first is kept", item.key()),
                );
            }
        }
    }
}

fn person(
    r: &mut Row<'_>,
    role: PersonRole,
    ids: &mut Keys,
    names: &mut Keys,
) -> Option<(Person, Membership)> {
    let id = r.req_id("SIS ID");
    r.set_key(&id);
    let username = r.req_text("Username");
    if ids.first(r, "SIS ID", &id, code::DUPLICATE_ID) {
        names.first_folded(r, "Username", &username, code::DUPLICATE_USERNAME);
    }
    let student = role == PersonRole::Student;
    let gender = if student {
        r.enumerated("Gender", GENDERS).map(crate::vocab::gender)
    } else {
        None
    };
    let mut properties = if student {
        props(
            r,
            &["State ID", "Status", "ELL Status", "FederalRace"],
            &[
                "Mailing Latitude",
                "Mailing Longitude",
                "Residence Latitude",
                "Residence Longitude",
            ],
        )
    } else {
        props(r, &["State ID", "Status", "Title", "Qualification"], &[])
    };
    if let Some(e) = r.email("Secondary Email") {
        properties.insert("Secondary Email".into(), e);
    }
    let person = Person {
        role,
        username: Some(username),
        given_name: r.text("First Name"),
        family_name: r.text("Last Name"),
        middle_name: r.text("Middle Name"),
        email: None,
        password: r.text("Password"),
        number: r.text(if student {
            "Student Number"
        } else {
            "Teacher Number"
        }),
        grade: r.text("Grade"),
        birth_date: if student {
            r.date("Birthdate", DateStyle::SdsV1)
        } else {
            None
        },
        gender,
        graduation_year: if student {
            r.year("Graduation Year")
        } else {
            None
        },
        phone: None,
        sms: None,
        enabled: None,
        match_id: None,
        user_ids: Vec::new(),
        mailing_address: if student {
            address(
                r,
                [
                    "Mailing Address",
                    "Mailing City",
                    "Mailing State",
                    "Mailing Zip",
                    "Mailing Country",
                ],
            )
        } else {
            None
        },
        residence_address: if student {
            address(
                r,
                [
                    "Residence Address",
                    "Residence City",
                    "Residence State",
                    "Residence Zip",
                    "Residence Country",
                ],
            )
        } else {
            None
        },
        flags: Vec::new(),
        properties,
        change: Change::default(),
        origin: r.origin(),
        sis_id: id.clone(),
    };
    let membership = Membership {
        sis_id: None,
        person_id: id,
        person_role: role,
        school_id: r.req_id("School SIS ID"),
        role_name: if student { "student" } else { "teacher" }.into(),
        is_primary: Some(true),
        grade: person.grade.clone(),
        term_id: None,
        begin_date: None,
        end_date: None,
        change: Change::default(),
        origin: r.origin(),
    };
    Some((person, membership))
}

fn note_shared_ids(roster: &Roster, diags: &mut Diagnostics) {
    let students: HashSet<&str> = roster
        .persons
        .iter()
        .filter(|p| p.role == PersonRole::Student)
        .map(|p| p.sis_id.as_str())
        .collect();
    for t in roster
        .persons
        .iter()
        .filter(|p| p.role == PersonRole::Teacher && students.contains(p.sis_id.as_str()))
    {
        diags.info(
            &t.origin.file,
            t.origin.line,
            Some("SIS ID"),
            code::SHARED_ID,
            format!(
                "teacher \"{}\" has the same SIS ID as a student; SDS v1 keeps them apart",
                t.sis_id
            ),
        );
    }
}

fn enrollment(r: &mut Row<'_>, role: EnrollmentRole) -> Option<Enrollment> {
    Some(Enrollment {
        sis_id: None,
        section_id: r.req_id("Section SIS ID"),
        person_id: r.req_id("SIS ID"),
        role,
        role_name: if role == EnrollmentRole::Student {
            "student"
        } else {
            "teacher"
        }
        .into(),
        school_id: None,
        primary: None,
        begin_date: None,
        end_date: None,
        change: Change::default(),
        origin: r.origin(),
    })
}

fn read_guardians(
    fs: &FileSet,
    roster: &mut Roster,
    dropped: &mut Dropped,
    diags: &mut Diagnostics,
) {
    if let Some(f) = fs.get("User.csv") {
        let cols = vec![
            req("Email"),
            req("First Name"),
            req("Last Name"),
            hdr("Phone"),
            hdr("SIS ID"),
        ];
        if let Some(t) = open_table(f, cols, TableOpts::default(), diags) {
            let mut keys = Keys::default();
            let (rows, lost) = t.rows(diags, |r| {
                let email = r.email("Email")?;
                r.set_key(&email);
                keys.first(r, "Email", &email, code::DUPLICATE_ID);
                let mut properties = BTreeMap::new();
                if let Some(own) = r.id("SIS ID") {
                    properties.insert("SIS ID".to_string(), own);
                }
                Some(Person {
                    sis_id: email.clone(),
                    role: PersonRole::Guardian,
                    username: None,
                    given_name: r.text("First Name"),
                    family_name: r.text("Last Name"),
                    middle_name: None,
                    email: Some(email),
                    password: None,
                    number: None,
                    grade: None,
                    birth_date: None,
                    gender: None,
                    graduation_year: None,
                    phone: r.get("Phone").map(values::phone),
                    sms: None,
                    enabled: None,
                    match_id: None,
                    user_ids: Vec::new(),
                    mailing_address: None,
                    residence_address: None,
                    flags: Vec::new(),
                    properties,
                    change: Change::default(),
                    origin: r.origin(),
                })
            });
            dropped.persons(PersonRole::Guardian, lost, true);
            roster.persons.extend(rows);
        }
    }
    if let Some(f) = fs.get("Guardianrelationship.csv") {
        let cols = vec![req("SIS ID"), req("Email"), hdr("Role")];
        if let Some(t) = open_table(f, cols, TableOpts::default(), diags) {
            let (rows, _) = t.rows(diags, |r| {
                let person_id = r.req_id("SIS ID");
                let contact_id = r.email("Email")?;
                let role = r.enumerated("Role", CONTACT_ROLES).unwrap_or("other");
                Some(Relationship {
                    person_id,
                    contact_id,
                    role: role.into(),
                    origin: r.origin(),
                })
            });
            roster.relationships.extend(rows);
        }
    }
}

fn rules() -> Rules {
    Rules {
        labels: Labels {
            school_parent: "",
            term_parent: "",
            course_school: "",
            course_year: "",
            membership_person: "SIS ID",
            membership_school: "School SIS ID",
            membership_term: "",
            section_school: "School SIS ID",
            section_course: "Course SIS ID",
            section_terms: "Term SIS ID",
            enrollment_section: "Section SIS ID",
            enrollment_person: "SIS ID",
            enrollment_school: "",
            relationship_person: "SIS ID",
            relationship_contact: "Email",
        },
        person_namespaces: true,
        memberships_from_person_rows: true,
        course_required: false,
        terms_required: false,
        section_school_is_school: false,
        relationships_optional: false,
    }
}
