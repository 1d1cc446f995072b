//! Enqueue, claim, finish, reclaim, retry and list.

use std::collections::HashSet;
use std::sync::Arc;

use crate::support::id;
use edugraph_store::{Claim, Finish, JobQuery, JobRecord, JobState, NewJob, Store};
use futures::future::join_all;
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub const T0: OffsetDateTime = datetime!(2030-01-01 08:00 UTC);
const LEASE: Duration = Duration::minutes(5);

/// A kind no other case uses.
pub fn kind() -> String {
    format!("test-{}", id())
}

pub fn new_job(kind: &str, run_at: OffsetDateTime) -> NewJob {
    NewJob {
        tenant: None,
        kind: kind.into(),
        payload: json!({}),
        run_at,
        max_attempts: 3,
        dedup_key: None,
    }
}

pub async fn claim(s: &dyn Store, kind: &str, now: OffsetDateTime, limit: u32) -> Vec<JobRecord> {
    s.claim_jobs(&Claim {
        kinds: &[kind],
        now,
        lease_until: now + LEASE,
        limit,
    })
    .await
    .unwrap()
}

pub fn success(job: &JobRecord, at: OffsetDateTime) -> Finish<'static> {
    Finish {
        id: job.id,
        attempt: job.attempts,
        at,
        error: None,
        retry_at: at,
        next: None,
    }
}

fn failure<'a>(job: &JobRecord, at: OffsetDateTime, error: &'a str) -> Finish<'a> {
    Finish {
        error: Some(error),
        retry_at: at + Duration::seconds(30),
        ..success(job, at)
    }
}

async fn state_of(s: &dyn Store, id: i64) -> JobState {
    s.job(id).await.unwrap().expect("job exists").state
}

pub async fn enqueued_jobs_are_claimed_when_due_and_completed_once(s: &dyn Store) {
    let k = kind();
    let mut first = new_job(&k, T0 + Duration::minutes(1));
    first.tenant = Some("t-1".into());
    first.payload = json!({"class": "c-1", "note": "é\"x"});
    let a = s.enqueue(&first, T0).await.unwrap().unwrap();
    let b = s
        .enqueue(&new_job(&k, T0 + Duration::minutes(2)), T0)
        .await
        .unwrap()
        .unwrap();
    let c = s
        .enqueue(&new_job(&k, T0 + Duration::minutes(3)), T0)
        .await
        .unwrap()
        .unwrap();
    let queued = s.job(a).await.unwrap().unwrap();
    assert_eq!(queued.state, JobState::Queued);
    assert_eq!((queued.attempts, queued.max_attempts), (0, 3));
    assert_eq!(queued.created_at, T0);
    assert_eq!(queued.lease_until, None);

    // Nothing is due before its run_at; another kind's claim sees nothing.
    assert!(claim(s, &k, T0, 10).await.is_empty());
    let later = T0 + Duration::minutes(10);
    assert!(claim(s, &kind(), later, 10).await.is_empty());

    // Earliest first, at most `limit`.
    let got = claim(s, &k, later, 2).await;
    assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), [a, b]);
    let job = &got[0];
    assert_eq!(job.state, JobState::Running);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.lease_until, Some(later + LEASE));
    assert_eq!(job.tenant.as_deref(), Some("t-1"));
    assert_eq!(job.payload, first.payload);
    assert_eq!(job.run_at, first.run_at);
    // Running jobs under a live lease are not claimable again.
    let rest = claim(s, &k, later, 10).await;
    assert_eq!(rest.iter().map(|j| j.id).collect::<Vec<_>>(), [c]);

    let done = later + Duration::seconds(1);
    assert_eq!(
        s.finish_job(&success(job, done)).await.unwrap(),
        Some(JobState::Succeeded)
    );
    let finished = s.job(a).await.unwrap().unwrap();
    assert_eq!(finished.state, JobState::Succeeded);
    assert_eq!(finished.finished_at, Some(done));
    assert_eq!(finished.lease_until, None);
    // A second finish changes nothing.
    assert_eq!(s.finish_job(&success(job, done)).await.unwrap(), None);
    // The unfinished ones come back once their leases pass; the finished one does not.
    let again = claim(s, &k, later + Duration::days(1), 10).await;
    assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), [b, c]);
    assert_eq!(state_of(s, a).await, JobState::Succeeded);
    assert_eq!(s.job(i64::MAX).await.unwrap(), None);
}

