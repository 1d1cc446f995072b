//! Writes the seed corpus of the roster fuzz targets, `seeds/<target>/`, one input per file:
//!
//! ```sh
//! cd crates/rostering/fuzz && cargo run --example make_seeds [SAMPLES]
//! ```
//!
//! SAMPLES is the shared sample folder (default `../shared/rostering-samples` beside the
//! repository). Only the MIT-licensed Microsoft sets are copied (whole, or their first
//! lines): the OneRoster sample sets there are GPL test fixtures and one SDS v1 set has no
//! licence (see its SOURCES.md), so the OneRoster seeds come from this crate's own
//! generator (1.2) and from small hand-written sets (1.1, delta, header quirks), and the
//! tricky cases of the CSV layer are hand-written too. Deterministic: the same samples
//! give the same files.

use std::fs;
use std::path::{Path, PathBuf};

use edugraph_rostering::{generate, Format, Size};
use edugraph_rostering_fuzz::{ONEROSTER_FILES, SDS_V1_FILES, SDS_V21_FILES, SEPARATOR};

const MS: &str = "OfficeDev_O365-EDU-Tools";

/// Data rows kept per file when a sample is cut short (whole files when they are small).
const ROWS: usize = 5;
/// Data rows per file in the `detect` seeds, which only need a taste of each file.
const DETECT_ROWS: usize = 2;

/// The CSV layer's awkward cases, for the `csv` target.
const CSV_CASES: &[(&str, &[u8])] = &[
    (
        "quoted.csv",
        b"SIS ID,Name\r\n1,\"North \"\"Upper\"\", High\"\r\n2,South\r\n",
    ),
    (
        "line-break-in-value.csv",
        b"SIS ID,Name,Email\r\n7,\"Bo\r\nb\",b@x.org\r\n8,Cy,c@x.org\r\n",
    ),
    (
        "bom.csv",
        b"\xEF\xBB\xBFsourcedId,status,dateLastModified,name\n1,active,2024-01-02T03:04:05Z,x\n",
    ),
    ("double-bom.csv", b"\xEF\xBB\xBF\xEF\xBB\xBFSIS ID,Name\r\n1,x\r\n"),
    (
        "empty-header-cells.csv",
        b"SIS ID,Name,,\r\n1,North\r\n2,South,,\r\n3\r\n4,West,x,\r\n",
    ),
    ("semicolons.csv", b"SIS ID;Name\r\n1;North\r\n"),
    (
        "duplicate-columns.csv",
        b"SIS ID,SIS ID,Name,NAME, name \r\n1,2,a,b,c\r\n",
    ),
    (
        "metadata-columns.csv",
        b"sourcedId,status,dateLastModified,name,metadata.extra,Metadata.x\n1,tobedeleted,2024-01-02,x,y,z\n2,,,,,\n",
    ),
    ("utf16.csv", b"\xFF\xFES\x00I\x00S\x00 \x00I\x00D\x00\r\x00\n\x00"),
    ("not-utf8.csv", b"SIS ID,Name\r\n1,Jos\xE9\r\n2,ok\r\n"),
    (
        "blank-lines-no-final-newline.csv",
        b"SIS ID,Name\n\n1,a\n\n\n2,b\r\n\r\n3,c",
    ),
    ("header-only.csv", b"sourcedId,name\n"),
    ("cr-only.csv", b"SIS ID,Name\r1,a\r2,b\r"),
    (
        "unterminated-quote.csv",
        b"SIS ID,Name\r\n1,\"unterminated\r\n2,x\r\n",
    ),
    (
        "spaces-and-case.csv",
        b" sis id ,NAME,Status\r\n 7 ,Ann,Active\r\n8,\"Bob, Jr.\",\r\n",
    ),
    (
        "long-value.csv",
        b"SIS ID,Name\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,\"a,b,c,d\"\r\n",
    ),
];

