//! Focused tests of the input rules: encodings, line ends, quoting, names, dates, and the
//! row-level consequences of broken keys and references.

mod common;

use common::{count, dump, errors, find, read, temp_dir, v1_set, with};
use edugraph_rostering::{read_dir, read_files, Format, PersonRole, ReadError, Severity};
use time::macros::date;

/// No errors and no warnings (the baseline set's shared id 7 is a note).
fn assert_clean(p: &edugraph_rostering::Parsed) {
    assert!(
        p.diagnostics
            .iter()
            .all(|d| d.severity == Severity::Information),
        "{}",
        dump(p)
    );
}

fn v1_with(name: &'static str, bytes: &[u8]) -> edugraph_rostering::Parsed {
    read_files(&with(v1_set(), name, bytes), None).unwrap()
}

#[test]
fn baseline_set_is_clean() {
    let p = read_files(
        &with(v1_set(), "School.csv", b"SIS ID,Name\r\n1,North High\r\n"),
        None,
    )
    .unwrap();
    assert_eq!(p.format, Format::SdsV1);
    assert_clean(&p);
    let s = p.summary();
    assert_eq!((s.students, s.teachers, s.enrollments), (2, 1, 3));
    // Student 7 and teacher 7 are different people: SDS v1 keeps the files apart.
    assert_eq!(
        p.roster.persons.iter().filter(|x| x.sis_id == "7").count(),
        2
    );
    assert_eq!(
        find(&p, "Teacher.csv", 2, "shared-id").severity,
        Severity::Information
    );
    assert_eq!(p.diagnostics.len(), 1);
}

#[test]
fn bom_and_lf_line_ends_are_accepted() {
    let p = v1_with(
        "Student.csv",
        b"\xEF\xBB\xBFSIS ID,School SIS ID,Username\n7,1,ann\n8,1,bob",
    );
    assert_clean(&p);
    assert_eq!(p.summary().students, 2);
}

/// The line ends a roster file may use: CRLF, LF, and a CR alone (Excel for Mac's "CSV
/// (Macintosh)").
const LINE_ENDS: [&str; 3] = ["\r\n", "\n", "\r"];

#[test]
fn blank_lines_and_every_line_end_keep_line_numbers() {
    // A duplicate on physical line 5 (after a blank line) is reported on line 5.
    for end in LINE_ENDS {
        let lines = [
            "SIS ID,School SIS ID,Username",
            "7,1,ann",
            "",
            "8,1,bob",
            "8,1,bo2",
            "",
        ];
        let p = v1_with("Student.csv", lines.join(end).as_bytes());
        let d = find(&p, "Student.csv", 5, "duplicate-id");
        assert_eq!(d.severity, Severity::Error, "{end:?}");
        assert_eq!(p.summary().students, 2, "{end:?}");
    }
}

#[test]
fn quoted_values_with_doubled_quotes_and_commas() {
    let p = v1_with(
        "School.csv",
        b"SIS ID,Name\r\n1,\"North \"\"Upper\"\", High\"\r\n",
    );
    assert_clean(&p);
    assert_eq!(p.roster.schools[0].name, "North \"Upper\", High");
}

#[test]
fn embedded_line_break_drops_the_row_and_keeps_later_lines_right() {
    // Record 8 starts on line 3 and spans lines 3-4; record 9 is on line 5.
    let p = v1_with(
        "Student.csv",
        b"SIS ID,School SIS ID,Username,First Name\r\n7,1,ann,Ann\r\n8,1,bob,\"Bo\r\nb\"\r\n9,1,cy,Cy\r\n9,1,cy2,Cy\r\n",
    );
    let d = find(&p, "Student.csv", 3, "line-break-in-value");
    assert_eq!(
        (d.severity, d.column.as_deref()),
        (Severity::Error, Some("First Name"))
    );
    find(&p, "Student.csv", 6, "duplicate-id");
    // Student 8 is gone, so its enrollment fails with a reference to a dropped row.
    assert_eq!(
        find(&p, "StudentEnrollment.csv", 3, "dropped-reference").severity,
        Severity::Error
    );
    assert_eq!(p.summary().students, 2);
}

#[test]
fn file_and_column_names_ignore_case() {
    let mut set = with(
        v1_set(),
        "Student.csv",
        b"sis id,SCHOOL SIS ID,username\r\n7,1,ann\r\n8,1,bob\r\n",
    );
    for (name, _) in &mut set {
        *name = name.to_lowercase();
    }
    let p = read_files(&set, None).unwrap();
    assert_eq!(p.format, Format::SdsV1);
    assert!(errors(&p).is_empty(), "{}", dump(&p));
    assert_eq!(p.summary().students, 2);
    assert_eq!(count(&p, "column-name-normalized"), 3);
    assert!(p
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Information));
}

