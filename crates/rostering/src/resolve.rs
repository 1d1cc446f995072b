//! Cross-file checks on the assembled roster: every reference must resolve inside the same
//! upload. A broken required reference drops the record (error), a broken optional one
//! drops just the reference (warning). Drops cascade in dependency order, and a reference
//! to a record dropped earlier says so (`dropped-reference`) instead of "unknown".

use std::collections::{HashMap, HashSet};

use crate::diag::{code, Diagnostics};
use crate::model::{EnrollmentRole, Origin, PersonRole, Roster};

/// Column names used in messages, per format.
pub(crate) struct Labels {
    pub school_parent: &'static str,
    pub term_parent: &'static str,
    pub course_school: &'static str,
    pub course_year: &'static str,
    pub membership_person: &'static str,
    pub membership_school: &'static str,
    pub membership_term: &'static str,
    pub section_school: &'static str,
    pub section_course: &'static str,
    pub section_terms: &'static str,
    pub enrollment_section: &'static str,
    pub enrollment_person: &'static str,
    pub enrollment_school: &'static str,
    pub relationship_person: &'static str,
    pub relationship_contact: &'static str,
}

pub(crate) struct Rules {
    pub labels: Labels,
    /// SDS v1: students, teachers and guardians come from separate files with separate ids.
    pub person_namespaces: bool,
    /// Memberships were read off person rows (v1 School SIS ID, OneRoster 1.1 orgSourcedIds):
    /// a broken one drops the person.
    pub memberships_from_person_rows: bool,
    pub course_required: bool,
    pub terms_required: bool,
    /// OneRoster: a class's school must be an org of type school (reported, not dropped).
    pub section_school_is_school: bool,
    /// OneRoster agents: a broken relationship is a warning (the list is optional).
    pub relationships_optional: bool,
}

/// Keys of rows already dropped while reading, per entity.
#[derive(Default)]
pub(crate) struct Dropped {
    pub schools: HashSet<String>,
    pub terms: HashSet<String>,
    pub courses: HashSet<String>,
    pub sections: HashSet<String>,
    pub persons: PersonIds,
}

impl Dropped {
    pub(crate) fn persons(&mut self, role: PersonRole, ids: Vec<String>, rules_namespaced: bool) {
        for id in ids {
            self.persons.insert(ns(role, rules_namespaced), id);
        }
    }
}

/// Person ids per namespace (one namespace unless the format keeps roles apart). Lookups
/// take `&str`, so checking half a million enrollments allocates nothing.
#[derive(Default)]
pub(crate) struct PersonIds([HashSet<String>; 4]);

impl PersonIds {
    pub(crate) fn insert(&mut self, ns: u8, id: String) {
        self.0[usize::from(ns)].insert(id);
    }

    pub(crate) fn contains(&self, ns: u8, id: &str) -> bool {
        self.0[usize::from(ns)].contains(id)
    }

    fn remove(&mut self, ns: u8, id: &str) {
        self.0[usize::from(ns)].remove(id);
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(HashSet::is_empty)
    }

    fn iter(&self) -> impl Iterator<Item = (u8, &String)> {
        self.0
            .iter()
            .enumerate()
            .flat_map(|(n, set)| set.iter().map(move |id| (n as u8, id)))
    }
}

fn ns(role: PersonRole, namespaced: bool) -> u8 {
    if namespaced {
        role as u8
    } else {
        0
    }
}

fn enrollment_ns(role: EnrollmentRole, namespaced: bool) -> u8 {
    match role {
        EnrollmentRole::Student => ns(PersonRole::Student, namespaced),
        EnrollmentRole::Teacher => ns(PersonRole::Teacher, namespaced),
        EnrollmentRole::Other => ns(PersonRole::Other, namespaced),
    }
}

struct Ctx<'a> {
    diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    /// Reports a reference that does not resolve; `dropped` tells whether the target existed
    /// but was dropped for its own error.
    fn missing(
        &mut self,
        origin: &Origin,
        col: &str,
        what: &str,
        id: &str,
        dropped: bool,
        fatal: bool,
    ) {
        let (code, why) = if dropped {
            (
                code::DROPPED_REFERENCE,
                format!("{what} \"{id}\" was dropped for its own error"),
            )
        } else {
            (
                code::UNKNOWN_REFERENCE,
                format!("{what} \"{id}\" is not in the file set"),
            )
        };
        if fatal {
            self.diags.error(
                &origin.file,
                origin.line,
                Some(col),
                code,
                format!("{why}; row ignored"),
            );
        } else {
            self.diags.warn(
                &origin.file,
                origin.line,
                Some(col),
                code,
                format!("{why}; reference ignored"),
            );
        }
    }
}

