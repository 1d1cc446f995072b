//! The generator writes sets that read back clean with exactly the promised counts, and the
//! same seed always writes the same bytes.

mod common;

use std::time::Instant;

use common::{dump, temp_dir};
use edugraph_rostering::{generate, read_dir, Format, Size, Summary};

const WRITTEN: [Format; 3] = [Format::SdsV1, Format::SdsV21, Format::OneRoster12];

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn small_reads_back_clean_in_every_format() {
    for format in WRITTEN {
        let dir = temp_dir(&format!("small-{format}"));
        let written = generate(&dir, format, Size::Small, 7).unwrap();
        let parsed = read_dir(&dir, None).unwrap();
        assert_eq!(parsed.format, format);
        assert!(
            parsed.diagnostics.is_empty(),
            "{format}:\n{}",
            dump(&parsed)
        );
        assert_eq!(parsed.summary(), written, "{format}");
        assert_eq!(
            (written.schools, written.teachers, written.students),
            (3, 12, 90)
        );
        assert_eq!((written.sections, written.enrollments), (18, 288));
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for format in WRITTEN {
        let (a, b, c) = (
            temp_dir(&format!("seed-a-{format}")),
            temp_dir(&format!("seed-b-{format}")),
            temp_dir(&format!("seed-c-{format}")),
        );
        generate(&a, format, Size::Small, 42).unwrap();
        generate(&b, format, Size::Small, 42).unwrap();
        generate(&c, format, Size::Small, 43).unwrap();
        assert_eq!(files(&a), files(&b), "{format}");
        assert_ne!(files(&a), files(&c), "{format}");
    }
}

#[test]
fn unwritable_formats_are_refused() {
    let dir = temp_dir("refused");
    assert!(generate(&dir, Format::OneRoster11, Size::Small, 1).is_err());
}

/// District size, in every written format. Slow in a debug build (see docs/rostering-csv.md
/// for timings); run with `cargo test --release -p edugraph-rostering -- --ignored district`.
#[test]
#[ignore]
fn district_reads_back_clean() {
    let want = Summary {
        orgs: 239,
        schools: 239,
        teachers: 8_400,
        students: 57_000,
        sections: 26_000,
        enrollments: 460_000,
        memberships: 65_400,
        ..Summary::default()
    };
    for format in WRITTEN {
        let dir = temp_dir(&format!("district-{format}"));
        let t = Instant::now();
        let written = generate(&dir, format, Size::District, 2026).unwrap();
        let wrote = t.elapsed();
        let t = Instant::now();
        let parsed = read_dir(&dir, None).unwrap();
        let read = t.elapsed();
        println!("{format}: generate {wrote:?}, read {read:?}");
        assert!(
            parsed.diagnostics.is_empty(),
            "{format}:\n{}",
            dump(&parsed)
        );
        assert_eq!(parsed.summary(), written, "{format}");
        let s = parsed.summary();
        assert_eq!(
            Summary {
                terms: 0,
                courses: 0,
                ..s
            },
            want,
            "{format}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
