//! Roster CSV file sets for School Data Sync: detection of the layout (SDS v1, SDS v2 and
//! v2.1, OneRoster 1.1 and 1.2), parsing into one normalized [`Roster`], and every problem
//! found reported as a [`Diagnostic`]. Also a deterministic generator of synthetic districts
//! ([`generate`]) for load tests. Pure: the only I/O is reading and writing files in the
//! folder a caller names.
//!
//! The formats, rules and diagnostic codes are described in `docs/rostering-csv.md`.

mod detect;
mod diag;
mod format;
/// In-memory entry point to the CSV table reader alone, for the fuzz targets.
#[doc(hidden)]
pub mod fuzzing;
mod generate;
mod keys;
pub mod limits;
mod model;
mod oneroster;
mod resolve;
mod row;
mod sds_v1;
mod sds_v2;
mod source;
mod table;
mod values;
mod vocab;

use std::path::{Path, PathBuf};

pub use diag::{code, Diagnostic, Severity};
pub use format::{Format, UnknownFormat};
pub use generate::{generate, Size};
pub use model::*;

use diag::Diagnostics;
use limits::MAX_FILES;
use source::{FileSet, SourceFile};
use table::{Col, Table, TableOpts};

/// A file set could not even be started on. Everything else is a [`Diagnostic`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no roster file set recognized among the files: {0:?}")]
    NotRecognized(Vec<String>),
    #[error("unsupported roster format: {0}")]
    Unsupported(String),
    #[error("{0} files in the set; the limit is {MAX_FILES}")]
    TooManyFiles(usize),
}

/// The outcome of reading a file set.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    pub roster: Roster,
    pub diagnostics: Vec<Diagnostic>,
    /// Per severity, including diagnostics past the listing limit.
    counts: [usize; 3],
}

/// Counts per entity and per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Every org, schools included.
    pub orgs: usize,
    pub schools: usize,
    pub terms: usize,
    pub courses: usize,
    pub sections: usize,
    pub students: usize,
    pub teachers: usize,
    pub guardians: usize,
    pub other_persons: usize,
    pub memberships: usize,
    pub enrollments: usize,
    pub relationships: usize,
    pub errors: usize,
    pub warnings: usize,
    pub information: usize,
}

impl Parsed {
    pub fn summary(&self) -> Summary {
        let r = &self.roster;
        let role = |k: PersonRole| r.persons.iter().filter(|p| p.role == k).count();
        Summary {
            orgs: r.schools.len(),
            schools: r.schools.iter().filter(|s| s.is_school()).count(),
            terms: r.terms.len(),
            courses: r.courses.len(),
            sections: r.sections.len(),
            students: role(PersonRole::Student),
            teachers: role(PersonRole::Teacher),
            guardians: role(PersonRole::Guardian),
            other_persons: role(PersonRole::Other),
            memberships: r.memberships.len(),
            enrollments: r.enrollments.len(),
            relationships: r.relationships.len(),
            errors: self.counts[Severity::Error as usize],
            warnings: self.counts[Severity::Warning as usize],
            information: self.counts[Severity::Information as usize],
        }
    }

    pub fn has_errors(&self) -> bool {
        self.counts[Severity::Error as usize] > 0
    }
}

/// Reads the `*.csv` files of `dir` (not its sub-folders). `format` forces a layout instead
/// of detecting one. Files are streamed, never held whole.
pub fn read_dir(dir: &Path, format: Option<Format>) -> Result<Parsed, ReadError> {
    let io = |source| ReadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !path.is_file() || !name.to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        if files.len() == MAX_FILES {
            return Err(ReadError::TooManyFiles(MAX_FILES + 1));
        }
        let len = std::fs::metadata(&path)
            .map_err(|source| ReadError::Io {
                path: path.clone(),
                source,
            })?
            .len();
        files.push(SourceFile::disk(name, path, len));
    }
    // Directory order is not stable across systems; sorting keeps diagnostics reproducible.
    files.sort_by(|a, b| a.name.cmp(&b.name));
    read_set(files, format)
}

/// Reads uploaded files given as (file name, bytes).
pub fn read_files(
    files: &[(String, Vec<u8>)],
    format: Option<Format>,
) -> Result<Parsed, ReadError> {
    if files.len() > MAX_FILES {
        return Err(ReadError::TooManyFiles(files.len()));
    }
    let sources = files
        .iter()
        .map(|(n, b)| SourceFile::memory(base_name(n), b))
        .collect();
    read_set(sources, format)
}

fn read_set(sources: Vec<SourceFile<'_>>, format: Option<Format>) -> Result<Parsed, ReadError> {
    let mut diags = Diagnostics::default();
    let fs = FileSet::new(sources, &mut diags);
    let format = match format {
        Some(f) => f,
        None => detect::detect(&fs)?,
    };
    let roster = match format {
        Format::SdsV1 => {
            note_unknown_files(&fs, &sds_v1::FILES, &mut diags);
            sds_v1::read(&fs, &mut diags)
        }
        Format::SdsV2 | Format::SdsV21 => {
            note_unknown_files(&fs, sds_v2::files(format), &mut diags);
            sds_v2::read(&fs, format, &mut diags)
        }
        Format::OneRoster11 | Format::OneRoster12 => oneroster::read(&fs, format, &mut diags),
    };
    let (diagnostics, counts) = diags.finish();
    Ok(Parsed {
        format,
        roster,
        diagnostics,
        counts,
    })
}

/// Data rows of one CSV file as the readers count them (non-blank lines after the header,
/// lines ended by LF, CRLF or CR), in one pass through a small buffer: for a progress report
/// before a folder is read. Counts no further than the first byte that is not UTF-8, and
/// no further than [`limits::MAX_FILE_BYTES`].
pub fn count_rows(path: &Path) -> std::io::Result<u64> {
    let len = std::fs::metadata(path)?.len();
    SourceFile::disk(String::new(), path.to_path_buf(), len)
        .scan()
        .map(|scan| scan.non_blank_lines.saturating_sub(1))
        .map_err(std::io::Error::other)
}

/// Upload clients sometimes send a path; only the last component names the file.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

fn note_unknown_files(fs: &FileSet, known: &[&str], diags: &mut Diagnostics) {
    for name in fs.names() {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            diags.warn(
                name,
                0,
                None,
                code::UNKNOWN_FILE,
                format!("{name} is not part of this format; ignored"),
            );
        }
    }
}

/// Decodes and opens one file as a table; `None` when it cannot be used (reported).
pub(crate) fn open_table<'a>(
    file: &SourceFile<'a>,
    cols: Vec<Col>,
    opts: TableOpts,
    diags: &mut Diagnostics,
) -> Option<Table<'a>> {
    let text = table::decode(file, diags)?;
    Table::open(&file.name, text, cols, opts, diags)
}
