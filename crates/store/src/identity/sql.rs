//! SQL shared by both backends' identity stores (`$n` placeholders work in both) and the
//! conversions between rows and records. Lists (permissions, redirect URIs, scopes) are
//! stored as JSON array text: they are only ever read back whole.

use serde_json::Value;

use crate::conflict::other;
use crate::identity::{
    AppRecord, AppSecretRecord, AuditRecord, AuthCodeRecord, GrantRecord, RefreshTokenRecord,
    UserConsentRecord,
};
use crate::Result;

/// A list as stored.
pub(crate) fn list_text(items: &[String]) -> String {
    Value::from(items.to_vec()).to_string()
}

/// A stored list read back; anything but an array of strings is a corrupt row.
pub(crate) fn parse_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text)
        .map_err(|e| other(format!("stored list is not a JSON array of strings: {e}")))
}

pub(crate) const INSERT_APP: &str = "INSERT INTO apps (client_id, home_tenant, display_name, \
     redirect_uris, app_permissions, delegated_permissions, created_at, public_client) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id) DO NOTHING";
const APP_COLUMNS: &str = "client_id, home_tenant, display_name, redirect_uris, app_permissions, \
     delegated_permissions, created_at, public_client";
pub(crate) fn app_sql() -> String {
    format!("SELECT {APP_COLUMNS} FROM apps WHERE client_id = $1")
}
pub(crate) fn all_apps_sql() -> String {
    format!("SELECT {APP_COLUMNS} FROM apps ORDER BY created_at, client_id")
}
pub(crate) fn tenant_apps_sql() -> String {
    format!("SELECT {APP_COLUMNS} FROM apps WHERE home_tenant = $1 ORDER BY created_at, client_id")
}
pub(crate) type AppRow = (String, String, String, String, String, String, String, bool);
pub(crate) fn app_from(row: AppRow) -> Result<AppRecord> {
    let (client_id, home_tenant, display_name, uris, app, delegated, created_at, public_client) =
        row;
    Ok(AppRecord {
        client_id,
        home_tenant,
        display_name,
        redirect_uris: parse_list(&uris)?,
        app_permissions: parse_list(&app)?,
        delegated_permissions: parse_list(&delegated)?,
        created_at,
        public_client,
    })
}

pub(crate) const APP_EXISTS: &str = "SELECT 1 FROM apps WHERE client_id = $1";
pub(crate) const INSERT_SECRET: &str =
    "INSERT INTO app_secrets (client_id, secret_id, hash, hint, \
     created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (client_id, secret_id) DO NOTHING";
pub(crate) const SECRETS: &str =
    "SELECT client_id, secret_id, hash, hint, created_at, expires_at, \
     revoked_at FROM app_secrets WHERE client_id = $1 ORDER BY created_at, secret_id";
pub(crate) type SecretRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);
pub(crate) fn secret_from(row: SecretRow) -> AppSecretRecord {
    let (client_id, secret_id, hash, hint, created_at, expires_at, revoked_at) = row;
    AppSecretRecord {
        client_id,
        secret_id,
        hash,
        hint,
        created_at,
        expires_at,
        revoked_at,
    }
}
/// Binds client id, secret id, time; matches revoked secrets too (revoking twice is fine).
pub(crate) const REVOKE_SECRET: &str =
    "UPDATE app_secrets SET revoked_at = COALESCE(revoked_at, $3) \
     WHERE client_id = $1 AND secret_id = $2";

pub(crate) const PUT_GRANT: &str = "INSERT INTO app_grants (tenant_id, client_id, permissions, \
     granted_by, granted_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, client_id) DO UPDATE \
     SET permissions = excluded.permissions, granted_by = excluded.granted_by, granted_at = excluded.granted_at";
pub(crate) const GRANT: &str = "SELECT tenant_id, client_id, permissions, granted_by, granted_at \
     FROM app_grants WHERE tenant_id = $1 AND client_id = $2";
pub(crate) const DELETE_GRANT: &str =
    "DELETE FROM app_grants WHERE tenant_id = $1 AND client_id = $2";
pub(crate) type GrantRow = (String, String, String, String, String);
pub(crate) fn grant_from(row: GrantRow) -> Result<GrantRecord> {
    let (tenant, client_id, permissions, granted_by, granted_at) = row;
    Ok(GrantRecord {
        tenant,
        client_id,
        permissions: parse_list(&permissions)?,
        granted_by,
        granted_at,
    })
}

pub(crate) const PUT_CONSENT: &str = "INSERT INTO user_consents (tenant_id, user_id, client_id, \
     scopes, granted_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, user_id, client_id) \
     DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at";
pub(crate) const CONSENT: &str = "SELECT tenant_id, user_id, client_id, scopes, granted_at \
     FROM user_consents WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3";
