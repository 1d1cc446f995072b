//! SDS v2.1 (`orgs`, `users`, `roles`, `classes`, `enrollments`, `academicSessions`,
//! `courses`, `demographics`, `userFlags`, `relationships`) and the retired four-file v2,
//! whose `users.csv` carries `orgSourcedIds`, `role` and `grade` (read as role rows).
//!
//! SDS value lists can be extended per tenant, so an unknown value in a required enum
//! column is kept with a warning rather than dropping the row.

use std::collections::HashMap;

use crate::diag::{code, Diagnostics};
use crate::format::Format;
use crate::keys::Keys;
use crate::model::*;
use crate::open_table;
use crate::resolve::{resolve, Dropped, Labels, Rules};
use crate::row::{DateStyle, Row};
use crate::source::FileSet;
use crate::table::{opt, req, Col, TableOpts};
use crate::values;
use crate::vocab::{self, *};

mod columns;
mod extras;

use columns::*;
use extras::read_user_extras;

pub(crate) const V21_FILES: [&str; 10] = [
    "orgs.csv",
    "users.csv",
    "roles.csv",
    "classes.csv",
    "enrollments.csv",
    "academicSessions.csv",
    "courses.csv",
    "demographics.csv",
    "userFlags.csv",
    "relationships.csv",
];
const V2_FILES: [&str; 4] = ["orgs.csv", "users.csv", "classes.csv", "enrollments.csv"];

pub(crate) fn files(format: Format) -> &'static [&'static str] {
    if format == Format::SdsV2 {
        &V2_FILES
    } else {
        &V21_FILES
    }
}

fn roles_known() -> Vec<&'static str> {
    let mut v = vec!["student", "other"];
    v.extend_from_slice(SDS_STAFF_ROLES);
    v
}

