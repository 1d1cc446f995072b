-- Identity (SQLite). Mirrors migrations/postgres/0002_identity.sql.
-- App registrations are server-wide (a client id is global, as in Entra, so an app of one
-- tenant can be consented to by another); everything a tenant decides or issues carries
-- its tenant id. Secrets, codes and refresh tokens are stored only as hashes. Lists are
-- JSON array text. Times are RFC 3339 UTC text, which orders as time.

CREATE TABLE apps (
    client_id             TEXT NOT NULL PRIMARY KEY,
    home_tenant           TEXT NOT NULL,
    display_name          TEXT NOT NULL,
    redirect_uris         TEXT NOT NULL,
    app_permissions       TEXT NOT NULL,
    delegated_permissions TEXT NOT NULL,
    created_at            TEXT NOT NULL
);
CREATE INDEX apps_home_tenant ON apps (home_tenant, created_at, client_id);

CREATE TABLE app_secrets (
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    secret_id  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    hint       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    PRIMARY KEY (client_id, secret_id)
) WITHOUT ROWID;

-- Admin consent: one grant per tenant and app.
CREATE TABLE app_grants (
    tenant_id   TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    permissions TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, client_id)
) WITHOUT ROWID;

-- Authorization codes, deleted when redeemed (DELETE ... RETURNING makes that atomic).
CREATE TABLE auth_codes (
    code_hash        TEXT NOT NULL PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    redirect_uri     TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    code_challenge   TEXT,
    challenge_method TEXT,
    nonce            TEXT,
    expires_at       TEXT NOT NULL
);

-- Refresh tokens, deleted when used (rotation) or revoked.
CREATE TABLE refresh_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (tenant_id, user_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

-- The audit log. AUTOINCREMENT so a sequence number is never reused. `tenant_id` is NULL
-- for server-wide actions (key rotation).
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT,
    outcome   TEXT NOT NULL,
    client_ip TEXT,
    detail    TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);
