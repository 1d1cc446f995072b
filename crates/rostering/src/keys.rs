//! Uniqueness of keys within one file: the first row wins, later ones are dropped with an
//! error that points at the first.

use std::collections::HashMap;

use crate::row::Row;

#[derive(Default)]
pub(crate) struct Keys {
    seen: HashMap<String, u64>,
}

impl Keys {
    /// Records `value` for this row; `false` (and an error on the row) when an earlier row
    /// already had it. Case-sensitive, as SDS matches ids.
    pub(crate) fn first(
        &mut self,
        row: &mut Row<'_>,
        col: &str,
        value: &str,
        code: &'static str,
    ) -> bool {
        match self.seen.get(value) {
            Some(&line) => {
                row.error(
                    col,
                    code,
                    format!("\"{value}\" already used on line {line}; row ignored"),
                );
                false
            }
            None => {
                self.seen.insert(value.to_string(), row.line);
                true
            }
        }
    }

    /// Like [`Keys::first`] but ignoring case (usernames and emails).
    pub(crate) fn first_folded(
        &mut self,
        row: &mut Row<'_>,
        col: &str,
        value: &str,
        code: &'static str,
    ) -> bool {
        self.first(row, col, &value.to_lowercase(), code)
    }
}
