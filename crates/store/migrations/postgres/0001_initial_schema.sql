-- Initial schema (PostgreSQL). Mirrors migrations/sqlite/0001_initial_schema.sql.
-- Every row carries its tenant id; nothing crosses tenants. Only the token-signing keys are
-- server-wide, because they sign for every tenant.
-- Identifier columns use the "C" collation so that ordering by id is byte order, the same
-- as SQLite, whatever locale the database was created with.

CREATE TABLE tenants (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    display_name TEXT NOT NULL,
    domain       TEXT NOT NULL
);

-- One row per Graph entity; `doc` is its canonical Graph JSON, as the server built it.
CREATE TABLE entities (
    tenant_id   TEXT COLLATE "C" NOT NULL,
    entity_type TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    doc         JSONB NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    modified_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Sequence number of the entity's latest change (0 only inside a bulk load).
    change_seq  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, entity_type, id)
);

-- Lookup indexes for the hot filters. A query uses one only when it spells the expression
-- exactly like this (see src/sql/dialect.rs), so keep both in step.
CREATE INDEX entities_external_id ON entities (tenant_id, entity_type, (doc->>'externalId'));
CREATE INDEX entities_student_external_id ON entities (tenant_id, entity_type, (doc->'student'->>'externalId'));
CREATE INDEX entities_teacher_external_id ON entities (tenant_id, entity_type, (doc->'teacher'->>'externalId'));
CREATE INDEX entities_user_principal_name ON entities (tenant_id, entity_type, (doc->>'userPrincipalName'));
CREATE INDEX entities_mail_nickname ON entities (tenant_id, entity_type, (doc->>'mailNickname'));
CREATE INDEX entities_primary_role ON entities (tenant_id, entity_type, (doc->>'primaryRole'));
CREATE INDEX entities_display_name ON entities (tenant_id, entity_type, (doc->>'displayName'));

-- Case-insensitive uniqueness per tenant and entity type (only users carry a
-- userPrincipalName; users and classes carry a mailNickname), the backstop behind the
-- store's own checks. Not partial indexes: the store's checks bind the entity type, and a
-- planner only uses a partial index when the query repeats its condition literally.
-- The index names are what the store maps to the property a conflict names (src/conflict.rs).
CREATE UNIQUE INDEX entities_unique_upn
    ON entities (tenant_id, entity_type, lower(doc->>'userPrincipalName'));
CREATE UNIQUE INDEX entities_unique_mail_nickname
    ON entities (tenant_id, entity_type, lower(doc->>'mailNickname'));

-- Non-contained navigations (class members, school classes, ...).
CREATE TABLE links (
    tenant_id TEXT COLLATE "C" NOT NULL,
    relation  TEXT COLLATE "C" NOT NULL,
    from_id   TEXT COLLATE "C" NOT NULL,
    to_id     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, relation, from_id, to_id)
);
CREATE INDEX links_to ON links (tenant_id, relation, to_id);

-- The change log behind delta(). An identity column never reuses a number.
CREATE TABLE changes (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   TEXT COLLATE "C" NOT NULL,
    entity_type TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('upsert', 'delete'))
);
CREATE INDEX changes_tenant ON changes (tenant_id, seq);
CREATE INDEX changes_kind ON changes (tenant_id, entity_type, seq);
CREATE INDEX changes_entity ON changes (tenant_id, entity_type, id, seq);

-- Password hashes and other secrets: never part of a document.
CREATE TABLE secrets (
    tenant_id TEXT COLLATE "C" NOT NULL,
    owner_id  TEXT COLLATE "C" NOT NULL,
    kind      TEXT COLLATE "C" NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, kind)
);

-- Token-signing keys (server-wide). Retired keys stay so their tokens verify until expiry.
CREATE TABLE signing_keys (
    kid         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);
