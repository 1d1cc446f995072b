//! OneRoster 1.1 and 1.2 CSV: `manifest.csv` plus the rostering files (`orgs`,
//! `academicSessions`, `courses`, `classes`, `users`, 1.2 `roles`, `enrollments`,
//! `demographics`). Gradebook and resource files are listed as not used.
//!
//! OneRoster vocabularies are closed except for `ext:`-prefixed terms, so an unknown value
//! in a required enum column is an error here (unlike SDS).

mod manifest;
mod people;

use crate::diag::{code, Diagnostics};
use crate::format::Format;
use crate::keys::Keys;
use crate::model::*;
use crate::open_table;
use crate::resolve::{resolve, Dropped, Labels, Rules};
use crate::row::{DateStyle, Row};
use crate::source::FileSet;
use crate::table::{opt, req, Col, Table, TableOpts};
use crate::vocab::*;

pub(crate) fn read(fs: &FileSet, format: Format, diags: &mut Diagnostics) -> Roster {
    let modes = manifest::read(fs, format, diags);
    let mut roster = Roster::default();
    let mut dropped = Dropped::default();
    let ctx = Ctx { fs, modes: &modes };

    if let Some(t) = ctx.open("orgs", org_cols(), diags) {
        let mut keys = Keys::default();
        let (rows, lost) = t.rows(diags, |r| {
            let id = key(r, &mut keys);
            Some(School {
                name: r.req_text("name"),
                org_type: closed_enum(r, "type", OR_ORG_TYPES),
                parent_id: r.id("parentSourcedId"),
                number: r.text("identifier"),
                principal_sis_id: None,
                principal_name: None,
                principal_email: None,
                grade_low: None,
                grade_high: None,
                address: None,
                phone: None,
                properties: Default::default(),
                change: r.change(),
                origin: r.origin(),
                sis_id: id,
            })
        });
        roster.schools = rows;
        dropped.schools.extend(lost);
    }

    if let Some(t) = ctx.open("academicSessions", session_cols(), diags) {
        let mut keys = Keys::default();
        let (rows, lost) = t.rows(diags, |r| {
            let id = key(r, &mut keys);
            let start_date = r.date("startDate", DateStyle::Iso);
            let end_date = r.date("endDate", DateStyle::Iso);
            r.date_order(start_date, end_date, "endDate");
            Some(Term {
                name: r.text("title"),
                term_type: Some(closed_enum(r, "type", OR_SESSION_TYPES)),
                start_date,
                end_date,
                parent_id: r.id("parentSourcedId"),
                school_year: r.year("schoolYear"),
                change: r.change(),
                origin: r.origin(),
                sis_id: id,
            })
        });
        roster.terms = rows;
        dropped.terms.extend(lost);
    }

    if let Some(t) = ctx.open("courses", course_cols(), diags) {
        let mut keys = Keys::default();
        let (rows, lost) = t.rows(diags, |r| {
            let id = key(r, &mut keys);
            Some(Course {
                name: r.text("title"),
                code: r.text("courseCode"),
                description: None,
                subjects: r.list("subjects"),
                subject_codes: r.list("subjectCodes"),
                grades: r.list("grades"),
                school_id: Some(r.req_id("orgSourcedId")),
                school_year_id: r.id("schoolYearSourcedId"),
                change: r.change(),
                origin: r.origin(),
                sis_id: id,
            })
        });
        roster.courses = rows;
        dropped.courses.extend(lost);
    }

    if let Some(t) = ctx.open("classes", class_cols(), diags) {
        let mut keys = Keys::default();
        let (rows, lost) = t.rows(diags, |r| {
            let id = key(r, &mut keys);
            Some(Section {
                school_id: r.req_id("schoolSourcedId"),
                name: r.req_text("title"),
                code: r.text("classCode"),
                course_id: Some(r.req_id("courseSourcedId")),
                term_ids: r.id_list("termSourcedIds"),
                periods: r.list("periods"),
                grades: r.list("grades"),
                subjects: r.list("subjects"),
                location: r.text("location"),
                class_type: Some(closed_enum(r, "classType", OR_CLASS_TYPES)),
                properties: Default::default(),
                change: r.change(),
                origin: r.origin(),
                sis_id: id,
            })
        });
        roster.sections = rows;
        dropped.sections.extend(lost);
    }

    people::read(&ctx, format, &mut roster, &mut dropped, diags);

    if let Some(t) = ctx.open("enrollments", enrollment_cols(), diags) {
        let mut keys = Keys::default();
        let (rows, _) = t.rows(diags, |r| {
            let id = key(r, &mut keys);
            let role = closed_enum(r, "role", OR_ENROLLMENT_ROLES);
            let begin_date = r.date("beginDate", DateStyle::Iso);
            let end_date = r.date("endDate", DateStyle::Iso);
            r.date_order(begin_date, end_date, "endDate");
            Some(Enrollment {
                sis_id: Some(id),
                section_id: r.req_id("classSourcedId"),
                person_id: r.req_id("userSourcedId"),
                role: crate::vocab::enrollment_role(&role),
                role_name: role,
                school_id: Some(r.req_id("schoolSourcedId")),
                primary: r.boolean("primary"),
                begin_date,
                end_date,
                change: r.change(),
                origin: r.origin(),
            })
        });
        roster.enrollments = rows;
    }

    resolve(&mut roster, &rules(format), &mut dropped, diags);
    people::after_resolve(&ctx, format, &mut roster, &dropped, diags);
    roster.file_modes = modes;
    roster
}

