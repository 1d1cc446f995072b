-- Client kinds, refresh-token families and user consent (PostgreSQL). Mirrors
-- migrations/sqlite/0003_clients.sql.

-- A public client (a native or single-page app) has no secret and must use PKCE; every
-- app registered before this migration had a secret, so it is confidential.
ALTER TABLE apps ADD COLUMN public_client BOOLEAN NOT NULL DEFAULT FALSE;

-- Refresh tokens are no longer deleted when used: a used token stays as a spent marker
-- (`spent_at` set) until it expires, so presenting it again is recognised as reuse and
-- revokes every live token of its family (all tokens rotated from one grant). Tokens
-- issued before this migration each start their own family.
ALTER TABLE refresh_tokens ADD COLUMN family_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN spent_at TEXT COLLATE "C";
UPDATE refresh_tokens SET family_id = token_hash WHERE family_id = '';
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- A user's consent to an app's delegated permissions, given on the authorize page; one
-- row per tenant, user and app, holding every permission consented so far.
CREATE TABLE user_consents (
    tenant_id  TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    scopes     TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, client_id)
);
