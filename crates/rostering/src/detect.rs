//! Which format a file set is in, from its file names (case-insensitive) and, where names
//! alone are ambiguous, a peek at one header or the manifest.
//!
//! Rules, first match wins:
//! 1. `manifest.csv` present → OneRoster; `oneroster.version` 1.1 or 1.2 picks the version,
//!    otherwise 1.2 when `roles.csv` is present, else 1.1.
//! 2. Any SDS v1 file name (`School.csv`, `Student.csv`, …) → SDS v1.
//! 3. `orgs.csv` + `users.csv` + `roles.csv` → SDS v2.1.
//! 4. `orgs.csv` + `users.csv` without `roles.csv`: OneRoster 1.0 when `users.csv` has a
//!    `status` column or a OneRoster-only file is present (not supported), else SDS v2.

use crate::format::Format;
use crate::source::FileSet;
use crate::{sds_v1, ReadError};

/// How much of a file detection looks at: a manifest is a few dozen short lines, a header
/// one line. A file that cannot be read is detected as empty here and reported when it is
/// read.
const PEEK_BYTES: usize = 64 * 1024;

pub(crate) fn detect(fs: &FileSet) -> Result<Format, ReadError> {
    if let Some(m) = fs.get("manifest.csv") {
        let head = m.text_head(PEEK_BYTES).unwrap_or_default();
        let text = String::from_utf8_lossy(&head);
        let version = text.lines().find_map(|l| {
            let (k, v) = l.split_once(',')?;
            k.trim()
                .trim_matches('"')
                .eq_ignore_ascii_case("oneroster.version")
                .then(|| v.trim().trim_matches('"').to_string())
        });
        return Ok(match version.as_deref() {
            Some("1.1") => Format::OneRoster11,
            Some("1.2") => Format::OneRoster12,
            _ if fs.has("roles.csv") => Format::OneRoster12,
            _ => Format::OneRoster11,
        });
    }
    if sds_v1::FILES.iter().any(|f| fs.has(f)) {
        return Ok(Format::SdsV1);
    }
    if fs.has("orgs.csv") && fs.has("users.csv") {
        if fs.has("roles.csv") {
            return Ok(Format::SdsV21);
        }
        let users_header = fs
            .get("users.csv")
            .map(|u| first_line(&u.text_head(PEEK_BYTES).unwrap_or_default()))
            .unwrap_or_default();
        let oneroster_only = ["academicSessions.csv", "courses.csv", "demographics.csv"]
            .iter()
            .any(|f| fs.has(f));
        let has_status = users_header
            .split(',')
            .any(|h| h.trim().eq_ignore_ascii_case("status"));
        if oneroster_only || has_status {
            return Err(ReadError::Unsupported(
                "OneRoster 1.0 (a OneRoster set without manifest.csv); add a 1.1 manifest or convert the set".into(),
            ));
        }
        return Ok(Format::SdsV2);
    }
    Err(ReadError::NotRecognized(
        fs.names().map(str::to_string).collect(),
    ))
}

fn first_line(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
