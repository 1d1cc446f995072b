//! The job half of the store: a durable queue of work the server does on its own (the
//! housekeeping purge now; scheduled publishing and School Data Sync later), and the
//! housekeeping purge itself. A third trait beside the entity and identity ones; every
//! `Store` is one.
//!
//! A job is `queued` until its `run_at`, then claimed by a runner, which sets it `running`
//! with a lease and counts the attempt. The runner finishes it `succeeded`, or on failure
//! puts it back `queued` for a later retry until its attempts are used up, then `failed`.
//! A `running` job whose lease has passed is claimable again, so the work of a process
//! that died is picked up by the next runner. Times come from the caller (the server's
//! injected clock) and are stored as RFC 3339 UTC text of one fixed shape, so they order
//! correctly as text on both backends.

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;

use crate::Result;

pub(crate) mod sql;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its `run_at` (first run or a retry).
    Queued,
    /// Claimed by a runner whose lease has not passed (or has, and nobody reclaimed it yet).
    Running,
    Succeeded,
    /// Every attempt failed; `last_error` says why the last one did.
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
    ];

    /// The stored (and listed) name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// The tenant the work concerns; `None` for server-wide work (housekeeping).
    pub tenant: Option<String>,
    /// Which handler runs it (`housekeeping`).
    pub kind: String,
    /// The handler's input.
    pub payload: Value,
    /// Not before this time.
    pub run_at: OffsetDateTime,
    /// Attempts before the job is `failed` (at least 1).
    pub max_attempts: u32,
    /// Server-wide: while a job with this key is queued or running, enqueueing another
    /// with the same key does nothing. A periodic job uses its kind, so it is scheduled
    /// once however many servers start.
    pub dedup_key: Option<String>,
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub id: i64,
    pub tenant: Option<String>,
    pub kind: String,
    pub payload: Value,
    pub run_at: OffsetDateTime,
    /// Claims so far, the running one included.
    pub attempts: u32,
    pub max_attempts: u32,
    pub state: JobState,
    /// Set while `running`: when another runner may take the job over.
    pub lease_until: Option<OffsetDateTime>,
    /// The error of the latest failed attempt (kept after a later success).
    pub last_error: Option<String>,
    pub dedup_key: Option<String>,
    pub created_at: OffsetDateTime,
    /// When it became `succeeded` or `failed`.
    pub finished_at: Option<OffsetDateTime>,
}

/// What a runner asks for when it claims.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// Only jobs of these kinds (the ones the runner has handlers for).
    pub kinds: &'a [&'a str],
    pub now: OffsetDateTime,
    /// The lease of every job claimed.
    pub lease_until: OffsetDateTime,
    /// At most this many jobs, earliest `run_at` first.
    pub limit: u32,
}

/// How a claimed attempt ended.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub id: i64,
    /// The job's `attempts` as claimed: a finish from a runner whose claim was taken over
    /// (its lease passed and another runner claimed the job) changes nothing.
    pub attempt: u32,
    pub at: OffsetDateTime,
    /// `None` when the attempt succeeded; the error otherwise.
    pub error: Option<&'a str>,
    /// When a failed attempt is retried, if attempts remain.
    pub retry_at: OffsetDateTime,
    /// Enqueued in the same transaction when the job ends `succeeded` or `failed` (the
    /// next run of a periodic job, under the same deduplication key).
    pub next: Option<&'a NewJob>,
}

/// A page of the job list, newest first.
#[derive(Debug, Clone, Default)]
pub struct JobQuery<'a> {
    pub state: Option<JobState>,
    pub kind: Option<&'a str>,
    /// Only jobs with a smaller id (the last id of the previous page).
    pub before: Option<i64>,
    pub limit: u32,
}

/// What a housekeeping purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub auth_codes: u64,
    /// Live and spent refresh tokens past their expiry.
    pub refresh_tokens: u64,
    pub jobs: u64,
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Adds a `queued` job and returns its id, or `None` when its deduplication key is
    /// held by a queued or running job (nothing is added then).
    async fn enqueue(&self, job: &NewJob, now: OffsetDateTime) -> Result<Option<i64>>;
    /// Claims due jobs in one transaction: `queued` ones whose `run_at` has come and
    /// `running` ones whose lease has passed, earliest first. Each is set `running` with
    /// the lease and its attempts counted. A job whose lease passed during its last
    /// attempt is set `failed` instead. Concurrent claimers never get the same job.
    async fn claim_jobs(&self, claim: &Claim<'_>) -> Result<Vec<JobRecord>>;
    /// Ends a claimed attempt and returns the job's new state (`succeeded`, `queued` for
    /// a retry, or `failed`), or `None` when the claim was no longer this runner's.
    async fn finish_job(&self, finish: &Finish<'_>) -> Result<Option<JobState>>;
    async fn job(&self, id: i64) -> Result<Option<JobRecord>>;
    async fn jobs(&self, query: &JobQuery<'_>) -> Result<Vec<JobRecord>>;
    /// Ends the lease of every `running` job of `kinds` at `now`, so the next claim takes
    /// them again (an attempt counted, as after any lost lease); returns how many. Only for a
    /// caller that knows no other runner is alive: a server that holds its SQLite data
    /// folder's lock at start, whose `running` jobs can only be a killed process's.
    async fn release_leases(&self, kinds: &[&str], now: OffsetDateTime) -> Result<u64>;

    // --- housekeeping -------------------------------------------------------------------
    /// Deletes, in one transaction, authorization codes and refresh tokens (live or
    /// spent) that expired before `now`, and jobs that finished before `finished_before`.
    async fn purge_expired(
        &self,
        now: OffsetDateTime,
        finished_before: OffsetDateTime,
    ) -> Result<Purged>;
}