/// SDS v1 with the guardian files and US dates (the samples have no guardian files).
const SDS_V1_GUARDIANS: [&str; 8] = [
    "SIS ID,Name,Zip,Principal Secondary Email\r\n1,North,98052,p@north.org\r\n",
    "SIS ID,School SIS ID,Section Name,Term SIS ID,Term StartDate,Term EndDate,Course SIS ID,Course Name,Periods\r\n100,1,Math,T1,7/1/2017,20180601,C1,Algebra,\"1,2\"\r\n101,1,Art,T1,2017-07-01,6/1/2018,C1,Algebra,3\r\n",
    "SIS ID,School SIS ID,Username,Birthdate,Gender,Mailing Latitude,Graduation Year\r\n7,1,ann,2/3/2001,F,47.6,2019\r\n9,1,cy,20010203,male,x,20\r\n",
    "SIS ID,School SIS ID,Username,First Name\r\n8,1,tess,Tess\r\n7,1,tom,Tom\r\n",
    "Section SIS ID,SIS ID\r\n100,7\r\n100,9\r\n101,7\r\n100,7\r\n",
    "Section SIS ID,SIS ID\r\n100,8\r\n101,7\r\n",
    "Email,First Name,Last Name,Phone,SIS ID\r\nMum@Example.org,Ma,Smith,(555) 123-4567,G1\r\ndad@example.org,Pa,Smith,,\r\n",
    "SIS ID,Email,Role\r\n7,mum@example.org,Guardian\r\n9,dad@example.org,\r\n7,nobody@example.org,parent\r\n",
];

/// SDS v1 with the UK header variant.
const SDS_V1_UK: [&str; 6] = [
    "DfE Number,Name,Postal Code\r\n1,North,AB1 2CD\r\n",
    "ID,School DfE Number,Section Name\r\n100,1,Maths\r\n",
    "ID,School DfE Number,Username\r\n7,1,ann\r\n",
    "ID,School DfE Number,Username\r\n8,1,tess\r\n",
    "Section ID,ID\r\n100,7\r\n",
    "Section ID,ID\r\n100,8\r\n",
];

/// OneRoster 1.1: roles and orgs on the user rows, agents, a delta file.
const ONEROSTER_11: [&str; 9] = [
    "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.academicSessions,bulk\nfile.courses,bulk\nfile.classes,bulk\nfile.users,delta\nfile.enrollments,bulk\nfile.demographics,bulk\nfile.lineItems,absent\n",
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nd1,,,District,district,,\no1,,,North,school,N1,d1\no2,,,South,school,,d9\n",
    "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\ny1,,,2024,schoolYear,2023-08-01,2024-06-30,,2024\nt1,,,Fall,term,2023-08-01,2023-12-20,y1,2024\n",
    "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\nk1,,,y1,Math,M1,\"09,10\",o1,math,\nk2,,,y1,Art,A1,,o9,,\n",
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\nc1,,,Math 1,09,k1,M1-1,scheduled,R1,o1,\"t1,y1\",math,,\"1,2\"\nc2,,,Homeroom,,k1,,homeroom,,d1,t1,,,\n",
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\nu1,active,2024-01-02T03:04:05.123Z,true,o1,student,ann,{LDAP:ann},Ann,Lee,,S1,ann@x.org,,,g1,09,\nu2,active,2024-01-02T03:04:05+02:00,true,\"o1,o2\",teacher,tess,,Tess,Ray,,,tess@x.org,,,,,\ng1,tobedeleted,2024-01-02,true,o1,parent,mum,,Mum,Lee,,,mum@x.org,,,,,\n",
    "",
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\ne1,,,c1,o1,u1,student,false,2023-08-01,2023-12-20\ne2,,,c1,o1,u2,teacher,true,,\ne3,,,c9,o1,u1,student,,,\n",
    "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,cityOfBirth\nu1,,,2009-02-03,female,false,TRUE,Oslo\nu9,,,,,,,\n",
];

