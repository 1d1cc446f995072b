//! Client authentication at the token endpoint. The client id comes in the body or in
//! HTTP Basic (`client_id:client_secret`, each form-encoded, as RFC 6749 §2.3.1 says),
//! and the secret is checked against the app's unrevoked, unexpired secrets by SHA-256
//! (secrets are long random strings, so a fast hash is the right tool).
//!
//! Clients authenticate as they were registered. A confidential client (every app
//! registered with a secret) presents a valid secret on every grant, so a leaked code or
//! refresh token is worthless without it. A public client (`app create --public-client`:
//! a native or single-page app that cannot keep a secret) has none and presents none;
//! PKCE protects its code flow, and it cannot use `client_credentials`.

use std::collections::HashMap;

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use edugraph_store::AppRecord;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::{OAuthError, OAuthResult};
use super::tenant::sanitize;
use crate::AppState;

/// The client's credentials as presented.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presented {
    pub client_id: Option<String>,
    pub secret: Option<String>,
    /// The credentials came in an `Authorization: Basic` header.
    pub basic: bool,
}

/// Reads client id and secret from the form and the `Authorization` header.
pub fn presented(form: &HashMap<String, String>, headers: &HeaderMap) -> OAuthResult<Presented> {
    let mut out = Presented {
        client_id: form.get("client_id").cloned().filter(|s| !s.is_empty()),
        secret: form.get("client_secret").cloned().filter(|s| !s.is_empty()),
        basic: false,
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(out);
    };
    let malformed = || {
        OAuthError::invalid_client(
            7000216,
            "The Authorization header is not a valid HTTP Basic credential.",
        )
    };
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, rest) = value.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (decode(id), decode(secret));
    if let Some(body_id) = &out.client_id {
        if !body_id.eq_ignore_ascii_case(&id) {
            return Err(OAuthError::invalid_request(
                9002313,
                "Invalid request. The client_id in the body differs from the one in the Authorization header.",
            ));
        }
    }
    if out.secret.is_some() {
        return Err(OAuthError::invalid_request(
            9002313,
            "Invalid request. Send the client secret either in the body or in the Authorization header, not both.",
        ));
    }
    out.client_id = Some(id);
    out.secret = Some(secret).filter(|s| !s.is_empty());
    out.basic = true;
    Ok(out)
}

/// The registered app for `client_id`, usable in `tenant` (its home tenant, or one that
/// consented to it); Entra's AADSTS700016 otherwise.
pub async fn find_app(state: &AppState, client_id: &str, tenant: &str) -> OAuthResult<AppRecord> {
    let not_found = || {
        OAuthError::unauthorized_client(
            700016,
            format!(
                "Application with identifier '{}' was not found in the directory '{}'. This can happen if the application has not been registered (edugraph app create) or consented to by an administrator of the tenant.",
                sanitize(client_id),
                sanitize(tenant)
            ),
        )
    };
    if uuid::Uuid::parse_str(client_id).is_err() {
        return Err(not_found());
    }
    let app = state
        .store()
        .app(&client_id.to_ascii_lowercase())
        .await?
        .ok_or_else(not_found)?;
    if app.home_tenant != tenant && state.store().grant(tenant, &app.client_id).await?.is_none() {
        return Err(not_found());
    }
    Ok(app)
}

/// Hex SHA-256, how secrets, codes and refresh tokens are stored.
pub fn hash_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Checks `secret` against the app's live secrets.
pub async fn check_secret(
    state: &AppState,
    app: &AppRecord,
    secret: &str,
    now: OffsetDateTime,
) -> OAuthResult<()> {
    let wanted = hash_hex(secret);
    let live = |at: &Option<String>| {
        at.as_deref()
            .is_none_or(|t| OffsetDateTime::parse(t, &Rfc3339).is_ok_and(|t| t > now))
    };
    let secrets = state.store().app_secrets(&app.client_id).await?;
    let matches = secrets.iter().filter(|s| {
        s.revoked_at.is_none() && live(&s.expires_at) && constant_time_eq(&s.hash, &wanted)
    });
    if matches.count() > 0 {
        return Ok(());
    }
    Err(OAuthError::invalid_client(
        7000215,
        format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
            app.client_id
        ),
    ))
}

/// The refusal of a confidential client that presented no secret (Entra's wording).
pub fn secret_missing() -> OAuthError {
    OAuthError::invalid_client(
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )
}

/// Authenticates the client of a token request: the app must exist for `tenant`; a
/// confidential client must present a valid secret, a public client none.
pub async fn authenticate(
    state: &AppState,
    presented: &Presented,
    tenant: &str,
    now: OffsetDateTime,
) -> OAuthResult<AppRecord> {
    let client_id = presented
        .client_id
        .as_deref()
        .ok_or_else(|| OAuthError::missing("client_id"))?;
    let app = find_app(state, client_id, tenant).await?;
    match (&presented.secret, app.public_client) {
        (None, true) => {}
        (Some(_), true) => {
            return Err(OAuthError::invalid_client(
                700025,
                "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
            ))
        }
        (Some(secret), false) => check_secret(state, &app, secret, now).await?,
        (None, false) => return Err(secret_missing()),
    }
    Ok(app)
}

/// [`authenticate`] for `client_credentials`, which only a confidential client can use: a
/// public client has no credentials to present.
pub async fn authenticate_confidential(
    state: &AppState,
    presented: &Presented,
    tenant: &str,
    now: OffsetDateTime,
) -> OAuthResult<AppRecord> {
    let app = authenticate(state, presented, tenant, now).await?;
    if app.public_client {
        let mut e = secret_missing();
        e.message = format!(
            "{} Application '{}' is registered as a public client, which has no credentials, so it cannot use the client_credentials grant.",
            e.message, app.client_id
        );
        return Err(e);
    }
    Ok(app)
}

/// Compares two strings without stopping at the first difference.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut headers = HeaderMap::new();
        let raw = STANDARD.encode("11111111-2222-3333-4444-555555555555:a%2Bb%3Ac");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {raw}")).unwrap(),
        );
        let p = presented(&HashMap::new(), &headers).unwrap();
        assert_eq!(
            p.client_id.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(p.secret.as_deref(), Some("a+b:c"));
        assert!(p.basic);

        let mut form = HashMap::new();
        form.insert("client_secret".to_string(), "x".to_string());
        assert_eq!(
            presented(&form, &headers).unwrap_err().error,
            "invalid_request"
        );
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(
            presented(&HashMap::new(), &headers).unwrap_err().error,
            "invalid_client"
        );
    }

    #[test]
    fn equal_strings_only() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
