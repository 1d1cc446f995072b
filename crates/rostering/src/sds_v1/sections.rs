//! Schools, and sections with the terms and courses they carry (first row wins).

use super::*;

pub(super) fn school(r: &mut Row<'_>, keys: &mut Keys) -> Option<School> {
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
pub(super) fn read_sections(
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
