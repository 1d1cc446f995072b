//! Rotating the token-signing key: a new key is stored first (so there is never a moment
//! without an active key), then every older active key is retired. Retired keys stay
//! published and verifying for `auth::RETIRED_KEY_GRACE`, longer than any token lives, so
//! tokens signed before the rotation stay valid until they expire. Running servers pick
//! the new key up by themselves (see `auth::keys`).

use edugraph_store::Store;
use serde_json::json;
use time::OffsetDateTime;

use super::{AdminError, AdminResult};
use crate::audit;
use crate::auth::Keys;

/// The outcome of a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// Kid of the key that now signs.
    pub kid: String,
    /// Kids retired by this rotation.
    pub retired: Vec<String>,
}

pub async fn rotate(store: &dyn Store, actor: &str, now: OffsetDateTime) -> AdminResult<Rotated> {
    let active: Vec<String> = store
        .signing_keys()
        .await?
        .into_iter()
        .filter(|k| k.retired_at.is_none())
        .map(|k| k.kid)
        .collect();
    let record = tokio::task::spawn_blocking(move || Keys::new_record(now))
        .await
        .map_err(|e| AdminError::Internal(format!("key generation failed: {e}")))?;
    store.put_signing_key(&record).await?;
    let at = audit::timestamp(now);
    for kid in &active {
        store.retire_signing_key(kid, &at).await?;
    }
    audit::record(
        store,
        audit::entry(
            None,
            actor,
            "keyRotated",
            Some(&record.kid),
            json!({"retired": active}),
            now,
        ),
    )
    .await;
    Ok(Rotated {
        kid: record.kid,
        retired: active,
    })
}
