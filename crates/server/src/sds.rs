//! Where a synchronization profile's uploaded files live, and its upload URL.
//!
//! Files are kept outside the database, in a folder per tenant and profile below
//! `<data_dir>/sds-uploads` (with an in-memory store, below the system's temporary
//! folder, per process). Several instances sharing a PostgreSQL database must share that
//! folder too (docs/sync-profiles.md). The upload URL is built from the configured origin
//! (`public_url`, else the listen address: never from a request header) and carries a
//! signed grant (`auth::upload_grant`) naming the tenant and the profile, valid for an
//! hour; blob clients append the file name to its path.

use std::path::{Path, PathBuf};

use crate::config::Config;
use edugraph_edu::sync::profiles::{self, Status};
use edugraph_store::Store;
use serde_json::Value;

use crate::auth::upload_grant;
use crate::AppState;

/// How long an upload URL is valid.
pub const URL_LIFETIME: time::Duration = time::Duration::hours(1);
/// The path below which uploads are received: `/_edugraph/sds/{profile}/{file}`.
pub const UPLOAD_PREFIX: &str = "/_edugraph/sds/";
/// Largest file and most files per profile: what the roster reader accepts.
pub use edugraph_rostering::limits::{MAX_FILES, MAX_FILE_BYTES};

/// The folder all profiles' uploads live below.
pub fn root(config: &Config) -> PathBuf {
    if config.in_memory {
        std::env::temp_dir().join(format!("edugraph-sds-uploads-{}", std::process::id()))
    } else {
        config.data_dir.join("sds-uploads")
    }
}

/// A tenant or profile id that can name a folder: ids are generated (uuids, tenant
/// names), but a request's path segment is checked all the same.
pub fn safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The folder of one profile's files.
pub fn dir(config: &Config, tenant: &str, profile: &str) -> Option<PathBuf> {
    (safe_segment(tenant) && safe_segment(profile)).then(|| root(config).join(tenant).join(profile))
}

/// A file name an upload may use: a `.csv` name without folders.
pub fn file_name_ok(name: &str) -> bool {
    safe_segment(name) && name.to_ascii_lowercase().ends_with(".csv")
}

/// The profile's upload URL: the container URL blob clients append a file name to.
pub fn upload_url(state: &AppState, tenant: &str, profile: &str) -> String {
    let now = state.clock().now();
    let grant = upload_grant::sign(state.keys(), tenant, profile, now, URL_LIFETIME);
    let expiry = (now + URL_LIFETIME)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    // `sv`, `sr`, `sp` and `se` are what a blob SAS URL carries; `sig` is the grant.
    format!(
        "{}{UPLOAD_PREFIX}{profile}?sv=2020-08-04&sr=c&sp=cw&se={}&sig={grant}",
        state.config().issuer_base(),
        percent_encoding::utf8_percent_encode(&expiry, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// Whether the profile's sync is running, so its files must not change.
pub async fn busy(store: &dyn Store, tenant: &str, profile: &str) -> bool {
    match profiles::status(store, tenant, profile).await {
        Ok(doc) => {
            let value: Value = serde_json::from_str(&doc.json).unwrap_or_default();
            Status::of(&value) == Some(Status::InProgress)
        }
        Err(_) => false,
    }
}

/// The files of a profile's folder, by name.
pub fn files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Removes a deleted profile's files.
pub fn remove(config: &Config, tenant: &str, profile: &str) {
    if let Some(dir) = dir(config, tenant, profile) {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, dir = %dir.display(), "cannot remove a deleted profile's uploads");
            }
        }
    }
}