#[test]
fn both_date_formats_and_bad_dates() {
    let p = v1_with(
        "Student.csv",
        b"SIS ID,School SIS ID,Username,Birthdate\r\n7,1,ann,2001-02-03\r\n8,1,bob,2/3/2001\r\n9,1,cy,20010203\r\n10,1,di,31/12/2001\r\n",
    );
    let births: Vec<_> = ["7", "8", "9"]
        .iter()
        .map(|id| {
            p.roster
                .persons
                .iter()
                .find(|x| x.sis_id == *id && x.role == PersonRole::Student)
                .unwrap()
                .birth_date
        })
        .collect();
    assert_eq!(births, [Some(date!(2001 - 02 - 03)); 3]);
    find(&p, "Student.csv", 3, "us-date-format");
    // Day-first is never guessed: an optional bad date is a warning and the value goes.
    let d = find(&p, "Student.csv", 5, "invalid-date");
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(p.summary().students, 4);

    // SDS v2.1 wants ISO only.
    let p = read(
        &[
            ("orgs.csv", b"sourcedId,name,type\n1,A,school\n"),
            ("users.csv", b"sourcedId,username\nu,u@x.org\n"),
            (
                "roles.csv",
                b"userSourcedId,orgSourcedId,role,roleStartDate\nu,1,student,8/24/2021\n",
            ),
        ],
        None,
    );
    assert_eq!(
        find(&p, "roles.csv", 2, "invalid-date").severity,
        Severity::Warning
    );
}

#[test]
fn non_utf8_is_an_error_naming_the_line() {
    for end in LINE_ENDS {
        let mut text = ["SIS ID,School SIS ID,Username", "7,1,ann", ""]
            .join(end)
            .into_bytes();
        text.extend_from_slice(b"8,1,Jos\xE9");
        text.extend_from_slice(end.as_bytes());
        let p = v1_with("Student.csv", &text);
        let d = find(&p, "Student.csv", 3, "not-utf8");
        assert_eq!(d.severity, Severity::Error, "{end:?}");
        assert!(d.message.contains("line 3"), "{}", d.message);
        assert_eq!(p.summary().students, 0, "the file is not used at all");
    }

    let p = v1_with("Student.csv", b"\xFF\xFES\x00I\x00");
    find(&p, "Student.csv", 1, "utf16");
}

#[test]
fn missing_required_column_drops_the_file() {
    let p = v1_with("Teacher.csv", b"SIS ID,Username\r\n7,tess\r\n");
    let d = find(&p, "Teacher.csv", 1, "missing-column");
    assert_eq!(d.column.as_deref(), Some("School SIS ID"));
    assert_eq!(p.summary().teachers, 0);
    // The roster row now points at nobody.
    assert_eq!(
        find(&p, "TeacherRoster.csv", 2, "unknown-reference")
            .column
            .as_deref(),
        Some("SIS ID")
    );
}

#[test]
fn missing_required_value_and_unknown_column() {
    let p = v1_with(
        "Student.csv",
        b"SIS ID,School SIS ID,Username,Shoe Size\r\n7,1,,42\r\n8,1,bob,40\r\n",
    );
    assert_eq!(
        find(&p, "Student.csv", 2, "missing-value")
            .column
            .as_deref(),
        Some("Username")
    );
    assert_eq!(
        find(&p, "Student.csv", 1, "unknown-column").severity,
        Severity::Warning
    );
    assert_eq!(p.summary().students, 1);
}

#[test]
fn duplicate_ids_and_usernames() {
    let p = v1_with(
        "Student.csv",
        b"SIS ID,School SIS ID,Username\r\n7,1,ann\r\n7,1,ann2\r\n8,1,ANN\r\n",
    );
    let d = find(&p, "Student.csv", 3, "duplicate-id");
    assert!(d.message.contains("line 2"), "{}", d.message);
    find(&p, "Student.csv", 4, "duplicate-username");
    assert_eq!(p.summary().students, 1);
    // Student 8 is dropped, so is its enrollment.
    find(&p, "StudentEnrollment.csv", 3, "dropped-reference");
    // Repeated enrollment pairs are collapsed with a warning.
    let p = v1_with(
        "StudentEnrollment.csv",
        b"Section SIS ID,SIS ID\r\n100,7\r\n100,7\r\n",
    );
    assert_eq!(
        find(&p, "StudentEnrollment.csv", 3, "duplicate-row").severity,
        Severity::Warning
    );
    assert_eq!(p.summary().enrollments, 2);
}

