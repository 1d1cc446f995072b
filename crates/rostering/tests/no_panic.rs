//! No input makes the reader panic: random bytes, mangled real files, unterminated quotes,
//! huge fields, every format forced onto every set.

mod common;

use edugraph_rostering::{read_files, Format};
use proptest::prelude::*;

/// A small valid file of each kind the formats read, to mangle.
const SEEDS: &[(&str, &str)] = &[
    ("School.csv", "SIS ID,Name,Zip\r\n1,North,98052\r\n"),
    ("Student.csv", "SIS ID,School SIS ID,Username,Birthdate,Gender,Mailing Latitude\r\n7,1,ann,2/3/2001,F,47.6\r\n"),
    ("Teacher.csv", "SIS ID,School SIS ID,Username\r\n8,1,tess\r\n"),
    ("Section.csv", "SIS ID,School SIS ID,Section Name,Term SIS ID,Term StartDate,Course SIS ID\r\n100,1,Math,T1,7/1/2017,C1\r\n"),
    ("StudentEnrollment.csv", "Section SIS ID,SIS ID\r\n100,7\r\n"),
    ("TeacherRoster.csv", "Section SIS ID,SIS ID\r\n100,8\r\n"),
    ("User.csv", "Email,First Name,Last Name,Phone,SIS ID\r\na@b.org,A,B,,\r\n"),
    ("Guardianrelationship.csv", "SIS ID,Email,Role\r\n7,a@b.org,parent\r\n"),
    ("orgs.csv", "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\no1,,,North,school,,\n"),
    ("users.csv", "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,agentSourcedIds\nu1,,,true,o1,student,u@x.org,{LDAP:1},U,One,u1\n"),
    ("roles.csv", "sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId,userSourcedId\nr1,,,u1,primary,student,o1,u1\n"),
    ("classes.csv", "sourcedId,status,dateLastModified,title,courseSourcedId,classType,schoolSourcedId,termSourcedIds,orgSourcedId,sessionSourcedIds\nc1,,,Math,k1,scheduled,o1,\"t1,t2\",o1,t1\n"),
    ("courses.csv", "sourcedId,status,dateLastModified,title,orgSourcedId\nk1,,,Math,o1\n"),
    ("academicSessions.csv", "sourcedId,status,dateLastModified,title,type,startDate,endDate,schoolYear\nt1,,,Fall,term,2025-08-01,2025-12-20,2026\n"),
    ("enrollments.csv", "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role\ne1,,,c1,o1,u1,student\n"),
    ("demographics.csv", "sourcedId,status,dateLastModified,birthDate,sex,userSourcedId\nu1,,,2001-01-01,female,u1\n"),
    ("userFlags.csv", "userSourcedId,flag\nu1,iep\n"),
    ("relationships.csv", "userSourcedId,relationshipUserSourcedId,relationshipRole\nu1,u1,parent\n"),
    ("manifest.csv", "propertyName,value\noneroster.version,1.2\nfile.orgs,bulk\nfile.users,delta\nfile.roles,bulk\nfile.classes,bulk\nfile.courses,bulk\nfile.academicSessions,bulk\nfile.enrollments,bulk\nfile.demographics,bulk\n"),
];

fn read_all_ways(files: &[(String, Vec<u8>)]) {
    let _ = read_files(files, None).map(|p| p.summary());
    for f in Format::ALL {
        let p = read_files(files, Some(f)).expect("a forced format always starts");
        let _ = p.summary();
    }
}

fn seed_set() -> Vec<(String, Vec<u8>)> {
    SEEDS
        .iter()
        .map(|(n, b)| (n.to_string(), b.as_bytes().to_vec()))
        .collect()
}

