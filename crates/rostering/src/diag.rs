//! Diagnostics: every problem found in a file set is reported as a value, never a panic
//! or an early return, so one upload yields the whole list an administrator has to fix.
//!
//! Severity carries one meaning throughout the crate: an `Error` dropped something (a row,
//! or a whole file), a `Warning` kept the row but something in it is wrong (an optional value
//! may have been dropped), `Information` changed nothing.

use std::fmt;

use crate::limits::MAX_DIAGNOSTICS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Information,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
        })
    }
}

/// One problem. `line` is 1-based and names the physical line where the record starts
/// (a quoted value spanning lines does not shift it); 0 means "the file as a whole".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    /// Short and stable; the catalogue is in `docs/rostering-csv.md`.
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}:{}", self.severity, self.file, self.line)?;
        if let Some(c) = &self.column {
            write!(f, " [{c}]")?;
        }
        write!(f, " {}: {}", self.code, self.message)
    }
}

/// Collects diagnostics. Past [`MAX_DIAGNOSTICS`] entries only the counters move, so a
/// hostile file cannot make the report itself the largest allocation.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pub(crate) list: Vec<Diagnostic>,
    pub(crate) counts: [usize; 3],
}

impl Diagnostics {
    pub(crate) fn push(
        &mut self,
        severity: Severity,
        file: &str,
        line: u64,
        column: Option<&str>,
        code: &'static str,
        message: String,
    ) {
        self.counts[severity as usize] += 1;
        if self.list.len() < MAX_DIAGNOSTICS {
            self.list.push(Diagnostic {
                severity,
                file: file.to_string(),
                line,
                column: column.map(str::to_string),
                code,
                message,
            });
        }
    }

    pub(crate) fn error(
        &mut self,
        file: &str,
        line: u64,
        col: Option<&str>,
        code: &'static str,
        msg: String,
    ) {
        self.push(Severity::Error, file, line, col, code, msg);
    }

    pub(crate) fn warn(
        &mut self,
        file: &str,
        line: u64,
        col: Option<&str>,
        code: &'static str,
        msg: String,
    ) {
        self.push(Severity::Warning, file, line, col, code, msg);
    }

    pub(crate) fn info(
        &mut self,
        file: &str,
        line: u64,
        col: Option<&str>,
        code: &'static str,
        msg: String,
    ) {
        self.push(Severity::Information, file, line, col, code, msg);
    }

    /// Adds the closing note when entries were left out, then hands the list over.
    pub(crate) fn finish(mut self) -> (Vec<Diagnostic>, [usize; 3]) {
        let total: usize = self.counts.iter().sum();
        if total > self.list.len() {
            let dropped = total - self.list.len();
            self.list.push(Diagnostic {
                severity: Severity::Information,
                file: String::new(),
                line: 0,
                column: None,
                code: code::DIAGNOSTICS_TRUNCATED,
                message: format!("{dropped} further diagnostics were counted but not listed"),
            });
        }
        (self.list, self.counts)
    }
}

/// The diagnostic codes. Kept in one place so the documentation and the tests can list them.
pub mod code {
    // File level.
    pub const NOT_UTF8: &str = "not-utf8";
    pub const UTF16: &str = "utf16";
    pub const FILE_TOO_LARGE: &str = "file-too-large";
    pub const UNREADABLE_FILE: &str = "unreadable-file";
    pub const TOO_MANY_ROWS: &str = "too-many-rows";
    pub const SEMICOLON_DELIMITED: &str = "semicolon-delimited";
    pub const MISSING_FILE: &str = "missing-file";
    pub const EMPTY_FILE: &str = "empty-file";
    pub const UNKNOWN_FILE: &str = "unknown-file";
    pub const FILE_NOT_USED: &str = "file-not-used";
    pub const DUPLICATE_FILE: &str = "duplicate-file";
    pub const UK_HEADERS: &str = "uk-headers";
    // Manifest (OneRoster).
    pub const MANIFEST_INVALID: &str = "manifest-invalid";
    pub const MANIFEST_MODE_INVALID: &str = "manifest-mode-invalid";
    pub const MANIFEST_FILE_MISSING: &str = "manifest-file-missing";
    pub const MANIFEST_FILE_UNDECLARED: &str = "manifest-file-undeclared";
    pub const BULK_WITH_DELTA_FIELDS: &str = "bulk-with-delta-fields";
    // Header.
    pub const MISSING_COLUMN: &str = "missing-column";
    pub const UNKNOWN_COLUMN: &str = "unknown-column";
    pub const EXTENSION_COLUMN: &str = "extension-column";
    pub const DUPLICATE_COLUMN: &str = "duplicate-column";
    pub const EMPTY_HEADER: &str = "empty-header";
    pub const COLUMN_NAME_NORMALIZED: &str = "column-name-normalized";
    // Row shape.
    pub const RAGGED_ROW: &str = "ragged-row";
    pub const LINE_BREAK_IN_VALUE: &str = "line-break-in-value";
    pub const FIELD_TOO_LONG: &str = "field-too-long";
    // Values.
    pub const MISSING_VALUE: &str = "missing-value";
    pub const INVALID_VALUE: &str = "invalid-value";
    pub const INVALID_ID: &str = "invalid-id";
    pub const INVALID_DATE: &str = "invalid-date";
    pub const INVALID_DATETIME: &str = "invalid-datetime";
    pub const INVALID_EMAIL: &str = "invalid-email";
    pub const UNKNOWN_VALUE: &str = "unknown-value";
    pub const US_DATE_FORMAT: &str = "us-date-format";
    pub const TRIMMED_ID: &str = "trimmed-id";
    pub const DATE_ORDER: &str = "date-order";
    // Keys and references.
    pub const DUPLICATE_ID: &str = "duplicate-id";
    pub const DUPLICATE_USERNAME: &str = "duplicate-username";
    pub const DUPLICATE_ROW: &str = "duplicate-row";
    pub const UNKNOWN_REFERENCE: &str = "unknown-reference";
    pub const DROPPED_REFERENCE: &str = "dropped-reference";
    pub const NOT_A_SCHOOL: &str = "not-a-school";
    pub const INCONSISTENT_TERM: &str = "inconsistent-term";
    pub const INCONSISTENT_COURSE: &str = "inconsistent-course";
    pub const SHARED_ID: &str = "shared-id";
    pub const DIAGNOSTICS_TRUNCATED: &str = "diagnostics-truncated";
}
