//! One CSV file as a table of known columns: decoding checks, header matching, and the row
//! loop with its shape checks. Format modules describe their columns and receive [`Row`]s.

use std::collections::HashSet;
use std::sync::Arc;

use csv::StringRecord;

use crate::diag::{code, Diagnostics};
use crate::limits::{MAX_FIELD_BYTES, MAX_FILE_BYTES, MAX_ROWS_PER_FILE};
use crate::row::Row;
use crate::source::SourceFile;

/// A known column: its canonical header, other accepted spellings, and what must be there.
#[derive(Debug, Clone)]
pub(crate) struct Col {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub header_required: bool,
    pub value_required: bool,
}

/// Header and value required.
pub(crate) fn req(name: &'static str) -> Col {
    Col {
        name,
        aliases: &[],
        header_required: true,
        value_required: true,
    }
}

/// Optional header, optional value.
pub(crate) fn opt(name: &'static str) -> Col {
    Col {
        name,
        aliases: &[],
        header_required: false,
        value_required: false,
    }
}

/// Header required, value optional (a few SDS columns documented that way).
pub(crate) fn hdr(name: &'static str) -> Col {
    Col {
        name,
        aliases: &[],
        header_required: true,
        value_required: false,
    }
}

impl Col {
    pub(crate) fn alias(mut self, aliases: &'static [&'static str]) -> Col {
        self.aliases = aliases;
        self
    }
}

/// Per-file reading options.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TableOpts {
    /// OneRoster: `metadata.*` columns are legitimate extensions, header-only files are errors.
    pub oneroster: bool,
    /// OneRoster bulk file: `status`/`dateLastModified` should be empty.
    pub bulk: bool,
}

/// What a row loop needs about its file.
pub(crate) struct TableState {
    pub file: Arc<str>,
    pub cols: Vec<Col>,
    /// Record position of each of `cols`, when the header has it.
    pub pos: Vec<Option<usize>>,
    pub opts: TableOpts,
    /// (code, column) pairs already reported once for this file.
    pub noted: HashSet<(&'static str, &'static str)>,
    /// The column holding each row's own key, if any: rows dropped for their shape are still
    /// remembered by it, so references to them can say why they fail.
    pub key_col: Option<usize>,
}

pub(crate) struct Table<'a> {
    state: TableState,
    text: &'a str,
    /// Header width after dropping trailing empty header cells, and before.
    width: usize,
    raw_width: usize,
    body_start: u64,
}

/// Checks encoding, size and header; `None` when the file cannot be read at all (already
/// reported). `text` must outlive the table, so decoding is split from header matching.
pub(crate) fn decode<'a>(file: &'a SourceFile, diags: &mut Diagnostics) -> Option<&'a str> {
    let name = &file.name;
    let bytes = &file.bytes[..];
    if bytes.len() as u64 > MAX_FILE_BYTES {
        diags.error(
            name,
            0,
            None,
            code::FILE_TOO_LARGE,
            format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                bytes.len()
            ),
        );
        return None;
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        diags.error(
            name,
            1,
            None,
            code::UTF16,
            "file is UTF-16 (Excel \"Unicode text\"); save it as CSV UTF-8".into(),
        );
        return None;
    }
    // A UTF-8 BOM is tolerated and ignored, as Excel's "CSV UTF-8" writes one.
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            diags.error(
                name,
                line,
                None,
                code::NOT_UTF8,
                format!("line {line} is not valid UTF-8 (byte {}); the file is ignored: save it as CSV UTF-8", e.valid_up_to() + 1),
            );
            None
        }
    }
}

