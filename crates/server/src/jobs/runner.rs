//! The job runner inside `serve`. Every `poll` it claims the due jobs of the kinds it
//! knows (a lease of `lease` each) and runs them one after another; a full batch is
//! followed at once by another claim. Due-ness, leases, retry times and finish times all
//! come from the injected clock, so a test moves time by moving the clock; only the pause
//! between polls is real time.
//!
//! A job whose runner dies keeps its `running` row until the lease passes; then any
//! runner (this process restarted, or another instance on the same PostgreSQL database)
//! claims it again. A handler that runs longer than its lease may therefore run twice:
//! handlers are written to be safe to repeat. A handler that panics fails its attempt
//! like one that returns an error; the runner carries on.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use edugraph_store::{Claim, Finish, JobRecord, JobState, NewJob, StoreError};
use futures::FutureExt;
use serde_json::json;
use time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Kind;
use crate::AppState;

/// How the runner paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Real time between polls that found nothing more to do.
    pub poll: std::time::Duration,
    /// How long a claimed job is this runner's before another may take it over.
    pub lease: Duration,
    /// Jobs claimed at once.
    pub batch: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            poll: std::time::Duration::from_secs(5),
            lease: Duration::minutes(5),
            batch: 8,
        }
    }
}

/// The wait before retrying after the `attempt`-th failure: 30 s, doubling, at most an
/// hour.
pub fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(7);
    Duration::seconds(30 << doublings).min(Duration::hours(1))
}

pub struct Runner {
    state: AppState,
    kinds: Vec<Kind>,
    names: Vec<&'static str>,
    settings: Settings,
}

impl Runner {
    pub fn new(state: AppState, kinds: Vec<Kind>, settings: Settings) -> Runner {
        let names = kinds.iter().map(|k| k.name).collect();
        Runner {
            state,
            kinds,
            names,
            settings,
        }
    }

    /// Enqueues the first run of every periodic kind, now, unless one is pending already.
    pub async fn schedule_periodic(&self) -> Result<(), StoreError> {
        let now = self.state.clock().now();
        for kind in self.kinds.iter().filter(|k| k.every.is_some()) {
            let job = NewJob {
                tenant: None,
                kind: kind.name.into(),
                payload: json!({}),
                run_at: now,
                max_attempts: kind.max_attempts,
                dedup_key: Some(kind.name.into()),
            };
            if let Some(id) = self.state.store().enqueue(&job, now).await? {
                tracing::info!(job.id = id, job.kind = kind.name, "periodic job scheduled");
            }
        }
        Ok(())
    }

    /// One poll: claims the due jobs (at most a batch) and runs them. Returns how many
    /// were claimed.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let now = self.state.clock().now();
        let claimed = self
            .state
            .store()
            .claim_jobs(&Claim {
                kinds: &self.names,
                now,
                lease_until: now + self.settings.lease,
                limit: self.settings.batch,
            })
            .await?;
        for job in &claimed {
            self.run_one(job).await?;
        }
        Ok(claimed.len())
    }

    async fn run_one(&self, job: &JobRecord) -> Result<(), StoreError> {
        let Some(kind) = self.kinds.iter().find(|k| k.name == job.kind) else {
            // Claims ask only for known kinds.
            return Ok(());
        };
        let outcome = AssertUnwindSafe((kind.run)(&self.state, job))
            .catch_unwind()
            .await;
        let error = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("{e:#}")),
            Err(_) => Some("the handler panicked".to_string()),
        };
        let at = self.state.clock().now();
        let next = kind.every.map(|every| NewJob {
            tenant: job.tenant.clone(),
            kind: job.kind.clone(),
            payload: job.payload.clone(),
            run_at: at + every,
            max_attempts: kind.max_attempts,
            dedup_key: job.dedup_key.clone(),
        });
        let finish = Finish {
            id: job.id,
            attempt: job.attempts,
            at,
            error: error.as_deref(),
            retry_at: at + backoff(job.attempts),
            next: next.as_ref(),
        };
        let state = self.state.store().finish_job(&finish).await?;
        match (state, &error) {
            (None, _) => {
                tracing::warn!(job.id = job.id, job.kind = %job.kind, "job finished after its lease was taken over; result dropped")
            }
            (Some(JobState::Succeeded), _) => {
                tracing::debug!(job.id = job.id, job.kind = %job.kind, "job succeeded")
            }
            (Some(state), Some(e)) => {
                tracing::warn!(job.id = job.id, job.kind = %job.kind, job.attempts = job.attempts, state = state.as_str(), error = %e, "job attempt failed")
            }
            (Some(_), None) => {}
        }
        Ok(())
    }

    /// Polls until told to stop (or until every [`Stopper`] is gone). A running job is
    /// finished first; the loop never waits for a poll interval once told to stop.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            let full = match self.tick().await {
                Ok(n) => n >= self.settings.batch as usize,
                Err(e) => {
                    tracing::warn!(error = %e, "job runner: store unavailable");
                    false
                }
            };
            if full {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(self.settings.poll) => {}
                () = super::WAKE.notified() => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
    }

    /// Starts [`Runner::run`] as a task.
    pub fn spawn(self) -> RunnerHandle {
        let (stop, watch) = watch::channel(false);
        RunnerHandle {
            stopper: Stopper(Arc::new(stop)),
            task: tokio::spawn(self.run(watch)),
        }
    }
}

/// Tells a spawned runner to stop.
#[derive(Clone)]
pub struct Stopper(Arc<watch::Sender<bool>>);

impl Stopper {
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

/// A spawned runner.
pub struct RunnerHandle {
    stopper: Stopper,
    task: JoinHandle<()>,
}

impl RunnerHandle {
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Stops the runner and waits for it, at most `grace` (a job still running then is
    /// left to its lease: the next runner claims it again).
    pub async fn stop(self, grace: std::time::Duration) {
        self.stopper.stop();
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "job runner still busy at shutdown; its job is left to its lease"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use time::Duration;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(4), Duration::seconds(240));
        assert_eq!(backoff(8), Duration::hours(1));
        assert_eq!(backoff(u32::MAX), Duration::hours(1));
        assert_eq!(backoff(0), Duration::seconds(30));
    }
}