pub(crate) fn resolve(
    roster: &mut Roster,
    rules: &Rules,
    dropped: &mut Dropped,
    diags: &mut Diagnostics,
) {
    let l = &rules.labels;
    let mut cx = Ctx { diags };

    // Orgs: only the optional parent link.
    let school_types: HashMap<String, bool> = roster
        .schools
        .iter()
        .map(|s| (s.sis_id.clone(), s.is_school()))
        .collect();
    for s in &mut roster.schools {
        if let Some(p) = s.parent_id.as_deref() {
            if !school_types.contains_key(p) {
                cx.missing(
                    &s.origin,
                    l.school_parent,
                    "parent org",
                    p,
                    dropped.schools.contains(p),
                    false,
                );
                s.parent_id = None;
            }
        }
    }

    let term_ids: HashSet<String> = roster.terms.iter().map(|t| t.sis_id.clone()).collect();
    for t in &mut roster.terms {
        if let Some(p) = t.parent_id.as_deref() {
            if !term_ids.contains(p) {
                cx.missing(
                    &t.origin,
                    l.term_parent,
                    "parent session",
                    p,
                    dropped.terms.contains(p),
                    false,
                );
                t.parent_id = None;
            }
        }
    }

    roster.courses.retain_mut(|c| {
        if let Some(y) = c.school_year_id.as_deref() {
            if !term_ids.contains(y) {
                cx.missing(
                    &c.origin,
                    l.course_year,
                    "school year",
                    y,
                    dropped.terms.contains(y),
                    false,
                );
                c.school_year_id = None;
            }
        }
        if let Some(s) = c.school_id.as_deref() {
            if !school_types.contains_key(s) {
                cx.missing(
                    &c.origin,
                    l.course_school,
                    "org",
                    s,
                    dropped.schools.contains(s),
                    true,
                );
                dropped.courses.insert(c.sis_id.clone());
                return false;
            }
        }
        true
    });
    let course_ids: HashSet<String> = roster.courses.iter().map(|c| c.sis_id.clone()).collect();

    // Memberships before anything that needs to know which persons survive.
    let nsd = rules.person_namespaces;
    let mut person_ids = PersonIds::default();
    for p in &roster.persons {
        person_ids.insert(ns(p.role, nsd), p.sis_id.clone());
    }
    let mut lost_persons = PersonIds::default();
    for m in &mut roster.memberships {
        let mns = ns(m.person_role, nsd);
        if !rules.memberships_from_person_rows && !person_ids.contains(mns, &m.person_id) {
            cx.missing(
                &m.origin,
                l.membership_person,
                "user",
                &m.person_id,
                dropped.persons.contains(mns, &m.person_id),
                true,
            );
            m.person_id.clear();
            continue;
        }
        if !school_types.contains_key(&m.school_id) {
            cx.missing(
                &m.origin,
                l.membership_school,
                "org",
                &m.school_id,
                dropped.schools.contains(&m.school_id),
                true,
            );
            if rules.memberships_from_person_rows {
                lost_persons.insert(mns, m.person_id.clone());
            }
            m.person_id.clear();
            continue;
        }
        if let Some(t) = m.term_id.as_deref() {
            if !term_ids.contains(t) {
                cx.missing(
                    &m.origin,
                    l.membership_term,
                    "session",
                    t,
                    dropped.terms.contains(t),
                    false,
                );
                m.term_id = None;
            }
        }
    }
    if !lost_persons.is_empty() {
        roster
            .persons
            .retain(|p| !lost_persons.contains(ns(p.role, nsd), &p.sis_id));
        for (n, id) in lost_persons.iter() {
            person_ids.remove(n, id);
            dropped.persons.insert(n, id.clone());
        }
    }
    roster.memberships.retain(|m| {
        !m.person_id.is_empty() && !lost_persons.contains(ns(m.person_role, nsd), &m.person_id)
    });

    let mut section_ids: HashSet<String> = HashSet::new();
    roster.sections.retain_mut(|s| {
        let mut keep = true;
        match school_types.get(&s.school_id) {
            None => {
                cx.missing(
                    &s.origin,
                    l.section_school,
                    "school",
                    &s.school_id,
                    dropped.schools.contains(&s.school_id),
                    true,
                );
                keep = false;
            }
            Some(false) if rules.section_school_is_school => {
                cx.diags.warn(
                    &s.origin.file,
                    s.origin.line,
                    Some(l.section_school),
                    code::NOT_A_SCHOOL,
                    format!("org \"{}\" is not of type school; kept", s.school_id),
                );
            }
            Some(_) => {}
        }
        if let Some(c) = s.course_id.as_deref() {
            if !course_ids.contains(c) {
                cx.missing(
                    &s.origin,
                    l.section_course,
                    "course",
                    c,
                    dropped.courses.contains(c),
                    rules.course_required,
                );
                if rules.course_required {
                    keep = false;
                } else {
                    s.course_id = None;
                }
            }
        }
        let mut terms = std::mem::take(&mut s.term_ids);
        terms.retain(|t| {
            let ok = term_ids.contains(t);
            if !ok {
                cx.missing(
                    &s.origin,
                    l.section_terms,
                    "session",
                    t,
                    dropped.terms.contains(t),
                    rules.terms_required,
                );
                if rules.terms_required {
                    keep = false;
                }
            }
            ok
        });
        s.term_ids = terms;
        if keep {
            section_ids.insert(s.sis_id.clone());
        } else {
            dropped.sections.insert(s.sis_id.clone());
        }
        keep
    });

    roster.enrollments.retain(|e| {
        let mut keep = true;
        if !section_ids.contains(&e.section_id) {
            cx.missing(
                &e.origin,
                l.enrollment_section,
                "class",
                &e.section_id,
                dropped.sections.contains(&e.section_id),
                true,
            );
            keep = false;
        }
        let ens = enrollment_ns(e.role, nsd);
        if !person_ids.contains(ens, &e.person_id) {
            cx.missing(
                &e.origin,
                l.enrollment_person,
                "user",
                &e.person_id,
                dropped.persons.contains(ens, &e.person_id),
                true,
            );
            keep = false;
        }
        if let Some(s) = e.school_id.as_deref() {
            if !school_types.contains_key(s) {
                cx.missing(
                    &e.origin,
                    l.enrollment_school,
                    "school",
                    s,
                    dropped.schools.contains(s),
                    true,
                );
                keep = false;
            }
        }
        keep
    });

    collapse_repeated_enrollments(roster, cx.diags);

    let student_ns = ns(PersonRole::Student, nsd);
    let contact_ns = ns(PersonRole::Guardian, nsd);
    let mut seen_links: HashSet<(String, String)> = HashSet::new();
    let fatal = !rules.relationships_optional;
    roster.relationships.retain(|r| {
        let mut keep = true;
        if !person_ids.contains(student_ns, &r.person_id) {
            if fatal {
                cx.missing(
                    &r.origin,
                    l.relationship_person,
                    "user",
                    &r.person_id,
                    dropped.persons.contains(student_ns, &r.person_id),
                    true,
                );
            }
            keep = false;
        }
        if keep && !person_ids.contains(contact_ns, &r.contact_id) {
            cx.missing(
                &r.origin,
                l.relationship_contact,
                "contact",
                &r.contact_id,
                dropped.persons.contains(contact_ns, &r.contact_id),
                fatal,
            );
            keep = false;
        }
        if keep && !seen_links.insert((r.person_id.clone(), r.contact_id.clone())) {
            cx.diags.warn(
                &r.origin.file,
                r.origin.line,
                None,
                code::DUPLICATE_ROW,
                format!(
                    "\"{}\" is already linked to \"{}\"; duplicate collapsed",
                    r.person_id, r.contact_id
                ),
            );
            keep = false;
        }
        keep
    });
}