impl<'a> Table<'a> {
    /// Matches the header against `cols`. `None` when the file is unusable (no header,
    /// a required column missing, semicolons instead of commas).
    pub(crate) fn open(
        name: &str,
        text: &'a str,
        cols: Vec<Col>,
        opts: TableOpts,
        diags: &mut Diagnostics,
    ) -> Option<Table<'a>> {
        let mut reader = reader(text);
        let mut header = StringRecord::new();
        if !matches!(reader.read_record(&mut header), Ok(true)) {
            diags.error(
                name,
                1,
                None,
                code::EMPTY_FILE,
                "file is empty: not even a header row".into(),
            );
            return None;
        }
        let body_start = reader.position().byte();
        if header.len() == 1 && header[0].contains(';') {
            diags.error(
                name,
                1,
                None,
                code::SEMICOLON_DELIMITED,
                "header is separated by semicolons; roster files must use commas".into(),
            );
            return None;
        }
        let raw_width = header.len();
        let mut width = raw_width;
        while width > 0 && header[width - 1].trim().is_empty() {
            width -= 1;
        }
        if width < raw_width {
            diags.warn(
                name,
                1,
                None,
                code::EMPTY_HEADER,
                format!(
                    "{} empty header cell(s) at the end of the header are ignored",
                    raw_width - width
                ),
            );
        }
        let mut pos: Vec<Option<usize>> = vec![None; cols.len()];
        for (i, cell) in header.iter().take(width).enumerate() {
            let trimmed = cell.trim();
            if trimmed.is_empty() {
                diags.warn(
                    name,
                    1,
                    None,
                    code::EMPTY_HEADER,
                    format!("header cell {} is empty; its column is ignored", i + 1),
                );
                continue;
            }
            let found = cols.iter().position(|c| {
                c.name.eq_ignore_ascii_case(trimmed)
                    || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(trimmed))
            });
            match found {
                Some(k) if pos[k].is_some() => {
                    diags.warn(
                        name,
                        1,
                        Some(trimmed),
                        code::DUPLICATE_COLUMN,
                        format!("column \"{trimmed}\" appears twice; the first one is used"),
                    );
                }
                Some(k) => {
                    pos[k] = Some(i);
                    let c = &cols[k];
                    if cell != c.name && !c.aliases.contains(&cell) {
                        diags.info(
                            name,
                            1,
                            Some(c.name),
                            code::COLUMN_NAME_NORMALIZED,
                            format!("header \"{cell}\" read as \"{}\"", c.name),
                        );
                    }
                }
                None if opts.oneroster && trimmed.starts_with("metadata.") => {
                    diags.info(
                        name,
                        1,
                        Some(trimmed),
                        code::EXTENSION_COLUMN,
                        format!("extension column \"{trimmed}\" is not used"),
                    );
                }
                None => {
                    diags.warn(
                        name,
                        1,
                        Some(trimmed),
                        code::UNKNOWN_COLUMN,
                        format!("unknown column \"{trimmed}\" is ignored"),
                    );
                }
            }
        }
        let mut usable = true;
        for (c, p) in cols.iter().zip(&pos) {
            if c.header_required && p.is_none() {
                diags.error(
                    name,
                    1,
                    Some(c.name),
                    code::MISSING_COLUMN,
                    format!(
                        "required column \"{}\" is missing; the file is ignored",
                        c.name
                    ),
                );
                usable = false;
            }
        }
        if !usable {
            return None;
        }
        let key_col = cols
            .iter()
            .position(|c| matches!(c.name, "SIS ID" | "sourcedId"));
        let state = TableState {
            file: Arc::from(name),
            cols,
            pos,
            opts,
            noted: HashSet::new(),
            key_col,
        };
        Some(Table {
            state,
            text,
            width,
            raw_width,
            body_start,
        })
    }

    /// Runs `f` on each well-shaped data row and keeps what it returns, unless the row
    /// reported an error. Also returns the keys of rows dropped for errors (rows that named
    /// one with [`Row::set_key`]), so references to them can say why they fail.
    pub(crate) fn rows<T>(
        self,
        diags: &mut Diagnostics,
        f: impl FnMut(&mut Row<'_>) -> Option<T>,
    ) -> (Vec<T>, Vec<String>) {
        let mut out = Vec::with_capacity(data_rows(self.text.as_bytes()));
        let dropped = self.rows_into(diags, f, |v| out.push(v));
        (out, dropped)
    }

    /// [`Table::rows`], handing each kept value to `keep` instead of collecting them: a
    /// reader that files a row's parts into several lists of the roster does it without a
    /// list of whole rows in between (a district's people would be 50 MB of it).
    pub(crate) fn rows_into<T>(
        mut self,
        diags: &mut Diagnostics,
        mut f: impl FnMut(&mut Row<'_>) -> Option<T>,
        mut keep: impl FnMut(T),
    ) -> Vec<String> {
        let file = self.state.file.clone();
        let text = self.text;
        let mut reader = reader(text.get(self.body_start as usize..).unwrap_or_default());
        let mut rec = StringRecord::new();
        let mut dropped = Vec::new();
        let mut lines = LineCounter::new(text, self.body_start as usize);
        let mut count = 0u64;
        loop {
            match reader.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    // Unreachable for valid UTF-8 in memory; reported rather than trusted.
                    diags.error(
                        &file,
                        0,
                        None,
                        code::INVALID_VALUE,
                        format!("CSV reader stopped: {e}"),
                    );
                    break;
                }
            }
            let start = self.body_start as usize + rec.position().map_or(0, |p| p.byte() as usize);
            let line = lines.line_at(start);
            count += 1;
            if count > MAX_ROWS_PER_FILE {
                diags.error(&file, line, None, code::TOO_MANY_ROWS, format!("more than {MAX_ROWS_PER_FILE} data rows; this row and the rest are ignored"));
                break;
            }
            if !self.shape_ok(&rec, line, diags) {
                dropped.extend(self.key_of(&rec));
                continue;
            }
            let mut row = Row::new(&rec, line, &mut self.state, diags);
            let value = f(&mut row);
            let (failed, key) = row.finish();
            match (failed, value) {
                (false, Some(v)) => keep(v),
                (true, _) => dropped.extend(key.or_else(|| self.key_of(&rec))),
                (false, None) => {}
            }
        }
        if count == 0 && self.state.opts.oneroster {
            diags.error(&file, 1, None, code::EMPTY_FILE, "file has a header but no data rows; OneRoster sends such a file as absent in the manifest".into());
        }
        dropped
    }

    fn shape_ok(&self, rec: &StringRecord, line: u64, diags: &mut Diagnostics) -> bool {
        let file = &self.state.file;
        let n = rec.len();
        // Rows may stop at the last named column or run on through the empty header cells,
        // as long as what runs on is empty.
        let extra_empty = n > self.width
            && n <= self.raw_width
            && rec.iter().skip(self.width).all(|v| v.is_empty());
        if n != self.width && !extra_empty {
            diags.error(
                file,
                line,
                None,
                code::RAGGED_ROW,
                format!(
                    "row has {n} values but the header has {} columns; row ignored",
                    self.width
                ),
            );
            return false;
        }
        let mut ok = true;
        for (i, v) in rec.iter().enumerate().take(self.width) {
            let col = self.column_name(i);
            if v.len() > MAX_FIELD_BYTES {
                diags.error(
                    file,
                    line,
                    col,
                    code::FIELD_TOO_LONG,
                    format!(
                        "value is {} bytes; the limit is {MAX_FIELD_BYTES}; row ignored",
                        v.len()
                    ),
                );
                ok = false;
            } else if v.contains(['\n', '\r']) {
                diags.error(
                    file,
                    line,
                    col,
                    code::LINE_BREAK_IN_VALUE,
                    "value contains a line break (or an unclosed quote); row ignored".into(),
                );
                ok = false;
            }
        }
        ok
    }

    fn key_of(&self, rec: &StringRecord) -> Option<String> {
        let at = self.state.pos[self.state.key_col?]?;
        let v = rec.get(at)?.trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    fn column_name(&self, record_pos: usize) -> Option<&str> {
        let k = self.state.pos.iter().position(|p| *p == Some(record_pos))?;
        Some(self.state.cols[k].name)
    }
}