#[test]
fn dangling_references() {
    let p = v1_with(
        "Section.csv",
        b"SIS ID,School SIS ID,Section Name\r\n100,1,Math\r\n101,9,Art\r\n",
    );
    let d = find(&p, "Section.csv", 3, "unknown-reference");
    assert_eq!(
        (d.severity, d.column.as_deref()),
        (Severity::Error, Some("School SIS ID"))
    );
    assert_eq!(p.summary().sections, 1);

    let p = v1_with(
        "StudentEnrollment.csv",
        b"Section SIS ID,SIS ID\r\n100,7\r\n555,8\r\n100,99\r\n",
    );
    assert_eq!(
        find(&p, "StudentEnrollment.csv", 3, "unknown-reference")
            .column
            .as_deref(),
        Some("Section SIS ID")
    );
    assert_eq!(
        find(&p, "StudentEnrollment.csv", 4, "unknown-reference")
            .column
            .as_deref(),
        Some("SIS ID")
    );
    assert_eq!(p.summary().enrollments, 2);

    // An enrollment naming a teacher id in StudentEnrollment.csv does not resolve: namespaces.
    let p = v1_with(
        "Teacher.csv",
        b"SIS ID,School SIS ID,Username\r\n50,1,tess\r\n",
    );
    find(&p, "TeacherRoster.csv", 2, "unknown-reference");
}

#[test]
fn ragged_rows_and_trailing_empty_header_cells() {
    let p = v1_with(
        "School.csv",
        b"SIS ID,Name,,\r\n1,North\r\n2,South,,\r\n3\r\n",
    );
    find(&p, "School.csv", 1, "empty-header");
    assert_eq!(
        find(&p, "School.csv", 4, "ragged-row").severity,
        Severity::Error
    );
    assert_eq!(p.summary().schools, 2);
}

#[test]
fn semicolons_are_named() {
    let p = v1_with("School.csv", b"SIS ID;Name\r\n1;North\r\n");
    find(&p, "School.csv", 1, "semicolon-delimited");
}

#[test]
fn missing_files_and_unknown_files() {
    let set: Vec<(String, Vec<u8>)> = v1_set()
        .into_iter()
        .filter(|(n, _)| *n != "TeacherRoster.csv")
        .map(|(n, b)| (n.into(), b))
        .collect();
    let mut set = set;
    set.push(("notes.csv".into(), b"a\n".to_vec()));
    let p = read_files(&set, None).unwrap();
    assert_eq!(
        find(&p, "TeacherRoster.csv", 0, "missing-file").severity,
        Severity::Error
    );
    assert_eq!(
        find(&p, "notes.csv", 0, "unknown-file").severity,
        Severity::Warning
    );
}

#[test]
fn uk_headers() {
    let set = vec![
        (
            "School.csv".to_string(),
            b"DfE Number,Name,Postal Code\r\n1,North,AB1 2CD\r\n".to_vec(),
        ),
        (
            "Student.csv".to_string(),
            b"ID,School DfE Number,Username\r\n7,1,ann\r\n".to_vec(),
        ),
        (
            "Teacher.csv".to_string(),
            b"ID,School DfE Number,Username\r\n8,1,tess\r\n".to_vec(),
        ),
        (
            "Section.csv".to_string(),
            b"ID,School DfE Number,Section Name\r\n100,1,Maths\r\n".to_vec(),
        ),
        (
            "StudentEnrollment.csv".to_string(),
            b"Section ID,ID\r\n100,7\r\n".to_vec(),
        ),
        (
            "TeacherRoster.csv".to_string(),
            b"Section ID,ID\r\n100,8\r\n".to_vec(),
        ),
    ];
    let p = read_files(&set, None).unwrap();
    assert!(errors(&p).is_empty(), "{}", dump(&p));
    find(&p, "School.csv", 1, "uk-headers");
    assert_eq!(
        p.roster.schools[0]
            .address
            .as_ref()
            .unwrap()
            .postal_code
            .as_deref(),
        Some("AB1 2CD")
    );
    assert_eq!(p.summary().enrollments, 2);
}