pub(crate) type ConsentRow = (String, String, String, String, String);
pub(crate) fn consent_from(row: ConsentRow) -> Result<UserConsentRecord> {
    let (tenant, user_id, client_id, scopes, granted_at) = row;
    Ok(UserConsentRecord {
        tenant,
        user_id,
        client_id,
        scopes: parse_list(&scopes)?,
        granted_at,
    })
}

pub(crate) const PUT_CODE: &str =
    "INSERT INTO auth_codes (code_hash, tenant_id, client_id, user_id, \
     redirect_uri, scopes, code_challenge, challenge_method, nonce, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub(crate) const TAKE_CODE: &str = "DELETE FROM auth_codes WHERE code_hash = $1 RETURNING code_hash, \
     tenant_id, client_id, user_id, redirect_uri, scopes, code_challenge, challenge_method, nonce, expires_at";
pub(crate) type CodeRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);
pub(crate) fn code_from(row: CodeRow) -> Result<AuthCodeRecord> {
    let (
        code_hash,
        tenant,
        client_id,
        user_id,
        redirect_uri,
        scopes,
        code_challenge,
        challenge_method,
        nonce,
        expires_at,
    ) = row;
    Ok(AuthCodeRecord {
        code_hash,
        tenant,
        client_id,
        user_id,
        redirect_uri,
        scopes: parse_list(&scopes)?,
        code_challenge,
        challenge_method,
        nonce,
        expires_at,
    })
}

pub(crate) const PUT_REFRESH: &str =
    "INSERT INTO refresh_tokens (token_hash, tenant_id, client_id, \
     user_id, scopes, issued_at, expires_at, family_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// Binds a time: tokens (live or spent) that expired before it are useless and go.
pub(crate) const PURGE_REFRESH: &str = "DELETE FROM refresh_tokens WHERE expires_at < $1";
const REFRESH_COLUMNS: &str =
    "token_hash, tenant_id, client_id, user_id, scopes, issued_at, expires_at, family_id, spent_at";
pub(crate) fn refresh_sql() -> String {
    format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1")
}
/// Binds hash, time. Only a live token matches, so of two racing takes one wins.
pub(crate) fn take_refresh_sql() -> String {
    format!(
        "UPDATE refresh_tokens SET spent_at = $2 WHERE token_hash = $1 AND spent_at IS NULL \
         RETURNING {REFRESH_COLUMNS}"
    )
}
pub(crate) const REVOKE_FAMILY: &str =
    "DELETE FROM refresh_tokens WHERE family_id = $1 AND spent_at IS NULL";
pub(crate) const REVOKE_REFRESH: &str =
    "DELETE FROM refresh_tokens WHERE tenant_id = $1 AND user_id = $2";
pub(crate) type RefreshRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);
pub(crate) fn refresh_from(row: RefreshRow) -> Result<RefreshTokenRecord> {
    let (
        token_hash,
        tenant,
        client_id,
        user_id,
        scopes,
        issued_at,
        expires_at,
        family_id,
        spent_at,
    ) = row;
    Ok(RefreshTokenRecord {
        token_hash,
        tenant,
        client_id,
        user_id,
        scopes: parse_list(&scopes)?,
        issued_at,
        expires_at,
        family_id,
        spent_at,
    })
}

pub(crate) const APPEND_AUDIT: &str =
    "INSERT INTO audit_log (tenant_id, at, actor, action, target, \
     outcome, client_ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq";
const AUDIT_COLUMNS: &str = "seq, tenant_id, at, actor, action, target, outcome, client_ip, detail";
/// Binds after, limit.
pub(crate) fn audit_all_sql() -> String {
    format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
}
/// Binds after, limit, tenant.
pub(crate) fn audit_tenant_sql() -> String {
    format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = $3 AND seq > $1 ORDER BY seq LIMIT $2")
}
pub(crate) type AuditRow = (
    i64,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
);
pub(crate) fn audit_from(row: AuditRow) -> Result<AuditRecord> {
    let (seq, tenant, at, actor, action, target, outcome, client_ip, detail) = row;
    Ok(AuditRecord {
        seq,
        tenant,
        at,
        actor,
        action,
        target,
        outcome,
        client_ip,
        detail: serde_json::from_str(&detail)
            .map_err(|e| other(format!("stored audit detail is not JSON: {e}")))?,
    })
}

/// Binds kid, time.
pub(crate) const RETIRE_KEY: &str =
    "UPDATE signing_keys SET retired_at = COALESCE(retired_at, $2) WHERE kid = $1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_and_reject_garbage() {
        let items = vec!["a\"b".to_string(), "é".to_string()];
        assert_eq!(parse_list(&list_text(&items)).unwrap(), items);
        assert!(parse_list(&list_text(&[])).unwrap().is_empty());
        assert!(parse_list("{\"a\":1}").is_err());
        assert!(parse_list("[1]").is_err());
    }
}
