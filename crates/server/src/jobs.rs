//! The jobs `serve` runs on its own, from the durable job table (`edugraph_store::JobStore`):
//! a registry of job kinds, each a handler function, and the runner (`runner.rs`) that
//! polls the table, claims due jobs and runs their handlers. One file per kind:
//! - `housekeeping` (periodic): purges expired authorization codes and refresh tokens and
//!   finished jobs past their retention;
//! - `sds-provision`, `sds-delete`, `sds-sync` (`sync`): beta's synchronization profiles.
//!
//! Work enqueued by a request calls [`wake`], so the runner claims it at once rather
//! than at its next poll.

mod housekeeping;
mod runner;
pub mod sync;

use edugraph_store::JobRecord;
use futures::future::BoxFuture;

use crate::AppState;

pub use runner::{backoff, Runner, RunnerHandle, Settings, Stopper};

/// What a handler's run resolves to: `Err` fails the attempt (retried with backoff until
/// the kind's attempts are used up), its message becomes the job's `last_error`.
pub type HandlerFuture<'a> = BoxFuture<'a, anyhow::Result<()>>;

/// Runs one job. Handlers take their time from `state.clock()`, like everything else.
pub type Handler = for<'a> fn(&'a AppState, &'a JobRecord) -> HandlerFuture<'a>;

/// One kind of job.
#[derive(Clone, Copy)]
pub struct Kind {
    /// The `kind` column value.
    pub name: &'static str,
    /// Attempts before a job of this kind is `failed`.
    pub max_attempts: u32,
    /// For a periodic kind, the time from one run's end to the next run: the runner
    /// schedules the first run when it starts and the next one whenever a run ends, under
    /// the kind's name as deduplication key, so there is one pending run per database.
    pub every: Option<time::Duration>,
    pub run: Handler,
}

/// The kinds `serve` runs.
pub fn kinds() -> Vec<Kind> {
    vec![
        housekeeping::KIND,
        sync::PROVISION,
        sync::DELETE,
        sync::SYNC,
    ]
}

/// Wakes this process's runners: a job was just enqueued. A wake with no runner
/// waiting is kept for the next wait, so none is lost.
pub fn wake() {
    WAKE.notify_waiters();
    WAKE.notify_one();
}

/// What [`wake`] signals; runners wait on it between polls.
pub(crate) static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();
