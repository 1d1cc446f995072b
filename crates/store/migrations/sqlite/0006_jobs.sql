-- Durable jobs (SQLite). Mirrors migrations/postgres/0006_jobs.sql.
-- One row per job: what to do (`kind`, a JSON `payload`), when (`run_at`), how it went
-- (`state`, `attempts`, `last_error`, `finished_at`). A runner claims a due job by setting
-- it `running` with a lease; a `running` job whose lease has passed is claimable again,
-- so a job held by a process that died is not lost. Times are RFC 3339 UTC text with
-- seven fraction digits, which orders as time. `tenant_id` is NULL for server-wide jobs.

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    TEXT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    state        TEXT NOT NULL
                 CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    lease_until  TEXT,
    last_error   TEXT,
    dedup_key    TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);
-- Due jobs (`queued` by run_at) and expired leases (`running` by lease_until).
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_lease ON jobs (state, lease_until);
-- Finished jobs by age, for the retention purge.
CREATE INDEX jobs_finished ON jobs (finished_at);
-- At most one pending (queued or running) job per deduplication key: enqueueing a
-- periodic job twice leaves one.
CREATE UNIQUE INDEX jobs_dedup ON jobs (dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');