/// SDS enrollment rows have no id of their own: a repeated (section, person, role) is
/// collapsed onto its first row with a warning. Sorting indices finds repeats without
/// copying half a million id pairs into a set.
fn collapse_repeated_enrollments(roster: &mut Roster, diags: &mut Diagnostics) {
    let list = &roster.enrollments;
    let key = |i: usize| {
        (
            list[i].section_id.as_str(),
            list[i].person_id.as_str(),
            list[i].role as u8,
            i,
        )
    };
    let mut order: Vec<usize> = (0..list.len())
        .filter(|&i| list[i].sis_id.is_none())
        .collect();
    order.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
    let mut repeated = vec![false; list.len()];
    for w in order.windows(2) {
        let (a, b) = (key(w[0]), key(w[1]));
        if (a.0, a.1, a.2) == (b.0, b.1, b.2) {
            repeated[w[1]] = true;
        }
    }
    for (e, _) in list.iter().zip(&repeated).filter(|(_, r)| **r) {
        diags.warn(
            &e.origin.file,
            e.origin.line,
            None,
            code::DUPLICATE_ROW,
            format!(
                "\"{}\" is already enrolled in \"{}\"; duplicate collapsed",
                e.person_id, e.section_id
            ),
        );
    }
    let mut i = 0;
    roster.enrollments.retain(|_| {
        i += 1;
        !repeated[i - 1]
    });
}
