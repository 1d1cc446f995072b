//! SQL shared by both backends' job stores (`$n` placeholders work in both), the row
//! conversions, and `job_store_impl!`, the one implementation of [`JobStore`] both
//! backends expand. A backend supplies only what differs: how it opens a write
//! transaction for server-wide rows (`global_write`), how a bound JSON array of kinds
//! becomes a set (`KINDS`) and the row-locking clause of a claim (`LOCK`: `FOR UPDATE
//! SKIP LOCKED` on PostgreSQL; nothing on SQLite, whose one writer makes the claim atomic).
//!
//! [`JobStore`]: crate::jobs::JobStore

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::conflict::other;
use crate::jobs::{JobRecord, JobState};
use crate::Result;

/// A time as the job table (and the identity records' expiries) store it: UTC with seven
/// fraction digits, one shape, so text order is time order.
pub(crate) fn stamp(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z");
    at.to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

fn parse_time(text: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| other(format!("stored job time {text:?} is not RFC 3339: {e}")))
}

/// The kinds a claim asks for, bound as one JSON array.
pub(crate) fn kinds_json(kinds: &[&str]) -> String {
    Value::from(kinds.to_vec()).to_string()
}

/// Binds tenant, kind, payload, run_at, max_attempts, dedup_key, created_at. Returns no
/// row when the deduplication key is held by a pending job.
pub(crate) const ENQUEUE: &str = "INSERT INTO jobs (tenant_id, kind, payload, run_at, \
     max_attempts, state, dedup_key, created_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7) \
     ON CONFLICT DO NOTHING RETURNING id";

const COLUMNS: &str = "id, tenant_id, kind, payload, run_at, attempts, max_attempts, state, \
     lease_until, last_error, dedup_key, created_at, finished_at";

/// The jobs of the kinds `$1` due at time `$2`: to claim, or to fail when their lease
/// passed during the last attempt.
fn due(kinds: &str) -> String {
    format!(
        "kind IN ({kinds}) \
         AND ((state = 'queued' AND run_at <= $2) OR (state = 'running' AND lease_until <= $2))"
    )
}

/// Binds kinds, now: one row when anything is due (read before taking a write lock).
pub(crate) fn any_due_sql(kinds: &str) -> String {
    format!("SELECT id FROM jobs WHERE {} LIMIT 1", due(kinds))
}

/// Binds kinds, now, error: jobs whose lease passed during their last attempt fail.
pub(crate) fn expire_sql(kinds: &str) -> String {
    format!(
        "UPDATE jobs SET state = 'failed', finished_at = $2, lease_until = NULL, last_error = $3 \
         WHERE kind IN ({kinds}) AND state = 'running' AND lease_until <= $2 \
         AND attempts >= max_attempts"
    )
}

/// What a job that ran out of attempts by losing its lease records as its error.
pub(crate) const EXPIRED_ERROR: &str =
    "the lease passed during the last attempt (the runner stopped or crashed)";

/// Binds kinds, now: the running jobs of those kinds have their leases end then.
pub(crate) fn release_leases_sql(kinds: &str) -> String {
    format!(
        "UPDATE jobs SET lease_until = $2 \
         WHERE kind IN ({kinds}) AND state = 'running' AND lease_until > $2"
    )
}

/// Binds kinds, now, lease_until, limit.
pub(crate) fn claim_sql(kinds: &str, lock: &str) -> String {
    format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE {} AND attempts < max_attempts \
         ORDER BY run_at, id LIMIT $4 {lock}) \
         RETURNING {COLUMNS}",
        due(kinds)
    )
}

/// Binds id, attempt, at, error (NULL on success), retry_at; returns the new state, no row
/// when the job is not running under that attempt.
pub(crate) const FINISH: &str = "UPDATE jobs SET \
     state = CASE WHEN $4 IS NULL THEN 'succeeded' WHEN attempts < max_attempts THEN 'queued' \
     ELSE 'failed' END, \
     run_at = CASE WHEN $4 IS NOT NULL AND attempts < max_attempts THEN $5 ELSE run_at END, \
     finished_at = CASE WHEN $4 IS NOT NULL AND attempts < max_attempts THEN NULL ELSE $3 END, \
     last_error = COALESCE($4, last_error), lease_until = NULL \
     WHERE id = $1 AND state = 'running' AND attempts = $2 RETURNING state";

