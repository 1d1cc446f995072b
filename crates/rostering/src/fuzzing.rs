//! An in-memory entry point to the CSV table reader alone, for the `csv` fuzz target
//! (`crates/rostering/fuzz`). Not part of the supported API: no format's rules run, only
//! what every file of every format goes through first (decoding, header matching, the row
//! loop and its shape checks). Whole file sets are read from memory with [`crate::read_files`].

use crate::diag::Diagnostics;
use crate::source::SourceFile;
use crate::table::{opt, req, TableOpts};
use crate::Diagnostic;

/// The files an SDS v1 set may hold, as the reader names them (the fuzz targets lay their
/// inputs out by these lists, so they follow the readers).
pub const SDS_V1_FILES: [&str; 8] = crate::sds_v1::FILES;

/// The files an SDS v2.1 set may hold (the retired v2 reads the first, second, fourth and
/// fifth).
pub const SDS_V21_FILES: [&str; 10] = crate::sds_v2::V21_FILES;

/// What [`read_table`] found.
#[derive(Debug, Clone, Default)]
pub struct TableRead {
    /// Each data row kept: the physical line it starts on, and the value of each column
    /// asked for, required ones first (`None` when the header lacks it or the cell is blank).
    pub rows: Vec<(u64, Vec<Option<String>>)>,
    /// Keys (`SIS ID` or `sourcedId` column) of rows dropped for their shape.
    pub dropped: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads `bytes` as one CSV file named `name` whose known columns are `required` (header
/// and value) and `optional`; `oneroster` applies the OneRoster header rules (`metadata.*`
/// columns, a header without rows is an error). A format reader would then read each row.
pub fn read_table(
    name: &str,
    bytes: &[u8],
    required: &[&'static str],
    optional: &[&'static str],
    oneroster: bool,
) -> TableRead {
    let mut diags = Diagnostics::default();
    let file = SourceFile::memory(name, bytes);
    let names: Vec<&'static str> = required.iter().chain(optional).copied().collect();
    let cols = required
        .iter()
        .map(|&c| req(c))
        .chain(optional.iter().map(|&c| opt(c)))
        .collect();
    let opts = TableOpts {
        oneroster,
        bulk: false,
    };
    let (rows, dropped) = match crate::open_table(&file, cols, opts, &mut diags) {
        Some(t) => t.rows(&mut diags, |r| {
            Some((r.line, names.iter().map(|c| r.text(c)).collect()))
        }),
        None => Default::default(),
    };
    TableRead {
        rows,
        dropped,
        diagnostics: diags.finish().0,
    }
}
