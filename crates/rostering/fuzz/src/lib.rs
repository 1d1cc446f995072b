//! The fuzz targets' bodies, one function per target, each taking the fuzzer's raw bytes.
//! The `src/bin/*` wrappers hand these to AFL++ (`cargo afl`, driven by `scripts/fuzz.sh`);
//! a finding is replayed by piping the saved input into the same binary.
//!
//! A target passes when the reader returns for every input and what it returns keeps the
//! crate's promises (`docs/rostering-csv.md`), checked here after every run:
//! - a forced format always starts; detection follows the documented rules;
//! - every diagnostic names a file of the set (with a line inside it) or a file the format
//!   expects (with line 0);
//! - every record left in the roster comes from a line of a file of the set, its key is
//!   unique, and every reference it holds resolves inside the roster;
//! - identifiers are trimmed, non-empty and at most [`MAX_ID_CHARS`] characters, and no
//!   value is longer than [`MAX_FIELD_BYTES`] or holds a line break (bounded work: longer
//!   values are refused, not kept);
//! - `csv`: rows come only from a usable UTF-8 file, on lines after the header, in
//!   increasing order (equal lines allowed only where a lone carriage return ends a record:
//!   the lines count line feeds).
//!
//! A panic (the reader's own or a failed check) is a finding.
//!
//! Inputs of the set targets are several files in one: the parts between [`SEPARATOR`]
//! bytes (0xFF, which no UTF-8 text contains, so every valid file can still be written).
//! `sds_v1`, `sds_v21` and `oneroster` give the parts the format's file names in a fixed
//! order ([`SDS_V1_FILES`], [`SDS_V21_FILES`], [`ONEROSTER_FILES`]); an empty part leaves
//! that file out, so any subset of the set can be written. `detect` reads each part as a
//! file name, a line feed, then the content ([`named`]), and lets the reader detect the
//! format.

use std::collections::{HashMap, HashSet};

use edugraph_rostering::fuzzing::{read_table, TableRead};
use edugraph_rostering::limits::{MAX_DIAGNOSTICS, MAX_FIELD_BYTES, MAX_FILES, MAX_ID_CHARS};
use edugraph_rostering::{
    code, read_files, EnrollmentRole, Format, Parsed, PersonRole, ReadError, Roster, Severity,
};

/// Separates the files of one input in the set targets.
pub const SEPARATOR: u8 = 0xFF;

/// The parts of an `sds_v1` input, in order: the reader's own list.
pub use edugraph_rostering::fuzzing::SDS_V1_FILES;

/// The parts of an `sds_v21` input, in order (the retired v2 reads the first, second,
/// fourth and fifth): the reader's own list.
pub use edugraph_rostering::fuzzing::SDS_V21_FILES;

/// The parts of a `oneroster` input, in order (1.1 does not read `roles.csv`).
pub const ONEROSTER_FILES: [&str; 9] = [
    "manifest.csv",
    "orgs.csv",
    "academicSessions.csv",
    "courses.csv",
    "classes.csv",
    "users.csv",
    "roles.csv",
    "enrollments.csv",
    "demographics.csv",
];

/// The column set of the `csv` target's two runs: (required, optional).
const SDS_LIKE: (&[&str], &[&str]) = (&["SIS ID"], &["Name", "Email", "Status"]);
const ONEROSTER_LIKE: (&[&str], &[&str]) =
    (&["sourcedId"], &["status", "dateLastModified", "name"]);

/// The CSV table reader alone on one file: decoding, header, rows, shape checks; once with
/// SDS-like columns and once with OneRoster-like ones and OneRoster's header rules.
pub fn csv(data: &[u8]) {
    for (oneroster, (required, optional)) in [(false, SDS_LIKE), (true, ONEROSTER_LIKE)] {
        let read = read_table("fuzz.csv", data, required, optional, oneroster);
        check_table(data, &read);
    }
}

/// SDS v1: the parts are [`SDS_V1_FILES`].
pub fn sds_v1(data: &[u8]) {
    read_forced(&positional(data, &SDS_V1_FILES), Format::SdsV1);
}

/// SDS v2.1 and the retired v2 on the same set: the parts are [`SDS_V21_FILES`].
pub fn sds_v21(data: &[u8]) {
    let files = positional(data, &SDS_V21_FILES);
    read_forced(&files, Format::SdsV21);
    read_forced(&files, Format::SdsV2);
}

