//! The job store on SQLite: the shared implementation (`jobs::sql`) with SQLite's kinds
//! set (`json_each`) and no row locking, since a claim runs inside this process's one
//! write transaction (`BEGIN IMMEDIATE`), which other processes also wait for.

use super::SqliteStore;
use crate::jobs::sql::job_store_impl;

job_store_impl!(
    SqliteStore,
    sqlx::Sqlite,
    kinds = "SELECT value FROM json_each($1)",
    lock = ""
);
