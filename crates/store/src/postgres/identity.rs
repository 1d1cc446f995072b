//! The identity store on PostgreSQL: the shared implementation (`identity::store_impl`).
//! None of these rows feed `delta()`, so writes need no tenant lock, except audit appends,
//! which take one server-wide lock so entries commit in the order of their sequence
//! numbers (a reader paging with `after` never skips one that commits late). Of two
//! concurrent single-use takes, the second waits for the first and then finds nothing.

use super::{PgStore, Write};
use crate::identity::store_impl::identity_store_impl;
use crate::Result;

/// Serialises audit appends (an arbitrary fixed key, distinct from tenant locks, which
/// hash tenant ids with `hashtextextended`).
const AUDIT_LOCK: &str = "SELECT pg_advisory_xact_lock(7465434223781553921)";

impl PgStore {
    async fn audit_write(&self) -> Result<Write> {
        let (turn, mut tx) = self.global_write().await?;
        sqlx::query(AUDIT_LOCK).execute(&mut *tx).await?;
        Ok((turn, tx))
    }
}

identity_store_impl!(PgStore);