/// OneRoster 1.1 and 1.2 on the same set: the parts are [`ONEROSTER_FILES`].
pub fn oneroster(data: &[u8]) {
    let files = positional(data, &ONEROSTER_FILES);
    read_forced(&files, Format::OneRoster11);
    read_forced(&files, Format::OneRoster12);
}

/// Format detection, then the detected format's reader: the parts are named files.
pub fn detect(data: &[u8]) {
    let files = named(data);
    let got = read_files(&files, None);
    check_detection(&files, &got);
    if let Ok(parsed) = &got {
        check_parsed(&files, parsed);
    }
}

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name, for replaying the seeds.
pub const TARGETS: [(&str, Target); 5] = [
    ("csv", csv),
    ("sds_v1", sds_v1),
    ("sds_v21", sds_v21),
    ("oneroster", oneroster),
    ("detect", detect),
];

/// The parts of `data` under the names `names`, in order; empty parts and parts past the
/// last name are left out.
pub fn positional(data: &[u8], names: &[&str]) -> Vec<(String, Vec<u8>)> {
    data.split(|&b| b == SEPARATOR)
        .zip(names)
        .filter(|(part, _)| !part.is_empty())
        .map(|(part, name)| (name.to_string(), part.to_vec()))
        .collect()
}

/// The parts of `data` as (name, content): the name is the part up to its first line feed
/// (decoded leniently), the content the rest. Empty parts are left out.
pub fn named(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    data.split(|&b| b == SEPARATOR)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, content) = match part.iter().position(|&b| b == b'\n') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &[][..]),
            };
            (String::from_utf8_lossy(name).into_owned(), content.to_vec())
        })
        .collect()
}

fn read_forced(files: &[(String, Vec<u8>)], format: Format) {
    let parsed = read_files(files, Some(format))
        .unwrap_or_else(|e| panic!("a forced format ({format}) did not start: {e}"));
    assert_eq!(parsed.format, format, "forced format not kept");
    check_parsed(files, &parsed);
}

/// Whether any format reads a file of this name (diagnostics about a missing file name
/// it).
fn known_file(name: &str) -> bool {
    std::iter::once("manifest.csv")
        .chain(SDS_V1_FILES)
        .chain(SDS_V21_FILES)
        .any(|k| k.eq_ignore_ascii_case(name))
}