pub(crate) fn job_sql() -> String {
    format!("SELECT {COLUMNS} FROM jobs WHERE id = $1")
}

/// Binds state (or NULL), kind (or NULL), before, limit.
pub(crate) fn list_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM jobs WHERE ($1 IS NULL OR state = $1) \
         AND ($2 IS NULL OR kind = $2) AND id < $3 ORDER BY id DESC LIMIT $4"
    )
}

/// Binds a time.
pub(crate) const PURGE_CODES: &str = "DELETE FROM auth_codes WHERE expires_at < $1";
/// Binds a time.
pub(crate) const PURGE_JOBS: &str =
    "DELETE FROM jobs WHERE state IN ('succeeded', 'failed') AND finished_at < $1";

pub(crate) type JobRow = (
    i64,
    Option<String>,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

pub(crate) fn state_from(name: &str) -> Result<JobState> {
    JobState::parse(name).ok_or_else(|| other(format!("stored job state {name:?} is unknown")))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(crate) fn job_from(row: JobRow) -> Result<JobRecord> {
    let (
        id,
        tenant,
        kind,
        payload,
        run_at,
        attempts,
        max_attempts,
        state,
        lease_until,
        last_error,
        dedup_key,
        created_at,
        finished_at,
    ) = row;
    Ok(JobRecord {
        id,
        tenant,
        kind,
        payload: serde_json::from_str(&payload)
            .map_err(|e| other(format!("stored job payload is not JSON: {e}")))?,
        run_at: parse_time(&run_at)?,
        attempts: count(attempts),
        max_attempts: count(max_attempts),
        state: state_from(&state)?,
        lease_until: lease_until.as_deref().map(parse_time).transpose()?,
        last_error,
        dedup_key,
        created_at: parse_time(&created_at)?,
        finished_at: finished_at.as_deref().map(parse_time).transpose()?,
    })
}

/// Claimed rows come back from `RETURNING` in no particular order.
pub(crate) fn claimed(rows: Vec<JobRow>) -> Result<Vec<JobRecord>> {
    let mut jobs = rows.into_iter().map(job_from).collect::<Result<Vec<_>>>()?;
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

/// Implements `JobStore` for a backend type (over the sqlx database type) that has a
/// `pool` and a `global_write(&self) -> Result<(guard, transaction)>` method, given the SQL
/// of the kinds set and the claim's locking clause.
macro_rules! job_store_impl {
    ($store:ty, $db:ty, kinds = $kinds:expr, lock = $lock:expr) => {
        #[async_trait::async_trait]
        impl $crate::jobs::JobStore for $store {
            async fn enqueue(
                &self,
                job: &$crate::jobs::NewJob,
                now: time::OffsetDateTime,
            ) -> $crate::Result<Option<i64>> {
                let (_turn, mut tx) = self.global_write().await?;
                let id = enqueue_in(&mut tx, job, now).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn claim_jobs(
                &self,
                claim: &$crate::jobs::Claim<'_>,
            ) -> $crate::Result<Vec<$crate::jobs::JobRecord>> {
                use $crate::jobs::sql;
                let kinds = sql::kinds_json(claim.kinds);
                let now = sql::stamp(claim.now);
                // Most polls find nothing: ask before taking the write lock.
                let any: Option<i64> = sqlx::query_scalar(&sql::any_due_sql($kinds))
                    .bind(&kinds)
                    .bind(&now)
                    .fetch_optional(&self.pool)
                    .await?;
                if any.is_none() {
                    return Ok(Vec::new());
                }
                let (_turn, mut tx) = self.global_write().await?;
                sqlx::query(&sql::expire_sql($kinds))
                    .bind(&kinds)
                    .bind(&now)
                    .bind(sql::EXPIRED_ERROR)
                    .execute(&mut *tx)
                    .await?;
                let rows: Vec<sql::JobRow> = sqlx::query_as(&sql::claim_sql($kinds, $lock))
                    .bind(&kinds)
                    .bind(&now)
                    .bind(sql::stamp(claim.lease_until))
                    .bind(i64::from(claim.limit))
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                sql::claimed(rows)
            }

            async fn finish_job(
                &self,
                f: &$crate::jobs::Finish<'_>,
            ) -> $crate::Result<Option<$crate::jobs::JobState>> {
                use $crate::jobs::{sql, JobState};
                let (_turn, mut tx) = self.global_write().await?;
                let state: Option<String> = sqlx::query_scalar(sql::FINISH)
                    .bind(f.id)
                    .bind(i64::from(f.attempt))
                    .bind(sql::stamp(f.at))
                    .bind(f.error)
                    .bind(sql::stamp(f.retry_at))
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(state) = state.as_deref().map(sql::state_from).transpose()? else {
                    return Ok(None);
                };
                if let (JobState::Succeeded | JobState::Failed, Some(next)) = (state, f.next) {
                    enqueue_in(&mut tx, next, f.at).await?;
                }
                tx.commit().await?;
                Ok(Some(state))
            }

            async fn job(&self, id: i64) -> $crate::Result<Option<$crate::jobs::JobRecord>> {
                use $crate::jobs::sql;
                let row: Option<sql::JobRow> = sqlx::query_as(&sql::job_sql())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(sql::job_from).transpose()
            }

            async fn jobs(
                &self,
                q: &$crate::jobs::JobQuery<'_>,
            ) -> $crate::Result<Vec<$crate::jobs::JobRecord>> {
                use $crate::jobs::sql;
                let rows: Vec<sql::JobRow> = sqlx::query_as(&sql::list_sql())
                    .bind(q.state.map(|s| s.as_str()))
                    .bind(q.kind)
                    .bind(q.before.unwrap_or(i64::MAX))
                    .bind(i64::from(q.limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(sql::job_from).collect()
            }

            async fn release_leases(
                &self,
                kinds: &[&str],
                now: time::OffsetDateTime,
            ) -> $crate::Result<u64> {
                use $crate::jobs::sql;
                let (_turn, mut tx) = self.global_write().await?;
                let released = sqlx::query(&sql::release_leases_sql($kinds))
                    .bind(sql::kinds_json(kinds))
                    .bind(sql::stamp(now))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(released)
            }

            async fn purge_expired(
                &self,
                now: time::OffsetDateTime,
                finished_before: time::OffsetDateTime,
            ) -> $crate::Result<$crate::jobs::Purged> {
                use $crate::jobs::sql;
                let now = sql::stamp(now);
                let (_turn, mut tx) = self.global_write().await?;
                let mut deleted = [0u64; 3];
                let purges = [
                    (sql::PURGE_CODES, now.clone()),
                    ($crate::identity::sql::PURGE_REFRESH, now),
                    (sql::PURGE_JOBS, sql::stamp(finished_before)),
                ];
                for (n, (statement, at)) in deleted.iter_mut().zip(purges) {
                    *n = sqlx::query(statement)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                tx.commit().await?;
                let [auth_codes, refresh_tokens, jobs] = deleted;
                Ok($crate::jobs::Purged {
                    auth_codes,
                    refresh_tokens,
                    jobs,
                })
            }
        }

        /// Inserts a job inside an open write transaction.
        async fn enqueue_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            job: &$crate::jobs::NewJob,
            now: time::OffsetDateTime,
        ) -> $crate::Result<Option<i64>> {
            use $crate::jobs::sql;
            Ok(sqlx::query_scalar(sql::ENQUEUE)
                .bind(&job.tenant)
                .bind(&job.kind)
                .bind(job.payload.to_string())
                .bind(sql::stamp(job.run_at))
                .bind(i64::from(job.max_attempts.max(1)))
                .bind(&job.dedup_key)
                .bind(sql::stamp(now))
                .fetch_optional(&mut **tx)
                .await?)
        }
    };
}
pub(crate) use job_store_impl;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn stamps_have_one_shape_and_order_as_text() {
        let a = datetime!(2025-03-04 05:06:07 +02:00);
        assert_eq!(stamp(a), "2025-03-04T03:06:07.0000000Z");
        let b = a + time::Duration::nanoseconds(100);
        assert!(stamp(a) < stamp(b));
        assert!(stamp(b) < stamp(a + time::Duration::seconds(1)));
        assert_eq!(parse_time(&stamp(b)).unwrap(), b);
    }

    #[test]
    fn states_round_trip() {
        for s in JobState::ALL {
            assert_eq!(state_from(s.as_str()).unwrap(), s);
        }
        assert!(state_from("done").is_err());
    }
}
