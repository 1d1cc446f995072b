//! Every sample set in the shared folder, read with the counts and diagnostics a careful
//! reading of its files predicts. Each expectation carries the reason in a comment.

mod common;

use common::{dump, find, samples};
use edugraph_rostering::{
    read_dir, FileMode, Format, Gender, PersonRole, ReadError, RecordStatus, Severity, Summary,
};
use time::macros::date;

fn read_set(rel: &str) -> Option<edugraph_rostering::Parsed> {
    let dir = samples()?.join(rel);
    Some(read_dir(&dir, None).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

fn check(rel: &str, format: Format, want: Summary) -> Option<edugraph_rostering::Parsed> {
    let p = read_set(rel)?;
    assert_eq!(p.format, format, "{rel}");
    assert_eq!(p.summary(), want, "{rel}; diagnostics:\n{}", dump(&p));
    Some(p)
}

#[test]
fn sds_v1_microsoft_100_users() {
    // Clean set: only the three date columns written M/D/YYYY (one note per column).
    let want = Summary {
        orgs: 2,
        schools: 2,
        terms: 1,
        courses: 28,
        sections: 28,
        students: 86,
        teachers: 12,
        memberships: 98,
        enrollments: 602 + 28,
        information: 3,
        ..Summary::default()
    };
    let Some(p) = check(
        "sds-v1/OfficeDev_O365-EDU-Tools/SDS-Format/100-Users",
        Format::SdsV1,
        want,
    ) else {
        return;
    };
    let d = find(&p, "Student.csv", 2, "us-date-format");
    assert_eq!(
        (d.severity, d.column.as_deref()),
        (Severity::Information, Some("Birthdate"))
    );
    find(&p, "Section.csv", 2, "us-date-format");
    let term = p.roster.terms.iter().find(|t| t.sis_id == "12000").unwrap();
    assert_eq!(
        (term.start_date, term.end_date),
        (Some(date!(2017 - 07 - 01)), Some(date!(2018 - 06 - 30)))
    );
    let ora = p
        .roster
        .persons
        .iter()
        .find(|x| x.sis_id == "13001" && x.role == PersonRole::Student)
        .unwrap();
    assert_eq!(ora.birth_date, Some(date!(2000 - 04 - 02)));
    assert_eq!(ora.graduation_year, Some(2019));
    let school = &p.roster.schools[0];
    assert_eq!(
        school.address.as_ref().unwrap().postal_code.as_deref(),
        Some("98052")
    );
    assert_eq!(school.properties.get("Zone").map(String::as_str), Some("1"));
}

#[test]
fn sds_v1_microsoft_25_users() {
    // Clean; 44 student enrollments + 2 teacher rosters; dates M/D/YYYY in three columns.
    let want = Summary {
        orgs: 2,
        schools: 2,
        terms: 1,
        courses: 2,
        sections: 2,
        students: 22,
        teachers: 2,
        memberships: 24,
        enrollments: 46,
        information: 3,
        ..Summary::default()
    };
    check(
        "sds-v1/OfficeDev_O365-EDU-Tools/SDS-Format/25-Users",
        Format::SdsV1,
        want,
    );
}

#[test]
fn sds_v1_min_required_attributes() {
    // Only required columns: no term/course columns, no dates, no names; nothing to report.
    let want = Summary {
        orgs: 2,
        schools: 2,
        sections: 2,
        students: 22,
        teachers: 2,
        memberships: 24,
        enrollments: 46,
        ..Summary::default()
    };
    let Some(p) = check(
        "sds-v1/OfficeDev_O365-EDU-Tools/SDS-Format/Min-Required-Attributes",
        Format::SdsV1,
        want,
    ) else {
        return;
    };
    assert!(p
        .roster
        .persons
        .iter()
        .all(|x| x.given_name.is_none() && x.username.is_some()));
}

#[test]
fn sds_v1_one_row_per_file() {
    // 31-column Student.csv; clean apart from the three M/D/YYYY date columns.
    let want = Summary {
        orgs: 1,
        schools: 1,
        terms: 1,
        courses: 1,
        sections: 1,
        students: 1,
        teachers: 1,
        memberships: 2,
        enrollments: 2,
        information: 3,
        ..Summary::default()
    };
    let Some(p) = check("sds-v1/zsxyzabc_test", Format::SdsV1, want) else {
        return;
    };
    let s = p
        .roster
        .persons
        .iter()
        .find(|x| x.role == PersonRole::Student)
        .unwrap();
    assert_eq!(s.gender, Some(Gender::Male));
    assert_eq!(
        s.mailing_address.as_ref().unwrap().street.as_deref(),
        Some("4 Fieldchat Road")
    );
    assert_eq!(
        s.residence_address.as_ref().unwrap().country.as_deref(),
        Some("US")
    );
}

#[test]
fn sds_v2_legacy() {
    // Role "aide" (user 14010) is not in the SDS list of values: kept, warned, on users.csv
    // and on its enrollment; "ministryofeducation" and "Student" match ignoring case.
    let want = Summary {
        orgs: 5,
        schools: 2,
        sections: 4,
        students: 22,
        teachers: 7,
        memberships: 29,
        enrollments: 29,
        warnings: 2,
        ..Summary::default()
    };
    let Some(p) = check(
        "sds-v2/OfficeDev_O365-EDU-Tools/SDS-v2",
        Format::SdsV2,
        want,
    ) else {
        return;
    };
    let d = find(&p, "users.csv", 28, "unknown-value");
    assert_eq!(
        (d.severity, d.column.as_deref()),
        (Severity::Warning, Some("role"))
    );
    find(&p, "enrollments.csv", 28, "unknown-value");
    assert_eq!(p.roster.schools[0].org_type, "ministryOfEducation");
}

#[test]
fn sds_v2_1_microsoft() {
    // Clean: contacts 114002/114005 have no roles row and become guardians.
    let want = Summary {
        orgs: 4,
        schools: 1,
        terms: 2,
        courses: 3,
        sections: 2,
        students: 4,
        teachers: 2,
        guardians: 2,
        memberships: 7,
        enrollments: 6,
        relationships: 3,
        ..Summary::default()
    };
    let Some(p) = check(
        "sds-v2.1/OfficeDev_O365-EDU-Tools/SDS-v2.1",
        Format::SdsV21,
        want,
    ) else {
        return;
    };
    let jack = p
        .roster
        .persons
        .iter()
        .find(|x| x.sis_id == "114001")
        .unwrap();
    assert_eq!(
        (jack.gender, jack.birth_date),
        (Some(Gender::Male), Some(date!(2001 - 07 - 02)))
    );
    assert_eq!(jack.flags, ["iep"]);
    let jason = p
        .roster
        .persons
        .iter()
        .find(|x| x.sis_id == "114006")
        .unwrap();
    assert_eq!(jason.role, PersonRole::Teacher, "professor is a staff role");
    assert_eq!(
        p.roster
            .persons
            .iter()
            .find(|x| x.sis_id == "114002")
            .unwrap()
            .phone
            .as_deref(),
        Some("+11234567890")
    );
}

#[test]
fn sds_v2_1_value_map_is_not_a_roster() {
    let Some(root) = samples() else { return };
    let err = read_dir(
        &root.join("sds-v2.1/OfficeDev_O365-EDU-Tools/SchoologyCSV-value-map"),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(err, ReadError::NotRecognized(ref f) if f == &["enumMap.csv"]),
        "{err}"
    );
}

#[test]
fn oneroster_1_0_is_refused() {
    // No manifest.csv and OneRoster-only files: OneRoster 1.0, which is not supported.
    let Some(root) = samples() else { return };
    let err = read_dir(
        &root.join("oneroster-1.0/oat-sa_oneroster-import/oneRoster1.0"),
        None,
    )
    .unwrap_err();
    assert!(matches!(err, ReadError::Unsupported(_)), "{err}");
}

#[test]
fn oneroster_1_1_catalyst_full() {
    // courses.csv is absent, so both classes break a required reference (error) and their six
    // enrollments point at dropped classes (error). Warnings: status/dateLastModified in five
    // bulk files (one each), status "inactive", two unknown parent sessions, an unknown parent
    // org, and the classes' school being a department (twice).
    let want = Summary {
        orgs: 1,
        terms: 5,
        students: 3,
        teachers: 2,
        guardians: 1,
        memberships: 6,
        relationships: 5,
        errors: 8,
        warnings: 11,
        ..Summary::default()
    };
    let Some(p) = check(
        "oneroster-1.1/catalyst_moodle-enrol_oneroster/Test_full_data_set",
        Format::OneRoster11,
        want,
    ) else {
        return;
    };
    let d = find(&p, "classes.csv", 2, "unknown-reference");
    assert_eq!(
        (d.severity, d.column.as_deref()),
        (Severity::Error, Some("courseSourcedId"))
    );
    assert_eq!(
        find(&p, "enrollments.csv", 7, "dropped-reference").severity,
        Severity::Error
    );
    assert_eq!(
        find(&p, "academicSessions.csv", 4, "invalid-value")
            .column
            .as_deref(),
        Some("status")
    );
    find(&p, "classes.csv", 3, "not-a-school");
    let t = p
        .roster
        .terms
        .iter()
        .find(|t| t.sis_id == "as-grp-222-23456")
        .unwrap();
    assert_eq!(t.change.status, Some(RecordStatus::ToBeDeleted));
    assert_eq!(t.change.date_last_modified.unwrap().millisecond(), 511);
    assert_eq!(p.roster.file_modes.get("users"), Some(&FileMode::Bulk));
    assert_eq!(p.roster.file_modes.get("courses"), Some(&FileMode::Absent));
}

#[test]
fn oneroster_1_1_catalyst_minimal() {
    // Same references as the full set, but no status values and no agents.
    let want = Summary {
        orgs: 1,
        terms: 5,
        students: 3,
        teachers: 2,
        guardians: 1,
        memberships: 6,
        errors: 8,
        warnings: 2,
        ..Summary::default()
    };
    let Some(p) = check(
        "oneroster-1.1/catalyst_moodle-enrol_oneroster/Test_minimal_data_set",
        Format::OneRoster11,
        want,
    ) else {
        return;
    };
    let classes = p.roster.sections.len();
    assert_eq!(classes, 0);
    find(&p, "classes.csv", 2, "not-a-school");
}

#[test]
fn oneroster_1_1_oat_sa() {
    // 1.0-style headers under a 1.1 manifest. Errors: academicSessions lacks schoolYear,
    // demographics lacks sourcedId, courses has no rows, three classes without
    // courseSourcedId, and the three enrollments of those classes. Warnings: nine unknown
    // user columns, two each in orgs/courses/classes (ext_*, 1.0 names), one in
    // demographics, status in two bulk files, a space-separated dateLastModified.
    // Information: four metadata.* columns and "birthdate" read as "birthDate".
    let want = Summary {
        orgs: 2,
        schools: 2,
        students: 2,
        memberships: 2,
        errors: 9,
        warnings: 19,
        information: 5,
        ..Summary::default()
    };
    let Some(p) = check(
        "oneroster-1.1/oat-sa_oneroster-import/OneRosterv1p1BaseCSV",
        Format::OneRoster11,
        want,
    ) else {
        return;
    };
    assert_eq!(
        find(&p, "academicSessions.csv", 1, "missing-column")
            .column
            .as_deref(),
        Some("schoolYear")
    );
    assert_eq!(
        find(&p, "courses.csv", 1, "empty-file").severity,
        Severity::Error
    );
    assert_eq!(
        find(&p, "orgs.csv", 2, "invalid-datetime").severity,
        Severity::Warning
    );
    for line in 2..=4 {
        assert_eq!(
            find(&p, "classes.csv", line, "missing-value")
                .column
                .as_deref(),
            Some("courseSourcedId")
        );
    }
}

#[test]
fn oneroster_1_2_catalyst() {
    // As the 1.1 full set (8 errors), plus: three blank manifest modes, three misspelt
    // preferred* columns, five dateLastModified values like 1/05/2023, roles.csv's two empty
    // trailing header cells and "dataLastModified", status in roles.csv too. userprofiles.csv
    // is not rostering (information).
    let want = Summary {
        orgs: 1,
        terms: 5,
        students: 3,
        teachers: 3,
        memberships: 7,
        relationships: 5,
        errors: 8,
        warnings: 25,
        information: 1,
        ..Summary::default()
    };
    let Some(p) = check(
        "oneroster-1.2/catalyst_moodle-enrol_oneroster/v1p2_full_dataset",
        Format::OneRoster12,
        want,
    ) else {
        return;
    };
    find(&p, "roles.csv", 1, "empty-header");
    assert_eq!(
        find(&p, "users.csv", 7, "invalid-datetime")
            .column
            .as_deref(),
        Some("dateLastModified")
    );
    find(&p, "manifest.csv", 22, "manifest-mode-invalid");
    assert_eq!(
        find(&p, "userprofiles.csv", 0, "file-not-used").severity,
        Severity::Information
    );
    // Roles come from roles.csv: the site administrator counts as staff.
    let thomas = p
        .roster
        .persons
        .iter()
        .find(|x| x.sis_id == "usr-222-1234561")
        .unwrap();
    assert_eq!(thomas.role, PersonRole::Teacher);
    assert_eq!(
        p.roster
            .memberships
            .iter()
            .filter(|m| m.is_primary == Some(true))
            .count(),
        5
    );
}