/// The file name the reader keeps for an uploaded name (its last path component).
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Lines of a file as the diagnostics count them: 1 + its line ends (LF, CRLF, or a CR
/// alone, as the csv reader ends records).
fn physical_lines(bytes: &[u8]) -> u64 {
    let ends = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    1 + ends as u64
}

fn check_value(what: &str, v: &str) {
    assert!(
        v.len() <= MAX_FIELD_BYTES,
        "{what}: a value of {} bytes was kept (limit {MAX_FIELD_BYTES})",
        v.len()
    );
    assert!(
        !v.contains(['\r', '\n']),
        "{what}: a value with a line break was kept: {v:?}"
    );
}

fn check_table(data: &[u8], read: &TableRead) {
    let lines = physical_lines(data);
    for d in &read.diagnostics {
        if d.code == code::DIAGNOSTICS_TRUNCATED {
            continue;
        }
        assert_eq!(d.file, "fuzz.csv", "diagnostic names another file: {d}");
        assert!(
            d.line <= lines,
            "diagnostic past the last line {lines}: {d}"
        );
    }
    let file_level = [
        code::EMPTY_FILE,
        code::NOT_UTF8,
        code::UTF16,
        code::SEMICOLON_DELIMITED,
        code::MISSING_COLUMN,
    ];
    if let Some(d) = read
        .diagnostics
        .iter()
        .find(|d| file_level.contains(&d.code))
    {
        assert!(read.rows.is_empty(), "rows kept from an unusable file: {d}");
    }
    if !read.rows.is_empty() {
        let body = data.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(data);
        assert!(
            std::str::from_utf8(body).is_ok(),
            "rows kept from non-UTF-8"
        );
    }
    // Every record ends at a line end, so each row starts on a later line than the last.
    let mut last = 0;
    for (line, values) in &read.rows {
        assert!((1..=lines).contains(line), "row on line {line} of {lines}");
        assert!(
            *line > last,
            "row on line {line} after a row on line {last}"
        );
        assert!(*line >= 2, "data row on the header's line");
        last = *line;
        for v in values.iter().flatten() {
            check_value("csv row", v);
        }
    }
}

/// The documented detection rules (`docs/rostering-csv.md`, "Formats and detection"), on
/// file names only; `Err` names the `ReadError` expected.
fn check_detection(files: &[(String, Vec<u8>)], got: &Result<Parsed, ReadError>) {
    let outcome = match got {
        Ok(p) => format!("{}", p.format),
        Err(e) => format!("{e}"),
    };
    if files.len() > MAX_FILES {
        assert!(
            matches!(got, Err(ReadError::TooManyFiles(_))),
            "{} files read: {outcome}",
            files.len()
        );
        return;
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| base_name(n)).collect();
    let has = |f: &str| names.iter().any(|n| n.eq_ignore_ascii_case(f));
    let format = got.as_ref().ok().map(|p| p.format);
    let ok = if has("manifest.csv") {
        format.is_some_and(Format::is_oneroster)
    } else if SDS_V1_FILES.iter().any(|f| has(f)) {
        format == Some(Format::SdsV1)
    } else if has("orgs.csv") && has("users.csv") {
        if has("roles.csv") {
            format == Some(Format::SdsV21)
        } else if ["academicSessions.csv", "courses.csv", "demographics.csv"]
            .iter()
            .any(|f| has(f))
        {
            matches!(got, Err(ReadError::Unsupported(_)))
        } else {
            format == Some(Format::SdsV2) || matches!(got, Err(ReadError::Unsupported(_)))
        }
    } else {
        matches!(got, Err(ReadError::NotRecognized(_)))
    };
    assert!(ok, "detection of {names:?} gave {outcome}");
}

/// The promises of a read set: diagnostics, then the roster.
fn check_parsed(files: &[(String, Vec<u8>)], p: &Parsed) {
    let mut lines: HashMap<String, u64> = HashMap::new();
    for (name, bytes) in files {
        let e = lines.entry(base_name(name).to_string()).or_default();
        *e = (*e).max(physical_lines(bytes));
    }
    // The longest file among those named `name` ignoring case (the reader matches names so).
    let lines_of = |name: &str| {
        lines
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, &l)| l)
            .max()
    };
    let mut counts = [0usize; 3];
    let mut truncated = false;
    for d in &p.diagnostics {
        if d.code == code::DIAGNOSTICS_TRUNCATED {
            truncated = true;
            continue;
        }
        counts[d.severity as usize] += 1;
        match lines_of(&d.file) {
            Some(max) => assert!(d.line <= max, "diagnostic past the last line {max}: {d}"),
            None => {
                assert!(
                    known_file(&d.file),
                    "diagnostic names a file neither in the set nor read by the format: {d}"
                );
                assert_eq!(d.line, 0, "diagnostic about an absent file has a line: {d}");
            }
        }
    }
    assert!(p.diagnostics.len() <= MAX_DIAGNOSTICS + 1);
    let s = p.summary();
    if !truncated {
        assert_eq!(
            [s.errors, s.warnings, s.information],
            [
                counts[Severity::Error as usize],
                counts[Severity::Warning as usize],
                counts[Severity::Information as usize]
            ],
            "summary counts differ from the diagnostics listed"
        );
    }
    assert_eq!(p.has_errors(), s.errors > 0);
    check_roster(&p.roster, p.format, &|file: &str| lines.get(file).copied());
}

