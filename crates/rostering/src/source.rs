//! The files of one upload, looked up by case-insensitive name, and read as streams: a file
//! on disk is never held whole, only the reader's buffer of it (a district's enrollments
//! file alone is 7 MB, and a file may be up to [`MAX_FILE_BYTES`]).

use std::cell::OnceCell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use crate::diag::{code, Diagnostics};
use crate::limits::MAX_FILE_BYTES;

/// Where a file's bytes are.
#[derive(Debug, Clone)]
enum Content<'a> {
    /// Handed over in memory (uploads read by a caller, tests, fuzzing).
    Memory(&'a [u8]),
    /// In a folder; opened each time it is read.
    Disk { path: PathBuf, len: u64 },
}

/// One input file under the name it was uploaded with.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile<'a> {
    pub name: String,
    content: Content<'a>,
    /// What one pass over the text found, once asked (see [`SourceFile::scan`]).
    scanned: OnceCell<Result<Scan, String>>,
}

/// What one pass over a file's text (after any UTF-8 byte order mark) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Lines holding anything but line-break characters.
    pub non_blank_lines: u64,
    /// The first byte that is not UTF-8: (1-based line, 1-based byte offset).
    pub not_utf8: Option<(u64, u64)>,
}

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Buffer of a file read from disk: large enough that a row loop makes few system calls.
const READ_BUFFER: usize = 64 * 1024;

impl<'a> SourceFile<'a> {
    pub(crate) fn memory(name: &str, bytes: &'a [u8]) -> SourceFile<'a> {
        SourceFile {
            name: name.to_string(),
            content: Content::Memory(bytes),
            scanned: OnceCell::new(),
        }
    }

    pub(crate) fn disk(name: String, path: PathBuf, len: u64) -> SourceFile<'a> {
        SourceFile {
            name,
            content: Content::Disk { path, len },
            scanned: OnceCell::new(),
        }
    }

    /// Size in bytes (for a file on disk, as listed).
    pub(crate) fn len(&self) -> u64 {
        match &self.content {
            Content::Memory(b) => b.len() as u64,
            Content::Disk { len, .. } => *len,
        }
    }

    /// The file from its first byte, read no further than one byte past the size limit
    /// (a file that grew after it was listed still cannot make a reader run on).
    pub(crate) fn open(&self) -> io::Result<Box<dyn BufRead + 'a>> {
        Ok(match &self.content {
            Content::Memory(b) => Box::new(*b),
            Content::Disk { path, .. } => Box::new(BufReader::with_capacity(
                READ_BUFFER,
                File::open(path)?.take(MAX_FILE_BYTES + 1),
            )),
        })
    }

    /// The file's text: [`SourceFile::open`] past a UTF-8 byte order mark (Excel's "CSV
    /// UTF-8" writes one).
    pub(crate) fn open_text(&self) -> io::Result<Box<dyn BufRead + 'a>> {
        let mut r = self.open()?;
        if r.fill_buf()?.starts_with(BOM) {
            r.consume(BOM.len());
        }
        Ok(r)
    }

    /// Up to `n` bytes from the start of the file (byte order mark included).
    pub(crate) fn head(&self, n: usize) -> io::Result<Vec<u8>> {
        first_bytes(self.open()?, n)
    }

    /// Up to `n` bytes of the file's text (after a UTF-8 byte order mark).
    pub(crate) fn text_head(&self, n: usize) -> io::Result<Vec<u8>> {
        first_bytes(self.open_text()?, n)
    }

    /// One pass over the text, done once per file however often it is asked: whether it
    /// is UTF-8 and how many non-blank lines it has. `Err` carries why it could not be read.
    pub(crate) fn scan(&self) -> Result<Scan, String> {
        self.scanned
            .get_or_init(|| {
                self.open_text()
                    .and_then(scan)
                    .map_err(|e| format!("cannot read the file: {e}"))
            })
            .clone()
    }

    /// Reports a file that could not be read, as a whole-file error.
    pub(crate) fn unreadable(&self, why: &str, diags: &mut Diagnostics) {
        diags.error(
            &self.name,
            0,
            None,
            code::UNREADABLE_FILE,
            format!("{why}; the file is ignored"),
        );
    }
}

/// Up to `n` bytes from `r`.
fn first_bytes(r: impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(n.min(READ_BUFFER));
    r.take(n as u64).read_to_end(&mut out)?;
    Ok(out)
}

