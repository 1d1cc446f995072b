//! App registrations: creating an app (a confidential client with its first secret, or a
//! public client, which never has one), adding and revoking secrets, and recording admin
//! consent from the command line. A secret is 32 random bytes in
//! base64url (43 characters), shown once; only its SHA-256 is stored, with its first
//! three characters as a hint.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edugraph_store::{AppRecord, AppSecretRecord, GrantRecord, Store};
use rand::RngCore;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::auth::permission_names as permissions;

use super::{tenants, AdminError, AdminResult};
use crate::audit;
use crate::authority::client::hash_hex;

/// Longest app display name (Entra's limit).
const MAX_DISPLAY_NAME: usize = 256;
/// Most redirect URIs per app, and the longest one (Entra's limits).
const MAX_REDIRECT_URIS: usize = 256;
const MAX_REDIRECT_URI_LEN: usize = 256;
/// Longest secret lifetime accepted, in days (Entra recommends under two years).
const MAX_SECRET_DAYS: u32 = 3650;

/// What `app create` asks for, before validation.
#[derive(Debug, Clone, Default)]
pub struct NewApp {
    /// Tenant id or domain; `None` means the store's only tenant.
    pub tenant: Option<String>,
    pub display_name: String,
    pub app_permissions: Vec<String>,
    pub delegated_permissions: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// Lifetime of the first secret in days; `None` for no expiry.
    pub secret_days: Option<u32>,
    /// A public client (native or single-page app): no secret, PKCE on the code flow,
    /// delegated permissions only.
    pub public_client: bool,
}

/// A secret just made: the plain value exists only here.
#[derive(Debug, Clone)]
pub struct NewSecret {
    pub record: AppSecretRecord,
    pub secret: String,
}

/// Validates and registers the app, with its first secret unless it is a public client.
pub async fn create(
    store: &dyn Store,
    req: &NewApp,
    actor: &str,
    now: OffsetDateTime,
) -> AdminResult<(AppRecord, Option<NewSecret>)> {
    let tenant = tenants::resolve(store, req.tenant.as_deref()).await?;
    let display_name = req.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > MAX_DISPLAY_NAME {
        return Err(AdminError::Invalid(format!(
            "The app's display name must be 1 to {MAX_DISPLAY_NAME} characters."
        )));
    }
    let app_permissions = permissions::application(&req.app_permissions)?;
    let delegated_permissions = permissions::delegated(&req.delegated_permissions)?;
    if app_permissions.is_empty() && delegated_permissions.is_empty() {
        return Err(AdminError::Invalid(
            "Name the permissions the app needs: application permissions (--permissions EduRoster.Read.All,...) and/or delegated ones (--delegated-permissions EduRoster.ReadBasic,...).".into(),
        ));
    }
    if req.public_client && !app_permissions.is_empty() {
        return Err(AdminError::Invalid(
            "A public client has no secret, so it cannot use application permissions (they need the client_credentials grant); register a confidential app for them.".into(),
        ));
    }
    if req.public_client && req.secret_days.is_some() {
        return Err(AdminError::Invalid(
            "A public client has no secret, so a secret lifetime makes no sense for it.".into(),
        ));
    }
    let redirect_uris = check_redirect_uris(&req.redirect_uris)?;
    let secret_days = check_days(req.secret_days)?;
    let app = AppRecord {
        client_id: uuid::Uuid::new_v4().to_string(),
        home_tenant: tenant.id.clone(),
        display_name: display_name.to_string(),
        redirect_uris,
        app_permissions,
        delegated_permissions,
        created_at: audit::timestamp(now),
        public_client: req.public_client,
    };
    let secret = (!app.public_client).then(|| new_secret(&app.client_id, secret_days, now));
    store.put_app(&app).await?;
    if let Some(secret) = &secret {
        store.add_app_secret(&secret.record).await?;
    }
    audit::record(
        store,
        audit::entry(
            Some(&app.home_tenant),
            actor,
            "appCreated",
            Some(&app.client_id),
            json!({
                "displayName": app.display_name,
                "permissions": app.app_permissions,
                "delegatedPermissions": app.delegated_permissions,
                "redirectUris": app.redirect_uris,
                "publicClient": app.public_client,
                "secretId": secret.as_ref().map(|s| &s.record.secret_id),
            }),
            now,
        ),
    )
    .await;
    Ok((app, secret))
}

/// The app with this client id.
pub async fn find(store: &dyn Store, client_id: &str) -> AdminResult<AppRecord> {
    let client_id = client_id.trim();
    store.app(client_id).await?.ok_or_else(|| {
        AdminError::NotFound(format!(
            "No app with client id {client_id:?} is registered."
        ))
    })
}

/// Adds a secret (rotation is: add a new one, switch the app over, revoke the old one).
pub async fn add_secret(
    store: &dyn Store,
    client_id: &str,
    days: Option<u32>,
    actor: &str,
    now: OffsetDateTime,
) -> AdminResult<(AppRecord, NewSecret)> {
    let app = find(store, client_id).await?;
    if app.public_client {
        return Err(AdminError::Invalid(format!(
            "App {} is a public client: it has no secrets and authenticates with PKCE instead. Register a confidential app if it needs a secret.",
            app.client_id
        )));
    }
    let secret = new_secret(&app.client_id, check_days(days)?, now);
    store.add_app_secret(&secret.record).await?;
    audit::record(
        store,
        audit::entry(
            Some(&app.home_tenant),
            actor,
            "secretAdded",
            Some(&app.client_id),
            json!({"secretId": secret.record.secret_id, "hint": secret.record.hint, "expiresDateTime": secret.record.expires_at}),
            now,
        ),
    )
    .await;
    Ok((app, secret))
}