/// OneRoster 1.2 as real exports get it wrong: header typos, blank modes, ragged rows,
/// `ext:` terms, a header-only file.
const ONEROSTER_QUIRKS: [&str; 9] = [
    "propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\nfile.orgs,bulk\r\nfile.academicSessions,\r\nfile.courses,absent\r\nfile.classes,bulk\r\nfile.users,bulk\r\nfile.roles,Bulk\r\nfile.enrollments,bulk\r\nfile.demographics,absent\r\n",
    "sourcedId,status,dataLastModified,name,type,identifier,parentSourcedId\r\no1,,,North,school,,\r\no2,,,Dept,ext:campus,,o1\r\n",
    "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\r\n",
    "",
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds\r\nc1,,,Math,,k1,,Scheduled,,o2,t1\r\nc2,,,Art,,k1,,scheduled,,o1,t1,extra\r\n",
    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preffered MiddleName,primaryOrgSourcedId,pronouns\r\nu1,,,true,ann,,Ann,Lee,,,ann@x.org,,,u2,09,,M1,,Annie,,o1,she\r\nu2,,,TRUE,bob,,Bob,Lee,,,bob,,,,,,,,,,o9,\r\n",
    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\r\nr1,,,u1,primary,student,2023-08-01,2023-06-01,o1,\r\nr2,,,u2,secondary,guardian,,,o1,\r\nr3,,,u2,primary,ext:coach,,,o1,\r\n",
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\r\ne1,,,c1,o1,u1,student,,,\r\n",
    "",
];

/// OneRoster 1.0: no manifest, `status` on users (refused by detection).
const ONEROSTER_10: &[(&str, &str)] = &[
    (
        "orgs.csv",
        "sourcedId,status,dateLastModified,name,type,identifier,metadata.classification,parentSourcedId\no1,active,2017-01-01,North,school,,,\n",
    ),
    (
        "users.csv",
        "sourcedId,status,dateLastModified,orgSourcedIds,role,username,userId,givenName,familyName\nu1,active,2017-01-01,o1,student,ann,,Ann,Lee\n",
    ),
];

