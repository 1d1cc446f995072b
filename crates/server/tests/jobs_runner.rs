//! The job runner over a real store with a manual clock: a job runs when the clock reaches
//! it, failures retry with backoff and then fail, housekeeping purges and schedules its
//! next run, a restarted runner takes over a job whose lease passed, and the spawned loop
//! runs jobs and stops when told.

mod platform_support;

use std::sync::{Arc, Mutex};

use edugraph_edu::Clock;
use edugraph_server::config::Config;
use edugraph_server::jobs::{self, HandlerFuture, Kind, Runner, Settings};
use edugraph_server::AppState;
use edugraph_store::{AuthCodeRecord, JobQuery, JobRecord, JobState, NewJob, Store};
use platform_support::shared_keys;
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tokio::sync::Notify;

/// A clock the test moves by hand.
struct ManualClock(Mutex<OffsetDateTime>);

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

impl ManualClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

const START: OffsetDateTime = datetime!(2031-05-06 07:00 UTC);

fn state_over(store: Arc<dyn Store>, clock: &Arc<ManualClock>) -> AppState {
    AppState::new(Config::default(), store, clock.clone(), shared_keys())
}

async fn fresh() -> (AppState, Arc<ManualClock>) {
    let store = edugraph_store::open("sqlite::memory:").await.unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(START)));
    (state_over(store, &clock), clock)
}

fn settings() -> Settings {
    Settings {
        poll: std::time::Duration::from_millis(10),
        ..Settings::default()
    }
}

fn succeed<'a>(_: &'a AppState, _: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async { Ok(()) })
}

fn fail<'a>(_: &'a AppState, _: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async { Err(anyhow::anyhow!("the district's server said no")) })
}

fn panic<'a>(_: &'a AppState, job: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async move { panic!("handler bug on job {}", job.id) })
}

fn kind(name: &'static str, run: jobs::Handler) -> Kind {
    Kind {
        name,
        max_attempts: 3,
        every: None,
        run,
    }
}

async fn enqueue(state: &AppState, kind: &str, run_at: OffsetDateTime) -> i64 {
    let job = NewJob {
        tenant: None,
        kind: kind.into(),
        payload: json!({"n": 1}),
        run_at,
        max_attempts: 3,
        dedup_key: None,
    };
    let now = state.clock().now();
    state.store().enqueue(&job, now).await.unwrap().unwrap()
}

async fn job(state: &AppState, id: i64) -> JobRecord {
    state.store().job(id).await.unwrap().expect("job exists")
}

#[tokio::test]
async fn a_job_runs_when_the_clock_reaches_its_time() {
    let (state, clock) = fresh().await;
    let runner = Runner::new(state.clone(), vec![kind("ok", succeed)], settings());
    let id = enqueue(&state, "ok", START + Duration::minutes(10)).await;
    // Jobs of kinds the runner does not know are left alone.
    let foreign = enqueue(&state, "unknown", START).await;

    assert_eq!(runner.tick().await.unwrap(), 0);
    assert_eq!(job(&state, id).await.state, JobState::Queued);
    clock.advance(Duration::minutes(10));
    assert_eq!(runner.tick().await.unwrap(), 1);
    let done = job(&state, id).await;
    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.attempts, 1);
    assert_eq!(done.finished_at, Some(clock.now()));
    assert_eq!(runner.tick().await.unwrap(), 0);
    assert_eq!(job(&state, foreign).await.state, JobState::Queued);
}

#[tokio::test]
async fn failures_retry_with_backoff_then_fail() {
    let (state, clock) = fresh().await;
    let runner = Runner::new(
        state.clone(),
        vec![kind("fails", fail), kind("panics", panic)],
        settings(),
    );
    let id = enqueue(&state, "fails", START).await;
    for (attempt, wait) in [(1, 30), (2, 60)] {
        assert_eq!(runner.tick().await.unwrap(), 1);
        let j = job(&state, id).await;
        assert_eq!((j.state, j.attempts), (JobState::Queued, attempt));
        assert_eq!(j.run_at, clock.now() + Duration::seconds(wait));
        assert_eq!(
            j.last_error.as_deref(),
            Some("the district's server said no")
        );
        // Not retried before the backoff has passed.
        clock.advance(Duration::seconds(wait - 1));
        assert_eq!(runner.tick().await.unwrap(), 0);
        clock.advance(Duration::seconds(1));
    }
    assert_eq!(runner.tick().await.unwrap(), 1);
    let j = job(&state, id).await;
    assert_eq!((j.state, j.attempts), (JobState::Failed, 3));
    assert_eq!(j.finished_at, Some(clock.now()));
    clock.advance(Duration::days(1));
    assert_eq!(runner.tick().await.unwrap(), 0);

    // A panicking handler fails its attempt; the runner carries on.
    let id = enqueue(&state, "panics", clock.now()).await;
    assert_eq!(runner.tick().await.unwrap(), 1);
    let j = job(&state, id).await;
    assert_eq!(j.state, JobState::Queued);
    assert_eq!(j.last_error.as_deref(), Some("the handler panicked"));
}

