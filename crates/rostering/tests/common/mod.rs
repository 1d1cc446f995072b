//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use edugraph_rostering::{read_files, Diagnostic, Format, Parsed, Severity};

/// The shared sample folder, when this checkout has one beside it.
pub fn samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/rostering-samples");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: no sample folder at {}", dir.display());
        None
    }
}

/// A fresh, empty folder under cargo's per-target temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("rostering-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn read(files: &[(&str, &[u8])], format: Option<Format>) -> Parsed {
    let owned: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| (n.to_string(), b.to_vec()))
        .collect();
    read_files(&owned, format).expect("file set recognized")
}

/// The diagnostic at `file:line` with `code`, or a panic listing them all.
pub fn find<'a>(p: &'a Parsed, file: &str, line: u64, code: &str) -> &'a Diagnostic {
    p.diagnostics
        .iter()
        .find(|d| d.file == file && d.line == line && d.code == code)
        .unwrap_or_else(|| {
            panic!("no {code} at {file}:{line}; got:\n{}", dump(p));
        })
}

pub fn count(p: &Parsed, code: &str) -> usize {
    p.diagnostics.iter().filter(|d| d.code == code).count()
}

pub fn errors(p: &Parsed) -> Vec<&Diagnostic> {
    p.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

pub fn dump(p: &Parsed) -> String {
    p.diagnostics.iter().map(|d| format!("  {d}\n")).collect()
}

/// A minimal valid SDS v1 set; tests replace one file to break it.
pub fn v1_set() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("School.csv", b"SIS ID,Name\r\n1,North High\r\n".to_vec()),
        (
            "Section.csv",
            b"SIS ID,School SIS ID,Section Name\r\n100,1,Math\r\n".to_vec(),
        ),
        (
            "Student.csv",
            b"SIS ID,School SIS ID,Username\r\n7,1,ann\r\n8,1,bob\r\n".to_vec(),
        ),
        (
            "Teacher.csv",
            b"SIS ID,School SIS ID,Username\r\n7,1,tess\r\n".to_vec(),
        ),
        (
            "StudentEnrollment.csv",
            b"Section SIS ID,SIS ID\r\n100,7\r\n100,8\r\n".to_vec(),
        ),
        (
            "TeacherRoster.csv",
            b"Section SIS ID,SIS ID\r\n100,7\r\n".to_vec(),
        ),
    ]
}

pub fn with(
    set: Vec<(&'static str, Vec<u8>)>,
    name: &'static str,
    bytes: &[u8],
) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = set
        .into_iter()
        .filter(|(n, _)| *n != name)
        .map(|(n, b)| (n.to_string(), b))
        .collect();
    out.push((name.to_string(), bytes.to_vec()));
    out
}
