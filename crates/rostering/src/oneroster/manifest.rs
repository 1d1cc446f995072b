//! `manifest.csv`: the version and the absent/bulk/delta mode of each file, checked against
//! the files actually present. Where they disagree the data wins (with a report), except
//! that a file declared bulk or delta but missing is an error: a sync would otherwise read
//! its absence as "delete everything it held".

use std::collections::BTreeMap;

use crate::diag::{code, Diagnostics};
use crate::format::Format;
use crate::model::FileMode;
use crate::open_table;
use crate::source::FileSet;
use crate::table::{opt, req, TableOpts};

/// Manifest keys of the files this crate reads, per version.
pub(crate) const ROSTER_KEYS_11: &[&str] = &[
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "enrollments",
    "demographics",
];
pub(crate) const ROSTER_KEYS_12: &[&str] = &[
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "roles",
    "enrollments",
    "demographics",
];

/// OneRoster files outside rostering (gradebook, resources, credentials).
const OTHER_KEYS: &[&str] = &[
    "categories",
    "classResources",
    "courseResources",
    "lineItems",
    "resources",
    "results",
    "userProfiles",
    "userResources",
    "scoreScales",
    "lineItemScoreScales",
    "resultScoreScales",
    "lineItemLearningObjectiveIds",
    "resultLearningObjectiveIds",
];

pub(crate) fn roster_keys(format: Format) -> &'static [&'static str] {
    if format == Format::OneRoster12 {
        ROSTER_KEYS_12
    } else {
        ROSTER_KEYS_11
    }
}

/// Effective mode of each rostering file that will be read, keyed by manifest key.
pub(crate) fn read(
    fs: &FileSet,
    format: Format,
    diags: &mut Diagnostics,
) -> BTreeMap<String, FileMode> {
    let mut declared: BTreeMap<String, (Option<FileMode>, u64)> = BTreeMap::new();
    const M: &str = "manifest.csv";
    // Diagnostics name files as uploaded (`Manifest.CSV` stays so).
    let manifest = fs.get(M).map_or(M, |f| f.name.as_str());
    match fs.get(M) {
        None => diags.error(
            M,
            0,
            None,
            code::MISSING_FILE,
            "manifest.csv is required in a OneRoster 1.1/1.2 set".into(),
        ),
        Some(f) => {
            let opts = TableOpts {
                oneroster: true,
                bulk: false,
            };
            if let Some(t) = open_table(f, vec![req("propertyName"), opt("value")], opts, diags) {
                let (rows, _) = t.rows(diags, |r| {
                    Some((
                        r.req_text("propertyName"),
                        r.text("value").unwrap_or_default(),
                        r.line,
                    ))
                });
                let mut version = None;
                for (key, value, line) in rows {
                    let value = value.trim();
                    if key.eq_ignore_ascii_case("oneroster.version") {
                        version = Some((value.to_string(), line));
                    } else if let Some(file) = key.strip_prefix("file.") {
                        let mode = match value.to_ascii_lowercase().as_str() {
                            "absent" => Some(FileMode::Absent),
                            "bulk" => Some(FileMode::Bulk),
                            "delta" => Some(FileMode::Delta),
                            _ => {
                                diags.warn(manifest, line, Some("value"), code::MANIFEST_MODE_INVALID, format!("mode \"{value}\" of {key} is not absent, bulk or delta; the files present decide"));
                                None
                            }
                        };
                        declared.insert(file.to_ascii_lowercase(), (mode, line));
                    }
                }
                let want = if format == Format::OneRoster12 {
                    "1.2"
                } else {
                    "1.1"
                };
                match version {
                    Some((v, _)) if v == want => {}
                    Some((v, line)) => diags.warn(
                        manifest,
                        line,
                        Some("value"),
                        code::MANIFEST_INVALID,
                        format!("oneroster.version is \"{v}\"; the set is read as {want}"),
                    ),
                    None => diags.warn(
                        manifest,
                        0,
                        None,
                        code::MANIFEST_INVALID,
                        format!("oneroster.version is missing; the set is read as {want}"),
                    ),
                }
            }
        }
    }

    let mut modes = BTreeMap::new();
    for &key in roster_keys(format) {
        let file = format!("{key}.csv");
        let present = fs.has(&file);
        let (mode, line) = declared
            .get(&key.to_ascii_lowercase())
            .copied()
            .unwrap_or((None, 0));
        match (mode, present) {
            (Some(m @ (FileMode::Bulk | FileMode::Delta)), true) => {
                modes.insert(key.to_string(), m);
            }
            (Some(FileMode::Bulk | FileMode::Delta), false) => {
                diags.error(
                    manifest,
                    line,
                    None,
                    code::MANIFEST_FILE_MISSING,
                    format!("{file} is declared in the manifest but not in the set"),
                );
            }
            (_, true) => {
                let uploaded = fs.get(&file).map_or(file.as_str(), |f| f.name.as_str());
                diags.warn(uploaded, 0, None, code::MANIFEST_FILE_UNDECLARED, format!("{file} is present but the manifest does not declare it bulk or delta; read as bulk"));
                modes.insert(key.to_string(), FileMode::Bulk);
            }
            (_, false) => {
                modes.insert(key.to_string(), FileMode::Absent);
            }
        }
    }
    for name in fs.names() {
        let stem = stem(name);
        if name.eq_ignore_ascii_case(M)
            || roster_keys(format)
                .iter()
                .any(|k| k.eq_ignore_ascii_case(stem))
        {
            continue;
        }
        if OTHER_KEYS.iter().any(|k| k.eq_ignore_ascii_case(stem)) {
            diags.info(
                name,
                0,
                None,
                code::FILE_NOT_USED,
                format!("{name} is not part of rostering; not read"),
            );
        } else {
            diags.warn(
                name,
                0,
                None,
                code::UNKNOWN_FILE,
                format!("{name} is not a OneRoster file; ignored"),
            );
        }
    }
    modes
}

/// A file name without its `.csv` ending, in any case.
fn stem(name: &str) -> &str {
    match name
        .len()
        .checked_sub(4)
        .and_then(|i| Some((i, name.get(i..)?)))
    {
        Some((i, ext)) if ext.eq_ignore_ascii_case(".csv") => &name[..i],
        _ => name,
    }
}
