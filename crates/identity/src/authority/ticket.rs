//! Flow tickets: the browser flows (authorize, admin consent) carry their validated
//! parameters from one page to the next in a hidden form field, as a short-lived JWT
//! signed with the server's key. A ticket is
//! - bound to the flow cookie of the browser that started the flow (a SHA-256 of the
//!   cookie value is inside), so a page posted from another site or browser is refused;
//! - single use (its `jti` is remembered until it expires), so a decision cannot be
//!   replayed;
//! - never an access token: its audience is not Graph's, so the verifier refuses it.
//!
//! The hidden copies of `state` and `redirect_uri` that the pages also post must equal
//! the ticket's, so a tampered form is refused rather than silently corrected.

use std::collections::HashMap;
use std::sync::Mutex;

use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::auth::Keys;

/// Audience of flow tickets.
pub const AUDIENCE: &str = "urn:edugraph:flow";
/// How long a page may sit in the browser before it is posted.
pub const LIFETIME_SECS: i64 = 15 * 60;
/// Name of the flow cookie.
pub const COOKIE: &str = "edugraph_flow";

/// What a ticket carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub aud: String,
    pub exp: i64,
    pub jti: String,
    /// `authorize`, `consent-signin` or `consent-decide`.
    pub purpose: String,
    /// The `{tenant}` path segment the flow started on.
    pub segment: String,
    /// SHA-256 (hex) of the flow cookie.
    pub bind: String,
    pub client_id: String,
    pub redirect_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The signed-in administrator (consent decision) and their tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

pub fn cookie_hash(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

/// Signs a ticket valid for [`LIFETIME_SECS`] from `now`.
pub fn issue(keys: &Keys, mut ticket: Ticket, now: OffsetDateTime) -> String {
    ticket.aud = AUDIENCE.into();
    ticket.exp = now.unix_timestamp() + LIFETIME_SECS;
    ticket.jti = uuid::Uuid::new_v4().to_string();
    keys.sign(&ticket)
}

/// Why a ticket was refused (for the audit log; the page says only "start again").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Invalid,
    Expired,
    OtherBrowser,
    Used,
    WrongStep,
}

impl Refused {
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::Invalid => "ticket invalid",
            Refused::Expired => "ticket expired",
            Refused::OtherBrowser => "flow cookie missing or different",
            Refused::Used => "ticket already used",
            Refused::WrongStep => "ticket for another step or tenant",
        }
    }
}

/// Remembers used ticket ids until they expire (per process, like the rate limiter).
#[derive(Debug, Default)]
pub struct Ledger {
    used: Mutex<HashMap<String, i64>>,
}

impl Ledger {
    /// Marks the id used; false when it already was.
    fn consume(&self, jti: &str, exp: i64, now: i64) -> bool {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        if used.len() > 10_000 {
            used.retain(|_, e| *e > now);
        }
        used.insert(jti.to_string(), exp).is_none()
    }
}

/// Verifies and consumes a posted ticket for `purpose` on `segment`.
pub fn redeem(
    keys: &Keys,
    ledger: &Ledger,
    token: &str,
    purpose: &str,
    segment: &str,
    cookie: Option<&str>,
    now: OffsetDateTime,
) -> Result<Ticket, Refused> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| Refused::Invalid)?;
    if header.alg != Algorithm::RS256 {
        return Err(Refused::Invalid);
    }
    let kid = header.kid.ok_or(Refused::Invalid)?;
    let key = keys.verifying_key(&kid, now).ok_or(Refused::Invalid)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    validation.set_audience(&[AUDIENCE]);
    let ticket = jsonwebtoken::decode::<Ticket>(token, &key.key, &validation)
        .map_err(|_| Refused::Invalid)?
        .claims;
    let now = now.unix_timestamp();
    if ticket.exp <= now {
        return Err(Refused::Expired);
    }
    if ticket.purpose != purpose || !ticket.segment.eq_ignore_ascii_case(segment) {
        return Err(Refused::WrongStep);
    }
    if cookie.map(cookie_hash).as_deref() != Some(ticket.bind.as_str()) {
        return Err(Refused::OtherBrowser);
    }
    if !ledger.consume(&ticket.jti, ticket.exp, now) {
        return Err(Refused::Used);
    }
    Ok(ticket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_bound_single_use_and_step_specific() {
        let keys = Keys::generate();
        let now = OffsetDateTime::now_utc();
        let ledger = Ledger::default();
        let t = Ticket {
            purpose: "authorize".into(),
            segment: "contoso.edu".into(),
            bind: cookie_hash("c1"),
            client_id: "app".into(),
            redirect_uri: "https://app/cb".into(),
            ..Ticket::default()
        };
        let signed = issue(&keys, t, now);
        let redeem_as =
            |purpose, cookie| redeem(&keys, &ledger, &signed, purpose, "CONTOSO.edu", cookie, now);
        assert_eq!(
            redeem_as("consent-decide", Some("c1")),
            Err(Refused::WrongStep)
        );
        assert_eq!(
            redeem_as("authorize", Some("c2")),
            Err(Refused::OtherBrowser)
        );
        assert_eq!(redeem_as("authorize", None), Err(Refused::OtherBrowser));
        assert_eq!(
            redeem_as("authorize", Some("c1")).unwrap().redirect_uri,
            "https://app/cb"
        );
        assert_eq!(redeem_as("authorize", Some("c1")), Err(Refused::Used));
        let later = now + time::Duration::seconds(LIFETIME_SECS + 1);
        let fresh = issue(
            &keys,
            Ticket {
                purpose: "authorize".into(),
                segment: "x".into(),
                ..Ticket::default()
            },
            now,
        );
        assert_eq!(
            redeem(&keys, &ledger, &fresh, "authorize", "x", Some(""), later),
            Err(Refused::Expired)
        );
        let mut forged = signed.clone();
        forged.push('x');
        assert_eq!(
            redeem(
                &keys,
                &ledger,
                &forged,
                "authorize",
                "contoso.edu",
                Some("c1"),
                now
            ),
            Err(Refused::Invalid)
        );
    }
}
