//! The `{tenant}` segment of the identity routes: a tenant id or verified domain (compared
//! case-insensitively), or one of Entra's multi-tenant aliases. `common` and
//! `organizations` serve discovery and the user sign-in grants, where the user's account
//! decides the tenant; app-only tokens need a tenant-specific endpoint, as in Entra.

use edugraph_store::TenantRecord;

use super::error::{OAuthError, OAuthResult};
use crate::auth::issue::{resolve_tenant, IssueError};
use crate::AppState;

/// What a `{tenant}` segment names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRef {
    One(TenantRecord),
    /// `common` or `organizations`: the tenant comes from the signed-in user.
    Any(String),
}

impl TenantRef {
    /// The segment to write into endpoint URLs: the tenant id, or the alias as given.
    pub fn segment(&self) -> &str {
        match self {
            TenantRef::One(t) => &t.id,
            TenantRef::Any(alias) => alias,
        }
    }
    pub fn record(&self) -> Option<&TenantRecord> {
        match self {
            TenantRef::One(t) => Some(t),
            TenantRef::Any(_) => None,
        }
    }
}

/// Is this one of the multi-tenant aliases Entra accepts?
pub fn is_alias(segment: &str) -> bool {
    segment.eq_ignore_ascii_case("common") || segment.eq_ignore_ascii_case("organizations")
}

/// Resolves the segment; an unknown tenant is Entra's AADSTS90002.
pub async fn resolve(state: &AppState, segment: &str) -> OAuthResult<TenantRef> {
    if is_alias(segment) {
        return Ok(TenantRef::Any(segment.to_ascii_lowercase()));
    }
    let plausible = !segment.is_empty()
        && segment.len() <= 255
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !plausible {
        return Err(OAuthError::invalid_request(
            900023,
            "Specified tenant identifier is neither a valid DNS name, nor a valid external domain.",
        ));
    }
    match resolve_tenant(state.store(), Some(segment)).await {
        Ok(t) => Ok(TenantRef::One(t)),
        Err(IssueError::Store(e)) => Err(e.into()),
        Err(_) => Err(not_found(segment)),
    }
}

/// The tenant that verified the domain ending a user principal name (`ada@school.edu`,
/// primary domain or not), for sign-ins on `common`.
pub async fn by_upn(state: &AppState, upn: &str) -> OAuthResult<Option<TenantRecord>> {
    let Some((_, domain)) = upn.rsplit_once('@') else {
        return Ok(None);
    };
    let Some(owner) = state.store().domain_owner(domain).await? else {
        return Ok(None);
    };
    let tenants = state.store().tenants().await?;
    Ok(tenants.into_iter().find(|t| t.id == owner))
}

pub fn not_found(segment: &str) -> OAuthError {
    OAuthError::invalid_request(
        90002,
        format!(
            "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
            sanitize(segment)
        ),
    )
}

/// Echoes user input into messages only as plain printable ASCII without quotes.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '\\' | '<' | '>'))
        .take(120)
        .collect()
}