/// Data rows a file can yield at most: its non-blank lines after the first (the header),
/// within the row limit. Lists are sized by it once: grown by doubling, a district's
/// 460,000 enrollments briefly needed their old and new buffers at once (140 MB), which
/// set the reader's peak memory.
pub(crate) fn data_rows(bytes: &[u8]) -> usize {
    let lines = bytes
        .split(|&b| b == b'\n')
        .filter(|l| l.iter().any(|&b| b != b'\r'))
        .count();
    lines.saturating_sub(1).min(MAX_ROWS_PER_FILE as usize)
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// Turns record byte offsets into 1-based line numbers in one pass. The csv reader reports
/// a record's offset before the blank lines it skipped, so those are stepped over first.
struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str, from: usize) -> Self {
        let line = 1 + text.as_bytes()[..from]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        LineCounter {
            bytes: text.as_bytes(),
            at: from,
            line,
        }
    }

    fn line_at(&mut self, offset: usize) -> u64 {
        let mut start = offset.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.at {
            self.line += self.bytes[self.at..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.at = start;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::data_rows;

    #[test]
    fn data_rows_counts_non_blank_lines_after_the_header() {
        assert_eq!(data_rows(b""), 0);
        assert_eq!(data_rows(b"SIS ID,Name\n"), 0);
        assert_eq!(data_rows(b"SIS ID,Name\r\na,1\r\nb,2"), 2);
        // Blank lines (the csv reader skips them) are not rows.
        assert_eq!(data_rows(b"SIS ID,Name\n\na,1\n\r\n\nb,2\n\n"), 2);
        // A quoted value over two lines counts twice: an upper bound, never too few.
        assert_eq!(data_rows(b"SIS ID,Name\na,\"x\ny\"\n"), 2);
    }
}
