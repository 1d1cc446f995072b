//! The upload endpoint behind a synchronization profile's `uploadUrl`:
//! `PUT /_edugraph/sds/{profile}/{file}?...&sig=...` stores one CSV file of the profile's
//! set, as a blob client's "Put Blob" does (`x-ms-blob-type: BlockBlob` accepted, 201);
//! `DELETE` of the same URL removes it.
//!
//! The request carries no bearer token: the grant in `sig` is the credential. Everything
//! a request can make the server do is bounded before the body is read: the grant is
//! checked first (signature, expiry, profile), then the name, the profile's state (409
//! while its sync runs) and the declared length; the body is then streamed to a
//! temporary file and counted, and a body over the limit is dropped with its file. The
//! middleware does not buffer these bodies (`is_upload`), so a file never sits whole in
//! memory.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use edugraph_edu::sync::profile::ProfileState;
use edugraph_store::EntityKind;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::auth::upload_grant::{self, GrantError};
use crate::error::{ApiError, ApiResult};
use crate::sds::{self, MAX_FILES, MAX_FILE_BYTES};
use crate::AppState;

/// Whether a request is an upload (its body is streamed by the handler, not buffered).
pub fn is_upload(path: &str) -> bool {
    path.starts_with(sds::UPLOAD_PREFIX)
}

#[derive(Deserialize)]
pub struct Sas {
    sig: Option<String>,
    /// Block uploads (`comp=block`) are not supported: a file is one `PUT`.
    comp: Option<String>,
}

/// The tenant the grant names, once the grant, the names and the profile allow a change.
async fn admitted(
    state: &AppState,
    profile: &str,
    file: &str,
    sas: &Sas,
) -> ApiResult<(String, std::path::PathBuf)> {
    let sig = sas.sig.as_deref().unwrap_or_default();
    let tenant = upload_grant::verify(state.keys(), sig, profile, state.clock().now()).map_err(
        |e: GrantError| ApiError::new(StatusCode::FORBIDDEN, "AuthenticationFailed", e.to_string()),
    )?;
    if sas.comp.is_some() {
        return Err(ApiError::bad_request(
            "Block uploads are not supported: upload each file with one PUT.",
        ));
    }
    if !sds::file_name_ok(file) {
        return Err(ApiError::bad_request(format!(
            "'{file}' is not a file name an upload may use: a .csv name of letters, digits, '-', '_' and '.'."
        )));
    }
    let store = state.store();
    let doc = store
        .get(&tenant, EntityKind::SyncProfile, profile)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "The synchronization profile {profile} does not exist."
            ))
        })?;
    let value: Value = serde_json::from_str(&doc.json).unwrap_or_default();
    if ProfileState::of(&value) != Some(ProfileState::Provisioned) {
        return Err(ApiError::conflict(format!(
            "The synchronization profile {profile} is not provisioned."
        )));
    }
    if sds::busy(store, &tenant, profile).await {
        return Err(ApiError::conflict(
            "The profile's synchronization is in progress: its files cannot change until it ends.",
        ));
    }
    let dir = sds::dir(state.config(), &tenant, profile)
        .ok_or_else(|| ApiError::bad_request("The profile cannot hold uploads."))?;
    Ok((tenant, dir))
}

/// `PUT`: stores the file, replacing one of the same name (in any case).
pub async fn put(
    State(state): State<AppState>,
    Path((profile, file)): Path<(String, String)>,
    Query(sas): Query<Sas>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match store_file(&state, &profile, &file, &sas, &headers, body).await {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn store_file(
    state: &AppState,
    profile: &str,
    file: &str,
    sas: &Sas,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<()> {
    let (_, dir) = admitted(state, profile, file, sas).await?;
    if let Some(kind) = headers.get("x-ms-blob-type") {
        if !kind.as_bytes().eq_ignore_ascii_case(b"BlockBlob") {
            return Err(ApiError::bad_request(
                "Only block blobs are accepted (x-ms-blob-type: BlockBlob).",
            ));
        }
    }
    let too_large = || ApiError::payload_too_large(MAX_FILE_BYTES as usize);
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FILE_BYTES) {
        return Err(too_large());
    }
    let existing = sds::files(&dir);
    let replaces: Vec<&String> = existing
        .iter()
        .filter(|n| n.eq_ignore_ascii_case(file))
        .collect();
    if replaces.is_empty() && existing.len() >= MAX_FILES {
        return Err(ApiError::bad_request(format!(
            "The profile holds {MAX_FILES} files already, the most a set may have."
        )));
    }
    let io = |e: std::io::Error| {
        tracing::error!(error = %e, "cannot store an upload");
        ApiError::internal("The file could not be stored.")
    };
    tokio::fs::create_dir_all(&dir).await.map_err(io)?;
    let temp = dir.join(format!(".upload-{}", uuid::Uuid::new_v4()));
    let written = stream_to(&temp, body).await;
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(match e {
                Streamed::TooLarge => too_large(),
                Streamed::Body => ApiError::bad_request("The upload ended before its body did."),
                Streamed::Io(e) => io(e),
            });
        }
    };
    for old in replaces {
        let _ = tokio::fs::remove_file(dir.join(old)).await;
    }
    tokio::fs::rename(&temp, dir.join(file)).await.map_err(io)?;
    tracing::info!(profile, file, bytes = written, "sync file uploaded");
    Ok(())
}

enum Streamed {
    TooLarge,
    Body,
    Io(std::io::Error),
}

/// Writes the body to `path`, at most [`MAX_FILE_BYTES`].
async fn stream_to(path: &std::path::Path, body: Body) -> Result<u64, Streamed> {
    let mut out = tokio::fs::File::create(path).await.map_err(Streamed::Io)?;
    let mut stream = body.into_data_stream();
    let mut written: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Streamed::Body)?;
        written += chunk.len() as u64;
        if written > MAX_FILE_BYTES {
            return Err(Streamed::TooLarge);
        }
        out.write_all(&chunk).await.map_err(Streamed::Io)?;
    }
    out.flush().await.map_err(Streamed::Io)?;
    Ok(written)
}

/// `DELETE`: removes a file of the set (202, as Delete Blob answers).
pub async fn delete(
    State(state): State<AppState>,
    Path((profile, file)): Path<(String, String)>,
    Query(sas): Query<Sas>,
) -> Response {
    let result = async {
        let (_, dir) = admitted(&state, &profile, &file, &sas).await?;
        let name = sds::files(&dir)
            .into_iter()
            .find(|n| n.eq_ignore_ascii_case(&file))
            .ok_or_else(|| ApiError::not_found(format!("The profile has no file {file}.")))?;
        tokio::fs::remove_file(dir.join(name))
            .await
            .map_err(|_| ApiError::internal("The file could not be removed."))
    }
    .await;
    match result {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}