/// One edit applied to one file of the set.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, Vec<u8>),
    Insert(usize, usize, Vec<u8>),
    Truncate(usize, usize),
    Flip(usize, usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let file = 0..SEEDS.len();
    let junk = prop::collection::vec(
        prop_oneof![
            Just(b'"'),
            Just(b','),
            Just(b'\r'),
            Just(b'\n'),
            Just(0xEF),
            Just(0xFF),
            any::<u8>(),
            b'a'..=b'z'
        ],
        0..40,
    );
    prop_oneof![
        (file.clone(), prop::collection::vec(any::<u8>(), 0..300))
            .prop_map(|(f, b)| Edit::Replace(f, b)),
        (file.clone(), any::<usize>(), junk).prop_map(|(f, at, b)| Edit::Insert(f, at, b)),
        (file.clone(), any::<usize>()).prop_map(|(f, at)| Edit::Truncate(f, at)),
        (file, any::<usize>(), any::<u8>()).prop_map(|(f, at, b)| Edit::Flip(f, at, b)),
    ]
}

fn apply(set: &mut [(String, Vec<u8>)], e: &Edit) {
    match e {
        Edit::Replace(f, b) => set[*f].1 = b.clone(),
        Edit::Insert(f, at, b) => {
            let v = &mut set[*f].1;
            let at = at % (v.len() + 1);
            v.splice(at..at, b.iter().copied());
        }
        Edit::Truncate(f, at) => {
            let v = &mut set[*f].1;
            let at = at % (v.len() + 1);
            v.truncate(at);
        }
        Edit::Flip(f, at, b) => {
            let v = &mut set[*f].1;
            if !v.is_empty() {
                let at = at % v.len();
                v[at] = *b;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mangled_sets_never_panic(edits in prop::collection::vec(edit(), 1..6), keep in prop::collection::vec(any::<bool>(), SEEDS.len())) {
        let mut set = seed_set();
        for e in &edits {
            apply(&mut set, e);
        }
        let set: Vec<_> = set.into_iter().zip(keep).filter(|(_, k)| *k).map(|(f, _)| f).collect();
        read_all_ways(&set);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000), which in 0..SEEDS.len()) {
        read_all_ways(&[(SEEDS[which].0.to_string(), bytes)]);
    }
}

#[test]
fn pathological_inputs() {
    let huge = "x".repeat(1 << 20);
    let cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\"".to_vec(),
        b"SIS ID,Name\r\n\"1,unterminated".to_vec(),
        format!("SIS ID,Name\r\n1,\"{huge}\"\r\n").into_bytes(),
        format!("SIS ID,Name\r\n{huge},x\r\n").into_bytes(),
        "SIS ID,Name\r\n".repeat(10_000).into_bytes(),
        b"\xEF\xBB\xBF".to_vec(),
        b"\xEF\xBB\xBF\xEF\xBB\xBFSIS ID,Name\r\n1,x\r\n".to_vec(),
        b",,,,,\r\n,,,,,\r\n".to_vec(),
        b"SIS ID,SIS ID,Name,NAME\r\n1,2,a,b\r\n".to_vec(),
        vec![b'\n'; 100_000],
        vec![b'\r'; 1000],
    ];
    for bytes in cases {
        let mut set = seed_set();
        set[0].1 = bytes;
        read_all_ways(&set);
    }
}

#[test]
fn duplicate_file_names_ignoring_case() {
    let mut set = seed_set();
    set.push(("SCHOOL.CSV".into(), b"SIS ID,Name\r\n2,South\r\n".to_vec()));
    let p = read_files(&set, Some(Format::SdsV1)).unwrap();
    assert!(p
        .diagnostics
        .iter()
        .any(|d| d.code == "duplicate-file" && d.file == "SCHOOL.CSV"));
}

/// Every cell of every seed file in turn replaced by strings with multi-byte characters at
/// awkward byte offsets, so each typed parser meets them.
#[test]
fn multibyte_values_in_every_cell() {
    let values = [
        "abcé",
        "ext:é",
        "2001-0é-01",
        "é/1/2001",
        "2024-01-02T03:04:05+0é",
        "{é:1}",
        "€€€€€€€€€€€",
    ];
    for (i, (_, text)) in SEEDS.iter().enumerate() {
        let (header, body) = text.split_once('\n').unwrap();
        let cells: Vec<&str> = body.trim_end().split(',').collect();
        for k in 0..cells.len() {
            for v in values {
                let mut row = cells.clone();
                row[k] = v;
                let mut set = seed_set();
                set[i].1 = format!("{header}\n{}\n", row.join(",")).into_bytes();
                read_all_ways(&set);
            }
        }
    }
}
