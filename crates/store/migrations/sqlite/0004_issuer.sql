-- The issuer base of a tenant's tokens (`iss` is `{issuer_base}/{tenant}/v2.0`), recorded
-- once so every process that mints or verifies for the tenant agrees on it, whatever
-- address it listens on. NULL until the first process that needs it records its own
-- public URL (or listen address); a configured public_url replaces it.
ALTER TABLE tenants ADD COLUMN issuer_base TEXT;