pub(crate) fn read(fs: &FileSet, format: Format, diags: &mut Diagnostics) -> Roster {
    let legacy = format == Format::SdsV2;
    let always: &[&str] = if legacy {
        &["orgs.csv", "users.csv"]
    } else {
        &["orgs.csv", "users.csv", "roles.csv"]
    };
    for f in always
        .iter()
        .chain(if fs.has("classes.csv") || fs.has("enrollments.csv") {
            ["classes.csv", "enrollments.csv"].iter()
        } else {
            [].iter()
        })
    {
        if !fs.has(f) {
            diags.error(
                f,
                0,
                None,
                code::MISSING_FILE,
                format!("{f} is required in an {format} set"),
            );
        }
    }
    let mut roster = Roster::default();
    let mut dropped = Dropped::default();
    let opts = TableOpts::default();
    let roles = roles_known();

    if let Some(t) = fs
        .get("orgs.csv")
        .and_then(|f| open_table(f, org_cols(), opts, diags))
    {
        let mut keys = Keys::default();
        let (rows, lost) = t.rows(diags, |r| {
            let id = r.req_id("sourcedId");
            r.set_key(&id);
            keys.first(r, "sourcedId", &id, code::DUPLICATE_ID);
            Some(School {
                name: r.req_text("name"),
                org_type: r.open_enum("type", SDS_ORG_TYPES).unwrap_or_default(),
                parent_id: r.id("parentSourcedId"),
                number: None,
                principal_sis_id: None,
                principal_name: None,
                principal_email: None,
                grade_low: None,
                grade_high: None,
                address: None,
                phone: None,
                properties: Default::default(),
                change: Change::default(),
                origin: r.origin(),
                sis_id: id,
            })
        });
        roster.schools = rows;
        dropped.schools.extend(lost);
    }

    if let Some(t) = fs
        .get("users.csv")
        .and_then(|f| open_table(f, user_cols(legacy), opts, diags))
    {
        let (mut keys, mut names) = (Keys::default(), Keys::default());
        // Filed straight into the roster: no list of whole rows in between.
        roster.persons.reserve_exact(t.rows_hint());
        let person = |r: &mut Row<'_>| {
            let id = r.req_id("sourcedId");
            r.set_key(&id);
            let username = r.req_text("username");
            if keys.first(r, "sourcedId", &id, code::DUPLICATE_ID) {
                names.first_folded(r, "username", &username, code::DUPLICATE_USERNAME);
            }
            if !username.contains('@') {
                r.error(
                    "username",
                    code::INVALID_VALUE,
                    format!("username \"{username}\" has no @domain; row ignored"),
                );
            }
            let mut p = Person::new(id.clone(), PersonRole::Other, r.origin());
            p.username = Some(username);
            p.given_name = r.text("givenName");
            p.family_name = r.text("familyName");
            p.password = r.text("password");
            let mut memberships = Vec::new();
            if legacy {
                let role = r.open_enum("role", &roles).unwrap_or_default();
                p.grade = r.text("grade");
                for org in r.id_list("orgSourcedIds") {
                    memberships.push(Membership {
                        sis_id: None,
                        person_id: id.clone(),
                        person_role: vocab::person_role(&role),
                        school_id: org,
                        role_name: role.clone(),
                        is_primary: None,
                        grade: p.grade.clone(),
                        term_id: None,
                        begin_date: None,
                        end_date: None,
                        change: Change::default(),
                        origin: r.origin(),
                    });
                }
            } else {
                p.match_id = r.text("activeDirectoryMatchId");
                p.email = r.email("email");
                p.phone = r.get("phone").map(values::phone);
                p.sms = r.get("sms").map(values::phone);
                p.number = r.text("userNumber");
            }
            Some((p, memberships))
        };
        let lost = t.rows_into(diags, person, |(p, m)| {
            roster.persons.push(p);
            roster.memberships.extend(m);
        });
        dropped.persons(PersonRole::Other, lost, false);
    }

    if let Some(t) = fs
        .get("roles.csv")
        .filter(|_| !legacy)
        .and_then(|f| open_table(f, role_cols(), opts, diags))
    {
        let (rows, _) = t.rows(diags, |r| {
            let role = r.open_enum("role", &roles).unwrap_or_default();
            let begin_date = r.date("roleStartDate", DateStyle::Iso);
            let end_date = r.date("roleEndDate", DateStyle::Iso);
            r.date_order(begin_date, end_date, "roleEndDate");
            Some(Membership {
                sis_id: None,
                person_id: r.req_id("userSourcedId"),
                person_role: vocab::person_role(&role),
                school_id: r.req_id("orgSourcedId"),
                role_name: role,
                is_primary: r.boolean("isPrimary"),
                grade: r.text("grade"),
                term_id: r.id("sessionSourcedId"),
                begin_date,
                end_date,
                change: Change::default(),
                origin: r.origin(),
            })
        });
        roster.memberships.extend(rows);
    }

    if let Some(t) = fs
        .get("academicSessions.csv")
        .filter(|_| !legacy)
        .and_then(|f| open_table(f, session_cols(), opts, diags))
    {
        let mut keys = Keys::default();
        let (rows, lost) = t.rows(diags, |r| {
            let id = r.req_id("sourcedId");
            r.set_key(&id);
            keys.first(r, "sourcedId", &id, code::DUPLICATE_ID);
            let start_date = r.date("startDate", DateStyle::Iso);
            let end_date = r.date("endDate", DateStyle::Iso);
            r.date_order(start_date, end_date, "endDate");
            Some(Term {
                name: r.text("title"),
                term_type: r.open_enum("type", SDS_SESSION_TYPES),
                start_date,
                end_date,
                parent_id: None,
                school_year: r.year("schoolYear"),
                change: Change::default(),
                origin: r.origin(),
                sis_id: id,
            })
        });
        roster.terms = rows;
        dropped.terms.extend(lost);
    }

    if let Some(t) = fs
        .get("courses.csv")
        .filter(|_| !legacy)
        .and_then(|f| open_table(f, course_cols(), opts, diags))
    {
        let mut keys = Keys::default();
        let (rows, lost) = t.rows(diags, |r| {
            let id = r.req_id("sourcedId");
            r.set_key(&id);
            keys.first(r, "sourcedId", &id, code::DUPLICATE_ID);
            Some(Course {
                name: r.text("title"),
                code: r.text("code"),
                description: None,
                subjects: r.text("subject").into_iter().collect(),
                subject_codes: Vec::new(),
                grades: r.text("grade").into_iter().collect(),
                school_id: Some(r.req_id("orgSourcedId")),
                school_year_id: r.id("schoolYearSourcedId"),
                change: Change::default(),
                origin: r.origin(),
                sis_id: id,
            })
        });
        roster.courses = rows;
        dropped.courses.extend(lost);
    }

    if let Some(t) = fs
        .get("classes.csv")
        .and_then(|f| open_table(f, class_cols(legacy), opts, diags))
    {
        let mut keys = Keys::default();
        let (rows, lost) = t.rows(diags, |r| {
            let id = r.req_id("sourcedId");
            r.set_key(&id);
            keys.first(r, "sourcedId", &id, code::DUPLICATE_ID);
            Some(Section {
                school_id: r.req_id("orgSourcedId"),
                name: r.req_text("title"),
                code: r.text("code"),
                course_id: r.id("courseSourcedId"),
                term_ids: r.id_list("sessionSourcedIds"),
                periods: Vec::new(),
                grades: Vec::new(),
                subjects: Vec::new(),
                location: None,
                class_type: None,
                properties: Default::default(),
                change: Change::default(),
                origin: r.origin(),
                sis_id: id,
            })
        });
        roster.sections = rows;
        dropped.sections.extend(lost);
    }

    if let Some(t) = fs
        .get("enrollments.csv")
        .and_then(|f| open_table(f, enrollment_cols(), opts, diags))
    {
        let (rows, _) = t.rows(diags, |r| {
            let role = r.open_enum("role", &roles).unwrap_or_default();
            Some(Enrollment {
                sis_id: None,
                section_id: r.req_id("classSourcedId"),
                person_id: r.req_id("userSourcedId"),
                role: vocab::enrollment_role(&role),
                role_name: role,
                school_id: None,
                primary: None,
                begin_date: None,
                end_date: None,
                change: Change::default(),
                origin: r.origin(),
            })
        });
        roster.enrollments = rows;
    }

    if let Some(t) = fs
        .get("relationships.csv")
        .filter(|_| !legacy)
        .and_then(|f| open_table(f, relationship_cols(), opts, diags))
    {
        let (rows, _) = t.rows(diags, |r| {
            Some(Relationship {
                person_id: r.req_id("userSourcedId"),
                contact_id: r.req_id("relationshipUserSourcedId"),
                role: r
                    .open_enum("relationshipRole", CONTACT_ROLES)
                    .unwrap_or_default(),
                origin: r.origin(),
            })
        });
        roster.relationships = rows;
    }

    resolve(&mut roster, &rules(legacy), &mut dropped, diags);
    if !legacy {
        read_user_extras(fs, &mut roster, &dropped, diags);
        check_contacts(&mut roster, diags);
    }
    roster.roles_from_memberships();
    roster
}

