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

mod columns;
mod people;
mod sections;

use columns::*;
use people::*;
use sections::*;

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

pub(crate) fn read(fs: &FileSet, diags: &mut Diagnostics) -> Roster {
    require_files(fs, diags);
    let mut roster = Roster::default();
    let mut dropped = Dropped::default();
    if let Some(f) = fs.get("School.csv") {
        if let Some(t) = open_table(f, school_cols(), TableOpts::default(), diags) {
            if has_uk_header(f) {
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
    // Each list is sized once for both of its files: grown (or copied) between them, it
    // would briefly need its old and new buffers at once.
    let people = expected_rows(fs, &["Student.csv", "Teacher.csv"]);
    roster.persons.reserve_exact(people);
    roster.memberships.reserve_exact(people);
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
        let lost = t.rows_into(
            diags,
            |r| person(r, role, &mut ids, &mut names),
            |(p, m)| {
                roster.persons.push(p);
                roster.memberships.push(m);
            },
        );
        dropped.persons(role, lost, true);
    }
    note_shared_ids(&roster, diags);
    roster.enrollments.reserve_exact(expected_rows(
        fs,
        &["StudentEnrollment.csv", "TeacherRoster.csv"],
    ));
    for (file, role) in [
        ("StudentEnrollment.csv", EnrollmentRole::Student),
        ("TeacherRoster.csv", EnrollmentRole::Teacher),
    ] {
        let Some(f) = fs.get(file) else { continue };
        let Some(t) = open_table(f, link_cols(), TableOpts::default(), diags) else {
            continue;
        };
        t.rows_into(
            diags,
            |r| enrollment(r, role),
            |e| roster.enrollments.push(e),
        );
    }
    read_guardians(fs, &mut roster, &mut dropped, diags);
    resolve(&mut roster, &rules(), &mut dropped, diags);
    roster
}

/// Data rows the named files of the set can hold (see [`crate::table::data_rows`]).
fn expected_rows(fs: &FileSet, files: &[&str]) -> usize {
    files
        .iter()
        .filter_map(|f| fs.get(f))
        .filter_map(|f| f.scan().ok())
        .map(crate::table::data_rows)
        .sum()
}

fn has_uk_header(f: &crate::source::SourceFile<'_>) -> bool {
    f.text_head(10)
        .is_ok_and(|start| start.eq_ignore_ascii_case(b"DfE Number"))
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