/// Revokes one secret of the app.
pub async fn revoke_secret(
    store: &dyn Store,
    client_id: &str,
    secret_id: &str,
    actor: &str,
    now: OffsetDateTime,
) -> AdminResult<AppRecord> {
    let app = find(store, client_id).await?;
    let secret_id = secret_id.trim();
    match store
        .revoke_app_secret(&app.client_id, secret_id, &audit::timestamp(now))
        .await
    {
        Ok(()) => {}
        Err(edugraph_store::StoreError::NotFound) => {
            return Err(AdminError::NotFound(format!(
                "App {} has no secret with id {secret_id:?}.",
                app.client_id
            )))
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(
        store,
        audit::entry(
            Some(&app.home_tenant),
            actor,
            "secretRevoked",
            Some(&app.client_id),
            json!({"secretId": secret_id}),
            now,
        ),
    )
    .await;
    Ok(app)
}

/// Records a tenant administrator's consent to every application permission the app
/// asks for, in `tenant` (id or domain; default the app's home tenant).
pub async fn consent(
    store: &dyn Store,
    client_id: &str,
    tenant: Option<&str>,
    actor: &str,
    now: OffsetDateTime,
) -> AdminResult<GrantRecord> {
    let app = find(store, client_id).await?;
    let tenant = match tenant {
        Some(name) => tenants::resolve(store, Some(name)).await?.id,
        None => app.home_tenant.clone(),
    };
    let grant = GrantRecord {
        tenant,
        client_id: app.client_id.clone(),
        permissions: app.app_permissions.clone(),
        granted_by: actor.to_string(),
        granted_at: audit::timestamp(now),
    };
    store.put_grant(&grant).await?;
    audit::record(
        store,
        audit::entry(
            Some(&grant.tenant),
            actor,
            "consentGranted",
            Some(&app.client_id),
            json!({"permissions": grant.permissions}),
            now,
        ),
    )
    .await;
    Ok(grant)
}

fn new_secret(client_id: &str, days: Option<u32>, now: OffsetDateTime) -> NewSecret {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let record = AppSecretRecord {
        client_id: client_id.to_string(),
        secret_id: uuid::Uuid::new_v4().to_string(),
        hash: hash_hex(&secret),
        hint: secret.chars().take(3).collect(),
        created_at: audit::timestamp(now),
        expires_at: days.map(|d| audit::timestamp(now + time::Duration::days(i64::from(d)))),
        revoked_at: None,
    };
    NewSecret { record, secret }
}

fn check_days(days: Option<u32>) -> AdminResult<Option<u32>> {
    match days {
        Some(d) if d == 0 || d > MAX_SECRET_DAYS => Err(AdminError::Invalid(format!(
            "A secret's lifetime must be 1 to {MAX_SECRET_DAYS} days."
        ))),
        other => Ok(other),
    }
}

/// Redirect URIs as Entra accepts them: absolute, no fragment, `https` (or `http` only
/// on the loopback host, for native apps), or a custom scheme of a native app; never a
/// scheme that runs or embeds content. Duplicates are dropped.
pub fn check_redirect_uris(uris: &[String]) -> AdminResult<Vec<String>> {
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(AdminError::Invalid(format!(
            "An app can have at most {MAX_REDIRECT_URIS} redirect URIs."
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for raw in uris {
        let uri = raw.trim();
        let bad = |why: &str| {
            Err(AdminError::Invalid(format!(
                "Redirect URI {uri:?} is not allowed: {why}."
            )))
        };
        if uri.len() > MAX_REDIRECT_URI_LEN {
            return bad("it is longer than 256 characters");
        }
        let Ok(url) = url::Url::parse(uri) else {
            return bad("it is not an absolute URI");
        };
        if url.fragment().is_some() {
            return bad("it has a fragment");
        }
        match url.scheme() {
            "https" => {}
            "http" => {
                let loopback = match url.host() {
                    Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    None => false,
                };
                if !loopback {
                    return bad("http is only allowed for localhost; use https");
                }
            }
            "javascript" | "data" | "file" | "vbscript" | "about" | "blob" | "ftp" | "ws"
            | "wss" => return bad("the scheme is not a redirect target"),
            _ => {}
        }
        if !out.iter().any(|u| u == uri) {
            out.push(uri.to_string());
        }
    }
    Ok(out)
}

/// An app as the CLI and the operator API list it: never a secret, only secret hints.
pub fn to_json(app: &AppRecord, secrets: &[AppSecretRecord], consented: bool) -> Value {
    let secrets: Vec<Value> = secrets
        .iter()
        .map(|s| {
            json!({
                "secretId": s.secret_id,
                "hint": s.hint,
                "createdDateTime": s.created_at,
                "expiresDateTime": s.expires_at,
                "revokedDateTime": s.revoked_at,
            })
        })
        .collect();
    json!({
        "clientId": app.client_id,
        "tenantId": app.home_tenant,
        "displayName": app.display_name,
        "permissions": app.app_permissions,
        "delegatedPermissions": app.delegated_permissions,
        "redirectUris": app.redirect_uris,
        "publicClient": app.public_client,
        "createdDateTime": app.created_at,
        "consented": consented,
        "secrets": secrets,
    })
}

/// Every app of `tenant` (or of every tenant), rendered with [`to_json`]; `consented` is
/// about the app's home tenant.
pub async fn list_json(store: &dyn Store, tenant: Option<&str>) -> AdminResult<Vec<Value>> {
    let mut out = Vec::new();
    for app in store.apps(tenant).await? {
        let secrets = store.app_secrets(&app.client_id).await?;
        let consented = store
            .grant(&app.home_tenant, &app.client_id)
            .await?
            .is_some();
        out.push(to_json(&app, &secrets, consented));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
