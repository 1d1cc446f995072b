//! Bounds on the work one file set can cause. Inputs arrive from uploads, so every loop
//! over bytes, rows or diagnostics has a ceiling that does not depend on trusting the input.

/// Largest file read, in bytes. A 500,000-row OneRoster enrollments file is about 60 MB;
/// 256 MiB leaves room for wide person files. Files in a folder are streamed, so this bounds
/// the work of a file, not memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Data rows read per file; the rest of the file is ignored with one error. Classic SDS
/// documented the same ceiling per file.
pub const MAX_ROWS_PER_FILE: u64 = 500_000;

/// Longest single value, in bytes. OneRoster asks that strings up to 255 characters be
/// accepted; 4 KiB is generous for descriptions and still rejects a runaway quoted field.
pub const MAX_FIELD_BYTES: usize = 4096;

/// Longest identifier (SIS ID, sourcedId), in characters, as OneRoster specifies.
pub const MAX_ID_CHARS: usize = 255;

/// Files considered in one set; a folder with more is not a roster upload.
pub const MAX_FILES: usize = 64;

/// Diagnostics kept in the list; further ones are only counted.
pub const MAX_DIAGNOSTICS: usize = 100_000;
