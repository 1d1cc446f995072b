//! The `housekeeping` job, every 15 minutes: deletes authorization codes and refresh
//! tokens (live or spent) past their expiry, which nothing can use any more, and jobs that
//! finished more than a week ago. Flow tickets are not stored (their single use is
//! remembered in memory), so there is nothing of theirs to purge.

use edugraph_store::JobRecord;
use time::Duration;

use super::{HandlerFuture, Kind};
use crate::AppState;

pub const KIND: Kind = Kind {
    name: "housekeeping",
    max_attempts: 3,
    every: Some(Duration::minutes(15)),
    run,
};

/// How long finished jobs stay listed for operators.
pub const JOB_RETENTION: Duration = Duration::days(7);

fn run<'a>(state: &'a AppState, _job: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async move {
        let now = state.clock().now();
        let purged = state
            .store()
            .purge_expired(now, now - JOB_RETENTION)
            .await?;
        tracing::info!(
            auth_codes = purged.auth_codes,
            refresh_tokens = purged.refresh_tokens,
            jobs = purged.jobs,
            "housekeeping purged expired records"
        );
        Ok(())
    })
}