#[test]
fn guardian_files() {
    let mut set = with(v1_set(), "User.csv", b"Email,First Name,Last Name,Phone,SIS ID\r\nMum@Example.org,Ma,Smith,(555) 123-4567,G1\r\n");
    set.push((
        "Guardianrelationship.csv".into(),
        b"SIS ID,Email,Role\r\n7,mum@example.org,Guardian\r\n8,dad@example.org,\r\n".to_vec(),
    ));
    let p = read_files(&set, None).unwrap();
    let s = p.summary();
    assert_eq!((s.guardians, s.relationships), (1, 1));
    assert_eq!(p.roster.relationships[0].role, "guardian");
    assert_eq!(
        p.roster
            .persons
            .iter()
            .find(|x| x.role == PersonRole::Guardian)
            .unwrap()
            .phone
            .as_deref(),
        Some("5551234567")
    );
    assert_eq!(
        find(&p, "Guardianrelationship.csv", 3, "unknown-reference")
            .column
            .as_deref(),
        Some("Email")
    );
}

#[test]
fn oneroster_rules() {
    let manifest: &[u8] = b"propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,delta\nfile.classes,bulk\n";
    let p = read(
        &[
            ("manifest.csv", manifest),
            ("orgs.csv", b"sourcedId,status,dateLastModified,name,type\no1,,,North,school\no 2,,,Bad,school\no3,,,Odd,ext:campus\n"),
            (
                "users.csv",
                b"sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName\nu1,active,2024-01-02T03:04:05Z,true,o1,teacher,t,T,T\nu2,,,true,o1,student,s,S,S\n",
            ),
        ],
        None,
    );
    assert_eq!(p.format, Format::OneRoster11);
    assert_eq!(
        find(&p, "orgs.csv", 3, "invalid-id").severity,
        Severity::Error
    );
    assert_eq!(
        p.roster
            .schools
            .iter()
            .map(|s| s.org_type.as_str())
            .collect::<Vec<_>>(),
        ["school", "ext:campus"]
    );
    // Delta files need status and dateLastModified.
    assert_eq!(
        find(&p, "users.csv", 3, "missing-value").column.as_deref(),
        Some("status")
    );
    assert_eq!(
        find(&p, "manifest.csv", 6, "manifest-file-missing").severity,
        Severity::Error
    );
    assert_eq!(p.summary().teachers, 1);
}

#[test]
fn manifest_diagnostics_name_the_files_as_uploaded() {
    let manifest: &[u8] = b"propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,delta\nfile.classes,bogus\n";
    let p = read(
        &[
            ("Manifest.CSV", manifest),
            (
                "orgs.csv",
                b"sourcedId,status,dateLastModified,name,type\no1,,,North,school\n",
            ),
            (
                "Courses.Csv",
                b"sourcedId,status,dateLastModified,title,orgSourcedId\nk1,,,Math,o1\n",
            ),
        ],
        None,
    );
    find(&p, "Manifest.CSV", 4, "manifest-file-missing");
    find(&p, "Manifest.CSV", 5, "manifest-mode-invalid");
    find(&p, "Courses.Csv", 0, "manifest-file-undeclared");
    assert!(
        p.diagnostics
            .iter()
            .all(|d| d.file != "manifest.csv" && d.file != "courses.csv"),
        "{}",
        dump(&p)
    );
}

#[test]
fn forced_format_and_format_names() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
    }
    assert_eq!("SDS-V2.1".parse::<Format>().unwrap(), Format::SdsV21);
    assert!("oneroster-1.0".parse::<Format>().is_err());

    // Forcing v2.1 onto a v1 set reports the missing files instead of guessing.
    let set: Vec<(String, Vec<u8>)> = v1_set().into_iter().map(|(n, b)| (n.into(), b)).collect();
    let p = read_files(&set, Some(Format::SdsV21)).unwrap();
    assert_eq!(p.format, Format::SdsV21);
    find(&p, "orgs.csv", 0, "missing-file");
    assert_eq!(count(&p, "unknown-file"), 6);

    let err = read_files(&[("readme.csv".into(), b"x".to_vec())], None).unwrap_err();
    assert!(matches!(err, ReadError::NotRecognized(_)));
}

#[test]
fn limits_are_enforced() {
    use edugraph_rostering::limits::MAX_FIELD_BYTES;
    let long = "x".repeat(MAX_FIELD_BYTES + 1);
    let school = format!("SIS ID,Name\r\n1,North\r\n2,{long}\r\n");
    let p = v1_with("School.csv", school.as_bytes());
    assert_eq!(
        find(&p, "School.csv", 3, "field-too-long").severity,
        Severity::Error
    );
    let id = "9".repeat(300);
    let school = format!("SIS ID,Name\r\n1,North\r\n{id},South\r\n");
    let p = v1_with("School.csv", school.as_bytes());
    find(&p, "School.csv", 3, "invalid-id");
    assert_eq!(p.summary().schools, 1);
}

