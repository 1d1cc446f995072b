//! Upload grants: the signed part of a synchronization profile's `uploadUrl`. A grant is
//! a JWT signed with the server's token key (so it survives restarts, verifies on every
//! instance sharing the store, and follows key rotation) whose audience is the upload
//! endpoint alone: it is never an access token, and an access token is never a grant.
//! It names one tenant and one profile and expires; the upload endpoint checks all
//! three before it reads a byte of the body.

use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Keys;

/// The audience of every grant, and only of grants.
const AUDIENCE: &str = "urn:edugraph:sds-upload";

/// What a grant allows: uploads to one profile of one tenant until `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadGrant {
    pub aud: String,
    pub tid: String,
    pub pid: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs a grant for `profile` of `tenant`, valid from `now` for `lifetime`.
pub fn sign(
    keys: &Keys,
    tenant: &str,
    profile: &str,
    now: OffsetDateTime,
    lifetime: time::Duration,
) -> String {
    keys.sign(&UploadGrant {
        aud: AUDIENCE.into(),
        tid: tenant.into(),
        pid: profile.into(),
        iat: now.unix_timestamp(),
        exp: (now + lifetime).unix_timestamp(),
    })
}

/// Why a grant is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("the upload signature is not valid")]
    Invalid,
    #[error("the upload URL has expired; ask for a new one")]
    Expired,
    #[error("the upload signature was issued for another profile")]
    OtherProfile,
}

/// Checks a grant for `profile` at `now`: signature by a current key, audience, expiry
/// (no leeway: an hour is an hour) and the profile it names. Returns the grant's tenant.
pub fn verify(
    keys: &Keys,
    token: &str,
    profile: &str,
    now: OffsetDateTime,
) -> Result<String, GrantError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| GrantError::Invalid)?;
    if header.alg != Algorithm::RS256 {
        return Err(GrantError::Invalid);
    }
    let kid = header.kid.ok_or(GrantError::Invalid)?;
    let key = keys.verifying_key(&kid, now).ok_or(GrantError::Invalid)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    validation.set_audience(&[AUDIENCE]);
    let grant = jsonwebtoken::decode::<UploadGrant>(token, &key.key, &validation)
        .map_err(|_| GrantError::Invalid)?
        .claims;
    if now.unix_timestamp() >= grant.exp {
        return Err(GrantError::Expired);
    }
    if grant.pid != profile {
        return Err(GrantError::OtherProfile);
    }
    Ok(grant.tid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).unwrap()
    }

    #[test]
    fn a_grant_names_one_profile_and_expires() {
        let keys = Keys::generate();
        let token = sign(&keys, "t1", "p1", at(0), Duration::hours(1));
        assert_eq!(verify(&keys, &token, "p1", at(3599)), Ok("t1".into()));
        assert_eq!(
            verify(&keys, &token, "p1", at(3600)),
            Err(GrantError::Expired)
        );
        assert_eq!(
            verify(&keys, &token, "p2", at(10)),
            Err(GrantError::OtherProfile)
        );
    }

    #[test]
    fn forged_and_foreign_tokens_are_refused() {
        let keys = Keys::generate();
        let other = Keys::generate();
        let token = sign(&other, "t1", "p1", at(0), Duration::hours(1));
        assert_eq!(verify(&keys, &token, "p1", at(1)), Err(GrantError::Invalid));
        let token = sign(&keys, "t1", "p1", at(0), Duration::hours(1));
        // One signature character changed, well inside the signature (the last one
        // carries padding bits).
        let mut forged: Vec<char> = token.chars().collect();
        let i = forged.len() - 10;
        forged[i] = if forged[i] == 'A' { 'B' } else { 'A' };
        let forged: String = forged.into_iter().collect();
        assert_eq!(
            verify(&keys, &forged, "p1", at(1)),
            Err(GrantError::Invalid)
        );
        assert_eq!(
            verify(&keys, "not-a-jwt", "p1", at(1)),
            Err(GrantError::Invalid)
        );
        // A token with another audience (an access token) is no grant.
        let access = keys.sign(&serde_json::json!({
            "aud": "https://graph.microsoft.com", "tid": "t1", "pid": "p1", "iat": 0,
            "exp": at(100).unix_timestamp()
        }));
        assert_eq!(
            verify(&keys, &access, "p1", at(1)),
            Err(GrantError::Invalid)
        );
    }
}
