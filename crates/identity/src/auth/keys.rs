//! Token-signing keys: RSA 2048 key pairs kept in the store (PKCS#8 PEM), so `serve` and
//! `edugraph token` sign with the same key. The newest non-retired key signs; every key
//! still verifies for a grace period after it is retired, so rotation never cuts off
//! tokens that are still valid. Also holds the verified-token cache (see `verify.rs`).
//!
//! Rotation (`edugraph keys rotate`) happens in another process, so a running server
//! re-reads the keys: when a token names a kid it does not know (throttled), and every
//! [`RELOAD_INTERVAL`] so that it starts signing with the new key.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edugraph_edu::{Clock, SystemClock};
use edugraph_store::{SigningKeyRecord, Store};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::verify::TokenCache;

/// How long a retired key still verifies tokens: longer than any token lives (the
/// configuration caps token lifetimes at a day).
pub const RETIRED_KEY_GRACE: time::Duration = time::Duration::days(2);
/// How often a running server re-reads the keys to pick up a rotation.
pub const RELOAD_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
/// Least time between two re-reads caused by unknown kids, so tokens with made-up kids
/// cannot turn every request into a store round trip.
const UNKNOWN_KID_RELOAD_SECS: i64 = 5;

/// The public half of one key, as used for verification.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    pub kid: String,
    pub key: DecodingKey,
    pub retired_at: Option<OffsetDateTime>,
    /// Base64url modulus and exponent, for a JWKS document.
    pub n: String,
    pub e: String,
}

/// The keys as last read from the store.
struct KeySet {
    signing_kid: String,
    signing: EncodingKey,
    verifying: Vec<VerifyingKey>,
}

struct Inner {
    set: RwLock<Arc<KeySet>>,
    cache: TokenCache,
    /// Unix time of the last re-read caused by an unknown kid.
    last_unknown_kid_reload: AtomicI64,
}

/// The server's signing and verification keys (cheap to clone).
#[derive(Clone)]
pub struct Keys(Arc<Inner>);

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("signing_kid", &self.current().signing_kid)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// A fresh key held only in memory (tests).
    pub fn generate() -> Keys {
        let key = new_rsa_key();
        let record = record_for(&key, OffsetDateTime::UNIX_EPOCH);
        Keys::from_records(&[record]).expect("a freshly generated key is valid")
    }

    /// Loads the store's keys, creating and storing the first one if there is none.
    pub async fn load_or_create(store: &dyn Store) -> anyhow::Result<Keys> {
        Self::load_or_create_with(store, &SystemClock).await
    }

    /// As [`Keys::load_or_create`], stamping a new key with `clock`.
    pub async fn load_or_create_with(store: &dyn Store, clock: &dyn Clock) -> anyhow::Result<Keys> {
        let mut records = store
            .signing_keys()
            .await
            .context("cannot read signing keys")?;
        if !records.iter().any(|r| r.retired_at.is_none()) {
            // RSA generation takes a moment; keep it off the async workers.
            let key = tokio::task::spawn_blocking(new_rsa_key)
                .await
                .context("key generation failed")?;
            store
                .put_signing_key(&record_for(&key, clock.now()))
                .await
                .context("cannot store signing key")?;
            // Re-read, so two processes creating a key at once still agree on the newest.
            records = store
                .signing_keys()
                .await
                .context("cannot read signing keys")?;
        }
        Keys::from_records(&records)
    }

    /// Builds the key set from stored records (newest first, as the store returns them).
    pub fn from_records(records: &[SigningKeyRecord]) -> anyhow::Result<Keys> {
        Ok(Keys(Arc::new(Inner {
            set: RwLock::new(Arc::new(key_set(records)?)),
            cache: TokenCache::default(),
            last_unknown_kid_reload: AtomicI64::new(i64::MIN),
        })))
    }

    /// Re-reads the keys from the store (after a rotation by another process). The
    /// verified-token cache stays: the tokens in it were verified with keys that still
    /// verify.
    pub async fn reload(&self, store: &dyn Store) -> anyhow::Result<()> {
        let records = store
            .signing_keys()
            .await
            .context("cannot read signing keys")?;
        let set = Arc::new(key_set(&records)?);
        *self.0.set.write().unwrap_or_else(|p| p.into_inner()) = set;
        Ok(())
    }

    /// Re-reads the keys because a token named an unknown kid, at most once every few
    /// seconds; true when it did.
    pub(crate) async fn reload_for_unknown_kid(
        &self,
        store: &dyn Store,
        now: OffsetDateTime,
    ) -> bool {
        let now = now.unix_timestamp();
        let last = self.0.last_unknown_kid_reload.load(Ordering::Relaxed);
        if now.saturating_sub(last) < UNKNOWN_KID_RELOAD_SECS
            || self
                .0
                .last_unknown_kid_reload
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return false;
        }
        match self.reload(store).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "cannot reload signing keys");
                false
            }
        }
    }

    /// Re-reads the keys every [`RELOAD_INTERVAL`], forever (spawned by `serve`).
    pub async fn reload_periodically(self, store: Arc<dyn Store>) {
        let mut tick = tokio::time::interval(RELOAD_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = self.reload(store.as_ref()).await {
                tracing::warn!(error = %format!("{e:#}"), "cannot reload signing keys");
            }
        }
    }

    /// A new key pair as a record stamped `now`, not yet stored. RSA generation takes a
    /// moment: call it on the blocking pool.
    pub fn new_record(now: OffsetDateTime) -> SigningKeyRecord {
        record_for(&new_rsa_key(), now)
    }

    fn current(&self) -> Arc<KeySet> {
        self.0.set.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Kid of the key that signs new tokens.
    pub fn signing_kid(&self) -> String {
        self.current().signing_kid.clone()
    }

    /// Signs any claims set as an RS256 JWT with the current key.
    pub fn sign<T: Serialize>(&self, claims: &T) -> String {
        let set = self.current();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(set.signing_kid.clone());
        // Encoding only fails on keys of the wrong family, which `key_set` rules out.
        jsonwebtoken::encode(&header, claims, &set.signing).expect("RS256 signing with an RSA key")
    }

    /// The key with this kid, if it still verifies at `now`.
    pub(crate) fn verifying_key(&self, kid: &str, now: OffsetDateTime) -> Option<VerifyingKey> {
        self.current()
            .verifying
            .iter()
            .find(|k| k.kid == kid)
            .filter(|k| still_verifies(k, now))
            .cloned()
    }

    /// Every public key as a JWKS document (`{"keys":[...]}`).
    pub fn jwks(&self) -> serde_json::Value {
        jwks_of(self.current().verifying.iter())
    }

    /// The keys that still verify tokens at `now` (active, or retired within the grace
    /// period) as a JWKS document: what the discovery endpoint publishes.
    pub fn jwks_at(&self, now: OffsetDateTime) -> serde_json::Value {
        jwks_of(
            self.current()
                .verifying
                .iter()
                .filter(|k| still_verifies(k, now)),
        )
    }

    pub(crate) fn cache(&self) -> &TokenCache {
        &self.0.cache
    }
}