/// A contact must be reachable and named: its users.csv row needs givenName, familyName and
/// email. A link to an incomplete contact is dropped.
fn check_contacts(roster: &mut Roster, diags: &mut Diagnostics) {
    let incomplete: HashMap<&str, Vec<&str>> = roster
        .persons
        .iter()
        .filter_map(|p| {
            let missing: Vec<&str> = [
                ("givenName", p.given_name.is_none()),
                ("familyName", p.family_name.is_none()),
                ("email", p.email.is_none()),
            ]
            .into_iter()
            .filter_map(|(c, gone)| gone.then_some(c))
            .collect();
            (!missing.is_empty()).then_some((p.sis_id.as_str(), missing))
        })
        .collect();
    for r in &roster.relationships {
        if let Some(missing) = incomplete.get(r.contact_id.as_str()) {
            diags.error(
                &r.origin.file,
                r.origin.line,
                Some("relationshipUserSourcedId"),
                code::MISSING_VALUE,
                format!(
                    "contact \"{}\" has no {} in users.csv; row ignored",
                    r.contact_id,
                    missing.join(", ")
                ),
            );
        }
    }
    // One pass (removing rows one by one was quadratic in the file's length).
    roster
        .relationships
        .retain(|r| !incomplete.contains_key(r.contact_id.as_str()));
}