/// Keys, references, origins and values of the roster (`Roster`'s documentation: "every
/// reference left in a Roster resolves").
fn check_roster(r: &Roster, format: Format, lines_of: &dyn Fn(&str) -> Option<u64>) {
    let v1 = format == Format::SdsV1;
    // SDS v1 keeps students, teachers and guardians apart: a person's key is (role, id).
    let ns = |role: PersonRole| if v1 { role as u8 } else { 0 };
    let origin = |what: &str, o: &edugraph_rostering::Origin| {
        let max = lines_of(&o.file)
            .unwrap_or_else(|| panic!("{what} from a file not in the set: {}", o.file));
        assert!(
            (1..=max).contains(&o.line),
            "{what} from line {} of {} ({max} lines)",
            o.line,
            o.file
        );
    };
    let id = |what: &str, v: &str| {
        assert!(
            !v.is_empty() && v.trim() == v,
            "{what}: identifier {v:?} empty or untrimmed"
        );
        assert!(
            v.chars().count() <= MAX_ID_CHARS,
            "{what}: identifier of {} characters kept",
            v.chars().count()
        );
        check_value(what, v);
        if format.is_oneroster() {
            assert!(
                v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._/@-".contains(c)),
                "{what}: sourcedId {v:?} outside [0-9a-zA-Z._/@-]"
            );
        }
    };
    // A reference is checked like an identifier, but OneRoster references are not held to
    // the sourcedId alphabet (a missing one is reported, not malformed).
    let reference = |what: &str, v: &str| {
        assert!(!v.is_empty() && v.trim() == v, "{what}: reference {v:?}");
        assert!(v.chars().count() <= MAX_ID_CHARS, "{what}: long reference");
        check_value(what, v);
    };
    fn unique<'a>(what: &str, keys: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
        let mut seen = HashSet::new();
        for k in keys {
            assert!(seen.insert(k), "{what}: key {k:?} kept twice");
        }
        seen
    }

    let schools = unique("school", r.schools.iter().map(|s| s.sis_id.as_str()));
    let terms = unique("term", r.terms.iter().map(|t| t.sis_id.as_str()));
    let courses = unique("course", r.courses.iter().map(|c| c.sis_id.as_str()));
    let sections = unique("section", r.sections.iter().map(|s| s.sis_id.as_str()));
    let mut persons: HashSet<(u8, &str)> = HashSet::new();
    for p in &r.persons {
        assert!(
            persons.insert((ns(p.role), p.sis_id.as_str())),
            "person {:?} ({:?}) kept twice",
            p.sis_id,
            p.role
        );
        origin("person", &p.origin);
        // SDS v1 guardians are keyed by their email, which is not held to the id rules.
        if v1 && p.role == PersonRole::Guardian {
            check_value("guardian", &p.sis_id);
        } else {
            id("person", &p.sis_id);
        }
        for v in [&p.username, &p.email, &p.given_name, &p.family_name]
            .into_iter()
            .flatten()
        {
            check_value("person", v);
        }
        if let Some(org) = p.properties.get("primaryOrgSourcedId") {
            assert!(schools.contains(org.as_str()), "primary org {org:?}");
        }
    }
    let person = |role: PersonRole, pid: &str| persons.contains(&(ns(role), pid));

    for s in &r.schools {
        origin("school", &s.origin);
        id("school", &s.sis_id);
        check_value("school", &s.name);
        if let Some(p) = &s.parent_id {
            assert!(schools.contains(p.as_str()), "school parent {p:?}");
        }
    }
    for t in &r.terms {
        origin("term", &t.origin);
        id("term", &t.sis_id);
        if let Some(p) = &t.parent_id {
            assert!(terms.contains(p.as_str()), "term parent {p:?}");
        }
    }
    for c in &r.courses {
        origin("course", &c.origin);
        id("course", &c.sis_id);
        if let Some(s) = &c.school_id {
            assert!(schools.contains(s.as_str()), "course org {s:?}");
        }
        if let Some(y) = &c.school_year_id {
            assert!(terms.contains(y.as_str()), "course school year {y:?}");
        }
    }
    for s in &r.sections {
        origin("section", &s.origin);
        id("section", &s.sis_id);
        check_value("section", &s.name);
        assert!(
            schools.contains(s.school_id.as_str()),
            "section school {:?}",
            s.school_id
        );
        if let Some(c) = &s.course_id {
            assert!(courses.contains(c.as_str()), "section course {c:?}");
        }
        for t in &s.term_ids {
            reference("section term", t);
            assert!(terms.contains(t.as_str()), "section term {t:?}");
        }
    }
    let mut membership_ids = HashSet::new();
    for m in &r.memberships {
        origin("membership", &m.origin);
        reference("membership person", &m.person_id);
        assert!(
            person(m.person_role, &m.person_id),
            "membership of unknown person {:?} ({:?})",
            m.person_id,
            m.person_role
        );
        assert!(
            schools.contains(m.school_id.as_str()),
            "membership org {:?}",
            m.school_id
        );
        if let Some(t) = &m.term_id {
            assert!(terms.contains(t.as_str()), "membership session {t:?}");
        }
        if let Some(k) = &m.sis_id {
            id("role", k);
            assert!(membership_ids.insert(k.as_str()), "role {k:?} kept twice");
        }
    }
    let mut enrollment_ids = HashSet::new();
    for e in &r.enrollments {
        origin("enrollment", &e.origin);
        assert!(
            sections.contains(e.section_id.as_str()),
            "enrollment class {:?}",
            e.section_id
        );
        let role = match e.role {
            EnrollmentRole::Student => PersonRole::Student,
            EnrollmentRole::Teacher => PersonRole::Teacher,
            EnrollmentRole::Other => PersonRole::Other,
        };
        assert!(
            person(role, &e.person_id),
            "enrollment of unknown person {:?} ({:?})",
            e.person_id,
            e.role
        );
        if let Some(s) = &e.school_id {
            assert!(schools.contains(s.as_str()), "enrollment school {s:?}");
        }
        if let Some(k) = &e.sis_id {
            id("enrollment", k);
            assert!(
                enrollment_ids.insert(k.as_str()),
                "enrollment {k:?} kept twice"
            );
        }
    }
    for l in &r.relationships {
        origin("relationship", &l.origin);
        assert!(
            person(PersonRole::Student, &l.person_id),
            "relationship of unknown person {:?}",
            l.person_id
        );
        assert!(
            person(PersonRole::Guardian, &l.contact_id),
            "relationship to unknown contact {:?}",
            l.contact_id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
        let dir = format!("{}/seeds/{target}", env!("CARGO_MANIFEST_DIR"));
        let mut out: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| {
                let path = e.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&path).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    /// Every seed runs through its target without a panic (the corpus is well formed).
    #[test]
    fn seeds_replay() {
        for (name, target) in TARGETS {
            let seeds = seeds(name);
            assert!(!seeds.is_empty(), "no seeds for {name}");
            for (file, bytes) in seeds {
                assert!(!bytes.is_empty(), "{name}/{file} is empty");
                println!("{name}/{file}");
                target(&bytes);
            }
        }
    }

    /// The set seeds reach the readers' depths: every seed of a positional target reads
    /// into a roster with persons, and the detect seeds cover every format.
    #[test]
    fn seeds_are_whole_sets() {
        for (target, names, formats) in [
            ("sds_v1", &SDS_V1_FILES[..], &[Format::SdsV1][..]),
            (
                "sds_v21",
                &SDS_V21_FILES[..],
                &[Format::SdsV21, Format::SdsV2],
            ),
            (
                "oneroster",
                &ONEROSTER_FILES[..],
                &[Format::OneRoster11, Format::OneRoster12],
            ),
        ] {
            for (file, bytes) in seeds(target) {
                let files = positional(&bytes, names);
                let persons = formats.iter().map(|&f| {
                    let p = read_files(&files, Some(f)).unwrap();
                    p.roster.persons.len()
                });
                assert!(persons.max() > Some(0), "{target}/{file}: no persons");
            }
        }
        let mut formats = HashSet::new();
        for (_, bytes) in seeds("detect") {
            if let Ok(p) = read_files(&named(&bytes), None) {
                formats.insert(p.format);
            }
        }
        assert_eq!(
            formats.len(),
            Format::ALL.len(),
            "detect seeds reach {formats:?}"
        );
    }

    #[test]
    fn splitting() {
        let files = positional(b"a\xFF\xFFc\xFFd", &["1", "2", "3"]);
        let names: Vec<_> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        assert_eq!(names, [("1", &b"a"[..]), ("3", b"c")]);
        let files = named(b"x/School.csv\nSIS ID\r\n\xFFonly-name");
        assert_eq!(files[0], ("x/School.csv".into(), b"SIS ID\r\n".to_vec()));
        assert_eq!(files[1], ("only-name".into(), Vec::new()));
    }

    /// The checks catch what they look for (a check that never fires finds nothing).
    #[test]
    #[should_panic(expected = "kept twice")]
    fn checks_fire() {
        let p = read_files(
            &[("School.csv".into(), b"SIS ID,Name\n1,a\n".to_vec())],
            Some(Format::SdsV1),
        )
        .unwrap();
        let mut roster = p.roster.clone();
        roster.schools.push(roster.schools[0].clone());
        check_roster(&roster, Format::SdsV1, &|_| Some(2));
    }
}