pub(crate) struct Ctx<'a> {
    fs: &'a FileSet<'a>,
    modes: &'a std::collections::BTreeMap<String, FileMode>,
}

impl<'a> Ctx<'a> {
    /// Opens a file the manifest left in play, with `status`/`dateLastModified` columns
    /// required as the file's mode asks (present and filled in delta files only).
    pub(crate) fn open(
        &self,
        key: &str,
        mut cols: Vec<Col>,
        diags: &mut Diagnostics,
    ) -> Option<Table<'a>> {
        let mode = *self.modes.get(key)?;
        if mode == FileMode::Absent {
            return None;
        }
        let delta = mode == FileMode::Delta;
        cols.insert(1, if delta { req("status") } else { opt("status") });
        cols.insert(
            2,
            if delta {
                req("dateLastModified")
            } else {
                opt("dateLastModified")
            },
        );
        let file = self.fs.get(&format!("{key}.csv"))?;
        open_table(
            file,
            cols,
            TableOpts {
                oneroster: true,
                bulk: mode == FileMode::Bulk,
            },
            diags,
        )
    }
}

/// The row's `sourcedId`: unique in the file, at most 255 characters of `[0-9a-zA-Z._/@-]`.
pub(crate) fn key(r: &mut Row<'_>, keys: &mut Keys) -> String {
    let id = r.req_id("sourcedId");
    r.set_key(&id);
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._/@-".contains(c))
    {
        r.error(
            "sourcedId",
            code::INVALID_ID,
            format!("\"{id}\" has characters outside [0-9a-zA-Z._/@-]; row ignored"),
        );
    }
    keys.first(r, "sourcedId", &id, code::DUPLICATE_ID);
    id
}

/// A required closed-vocabulary value; `ext:` terms are extensions and kept as written.
pub(crate) fn closed_enum(r: &mut Row<'_>, col: &str, allowed: &[&'static str]) -> String {
    match r.get(col).map(str::trim) {
        Some(v) if v.len() > 4 && v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("ext:")) => {
            v.to_string()
        }
        _ => r.enumerated(col, allowed).unwrap_or_default().to_string(),
    }
}

fn org_cols() -> Vec<Col> {
    vec![
        req("sourcedId"),
        req("name"),
        req("type"),
        opt("identifier"),
        opt("parentSourcedId"),
    ]
}

fn session_cols() -> Vec<Col> {
    let mut v = ["sourcedId", "title", "type", "startDate", "endDate"]
        .map(req)
        .to_vec();
    v.extend([opt("parentSourcedId"), req("schoolYear")]);
    v
}

fn course_cols() -> Vec<Col> {
    let mut v = vec![
        req("sourcedId"),
        opt("schoolYearSourcedId"),
        req("title"),
        opt("courseCode"),
        opt("grades"),
    ];
    v.extend([req("orgSourcedId"), opt("subjects"), opt("subjectCodes")]);
    v
}

fn class_cols() -> Vec<Col> {
    let mut v = vec![
        req("sourcedId"),
        req("title"),
        opt("grades"),
        req("courseSourcedId"),
        opt("classCode"),
    ];
    v.extend([
        req("classType"),
        opt("location"),
        req("schoolSourcedId"),
        req("termSourcedIds"),
    ]);
    v.extend(["subjects", "subjectCodes", "periods"].map(opt));
    v
}

fn enrollment_cols() -> Vec<Col> {
    let mut v = [
        "sourcedId",
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
    ]
    .map(req)
    .to_vec();
    v.extend(["primary", "beginDate", "endDate"].map(opt));
    v
}

fn rules(format: Format) -> Rules {
    let v11 = format == Format::OneRoster11;
    Rules {
        labels: Labels {
            school_parent: "parentSourcedId",
            term_parent: "parentSourcedId",
            course_school: "orgSourcedId",
            course_year: "schoolYearSourcedId",
            membership_person: "userSourcedId",
            membership_school: if v11 { "orgSourcedIds" } else { "orgSourcedId" },
            membership_term: "",
            section_school: "schoolSourcedId",
            section_course: "courseSourcedId",
            section_terms: "termSourcedIds",
            enrollment_section: "classSourcedId",
            enrollment_person: "userSourcedId",
            enrollment_school: "schoolSourcedId",
            relationship_person: "sourcedId",
            relationship_contact: "agentSourcedIds",
        },
        person_namespaces: false,
        memberships_from_person_rows: v11,
        course_required: true,
        terms_required: true,
        section_school_is_school: true,
        relationships_optional: true,
    }
}
