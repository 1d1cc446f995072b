//! The roster CSV layouts this crate reads, and their command-line names.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Six-file SDS format (`School.csv` …), US or UK headers, optional guardian files.
    SdsV1,
    /// Retired four-file SDS v2 (role and grade on `users.csv`).
    SdsV2,
    /// SDS v2.1 (`orgs.csv`, `users.csv`, `roles.csv` …).
    SdsV21,
    OneRoster11,
    OneRoster12,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::SdsV1,
        Format::SdsV2,
        Format::SdsV21,
        Format::OneRoster11,
        Format::OneRoster12,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::SdsV1 => "sds-v1",
            Format::SdsV2 => "sds-v2",
            Format::SdsV21 => "sds-v2.1",
            Format::OneRoster11 => "oneroster-1.1",
            Format::OneRoster12 => "oneroster-1.2",
        }
    }

    pub fn is_oneroster(self) -> bool {
        matches!(self, Format::OneRoster11 | Format::OneRoster12)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown roster format {0:?}; expected one of sds-v1, sds-v2, sds-v2.1, oneroster-1.1, oneroster-1.2")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}