fn still_verifies(key: &VerifyingKey, now: OffsetDateTime) -> bool {
    key.retired_at.is_none_or(|at| at + RETIRED_KEY_GRACE > now)
}

fn jwks_of<'a>(keys: impl Iterator<Item = &'a VerifyingKey>) -> serde_json::Value {
    let keys: Vec<_> = keys
        .map(|k| serde_json::json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.kid, "n": k.n, "e": k.e}))
        .collect();
    serde_json::json!({ "keys": keys })
}

/// The key set of stored records (newest first): the newest active key signs.
fn key_set(records: &[SigningKeyRecord]) -> anyhow::Result<KeySet> {
    let mut signing = None;
    let mut verifying = Vec::new();
    for record in records {
        let private = RsaPrivateKey::from_pkcs8_pem(&record.private_pem)
            .with_context(|| format!("signing key {} is not a PKCS#8 RSA key", record.kid))?;
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        let key = DecodingKey::from_rsa_components(&n, &e).context("bad RSA public key")?;
        let retired_at = match &record.retired_at {
            Some(at) => Some(OffsetDateTime::parse(at, &Rfc3339).context("bad retired_at")?),
            None => None,
        };
        if signing.is_none() && retired_at.is_none() {
            let der = private.to_pkcs1_der().context("cannot encode RSA key")?;
            signing = Some((
                record.kid.clone(),
                EncodingKey::from_rsa_der(der.as_bytes()),
            ));
        }
        verifying.push(VerifyingKey {
            kid: record.kid.clone(),
            key,
            retired_at,
            n,
            e,
        });
    }
    let (signing_kid, signing) = signing.context("the store holds no active signing key")?;
    Ok(KeySet {
        signing_kid,
        signing,
        verifying,
    })
}

fn new_rsa_key() -> RsaPrivateKey {
    RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("RSA 2048 key generation")
}

fn record_for(key: &RsaPrivateKey, now: OffsetDateTime) -> SigningKeyRecord {
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .expect("PKCS#8 encoding of a valid key");
    SigningKeyRecord {
        kid: thumbprint(key),
        private_pem: pem.to_string(),
        created_at: now.format(&Rfc3339).unwrap_or_default(),
        retired_at: None,
    }
}

/// RFC 7638 JWK thumbprint (SHA-256 over the canonical `{"e","kty","n"}` JSON), its first
/// 16 bytes in base64url: stable for the key and short enough for headers.
fn thumbprint(key: &RsaPrivateKey) -> String {
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(&Sha256::digest(canonical.as_bytes())[..16])
}
