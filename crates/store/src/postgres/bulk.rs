//! PostgreSQL bulk loads: the shared multi-row `INSERT`s (`sql::bulk`), sized under the
//! protocol's bind limit, in one transaction per load under the tenant's writer lock (also
//! when the load arrives as a stream of batches), then fresh planner statistics when the
//! loaded rows have grown enough.

use super::PgStore;
use crate::sql::bulk::bulk_impl;
use crate::Result;
use sqlx::{PgConnection, Postgres};

/// The wire protocol counts parameters in 16 bits.
const MAX_BINDS: usize = 65_535;

/// Rows this process bulk-loaded, to decide when statistics are stale (see [`Growth`]).
#[derive(Debug, Default)]
pub(super) struct Growth {
    /// Rows loaded in all, and as of the last `ANALYZE`.
    loaded: u64,
    analyzed: u64,
}

impl Growth {
    /// Counts `rows` more; true when the loaded rows grew by half since the last
    /// `ANALYZE` (or none ran yet), which then counts as done.
    fn needs_analyze(&mut self, rows: u64) -> bool {
        self.loaded += rows;
        let stale = self.analyzed == 0 || self.loaded >= self.analyzed + self.analyzed / 2;
        if stale {
            self.analyzed = self.loaded.max(1);
        }
        stale
    }
}

impl PgStore {
    /// Nothing to do around a streamed load's batches.
    async fn before_batches(&self, _conn: &mut PgConnection) -> Result<()> {
        Ok(())
    }

    async fn after_batches(&self, _conn: &mut PgConnection, (): ()) -> Result<()> {
        Ok(())
    }

    /// Fresh statistics: plans made for the tables' old sizes (nested loops over "tiny"
    /// tables) turn quadratic after a bulk load, and autovacuum only catches up later.
    /// Only when the loaded rows grew by half, so that hundreds of small loads analyze a
    /// dozen times rather than hundreds.
    async fn after_load(&self, rows: u64) -> Result<()> {
        let stale = self
            .growth
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .needs_analyze(rows);
        if stale {
            sqlx::query("ANALYZE entities, links, changes")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

bulk_impl!(
    PgStore,
    Postgres,
    max_binds = MAX_BINDS,
    doc_cast = "::json"
);

#[cfg(test)]
mod tests {
    use super::Growth;

    #[test]
    fn statistics_refresh_as_the_loaded_rows_grow_by_half() {
        let mut g = Growth::default();
        // Equal loads: analyzed after loads 1, 2, 3, 5, 8, 12, ... (half again each time).
        let analyzed: Vec<u32> = (1..=40).filter(|_| g.needs_analyze(100)).collect();
        assert_eq!(analyzed, [1, 2, 3, 5, 8, 12, 18, 27]);
        // A load as large as everything before it always refreshes.
        assert!(g.needs_analyze(g.loaded));
    }
}