pub async fn concurrent_claimers_never_get_the_same_job(s: &dyn Store) {
    let k = kind();
    let mut ids = HashSet::new();
    for i in 0..24 {
        let job = new_job(&k, T0 + Duration::seconds(i));
        ids.insert(s.enqueue(&job, T0).await.unwrap().unwrap());
    }
    let now = T0 + Duration::minutes(1);
    let k = Arc::new(k);
    // Eight runners claim three at a time until nothing is left.
    let runners = (0..8).map(|_| {
        let k = k.clone();
        async move {
            let mut mine = Vec::new();
            loop {
                let got = claim(s, &k, now, 3).await;
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
        }
    });
    let claimed: Vec<i64> = join_all(runners).await.into_iter().flatten().collect();
    let distinct: HashSet<i64> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), distinct.len(), "a job was claimed twice");
    assert_eq!(distinct, ids);
}

pub async fn released_leases_are_claimed_at_once_and_only_of_the_given_kinds(s: &dyn Store) {
    let (k, other) = (kind(), kind());
    let id = s.enqueue(&new_job(&k, T0), T0).await.unwrap().unwrap();
    let other_id = s.enqueue(&new_job(&other, T0), T0).await.unwrap().unwrap();
    let first = claim(s, &k, T0, 1).await.remove(0);
    claim(s, &other, T0, 1).await;
    let later = T0 + Duration::seconds(10);
    assert!(claim(s, &k, later, 1).await.is_empty());
    // The server restarted: its killed predecessor's job is taken up now, another
    // kind's is left to its lease.
    assert_eq!(s.release_leases(&[&k], later).await.unwrap(), 1);
    let again = claim(s, &k, later, 1).await.remove(0);
    assert_eq!((again.id, again.attempts), (id, 2));
    assert!(claim(s, &other, later, 1).await.is_empty());
    assert_eq!(state_of(s, other_id).await, JobState::Running);
    // The killed attempt cannot finish what it no longer holds.
    assert_eq!(s.finish_job(&success(&first, later)).await.unwrap(), None);
    assert_eq!(
        s.finish_job(&success(&again, later)).await.unwrap(),
        Some(JobState::Succeeded)
    );
}

pub async fn a_job_whose_lease_passed_is_claimed_again(s: &dyn Store) {
    let k = kind();
    let id = s.enqueue(&new_job(&k, T0), T0).await.unwrap().unwrap();
    let first = claim(s, &k, T0, 1).await.remove(0);
    assert!(claim(s, &k, T0 + LEASE - Duration::seconds(1), 1)
        .await
        .is_empty());
    // The first runner died; once its lease passes the job is claimable again.
    let again = claim(s, &k, T0 + LEASE, 1).await.remove(0);
    assert_eq!((again.id, again.attempts), (id, 2));
    assert_eq!(again.lease_until, Some(T0 + LEASE + LEASE));
    // The first runner coming back late cannot finish what it no longer holds.
    assert_eq!(
        s.finish_job(&success(&first, T0 + LEASE)).await.unwrap(),
        None
    );
    assert_eq!(state_of(s, id).await, JobState::Running);
    assert_eq!(
        s.finish_job(&success(&again, T0 + LEASE)).await.unwrap(),
        Some(JobState::Succeeded)
    );
}

pub async fn failures_retry_at_the_given_time_then_fail(s: &dyn Store) {
    let k = kind();
    let id = s.enqueue(&new_job(&k, T0), T0).await.unwrap().unwrap();
    let mut now = T0;
    for attempt in 1..=3u32 {
        let job = claim(s, &k, now, 1).await.remove(0);
        assert_eq!(job.attempts, attempt);
        let error = format!("boom {attempt}");
        let f = failure(&job, now, &error);
        let state = s.finish_job(&f).await.unwrap();
        let stored = s.job(id).await.unwrap().unwrap();
        assert_eq!(stored.last_error.as_deref(), Some(error.as_str()));
        assert_eq!(stored.lease_until, None);
        if attempt < 3 {
            assert_eq!(state, Some(JobState::Queued));
            assert_eq!(stored.run_at, f.retry_at);
            assert_eq!(stored.finished_at, None);
            // Not before the retry time.
            assert!(claim(s, &k, f.retry_at - Duration::seconds(1), 1)
                .await
                .is_empty());
            now = f.retry_at;
        } else {
            assert_eq!(state, Some(JobState::Failed));
            assert_eq!(stored.finished_at, Some(now));
            assert_eq!(stored.attempts, 3);
        }
    }
    assert!(claim(s, &k, now + Duration::days(1), 1).await.is_empty());
    // A success after a failure keeps the last error for the operator.
    let id = s.enqueue(&new_job(&k, now), now).await.unwrap().unwrap();
    let job = claim(s, &k, now, 1).await.remove(0);
    s.finish_job(&failure(&job, now, "flaky")).await.unwrap();
    let job = claim(s, &k, now + Duration::minutes(1), 1).await.remove(0);
    s.finish_job(&success(&job, now)).await.unwrap();
    let stored = s.job(id).await.unwrap().unwrap();
    assert_eq!(stored.state, JobState::Succeeded);
    assert_eq!(stored.last_error.as_deref(), Some("flaky"));
}

