//! The School Data Sync jobs of beta's synchronization profiles:
//! - `sds-provision`: a new profile becomes `provisioned`;
//! - `sds-delete`: a profile in `deleting` is removed with its status, errors and
//!   uploaded files (the data it synced stays);
//! - `sds-sync`: one run of a profile's sync (`edugraph_edu::sync::run`), repeated by
//!   the runner after a crash (a `running` job whose lease passed is claimed again); a
//!   run that is no longer the profile's current one ends at once.
//!
//! The handlers enqueue them with [`enqueue`], which also wakes the runner so the work
//! starts without waiting for the next poll.

use edugraph_edu::sync::{profiles, run};
use edugraph_store::{JobRecord, NewJob, StoreError};
use serde_json::{json, Value};

use super::{HandlerFuture, Kind};
use crate::AppState;

pub const PROVISION: Kind = Kind {
    name: "sds-provision",
    max_attempts: 5,
    every: None,
    run: provision,
};

pub const DELETE: Kind = Kind {
    name: "sds-delete",
    max_attempts: 5,
    every: None,
    run: delete,
};

pub const SYNC: Kind = Kind {
    name: "sds-sync",
    max_attempts: 3,
    every: None,
    run: sync,
};

/// Enqueues a job of `kind` for profile `profile` of `tenant` and wakes the runner.
/// `run` and `confirmed` are a sync run's; one job per profile, kind and run is pending
/// at a time.
pub async fn enqueue(
    state: &AppState,
    kind: &Kind,
    tenant: &str,
    profile: &str,
    run: u64,
    confirmed: bool,
) -> Result<(), StoreError> {
    let now = state.clock().now();
    let job = NewJob {
        tenant: Some(tenant.to_string()),
        kind: kind.name.into(),
        payload: json!({"profile": profile, "run": run, "confirmed": confirmed}),
        run_at: now,
        max_attempts: kind.max_attempts,
        dedup_key: Some(format!("{}:{tenant}:{profile}:{run}", kind.name)),
    };
    state.store().enqueue(&job, now).await?;
    super::wake();
    Ok(())
}

/// The tenant and profile a job is for.
fn target(job: &JobRecord) -> anyhow::Result<(&str, &str)> {
    let tenant = job
        .tenant
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("a sync job without a tenant"))?;
    let profile = job
        .payload
        .get("profile")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow::anyhow!("a sync job without a profile"))?;
    Ok((tenant, profile))
}

fn provision<'a>(state: &'a AppState, job: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async move {
        let (tenant, profile) = target(job)?;
        profiles::provision(state.store(), tenant, profile).await?;
        Ok(())
    })
}

fn delete<'a>(state: &'a AppState, job: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async move {
        let (tenant, profile) = target(job)?;
        if profiles::finish_delete(state.store(), tenant, profile).await? {
            crate::sds::remove(state.config(), tenant, profile);
            tracing::info!(tenant, profile, "synchronization profile deleted");
        }
        Ok(())
    })
}

fn sync<'a>(state: &'a AppState, job: &'a JobRecord) -> HandlerFuture<'a> {
    Box::pin(async move {
        let (tenant, profile) = target(job)?;
        let number = job.payload.get("run").and_then(Value::as_u64).unwrap_or(0);
        let confirmed = job.payload.get("confirmed").and_then(Value::as_bool) == Some(true);
        let Some(dir) = crate::sds::dir(state.config(), tenant, profile) else {
            anyhow::bail!("profile {profile} cannot hold uploads");
        };
        let outcome = run::run(
            state.store(),
            tenant,
            profile,
            number,
            &dir,
            confirmed,
            state.clock(),
        )
        .await?;
        tracing::info!(tenant, profile, run = number, outcome = ?outcome, "sync run ended");
        Ok(())
    })
}
