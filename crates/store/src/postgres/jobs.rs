//! The job store on PostgreSQL: the shared implementation (`jobs::sql`) with PostgreSQL's
//! kinds set and `FOR UPDATE SKIP LOCKED` in the claim, so instances sharing the database
//! claim in parallel and never get the same job. Jobs feed no `delta()`, so writes need
//! no tenant lock (`global_write`).

use sqlx::Postgres;

use super::PgStore;
use crate::jobs::sql::job_store_impl;

job_store_impl!(
    PgStore,
    Postgres,
    kinds = "SELECT jsonb_array_elements_text(($1::text)::jsonb)",
    lock = "FOR UPDATE SKIP LOCKED"
);