fn code(expires: OffsetDateTime) -> AuthCodeRecord {
    AuthCodeRecord {
        code_hash: uuid::Uuid::new_v4().to_string(),
        tenant: "t".into(),
        client_id: "c".into(),
        user_id: "u".into(),
        redirect_uri: "http://localhost/cb".into(),
        scopes: vec![],
        code_challenge: None,
        challenge_method: None,
        nonce: None,
        expires_at: edugraph_server::authority::mint::stamp(expires),
    }
}

#[tokio::test]
async fn housekeeping_purges_expired_codes_and_schedules_its_next_run() {
    let (state, clock) = fresh().await;
    let (old, live) = (
        code(START - Duration::seconds(1)),
        code(START + Duration::hours(1)),
    );
    state.store().put_auth_code(&old).await.unwrap();
    state.store().put_auth_code(&live).await.unwrap();
    let runner = Runner::new(state.clone(), jobs::kinds(), settings());
    // Scheduling twice (two starts, or two servers) leaves one pending run.
    runner.schedule_periodic().await.unwrap();
    runner.schedule_periodic().await.unwrap();
    let listed = |state: AppState| async move {
        state
            .store()
            .jobs(&JobQuery {
                kind: Some("housekeeping"),
                limit: 10,
                ..JobQuery::default()
            })
            .await
            .unwrap()
    };
    assert_eq!(listed(state.clone()).await.len(), 1);

    assert_eq!(runner.tick().await.unwrap(), 1);
    let store = state.store();
    assert_eq!(store.take_auth_code(&old.code_hash).await.unwrap(), None);
    assert!(store
        .take_auth_code(&live.code_hash)
        .await
        .unwrap()
        .is_some());
    let all = listed(state.clone()).await;
    assert_eq!(all.len(), 2);
    let (next, done) = (&all[0], &all[1]);
    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(next.state, JobState::Queued);
    assert_eq!(next.run_at, START + Duration::minutes(15));
    assert_eq!(next.dedup_key.as_deref(), Some("housekeeping"));
    runner.schedule_periodic().await.unwrap();
    assert_eq!(listed(state.clone()).await.len(), 2);

    assert_eq!(runner.tick().await.unwrap(), 0);
    clock.advance(Duration::minutes(15));
    assert_eq!(runner.tick().await.unwrap(), 1);
    assert_eq!(listed(state.clone()).await.len(), 3);
}

static HANG_STARTED: Notify = Notify::const_new();

fn hang<'a>(_: &'a AppState, _: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async {
        HANG_STARTED.notify_one();
        std::future::pending().await
    })
}

#[tokio::test]
async fn a_restarted_runner_takes_over_a_job_whose_lease_passed() {
    let path = std::env::temp_dir().join(format!("edugraph-jobs-{}.db", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}", path.display());
    let clock = Arc::new(ManualClock(Mutex::new(START)));
    let state = state_over(edugraph_store::open(&url).await.unwrap(), &clock);
    let id = enqueue(&state, "sync", START).await;

    // The first server claims the job and dies in the middle of it.
    let first = Runner::new(state.clone(), vec![kind("sync", hang)], settings());
    let crashed = tokio::spawn(async move { first.tick().await });
    HANG_STARTED.notified().await;
    crashed.abort();
    assert!(crashed.await.unwrap_err().is_cancelled());
    drop(state);

    // The restarted server opens the same database.
    let state = state_over(edugraph_store::open(&url).await.unwrap(), &clock);
    let held = job(&state, id).await;
    assert_eq!((held.state, held.attempts), (JobState::Running, 1));
    let second = Runner::new(state.clone(), vec![kind("sync", succeed)], settings());
    assert_eq!(second.tick().await.unwrap(), 0, "the lease still holds");
    clock.advance(Settings::default().lease);
    assert_eq!(second.tick().await.unwrap(), 1);
    let done = job(&state, id).await;
    assert_eq!((done.state, done.attempts), (JobState::Succeeded, 2));
    drop(state);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

static POLLED_RUN: Notify = Notify::const_new();

fn signal<'a>(_: &'a AppState, _: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async {
        POLLED_RUN.notify_one();
        Ok(())
    })
}

#[tokio::test]
async fn the_spawned_runner_polls_until_stopped() {
    let (state, clock) = fresh().await;
    let handle = Runner::new(state.clone(), vec![kind("signal", signal)], settings()).spawn();
    enqueue(&state, "signal", START + Duration::hours(1)).await;
    clock.advance(Duration::hours(1));
    // The loop's own polling finds the job once the clock reaches it.
    POLLED_RUN.notified().await;
    handle.stop(std::time::Duration::from_secs(60)).await;
}