fn main() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let samples = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("../../../../shared/rostering-samples"));
    assert!(
        samples.is_dir(),
        "no sample folder at {} (pass it as the first argument)",
        samples.display()
    );
    let seeds = crate_dir.join("seeds");
    let out = |target: &str| {
        let dir = seeds.join(target);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    };
    let generated = std::env::temp_dir().join(format!("rostering-seeds-{}", std::process::id()));
    let _ = fs::remove_dir_all(&generated);
    generate(&generated, Format::OneRoster12, Size::Small, 1).unwrap();

    let v1 = samples.join("sds-v1").join(MS).join("SDS-Format");
    let v21 = samples.join("sds-v2.1").join(MS).join("SDS-v2.1");
    let v2 = samples.join("sds-v2").join(MS).join("SDS-v2");

    // csv: the first lines of one file of each kind, and the hand-written cases.
    let dir = out("csv");
    for (name, path) in [
        ("sds-v1-School.csv", v1.join("25-Users/School.csv")),
        ("sds-v1-Student.csv", v1.join("100-Users/Student.csv")),
        ("sds-v1-Section.csv", v1.join("25-Users/Section.csv")),
        ("sds-v21-users.csv", v21.join("users.csv")),
        ("sds-v21-roles.csv", v21.join("roles.csv")),
        ("oneroster-classes.csv", generated.join("classes.csv")),
        ("oneroster-users.csv", generated.join("users.csv")),
    ] {
        write(&dir, name, &head(&read(&path), ROWS));
    }
    write(
        &dir,
        "oneroster-manifest.csv",
        &read(&generated.join("manifest.csv")),
    );
    for (name, bytes) in CSV_CASES {
        write(&dir, name, bytes);
    }

    // sds_v1: the Microsoft sets, then guardians and UK headers.
    let dir = out("sds_v1");
    for (name, folder, rows) in [
        ("25-users", "25-Users", usize::MAX),
        (
            "min-required-attributes",
            "Min-Required-Attributes",
            usize::MAX,
        ),
        ("100-users", "100-Users", ROWS),
    ] {
        let set = v1.join(folder);
        let parts: Vec<Vec<u8>> = SDS_V1_FILES
            .iter()
            .map(|f| present(&set.join(f)).map_or(Vec::new(), |b| head(&b, rows)))
            .collect();
        write(&dir, name, &join(&parts));
    }
    write(&dir, "guardians", &join_str(&SDS_V1_GUARDIANS));
    write(&dir, "uk-headers", &join_str(&SDS_V1_UK));

    // sds_v21: the v2.1 sample, and the retired v2 sample in the files it shares.
    let dir = out("sds_v21");
    for (name, set) in [("sds-v2.1", &v21), ("sds-v2", &v2)] {
        let parts: Vec<Vec<u8>> = SDS_V21_FILES
            .iter()
            .map(|f| present(&set.join(f)).unwrap_or_default())
            .collect();
        write(&dir, name, &join(&parts));
    }

    // oneroster: the generated 1.2 district (first lines), 1.1, and the quirks.
    let dir = out("oneroster");
    let parts: Vec<Vec<u8>> = ONEROSTER_FILES
        .iter()
        .map(|&f| {
            // The manifest whole: cut short, it would leave files undeclared.
            let rows = if f == "manifest.csv" {
                usize::MAX
            } else {
                ROWS
            };
            present(&generated.join(f)).map_or(Vec::new(), |b| head(&b, rows))
        })
        .collect();
    write(&dir, "generated-1.2", &join(&parts));
    write(&dir, "oneroster-1.1", &join_str(&ONEROSTER_11));
    write(&dir, "quirks-1.2", &join_str(&ONEROSTER_QUIRKS));

    // detect: every kind of set, under the names it was found with.
    let dir = out("detect");
    let folder = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, head(&read(&p), DETECT_ROWS))
            })
            .collect();
        files.sort();
        files
    };
    write(&dir, "sds-v1", &named(&folder(&v1.join("25-Users"))));
    write(&dir, "sds-v2", &named(&folder(&v2)));
    write(&dir, "sds-v2.1", &named(&folder(&v21)));
    write(&dir, "oneroster-1.2", &named(&folder(&generated)));
    let or11: Vec<(String, Vec<u8>)> = ONEROSTER_FILES
        .iter()
        .zip(ONEROSTER_11)
        .filter(|(_, c)| !c.is_empty())
        .map(|(n, c)| (n.to_string(), c.as_bytes().to_vec()))
        .collect();
    write(&dir, "oneroster-1.1", &named(&or11));
    let or10: Vec<(String, Vec<u8>)> = ONEROSTER_10
        .iter()
        .map(|(n, c)| (n.to_string(), c.as_bytes().to_vec()))
        .collect();
    write(&dir, "oneroster-1.0", &named(&or10));
    let paths_and_case = vec![
        (
            "upload/SCHOOL.CSV".to_string(),
            SDS_V1_UK[0].as_bytes().to_vec(),
        ),
        (
            "C:\\sis\\student.csv".into(),
            SDS_V1_UK[2].as_bytes().to_vec(),
        ),
        ("Teacher.CSV".into(), SDS_V1_UK[3].as_bytes().to_vec()),
        ("school.csv".into(), b"SIS ID,Name\r\n2,South\r\n".to_vec()),
        ("notes.txt".into(), b"not a roster".to_vec()),
    ];
    write(&dir, "paths-and-case", &named(&paths_and_case));
    let value_map = samples
        .join("sds-v2.1")
        .join(MS)
        .join("SchoologyCSV-value-map/enumMap.csv");
    write(
        &dir,
        "not-recognized",
        &named(&[("enumMap.csv".into(), head(&read(&value_map), DETECT_ROWS))]),
    );
    let _ = fs::remove_dir_all(&generated);
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn present(path: &Path) -> Option<Vec<u8>> {
    path.is_file().then(|| read(path))
}

/// The header and the first `rows` lines after it, line ends kept.
fn head(bytes: &[u8], rows: usize) -> Vec<u8> {
    let mut end = 0;
    for _ in 0..=rows {
        match bytes[end..].iter().position(|&b| b == b'\n') {
            Some(i) => end += i + 1,
            None => return bytes.to_vec(),
        }
    }
    bytes[..end].to_vec()
}

fn join(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = parts.join(&SEPARATOR);
    while out.last() == Some(&SEPARATOR) {
        out.pop();
    }
    out
}

fn join_str(parts: &[&str]) -> Vec<u8> {
    let parts: Vec<Vec<u8>> = parts.iter().map(|p| p.as_bytes().to_vec()).collect();
    join(&parts)
}

/// A `detect` input: NAME, a line feed, then the content, per file.
fn named(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let parts: Vec<Vec<u8>> = files
        .iter()
        .map(|(n, c)| [n.as_bytes(), b"\n", c].concat())
        .collect();
    join(&parts)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    assert!(!bytes.is_empty(), "{name}: empty seed");
    fs::write(dir.join(name), bytes).unwrap();
}