#[test]
fn sds_v2_1_contacts_need_name_and_email() {
    let p = read(
        &[
            ("orgs.csv", b"sourcedId,name,type\n1,A,school\n"),
            ("users.csv", b"sourcedId,username,givenName,familyName,email\ns,s@x.org,S,T,\nm,m@y.org,M,T,m@y.org\nd,d@y.org,D,,\n"),
            ("roles.csv", b"userSourcedId,orgSourcedId,role\ns,1,student\n"),
            ("relationships.csv", b"userSourcedId,relationshipUserSourcedId,relationshipRole\ns,m,Parent\ns,d,guardian\n"),
        ],
        None,
    );
    let d = find(&p, "relationships.csv", 3, "missing-value");
    assert!(d.message.contains("familyName, email"), "{}", d.message);
    assert_eq!(p.roster.relationships.len(), 1);
    assert_eq!(p.roster.relationships[0].role, "parent");
    let m = p.roster.persons.iter().find(|x| x.sis_id == "m").unwrap();
    assert_eq!(m.role, PersonRole::Guardian);
}

#[test]
fn diagnostics_past_the_limit_are_counted_not_listed() {
    use edugraph_rostering::limits::MAX_DIAGNOSTICS;
    let n = MAX_DIAGNOSTICS + 5;
    let mut rows = String::from("Section SIS ID,SIS ID\r\n");
    for i in 0..n {
        rows.push_str(&format!("x{i},7\r\n"));
    }
    let p = v1_with("StudentEnrollment.csv", rows.as_bytes());
    assert_eq!(p.summary().errors, n);
    assert_eq!(p.diagnostics.len(), MAX_DIAGNOSTICS + 1);
    assert_eq!(p.diagnostics.last().unwrap().code, "diagnostics-truncated");
}

#[test]
fn unreadable_folder_is_a_read_error() {
    let missing =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("rostering-no-such-folder");
    assert!(matches!(
        edugraph_rostering::read_dir(&missing, None),
        Err(ReadError::Io { .. })
    ));
}

/// Files read from a folder are streamed through buffers far smaller than these files:
/// line numbers of rows deep in a file (after blank lines and quoted line breaks, across
/// buffer ends), a byte order mark, and a bad byte past the first buffer come out exactly as
/// for the same bytes in memory, and as counted by hand.
#[test]
fn folder_files_stream_with_the_lines_of_the_bytes() {
    // 20,000 students (about 500 KB): row 15,000 repeats the SIS ID of row 5.
    let mut students = b"\xEF\xBB\xBFSIS ID,School SIS ID,Username,First Name\r\n".to_vec();
    for i in 0..20_000u32 {
        let id = if i == 15_000 { 5 } else { i };
        students.extend(format!("s{id},1,u{i},\"Ann\"\r\n").bytes());
        if i == 10 {
            // One blank line, then a name over two lines (dropped: line break in a value).
            students.extend(b"\r\ns-x,1,ux,\"An\nn\"\r\n");
        }
    }
    // A teacher file with a byte that is not UTF-8 on line 8,001 (past 64 KiB).
    let mut teachers = b"SIS ID,School SIS ID,Username\n".to_vec();
    for i in 0..10_000u32 {
        let user = if i == 7_999 {
            b"Jos\xE9".to_vec()
        } else {
            format!("t{i}").into_bytes()
        };
        teachers.extend(format!("t{i},1,").bytes());
        teachers.extend(user);
        teachers.push(b'\n');
    }
    let set: Vec<(String, Vec<u8>)> = v1_set()
        .into_iter()
        .map(|(name, bytes)| match name {
            "Student.csv" => (name.to_string(), students.clone()),
            "Teacher.csv" => (name.to_string(), teachers.clone()),
            _ => (name.to_string(), bytes),
        })
        .collect();
    let dir = temp_dir("streamed");
    for (name, bytes) in &set {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let from_disk = read_dir(&dir, None).unwrap();
    let in_memory = read_files(&set, None).unwrap();
    assert_eq!(dump(&from_disk), dump(&in_memory));
    assert_eq!(from_disk.roster, in_memory.roster);

    find(&from_disk, "Student.csv", 14, "line-break-in-value");
    // Header, 11 rows, a blank line, a row over two lines, then row 12 onwards.
    let d = find(&from_disk, "Student.csv", 15_000 + 5, "duplicate-id");
    assert_eq!(d.column.as_deref(), Some("SIS ID"));
    let d = find(&from_disk, "Teacher.csv", 8_001, "not-utf8");
    assert!(d.message.contains("line 8001"), "{}", d.message);
    assert_eq!(from_disk.summary().students, 20_000 - 1);
    assert_eq!(
        from_disk.summary().teachers,
        0,
        "a file that is not UTF-8 is not used"
    );
}
