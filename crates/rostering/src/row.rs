//! One data row and the typed readers format modules use on it. Each reader reports its own
//! problems: a bad required value is an error (the row will be dropped), a bad optional
//! value a warning (the value is dropped).

use csv::StringRecord;
use time::Date;

use crate::diag::{code, Diagnostics};
use crate::limits::MAX_ID_CHARS;
use crate::model::{Change, Origin, RecordStatus};
use crate::table::TableState;
use crate::values;

pub(crate) struct Row<'a> {
    rec: &'a StringRecord,
    pub(crate) line: u64,
    t: &'a mut TableState,
    diags: &'a mut Diagnostics,
    failed: bool,
    key: Option<String>,
}

/// Which date spellings a column accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateStyle {
    /// `YYYY-MM-DD` only (SDS v2.1, OneRoster).
    Iso,
    /// SDS v1: ISO, `YYYYMMDD`, and the US `M/D/YYYY` every Microsoft sample uses.
    SdsV1,
}

impl<'a> Row<'a> {
    pub(crate) fn new(
        rec: &'a StringRecord,
        line: u64,
        t: &'a mut TableState,
        diags: &'a mut Diagnostics,
    ) -> Row<'a> {
        let mut row = Row {
            rec,
            line,
            t,
            diags,
            failed: false,
            key: None,
        };
        row.check_required();
        row
    }

    pub(crate) fn finish(self) -> (bool, Option<String>) {
        (self.failed, self.key)
    }

    fn check_required(&mut self) {
        for k in 0..self.t.cols.len() {
            let c = &self.t.cols[k];
            if c.value_required && self.raw_at(k).is_none() {
                let name = c.name;
                self.error(
                    name,
                    code::MISSING_VALUE,
                    format!("required value \"{name}\" is empty"),
                );
            }
        }
    }

    fn raw_at(&self, k: usize) -> Option<&'a str> {
        let v = self.rec.get(self.t.pos[k]?)?;
        (!v.trim().is_empty()).then_some(v)
    }

    /// A column not declared for this file reads as absent: shared code can ask the retired
    /// SDS v2 layout for columns only v2.1 has.
    fn col(&self, name: &str) -> Option<usize> {
        self.t.cols.iter().position(|c| c.name == name)
    }

    fn required(&self, name: &str) -> bool {
        self.col(name)
            .is_some_and(|k| self.t.cols[k].value_required)
    }

    /// The value as written, `None` when the column is absent or the cell blank.
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.col(name).and_then(|k| self.raw_at(k))
    }

    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// A required text value (already checked non-empty when the row was made).
    pub(crate) fn req_text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }

    pub(crate) fn origin(&self) -> Origin {
        Origin {
            file: self.t.file.clone(),
            line: self.line,
        }
    }

    pub(crate) fn error(&mut self, col: &str, code: &'static str, msg: String) {
        self.failed = true;
        let col = (!col.is_empty()).then_some(col);
        self.diags.error(&self.t.file, self.line, col, code, msg);
    }

    pub(crate) fn warn(&mut self, col: &str, code: &'static str, msg: String) {
        let col = (!col.is_empty()).then_some(col);
        self.diags.warn(&self.t.file, self.line, col, code, msg);
    }

    /// Reports once per file and column, for facts true of a whole column.
    fn note_once(&mut self, col: &'static str, code: &'static str, msg: String) {
        if self.t.noted.insert((code, col)) {
            self.diags
                .info(&self.t.file, self.line, Some(col), code, msg);
        }
    }

    fn warn_once(&mut self, col: &'static str, code: &'static str, msg: String) {
        if self.t.noted.insert((code, col)) {
            self.diags
                .warn(&self.t.file, self.line, Some(col), code, msg);
        }
    }

    /// Reports a bad value: an error for a required column, a warning otherwise.
    fn bad(&mut self, name: &str, code: &'static str, msg: String) {
        if self.required(name) {
            self.error(name, code, format!("{msg}; row ignored"));
        } else {
            self.warn(name, code, format!("{msg}; value ignored"));
        }
    }

    /// The row's own key, remembered so a dropped row can be named by references to it.
    pub(crate) fn set_key(&mut self, id: &str) {
        self.key = Some(id.to_string());
    }

    /// An identifier: trimmed (with a warning when that changed it), at most
    /// [`MAX_ID_CHARS`] characters.
    pub(crate) fn id(&mut self, name: &str) -> Option<String> {
        let raw = self.get(name)?;
        let id = raw.trim();
        if id.chars().count() > MAX_ID_CHARS {
            self.bad(
                name,
                code::INVALID_ID,
                format!("identifier is longer than {MAX_ID_CHARS} characters"),
            );
            return None;
        }
        if id.len() != raw.len() {
            self.warn(
                name,
                code::TRIMMED_ID,
                format!("identifier \"{raw}\" has surrounding spaces; read as \"{id}\""),
            );
        }
        Some(id.to_string())
    }

    pub(crate) fn req_id(&mut self, name: &str) -> String {
        self.id(name).unwrap_or_default()
    }

    /// A comma-separated list of identifiers (OneRoster quotes it when it has several).
    pub(crate) fn id_list(&mut self, name: &str) -> Vec<String> {
        let Some(raw) = self.get(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        // Duplicates are dropped through a set: comparing with every earlier item was
        // quadratic in the cell's length.
        let mut seen = std::collections::HashSet::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item.chars().count() > MAX_ID_CHARS {
                self.bad(
                    name,
                    code::INVALID_ID,
                    format!("identifier in list is longer than {MAX_ID_CHARS} characters"),
                );
                continue;
            }
            if seen.insert(item) {
                out.push(item.to_string());
            }
        }
        out
    }

    /// A comma-separated list of free values (grades, subjects, periods).
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn date(&mut self, name: &'static str, style: DateStyle) -> Option<Date> {
        let raw = self.get(name)?.trim();
        if let Some(d) = values::iso_date(raw) {
            return Some(d);
        }
        if style == DateStyle::SdsV1 {
            if let Some(d) = values::compact_date(raw) {
                return Some(d);
            }
            if let Some(d) = values::us_date(raw) {
                self.note_once(name, code::US_DATE_FORMAT, format!("dates read as US month/day/year (\"{raw}\"); ISO 8601 YYYY-MM-DD is recommended"));
                return Some(d);
            }
            self.bad(
                name,
                code::INVALID_DATE,
                format!("\"{raw}\" is not a date (YYYY-MM-DD, YYYYMMDD or M/D/YYYY)"),
            );
        } else {
            self.bad(
                name,
                code::INVALID_DATE,
                format!("\"{raw}\" is not a date in the form YYYY-MM-DD"),
            );
        }
        None
    }

    pub(crate) fn year(&mut self, name: &str) -> Option<i32> {
        let raw = self.get(name)?.trim();
        let y = (raw.len() == 4).then(|| raw.parse::<i32>().ok()).flatten();
        if y.is_none() {
            self.bad(
                name,
                code::INVALID_VALUE,
                format!("\"{raw}\" is not a four-digit year"),
            );
        }
        y
    }

    pub(crate) fn boolean(&mut self, name: &str) -> Option<bool> {
        let raw = self.get(name)?.trim();
        if raw.eq_ignore_ascii_case("true") {
            Some(true)
        } else if raw.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            self.bad(
                name,
                code::INVALID_VALUE,
                format!("\"{raw}\" is not true or false"),
            );
            None
        }
    }

    /// Lower-cased and checked for an address shape.
    pub(crate) fn email(&mut self, name: &str) -> Option<String> {
        let raw = self.get(name)?.trim();
        if values::is_email(raw) {
            Some(raw.to_ascii_lowercase())
        } else {
            self.bad(
                name,
                code::INVALID_EMAIL,
                format!("\"{raw}\" is not an email address"),
            );
            None
        }
    }

    /// A value from a closed list, matched ignoring case and returned in the list's spelling.
    pub(crate) fn enumerated(
        &mut self,
        name: &str,
        allowed: &[&'static str],
    ) -> Option<&'static str> {
        let raw = self.get(name)?.trim();
        let found = allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(raw))
            .copied();
        if found.is_none() {
            self.bad(
                name,
                code::INVALID_VALUE,
                format!("\"{raw}\" is not one of: {}", allowed.join(", ")),
            );
        }
        found
    }

    /// A value from a list that tenants may extend: unknown values are kept with a warning.
    pub(crate) fn open_enum(&mut self, name: &str, known: &[&'static str]) -> Option<String> {
        let raw = self.get(name)?.trim();
        if let Some(k) = known.iter().find(|a| a.eq_ignore_ascii_case(raw)) {
            return Some(k.to_string());
        }
        self.warn(
            name,
            code::UNKNOWN_VALUE,
            format!("\"{raw}\" is not in the default list of values; kept as written"),
        );
        Some(raw.to_string())
    }

    /// OneRoster `status` and `dateLastModified`, with the bulk-file check.
    pub(crate) fn change(&mut self) -> Change {
        if self.t.opts.bulk && (self.get("status").is_some() || self.get_dlm().is_some()) {
            self.warn_once(
                "status",
                code::BULK_WITH_DELTA_FIELDS,
                "bulk file carries status/dateLastModified values; they are kept".into(),
            );
        }
        let status = match self.get("status").map(str::trim) {
            None => None,
            Some(s) if s.eq_ignore_ascii_case("active") => Some(RecordStatus::Active),
            Some(s) if s.eq_ignore_ascii_case("tobedeleted") => Some(RecordStatus::ToBeDeleted),
            Some(s) => {
                let s = s.to_string();
                self.bad(
                    "status",
                    code::INVALID_VALUE,
                    format!("\"{s}\" is not active or tobedeleted"),
                );
                None
            }
        };
        let date_last_modified = self.get_dlm().and_then(|raw| {
            let raw = raw.trim();
            let dt = values::datetime(raw);
            if dt.is_none() {
                self.bad(
                    "dateLastModified",
                    code::INVALID_DATETIME,
                    format!("\"{raw}\" is not an ISO 8601 date-time"),
                );
            }
            dt
        });
        Change {
            status,
            date_last_modified,
        }
    }

    fn get_dlm(&self) -> Option<&'a str> {
        self.get("dateLastModified")
    }

    /// Checks an optional start/end pair is in order.
    pub(crate) fn date_order(&mut self, start: Option<Date>, end: Option<Date>, end_col: &str) {
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                self.warn(
                    end_col,
                    code::DATE_ORDER,
                    format!("end date {e} is before start date {s}"),
                );
            }
        }
    }
}
