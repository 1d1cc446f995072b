//! The identity half of the store: app registrations and their secrets, admin-consent
//! grants, users' consents, single-use authorization codes and refresh tokens (in
//! families, so reuse of a rotated token can revoke its descendants), the audit log, and
//! key retirement. A second trait so the entity store stays readable; every `Store` is one.
//!
//! Secrets, codes and refresh tokens are only ever stored as hashes (the caller hashes;
//! the store compares hashes by equality). Timestamps are RFC 3339 strings in UTC
//! (`2025-01-02T03:04:05Z`), so they order correctly as text on both backends.

use async_trait::async_trait;
use serde_json::Value;

use crate::Result;

pub(crate) mod sql;
pub(crate) mod store_impl;

/// An app registration. Client ids are global (an app can be consented to by tenants
/// other than its home tenant, as with Entra's multi-tenant apps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRecord {
    /// A UUID.
    pub client_id: String,
    /// The tenant the app was registered in.
    pub home_tenant: String,
    pub display_name: String,
    pub redirect_uris: Vec<String>,
    /// Application permissions the app asks for (`EduRoster.Read.All`); granted only by
    /// admin consent (see [`GrantRecord`]).
    pub app_permissions: Vec<String>,
    /// Delegated permissions the app may request in a user's name.
    pub delegated_permissions: Vec<String>,
    pub created_at: String,
    /// A public client (native or single-page app): no secret, PKCE required, no
    /// `client_credentials`. Every other app is confidential and must authenticate.
    pub public_client: bool,
}

/// One client secret of an app, by hash only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSecretRecord {
    pub client_id: String,
    /// A UUID naming the secret (for listing and revoking).
    pub secret_id: String,
    /// Lowercase hex SHA-256 of the secret.
    pub hash: String,
    /// The first characters of the secret, so an operator can tell secrets apart.
    pub hint: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A tenant administrator's consent to an app's application permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub tenant: String,
    pub client_id: String,
    /// The consented application permissions.
    pub permissions: Vec<String>,
    /// The consenting user's id, or `cli` for `edugraph app consent`.
    pub granted_by: String,
    pub granted_at: String,
}

/// A user's consent, given on the authorize page, to delegated permissions of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserConsentRecord {
    pub tenant: String,
    pub user_id: String,
    pub client_id: String,
    /// Every delegated permission the user consented to so far.
    pub scopes: Vec<String>,
    pub granted_at: String,
}

/// An issued authorization code, by hash; taken (and deleted) exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCodeRecord {
    pub code_hash: String,
    pub tenant: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub challenge_method: Option<String>,
    pub nonce: Option<String>,
    pub expires_at: String,
}

/// An issued refresh token, by hash. Taking it marks it spent, so each one works once;
/// the spent row stays until it expires, so a second use is recognised as reuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub token_hash: String,
    pub tenant: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub issued_at: String,
    pub expires_at: String,
    /// The family: every token rotated from one grant shares the first token's id.
    pub family_id: String,
    /// When the token was used (rotated); `None` while it is live.
    pub spent_at: Option<String>,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Assigned by the store on append (pass 0); increases with every entry.
    pub seq: i64,
    /// The tenant the action concerns; `None` for server-wide actions (key rotation).
    pub tenant: Option<String>,
    pub at: String,
    /// Who acted: a user id, a client id, `cli` or `operator`.
    pub actor: String,
    /// What happened (`signIn`, `consentGranted`, `secretAdded`, `tenantCreated`, ...).
    pub action: String,
    /// What it was done to (a client id, a user principal name, a kid).
    pub target: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    pub client_ip: Option<String>,
    /// Anything else worth keeping, as a JSON value (never a secret).
    pub detail: Value,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    // --- apps and secrets --------------------------------------------------------------
    /// Registers an app; `Conflict("clientId")` when the client id is taken.
    async fn put_app(&self, app: &AppRecord) -> Result<()>;
    async fn app(&self, client_id: &str) -> Result<Option<AppRecord>>;
    /// Apps registered in `home_tenant`, or every app; ordered by creation, then id.
    async fn apps(&self, home_tenant: Option<&str>) -> Result<Vec<AppRecord>>;
    /// Adds a secret to an existing app (`NotFound` otherwise; `Conflict("secretId")`
    /// when the secret id is taken).
    async fn add_app_secret(&self, secret: &AppSecretRecord) -> Result<()>;
    /// Every secret of the app, revoked ones included, oldest first.
    async fn app_secrets(&self, client_id: &str) -> Result<Vec<AppSecretRecord>>;
    /// Marks a secret revoked at `at` (`NotFound` if the app has no such secret). Revoking
    /// twice keeps the first time.
    async fn revoke_app_secret(&self, client_id: &str, secret_id: &str, at: &str) -> Result<()>;

    // --- admin consent ------------------------------------------------------------------
    /// Records (or replaces) the tenant's grant to the app.
    async fn put_grant(&self, grant: &GrantRecord) -> Result<()>;
    async fn grant(&self, tenant: &str, client_id: &str) -> Result<Option<GrantRecord>>;
    /// Removes the grant; no error when there was none.
    async fn delete_grant(&self, tenant: &str, client_id: &str) -> Result<()>;

    // --- user consent -------------------------------------------------------------------
    /// Records (or replaces) a user's consent to an app.
    async fn put_user_consent(&self, consent: &UserConsentRecord) -> Result<()>;
    async fn user_consent(
        &self,
        tenant: &str,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<UserConsentRecord>>;

    // --- single-use codes and refresh tokens --------------------------------------------
    async fn put_auth_code(&self, code: &AuthCodeRecord) -> Result<()>;
    /// Deletes and returns the code in one statement, so two concurrent redemptions can
    /// never both succeed. Expiry is the caller's check.
    async fn take_auth_code(&self, code_hash: &str) -> Result<Option<AuthCodeRecord>>;
    /// Stores a refresh token (its `spent_at` is ignored: a stored token is live); also
    /// drops tokens, live or spent, that expired before this one was issued.
    async fn put_refresh_token(&self, token: &RefreshTokenRecord) -> Result<()>;
    /// The token, live or spent, without using it.
    async fn refresh_token(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>>;
    /// Marks a live token spent at `at` and returns it, in one statement, so of two
    /// concurrent takes exactly one gets it (rotation: each token works once). `None` for
    /// an unknown or already spent token. Expiry is the caller's check.
    async fn take_refresh_token(
        &self,
        token_hash: &str,
        at: &str,
    ) -> Result<Option<RefreshTokenRecord>>;
    /// Deletes every live token of the family (spent markers stay, so later reuse is
    /// still recognised) and returns how many were deleted.
    async fn revoke_refresh_family(&self, family_id: &str) -> Result<u64>;
    /// Deletes every refresh token of the user in the tenant.
    async fn revoke_refresh_tokens(&self, tenant: &str, user_id: &str) -> Result<()>;

    // --- audit --------------------------------------------------------------------------
    /// Appends an entry and returns its sequence number (`record.seq` is ignored).
    async fn append_audit(&self, record: &AuditRecord) -> Result<i64>;
    /// Entries with `seq > after_seq`, ascending, at most `limit`: of one tenant, or of
    /// every tenant and the server-wide ones when `tenant` is `None`.
    async fn audit(
        &self,
        tenant: Option<&str>,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>>;

    // --- keys ---------------------------------------------------------------------------
    /// Marks a signing key retired at `at` (`NotFound` for an unknown kid); a key retired
    /// before keeps its first retirement time.
    async fn retire_signing_key(&self, kid: &str, at: &str) -> Result<()>;
}
