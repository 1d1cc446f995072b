//! Issuing tokens on request, shared by `edugraph token` and `POST /_edugraph/tokens`:
//! find the tenant (named, or the store's only one), resolve a user given by id or user
//! principal name, check the permission names, then mint with the tenant's recorded
//! issuer (`auth::issuers`), so the token verifies on whatever address `serve` listens.

use edugraph_odata::ast::{CmpOp, EdmType, Expr, Literal, PropertyPath};
use edugraph_store::{EntityKind, ListQuery, Scope, Store, StoreError, TenantRecord};
use time::OffsetDateTime;

use super::token::{mint, TokenRequest, TokenSubject, DEV_CLIENT_ID};
use super::{permission_names, Keys};
use edugraph_platform::config::Config;
use edugraph_platform::error::ApiError;

/// What the caller of `token` asked for, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    /// Tenant id or domain; `None` means the store's only tenant.
    pub tenant: Option<String>,
    pub subject: IssueSubject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueSubject {
    App {
        app_id: Option<String>,
        roles: Vec<String>,
    },
    /// `user` is an educationUser id or userPrincipalName.
    User { user: String, scopes: Vec<String> },
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<IssueError> for ApiError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Invalid(m) => ApiError::bad_request(m),
            IssueError::NotFound(m) => ApiError::not_found(m),
            IssueError::Store(e) => e.into(),
        }
    }
}

/// An issued token and its lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub tenant: String,
}

/// Resolves the request against the store and mints the token.
pub async fn issue(
    store: &dyn Store,
    keys: &Keys,
    config: &Config,
    req: &IssueRequest,
    now: OffsetDateTime,
) -> Result<Issued, IssueError> {
    let tenant = resolve_tenant(store, req.tenant.as_deref()).await?;
    let subject = match &req.subject {
        IssueSubject::App { app_id, roles } => {
            let roles = checked_names(
                &param("roles", "roles"),
                roles,
                permission_names::application,
            )?;
            let app_id = app_id.clone().unwrap_or_else(|| DEV_CLIENT_ID.to_string());
            if app_id.trim().is_empty() || app_id.contains(char::is_whitespace) {
                return Err(IssueError::Invalid(format!(
                    "{} must be a non-empty string without spaces",
                    param("app-id", "app_id")
                )));
            }
            TokenSubject::App { app_id, roles }
        }
        IssueSubject::User { user, scopes } => {
            let scopes = checked_names(
                &param("scopes", "scopes"),
                scopes,
                permission_names::delegated,
            )?;
            let user_id = resolve_user(store, &tenant.id, user).await?;
            TokenSubject::User { user_id, scopes }
        }
    };
    let lifetime_secs = config.token_lifetime_secs;
    let token_req = TokenRequest {
        tenant: tenant.id.clone(),
        subject,
        lifetime_secs,
    };
    let issuer_base = super::issuers::record(store, config, &tenant.id)
        .await?
        .ok_or_else(|| IssueError::NotFound(format!("tenant {} no longer exists", tenant.id)))?;
    let access_token = mint(keys, &issuer_base, &token_req, now);
    Ok(Issued {
        access_token,
        expires_in: lifetime_secs,
        tenant: tenant.id,
    })
}

/// The permission names of a directly minted token, checked exactly as app registration
/// checks them (`auth::permission_names`) and returned canonical: a name that could not
/// be registered (`Bogus.Scope`, a delegated name among `roles`) is refused here rather
/// than minted into a token that fails later.
fn checked_names(
    what: &str,
    names: &[String],
    check: fn(&[String]) -> Result<Vec<String>, permission_names::UnknownPermission>,
) -> Result<Vec<String>, IssueError> {
    if names.is_empty() {
        return Err(IssueError::Invalid(format!(
            "{what} must name at least one permission"
        )));
    }
    check(names).map_err(|e| IssueError::Invalid(format!("{what}: {e}")))
}

/// How an error names a parameter that the CLI takes as a flag and the operator API as a
/// JSON member: both spellings, so the message fits whichever the caller used.
fn param(flag: &str, member: &str) -> String {
    format!("--{flag} (\"{member}\" in an operator API body)")
}

/// The tenant named by id or domain, or the only tenant of the store.
pub async fn resolve_tenant(
    store: &dyn Store,
    requested: Option<&str>,
) -> Result<TenantRecord, IssueError> {
    let tenants = store.tenants().await?;
    match requested {
        Some(name) => {
            let named = |t: &TenantRecord| t.id.eq_ignore_ascii_case(name) || t.domain.eq_ignore_ascii_case(name);
            if let Some(i) = tenants.iter().position(named) {
                let mut tenants = tenants;
                return Ok(tenants.swap_remove(i));
            }
            // A verified domain other than the primary one names its tenant too; asked
            // only now, so the common case (an id or primary domain) costs no query.
            let owner = store.domain_owner(name).await?;
            tenants
                .into_iter()
                .find(|t| owner.as_deref() == Some(t.id.as_str()))
                .ok_or_else(|| IssueError::NotFound(format!("no tenant with id or domain {name:?} in the store")))
        }
        None => match tenants.len() {
            1 => Ok(tenants.into_iter().next().expect("one tenant")),
            0 => Err(IssueError::Invalid(
                "the store holds no tenant yet: create one with `edugraph tenant create --name NAME --domain DOMAIN`, or start `edugraph serve --dev` once against the same data to seed the demo tenant".into(),
            )),
            n => {
                let ids: Vec<_> = tenants.iter().map(|t| format!("{} ({})", t.id, t.domain)).collect();
                Err(IssueError::Invalid(format!("the store holds {n} tenants; name one with {}: {}", param("tenant", "tenant"), ids.join(", "))))
            }
        },
    }
}

/// The id of the educationUser with this id or userPrincipalName.
pub async fn resolve_user(
    store: &dyn Store,
    tenant: &str,
    user: &str,
) -> Result<String, IssueError> {
    let user = user.trim();
    if user.is_empty() {
        return Err(IssueError::Invalid(format!(
            "{} must be an educationUser id or userPrincipalName",
            param("user", "user")
        )));
    }
    if let Some(doc) = store.get(tenant, EntityKind::User, user).await? {
        return Ok(doc.id);
    }
    // Principal names compare case-insensitively in Graph; try the exact spelling, then
    // the lower-case one (how the demo data and most imports store them).
    let mut candidates = vec![user.to_string()];
    if user.to_lowercase() != user {
        candidates.push(user.to_lowercase());
    }
    for upn in candidates {
        let filter = Expr::Compare {
            left: PropertyPath {
                lambda: None,
                segments: vec!["userPrincipalName".into()],
                ty: EdmType::String,
                collection: false,
            },
            op: CmpOp::Eq,
            right: Literal::String(upn),
        };
        let query = ListQuery {
            kind: EntityKind::User,
            scope: Scope::All,
            filter: Some(&filter),
            orderby: &[],
            skip: 0,
            limit: 1,
            count: false,
        };
        if let Some(doc) = store.list(tenant, &query).await?.items.into_iter().next() {
            return Ok(doc.id);
        }
    }
    Err(IssueError::NotFound(format!(
        "no educationUser with id or userPrincipalName {user:?} in tenant {tenant}"
    )))
}
