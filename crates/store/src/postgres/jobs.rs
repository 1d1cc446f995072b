//! The job store on PostgreSQL: the shared implementation (`jobs::sql`) with PostgreSQL's
//! kinds set and `FOR UPDATE SKIP LOCKED` in the claim, so instances sharing the database
//! claim in parallel and never get the same job. Jobs feed no `delta()`, so writes need
//! no tenant lock.

use sqlx::{Postgres, Transaction};

use super::PgStore;
use crate::jobs::sql::job_store_impl;
use crate::Result;

impl PgStore {
    async fn job_write(&self) -> Result<((), Transaction<'static, Postgres>)> {
        Ok(((), self.write_global().await?))
    }
}

job_store_impl!(
    PgStore,
    Postgres,
    kinds = "SELECT jsonb_array_elements_text(($1::text)::jsonb)",
    lock = "FOR UPDATE SKIP LOCKED"
);
