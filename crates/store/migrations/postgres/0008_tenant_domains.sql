-- Verified domains beyond a tenant's primary one (PostgreSQL). Mirrors
-- migrations/sqlite/0008_tenant_domains.sql.
-- `tenants.domain` stays the primary domain (token discovery, group mail addresses); this
-- table holds the others, so a principal name may use any of them. A domain names one
-- tenant only, hence the key on the domain alone. Domains are stored lower-cased.
CREATE TABLE tenant_domains (
    domain     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX tenant_domains_tenant ON tenant_domains (tenant_id, domain);
