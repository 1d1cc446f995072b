//! The job half of the store contract (`JobStore`): enqueue and claim, concurrent
//! claimers, lease expiry and reclaim, retries and final failure, deduplication keys, the
//! operator listing and the housekeeping purge. Runs on the same backends as the entity
//! contract (SQLite in memory and in a file, PostgreSQL when `EDUGRAPH_TEST_PG_URL` is
//! set). Every case uses kinds of its own, so cases sharing a PostgreSQL database never
//! claim each other's jobs.

#[allow(dead_code)]
#[path = "../contract/support.rs"]
mod support;

mod cases;
mod purge;

use support::backends;

/// One `#[tokio::test]` per case, running it on every backend in turn.
macro_rules! contract {
    ($($module:ident :: $case:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            for backend in backends().await {
                eprintln!("{} on {}", stringify!($case), backend.name);
                $module::$case(&*backend.store).await;
                backend.cleanup();
            }
        }
    )*};
}

contract! {
    cases::enqueued_jobs_are_claimed_when_due_and_completed_once,
    cases::concurrent_claimers_never_get_the_same_job,
    cases::a_job_whose_lease_passed_is_claimed_again,
    cases::released_leases_are_claimed_at_once_and_only_of_the_given_kinds,
    cases::failures_retry_at_the_given_time_then_fail,
    cases::a_lease_passing_in_the_last_attempt_fails_the_job,
    cases::a_dedup_key_keeps_one_pending_job,
    cases::the_list_filters_and_pages_newest_first,
    purge::purge_deletes_expired_codes_tokens_and_old_jobs,
}