/// Reads `r` to its end in chunks: counts non-blank lines (lines end at `\n`, `\r\n` or a
/// lone `\r`, as the csv reader ends records) and finds the first byte that is not UTF-8,
/// carrying a sequence cut by a chunk's end over to the next chunk.
fn scan(mut r: impl Read) -> io::Result<Scan> {
    let mut buf = vec![0u8; READ_BUFFER];
    // Bytes carried at the start of `buf`: an incomplete UTF-8 sequence.
    let mut kept = 0;
    // File offset of `buf[0]`, and lines complete before it.
    let mut offset = 0u64;
    let mut breaks = 0u64;
    let mut non_blank = 0u64;
    let mut line_has_text = false;
    // The last byte read was `\r`: a `\n` now belongs to the same line end.
    let mut after_cr = false;
    loop {
        let n = match r.read(&mut buf[kept..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let end = kept + n;
        let (valid, bad) = match std::str::from_utf8(&buf[..end]) {
            Ok(_) => (end, false),
            // Cut off by the chunk's end: complete it with the next chunk, unless there is
            // none.
            Err(e) if e.error_len().is_none() && n > 0 => (e.valid_up_to(), false),
            Err(e) => (e.valid_up_to(), true),
        };
        for &b in &buf[..valid] {
            let ends = match b {
                b'\r' => true,
                b'\n' => !after_cr,
                _ => {
                    line_has_text = true;
                    false
                }
            };
            if ends {
                breaks += 1;
                non_blank += u64::from(line_has_text);
                line_has_text = false;
            }
            after_cr = b == b'\r';
        }
        if bad {
            return Ok(Scan {
                non_blank_lines: non_blank,
                not_utf8: Some((breaks + 1, offset + valid as u64 + 1)),
            });
        }
        if n == 0 {
            non_blank += u64::from(line_has_text);
            return Ok(Scan {
                non_blank_lines: non_blank,
                not_utf8: None,
            });
        }
        buf.copy_within(valid..end, 0);
        kept = end - valid;
        offset += valid as u64;
    }
}

#[derive(Debug, Default)]
pub(crate) struct FileSet<'a> {
    files: Vec<SourceFile<'a>>,
}

impl<'a> FileSet<'a> {
    /// Keeps the first of two files whose names differ only in case, with an error: which
    /// one the uploader meant cannot be told.
    pub(crate) fn new(files: Vec<SourceFile<'a>>, diags: &mut Diagnostics) -> FileSet<'a> {
        let mut kept: Vec<SourceFile<'a>> = Vec::with_capacity(files.len());
        for f in files {
            if kept.iter().any(|k| k.name.eq_ignore_ascii_case(&f.name)) {
                diags.error(
                    &f.name,
                    0,
                    None,
                    code::DUPLICATE_FILE,
                    "another file of the same name (ignoring case) is in the set; this one is ignored".into(),
                );
            } else {
                kept.push(f);
            }
        }
        FileSet { files: kept }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&SourceFile<'a>> {
        self.files
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|f| f.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scan` over `bytes` read in chunks of at most `chunk` bytes.
    fn scan_in(bytes: &[u8], chunk: usize) -> Scan {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        scan(Chunked(bytes, chunk)).unwrap()
    }

    #[test]
    fn scan_counts_non_blank_lines() {
        for chunk in [1, 2, 3, 64 * 1024] {
            let lines = |b: &[u8]| scan_in(b, chunk).non_blank_lines;
            assert_eq!(lines(b""), 0);
            assert_eq!(lines(b"SIS ID,Name\n"), 1);
            assert_eq!(lines(b"SIS ID,Name\r\na,1\r\nb,2"), 3);
            // Blank lines are not counted.
            assert_eq!(lines(b"SIS ID,Name\n\na,1\n\r\n\nb,2\n\n"), 3);
            // Lines ended by a lone `\r` count as lines.
            assert_eq!(lines(b"SIS ID,Name\ra,1\r\rb,2\r"), 3);
            assert_eq!(scan_in("é,€\n😀\n".as_bytes(), chunk).not_utf8, None);
        }
    }

    #[test]
    fn scan_names_the_line_and_byte_of_the_first_bad_byte() {
        for chunk in [1, 2, 5, 64 * 1024] {
            let bad = |b: &[u8]| scan_in(b, chunk).not_utf8;
            assert_eq!(bad(b"a,b\r\n1,Jos\xE9\r\n2,ok\r\n"), Some((2, 11)));
            // A multi-byte sequence cut short by the end of the file.
            assert_eq!(bad(b"a\n\xE2\x82"), Some((2, 3)));
            // A valid sequence split across reads is not an error.
            assert_eq!(bad("a\n€€€€".as_bytes()), None);
            assert_eq!(bad(b"\xFFa"), Some((1, 1)));
            assert_eq!(bad(b"a\rb\r\nc\r\xFF"), Some((4, 8)));
        }
    }
}
