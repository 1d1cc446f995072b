//! Token-signing keys: RSA 2048 key pairs kept in the store (PKCS#8 PEM), so `serve` and
//! `edugraph token` sign with the same key. The newest non-retired key signs; every key
//! still verifies for a grace period after it is retired, so rotation never cuts off
//! tokens that are still valid. Also holds the verified-token cache (see `verify.rs`).

use std::sync::Arc;

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

/// How long a retired key still verifies tokens: longer than any token lives.
pub const RETIRED_KEY_GRACE: time::Duration = time::Duration::days(2);

/// The public half of one key, as used for verification.
pub(crate) struct VerifyingKey {
    pub kid: String,
    pub key: DecodingKey,
    pub retired_at: Option<OffsetDateTime>,
    /// Base64url modulus and exponent, for a JWKS document.
    pub n: String,
    pub e: String,
}

struct Inner {
    signing_kid: String,
    signing: EncodingKey,
    verifying: Vec<VerifyingKey>,
    cache: TokenCache,
}

/// The server's signing and verification keys (cheap to clone).
#[derive(Clone)]
pub struct Keys(Arc<Inner>);

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("signing_kid", &self.0.signing_kid)
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
        Ok(Keys(Arc::new(Inner {
            signing_kid,
            signing,
            verifying,
            cache: TokenCache::default(),
        })))
    }

    /// Kid of the key that signs new tokens.
    pub fn signing_kid(&self) -> &str {
        &self.0.signing_kid
    }

    /// Signs any claims set as an RS256 JWT with the current key.
    pub fn sign<T: Serialize>(&self, claims: &T) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.0.signing_kid.clone());
        // Encoding only fails on keys of the wrong family, which `from_records` rules out.
        jsonwebtoken::encode(&header, claims, &self.0.signing)
            .expect("RS256 signing with an RSA key")
    }

    /// The key with this kid, if it still verifies at `now`.
    pub(crate) fn verifying_key(&self, kid: &str, now: OffsetDateTime) -> Option<&VerifyingKey> {
        self.0
            .verifying
            .iter()
            .find(|k| k.kid == kid)
            .filter(|k| k.retired_at.is_none_or(|at| at + RETIRED_KEY_GRACE > now))
    }

    /// Every public key as a JWKS document (`{"keys":[...]}`).
    pub fn jwks(&self) -> serde_json::Value {
        Self::jwks_of(self.0.verifying.iter())
    }

    /// The keys that still verify tokens at `now` (active, or retired within the grace
    /// period) as a JWKS document: what the discovery endpoint publishes.
    pub fn jwks_at(&self, now: OffsetDateTime) -> serde_json::Value {
        Self::jwks_of(
            self.0
                .verifying
                .iter()
                .filter(|k| k.retired_at.is_none_or(|at| at + RETIRED_KEY_GRACE > now)),
        )
    }

    fn jwks_of<'a>(keys: impl Iterator<Item = &'a VerifyingKey>) -> serde_json::Value {
        let keys: Vec<_> = keys
            .map(|k| serde_json::json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.kid, "n": k.n, "e": k.e}))
            .collect();
        serde_json::json!({ "keys": keys })
    }

    pub(crate) fn cache(&self) -> &TokenCache {
        &self.0.cache
    }
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
