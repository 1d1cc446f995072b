//! One CSV file as a table of known columns: decoding checks, header matching, and the row
//! loop with its shape checks. Format modules describe their columns and receive [`Row`]s.

use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, Read};
use std::sync::Arc;

use csv::StringRecord;

use crate::diag::{code, Diagnostics};
use crate::limits::{MAX_FIELD_BYTES, MAX_FILE_BYTES, MAX_ROWS_PER_FILE};
use crate::row::Row;
use crate::source::{Scan, SourceFile};

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
    /// The rows after the header, streamed.
    reader: csv::Reader<Breaks<Box<dyn BufRead + 'a>>>,
    /// Data rows the file can hold at most (see [`data_rows`]): lists are sized by it.
    rows_hint: usize,
    /// Header width after dropping trailing empty header cells, and before.
    width: usize,
    raw_width: usize,
}

/// Checks size, encoding and readability in one pass over the file, then opens its text
/// for the row loop (a second pass: a file that is not UTF-8 is ignored whole, so that is
/// known before any row is used). `None` when the file cannot be used (already reported).
pub(crate) fn decode<'a>(
    file: &SourceFile<'a>,
    diags: &mut Diagnostics,
) -> Option<(Box<dyn BufRead + 'a>, usize)> {
    let name = &file.name;
    if file.len() > MAX_FILE_BYTES {
        diags.error(
            name,
            0,
            None,
            code::FILE_TOO_LARGE,
            format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                file.len()
            ),
        );
        return None;
    }
    let head = match file.head(2) {
        Ok(head) => head,
        Err(e) => {
            file.unreadable(&format!("cannot read the file: {e}"), diags);
            return None;
        }
    };
    if head == [0xFF, 0xFE] || head == [0xFE, 0xFF] {
        diags.error(
            name,
            1,
            None,
            code::UTF16,
            "file is UTF-16 (Excel \"Unicode text\"); save it as CSV UTF-8".into(),
        );
        return None;
    }
    let scan = match file.scan() {
        Ok(scan) => scan,
        Err(why) => {
            file.unreadable(&why, diags);
            return None;
        }
    };
    if let Some((line, byte)) = scan.not_utf8 {
        diags.error(
            name,
            line,
            None,
            code::NOT_UTF8,
            format!("line {line} is not valid UTF-8 (byte {byte}); the file is ignored: save it as CSV UTF-8"),
        );
        return None;
    }
    match file.open_text() {
        Ok(text) => Some((text, data_rows(scan))),
        Err(e) => {
            file.unreadable(&format!("cannot read the file: {e}"), diags);
            None
        }
    }
}