pub async fn a_lease_passing_in_the_last_attempt_fails_the_job(s: &dyn Store) {
    let k = kind();
    let job = NewJob {
        max_attempts: 1,
        ..new_job(&k, T0)
    };
    let id = s.enqueue(&job, T0).await.unwrap().unwrap();
    assert_eq!(claim(s, &k, T0, 1).await.len(), 1);
    // The runner died in the only attempt: the job is not run a second time.
    assert!(claim(s, &k, T0 + LEASE, 1).await.is_empty());
    let stored = s.job(id).await.unwrap().unwrap();
    assert_eq!(stored.state, JobState::Failed);
    assert_eq!(stored.finished_at, Some(T0 + LEASE));
    assert!(stored.last_error.unwrap().contains("lease"));
}

pub async fn a_dedup_key_keeps_one_pending_job(s: &dyn Store) {
    let k = kind();
    let key = Some(format!("periodic-{}", id()));
    let job = NewJob {
        dedup_key: key.clone(),
        ..new_job(&k, T0)
    };
    let first = s.enqueue(&job, T0).await.unwrap().unwrap();
    assert_eq!(s.enqueue(&job, T0).await.unwrap(), None);
    let claimed = claim(s, &k, T0, 1).await.remove(0);
    // Running still holds the key.
    assert_eq!(s.enqueue(&job, T0).await.unwrap(), None);
    // Finishing enqueues the next run under the same key, in the same transaction.
    let next = NewJob {
        run_at: T0 + Duration::hours(1),
        ..job.clone()
    };
    let f = Finish {
        next: Some(&next),
        ..success(&claimed, T0)
    };
    assert_eq!(s.finish_job(&f).await.unwrap(), Some(JobState::Succeeded));
    let listed = s
        .jobs(&JobQuery {
            kind: Some(&k),
            limit: 10,
            ..JobQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    let queued = &listed[0];
    assert_ne!(queued.id, first);
    assert_eq!(queued.state, JobState::Queued);
    assert_eq!(queued.run_at, next.run_at);
    assert_eq!(queued.dedup_key, key);
    assert_eq!(s.enqueue(&job, T0).await.unwrap(), None);
    // A retry keeps the job pending, so no next run is enqueued beside it.
    let claimed = claim(s, &k, next.run_at, 1).await.remove(0);
    let f = Finish {
        next: Some(&next),
        ..failure(&claimed, next.run_at, "x")
    };
    assert_eq!(s.finish_job(&f).await.unwrap(), Some(JobState::Queued));
    assert_eq!(
        s.jobs(&JobQuery {
            kind: Some(&k),
            limit: 10,
            ..JobQuery::default()
        })
        .await
        .unwrap()
        .len(),
        2
    );
    // Other keys and no key are independent.
    let other = NewJob {
        dedup_key: Some(id()),
        ..job.clone()
    };
    assert!(s.enqueue(&other, T0).await.unwrap().is_some());
    assert!(s.enqueue(&new_job(&k, T0), T0).await.unwrap().is_some());
    assert!(s.enqueue(&new_job(&k, T0), T0).await.unwrap().is_some());
}

pub async fn the_list_filters_and_pages_newest_first(s: &dyn Store) {
    let (k, other) = (kind(), kind());
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(s.enqueue(&new_job(&k, T0), T0).await.unwrap().unwrap());
    }
    s.enqueue(&new_job(&other, T0), T0).await.unwrap().unwrap();
    let running = claim(s, &k, T0, 2).await;
    let of_kind = |state, before, limit| JobQuery {
        state,
        kind: Some(k.as_str()),
        before,
        limit,
    };
    let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
    assert_eq!(page(s, of_kind(None, None, 10)).await, newest_first);
    assert_eq!(page(s, of_kind(None, None, 2)).await, newest_first[..2]);
    assert_eq!(
        page(s, of_kind(None, Some(newest_first[1]), 2)).await,
        newest_first[2..4]
    );
    let mut running_ids: Vec<i64> = running.iter().map(|j| j.id).collect();
    running_ids.reverse();
    assert_eq!(
        page(s, of_kind(Some(JobState::Running), None, 10)).await,
        running_ids
    );
    assert_eq!(
        page(s, of_kind(Some(JobState::Queued), None, 10)).await,
        newest_first[..3]
    );
    assert!(page(s, of_kind(Some(JobState::Failed), None, 10))
        .await
        .is_empty());
}

async fn page(s: &dyn Store, q: JobQuery<'_>) -> Vec<i64> {
    s.jobs(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect()
}