impl<'a> Table<'a> {
    /// Matches the header against `cols`. `None` when the file is unusable (no header,
    /// a required column missing, semicolons instead of commas).
    pub(crate) fn open(
        name: &str,
        (text, rows_hint): (Box<dyn BufRead + 'a>, usize),
        cols: Vec<Col>,
        opts: TableOpts,
        diags: &mut Diagnostics,
    ) -> Option<Table<'a>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Breaks::new(text));
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
            reader,
            rows_hint,
            width,
            raw_width,
        })
    }

    /// Data rows the file can hold at most: a reader sizes its lists by it.
    pub(crate) fn rows_hint(&self) -> usize {
        self.rows_hint
    }

    /// Runs `f` on each well-shaped data row and keeps what it returns, unless the row
    /// reported an error. Also returns the keys of rows dropped for errors (rows that named
    /// one with [`Row::set_key`]), so references to them can say why they fail.
    pub(crate) fn rows<T>(
        self,
        diags: &mut Diagnostics,
        f: impl FnMut(&mut Row<'_>) -> Option<T>,
    ) -> (Vec<T>, Vec<String>) {
        let mut out = Vec::with_capacity(self.rows_hint);
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
        let mut rec = StringRecord::new();
        let mut dropped = Vec::new();
        let mut count = 0u64;
        loop {
            match self.reader.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    // The file was checked before the loop: only a file changed or
                    // removed since then gets here (what it held so far stays read).
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
            let start = rec.position().map_or(0, |p| p.byte());
            let line = self.reader.get_mut().line_at(start);
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
pub(crate) fn data_rows(scan: Scan) -> usize {
    scan.non_blank_lines
        .saturating_sub(1)
        .min(MAX_ROWS_PER_FILE) as usize
}

/// The text under the csv reader, remembering where the line breaks are in what the reader
/// has taken, until the row loop has passed them: record offsets become line numbers
/// without keeping the text (what is remembered spans the reader's buffer and one record).
pub(crate) struct Breaks<R> {
    inner: R,
    /// Offset of the next byte handed to the reader.
    at: u64,
    /// Offsets of `\r` and `\n` bytes not yet passed, and whether each is a `\n`.
    marks: VecDeque<(u64, bool)>,
    /// 1-based line of the last record asked about.
    line: u64,
}

impl<R> Breaks<R> {
    fn new(inner: R) -> Self {
        Breaks {
            inner,
            at: 0,
            marks: VecDeque::new(),
            line: 1,
        }
    }

    /// The line a record starting at `offset` starts on. Offsets only grow. The csv reader
    /// reports a record's offset before the blank lines it skipped, so those are stepped
    /// over first.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.marks.front().is_some_and(|&(at, _)| at < offset) {
            self.pass();
        }
        let mut start = offset;
        while self.marks.front().is_some_and(|&(at, _)| at == start) {
            self.pass();
            start += 1;
        }
        self.line
    }

    /// Steps over the first mark. A line ends at `\n`, or at a `\r` not followed by one
    /// (files saved as "CSV (Macintosh)" end lines with `\r` alone). The byte after a
    /// passed mark has always been read: the csv reader has parsed the record it precedes.
    fn pass(&mut self) {
        if let Some((at, lf)) = self.marks.pop_front() {
            let ends = lf || self.marks.front() != Some(&(at + 1, true));
            self.line += u64::from(ends);
        }
    }
}

impl<R: Read> Read for Breaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                self.marks.push_back((self.at + i as u64, b == b'\n'));
            }
        }
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::{data_rows, decode, Breaks};
    use crate::diag::{code, Diagnostics};
    use crate::source::{Scan, SourceFile};
    use std::io::Read;

    #[test]
    fn a_file_gone_before_it_is_read_is_reported_and_ignored() {
        let missing = std::env::temp_dir().join("edugraph-rostering-no-such-dir/Student.csv");
        let file = SourceFile::disk("Student.csv".into(), missing, 120);
        let mut diags = Diagnostics::default();
        assert!(decode(&file, &mut diags).is_none());
        let (list, _) = diags.finish();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].code, code::UNREADABLE_FILE);
        assert_eq!((list[0].file.as_str(), list[0].line), ("Student.csv", 0));
    }

    #[test]
    fn data_rows_are_the_non_blank_lines_after_the_header() {
        let rows = |lines| {
            data_rows(Scan {
                non_blank_lines: lines,
                not_utf8: None,
            })
        };
        assert_eq!(rows(0), 0);
        assert_eq!(rows(1), 0);
        assert_eq!(rows(3), 2);
        assert_eq!(rows(10_000_000), 500_000, "capped at the row limit");
    }

    #[test]
    fn breaks_turn_record_offsets_into_lines() {
        let text = b"h1,h2\r\na,1\r\n\r\n\nb,\"x\ny\"\nc,3";
        let mut r = Breaks::new(&text[..]);
        let mut all = Vec::new();
        // Read in small pieces, as a buffered reader would, before asking.
        let mut piece = [0u8; 4];
        loop {
            let n = r.read(&mut piece).unwrap();
            if n == 0 {
                break;
            }
            all.extend_from_slice(&piece[..n]);
        }
        assert_eq!(all, text);
        // Header at 0; `a` at 7; `b` reported at 12 (before the blank lines it skipped);
        // `c` after a quoted line break.
        assert_eq!(r.line_at(0), 1);
        assert_eq!(r.line_at(7), 2);
        assert_eq!(r.line_at(12), 5);
        assert_eq!(r.line_at(23), 7);

        // Lines ended by `\r` alone, and one `\r` before a `\r\n`: two line ends.
        let text = b"h\ra,1\r\r\nb,2\rc,3";
        let mut r = Breaks::new(&text[..]);
        std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        assert_eq!(r.line_at(0), 1);
        assert_eq!(r.line_at(2), 2);
        assert_eq!(r.line_at(6), 4);
        assert_eq!(r.line_at(12), 5);
    }
}
