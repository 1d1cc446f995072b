//! The use cases of beta's synchronization profiles: create, replace and patch a
//! profile, its provisioning and asynchronous deletion, and the life of its status
//! (`profileStatus`) from `start` to `success`, through `pause`, `resume`, `reset`,
//! quarantine and `confirm`. The sync itself is [`run`](super::run); handlers and jobs
//! call these and render or schedule.
//!
//! A profile's status is its own stored entity (id: the profile's), contained in the
//! profile, so deleting the profile deletes it and its errors with it. Besides Graph's
//! members it carries edugraph's instance annotations (clients ignore them):
//! `@edugraph.run`, the number of the sync run the status belongs to (every `start`,
//! `resume` and `confirm` begins a new one, so a job of an earlier run stops at its
//! next check), `@edugraph.progress` (records processed and total per entity) and
//! `@edugraph.plan` (the plan's summary rows, kept while a plan is quarantined).
//!
//! Choices where Graph says nothing ([inferred], docs/sync-profiles.md):
//! - a profile that has never synced reports `paused` with a message saying so (the
//!   status enumeration has no "not started");
//! - `pause` is accepted only while a sync is in progress, `resume` only while paused
//!   after a started sync, `confirm` only while quarantined (else 409);
//! - `reset` clears the errors and a held plan and returns to the not-started state;
//!   nothing in the directory changes and the uploaded files stay.

use edugraph_store::{Doc, EntityKind, ListQuery, Scope, Store, StoreError, UnitOfWork};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::profile::{self, ProfileState};
use crate::roster::RuleError;
use crate::writes::{self, IfMatch, WriteError};

/// The sync stops recording (and syncing) after this many failed records, as SDS did.
pub const ERROR_LIMIT: usize = 15_000;

const STATUS_TYPE: &str = "#microsoft.graph.educationSynchronizationProfileStatus";
const ERROR_TYPE: &str = "#microsoft.graph.educationSynchronizationError";
/// The status member numbering runs (beyond Graph).
pub const RUN: &str = "@edugraph.run";
/// Status message of a profile that has never synced.
pub const NOT_STARTED: &str = "No synchronization has started yet.";

/// `profileStatus.status` (`educationSynchronizationStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Paused,
    InProgress,
    Success,
    Error,
    ValidationError,
    Quarantined,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Paused,
        Status::InProgress,
        Status::Success,
        Status::Error,
        Status::ValidationError,
        Status::Quarantined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Paused => "paused",
            Status::InProgress => "inProgress",
            Status::Success => "success",
            Status::Error => "error",
            Status::ValidationError => "validationError",
            Status::Quarantined => "quarantined",
        }
    }

    /// The status a stored status document records.
    pub fn of(doc: &Value) -> Option<Status> {
        let s = doc.get("status")?.as_str()?;
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// The run a stored status document belongs to.
pub fn run_of(doc: &Value) -> u64 {
    doc.get(RUN).and_then(Value::as_u64).unwrap_or(0)
}

fn stamp(now: OffsetDateTime) -> String {
    now.format(&Rfc3339).unwrap_or_default()
}

fn conflict(message: String) -> WriteError {
    WriteError::Conflict(message)
}

/// Creates profile `id` from a create body, in state `provisioning`, with its status
/// (never synced): one unit of work.
pub async fn create(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    body: &Map<String, Value>,
    verified: &[String],
    now: OffsetDateTime,
) -> Result<Doc, WriteError> {
    let doc = profile::new_profile(body, id, verified)?;
    let status = json!({
        "@odata.type": STATUS_TYPE,
        "id": id,
        "status": Status::Paused.as_str(),
        "statusMessage": NOT_STARTED,
        "errorCount": 0,
        "lastActivityDateTime": stamp(now),
        "lastSynchronizationDateTime": null,
        RUN: 0,
    });
    let work = UnitOfWork::new()
        .create(EntityKind::SyncProfile, doc)
        .create_in(EntityKind::SyncStatus, id, status);
    let docs = store
        .apply(tenant, &work)
        .await
        .map_err(WriteError::Store)?;
    docs.into_iter().next().ok_or(WriteError::NotFound)
}

/// `PUT`: the body's configuration replaces the profile's (its id and state kept).
pub async fn replace(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    body: &Map<String, Value>,
    verified: &[String],
    if_match: Option<&IfMatch>,
) -> Result<Doc, WriteError> {
    writes::update(
        store,
        tenant,
        EntityKind::SyncProfile,
        id,
        if_match,
        None,
        |cur| profile::replaced_profile(cur, body, verified),
    )
    .await
}

/// `PATCH`: the body's members replace the profile's members of the same name; the
/// result must still be a valid profile.
pub async fn patch(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    body: &Map<String, Value>,
    verified: &[String],
    if_match: Option<&IfMatch>,
) -> Result<Doc, WriteError> {
    writes::update(
        store,
        tenant,
        EntityKind::SyncProfile,
        id,
        if_match,
        None,
        |cur| {
            let mut merged = cur.as_object().cloned().unwrap_or_default();
            for (k, v) in body {
                merged.insert(k.clone(), v.clone());
            }
            profile::replaced_profile(cur, &merged, verified)
        },
    )
    .await
}

/// Moves the profile to `to` if it is in `from`; `Ok(false)` when it was not (or is gone).
async fn move_state(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    from: &[ProfileState],
    to: ProfileState,
) -> Result<bool, WriteError> {
    let mut moved = false;
    let result = writes::update(
        store,
        tenant,
        EntityKind::SyncProfile,
        id,
        None,
        None,
        |cur| {
            moved = ProfileState::of(cur).is_some_and(|s| from.contains(&s));
            Ok(if moved {
                profile::with_state(cur, to)
            } else {
                cur.clone()
            })
        },
    )
    .await;
    match result {
        Ok(_) => Ok(moved),
        Err(WriteError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The provisioning job's work: `provisioning` → `provisioned`.
pub async fn provision(store: &dyn Store, tenant: &str, id: &str) -> Result<bool, WriteError> {
    use ProfileState::*;
    move_state(
        store,
        tenant,
        id,
        &[Provisioning, ProvisioningFailed],
        Provisioned,
    )
    .await
}

/// `DELETE`: the profile goes to `deleting`; the deletion job removes it. Synced data
/// stays.
pub async fn begin_delete(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    if_match: Option<&IfMatch>,
) -> Result<(), WriteError> {
    writes::update(
        store,
        tenant,
        EntityKind::SyncProfile,
        id,
        if_match,
        None,
        |cur| Ok(profile::with_state(cur, ProfileState::Deleting)),
    )
    .await
    .map(|_| ())
}

/// The deletion job's work: a profile in `deleting` is deleted with its status and
/// errors (the store's containment cascade). `Ok(false)` when there was nothing to do.
pub async fn finish_delete(store: &dyn Store, tenant: &str, id: &str) -> Result<bool, WriteError> {
    let Some(doc) = store.get(tenant, EntityKind::SyncProfile, id).await? else {
        return Ok(false);
    };
    let current: Value = serde_json::from_str(&doc.json).unwrap_or_default();
    if ProfileState::of(&current) != Some(ProfileState::Deleting) {
        return Ok(false);
    }
    writes::delete(store, tenant, EntityKind::SyncProfile, id, None).await?;
    Ok(true)
}

/// The profile's document, parsed.
pub async fn profile_doc(store: &dyn Store, tenant: &str, id: &str) -> Result<Value, WriteError> {
    let doc = store
        .get(tenant, EntityKind::SyncProfile, id)
        .await?
        .ok_or(WriteError::NotFound)?;
    serde_json::from_str(&doc.json).map_err(|e| WriteError::Store(StoreError::Other(Box::new(e))))
}

/// The profile's status document.
pub async fn status(store: &dyn Store, tenant: &str, id: &str) -> Result<Doc, WriteError> {
    store
        .get(tenant, EntityKind::SyncStatus, id)
        .await?
        .ok_or(WriteError::NotFound)
}

/// The profile must be provisioned for its sync to be driven.
pub async fn require_provisioned(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Value, WriteError> {
    let doc = profile_doc(store, tenant, id).await?;
    match ProfileState::of(&doc) {
        Some(ProfileState::Provisioned) => Ok(doc),
        state => Err(conflict(format!(
            "The synchronization profile {id} is {}; it must be provisioned.",
            state.map_or("in an unknown state", ProfileState::as_str)
        ))),
    }
}

/// Rewrites the status with `change` (compare-and-swap, retried).
pub async fn update_status(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    now: OffsetDateTime,
    mut change: impl FnMut(&mut Map<String, Value>) -> Result<(), RuleError> + Send,
) -> Result<Doc, WriteError> {
    writes::update(
        store,
        tenant,
        EntityKind::SyncStatus,
        id,
        None,
        None,
        |cur| {
            let mut doc = cur.as_object().cloned().unwrap_or_default();
            change(&mut doc)?;
            doc.insert("lastActivityDateTime".into(), json!(stamp(now)));
            Ok(Value::Object(doc))
        },
    )
    .await
}

/// Sets `status` and its message on a status document.
pub fn set(doc: &mut Map<String, Value>, status: Status, message: &str) {
    doc.insert("status".into(), json!(status.as_str()));
    doc.insert("statusMessage".into(), json!(message));
}

/// Begins a new sync run (after `start`, `resume`, `confirm`): status `inProgress`,
/// the run number moved on. Returns the new run's number, for the job.
pub async fn begin_run(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    now: OffsetDateTime,
    message: &str,
) -> Result<u64, WriteError> {
    let doc = update_status(store, tenant, id, now, |doc| {
        let next = doc.get(RUN).and_then(Value::as_u64).unwrap_or(0) + 1;
        doc.insert(RUN.into(), json!(next));
        set(doc, Status::InProgress, message);
        Ok(())
    })
    .await?;
    let value: Value = serde_json::from_str(&doc.json).unwrap_or_default();
    Ok(run_of(&value))
}

/// Checks the status is `want` before an action; 409 naming the status otherwise.
pub async fn require_status(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    want: &[Status],
    action: &str,
) -> Result<Value, WriteError> {
    let doc = status(store, tenant, id).await?;
    let value: Value = serde_json::from_str(&doc.json).unwrap_or_default();
    let current = Status::of(&value);
    match current {
        Some(s) if want.contains(&s) => Ok(value),
        _ => Err(conflict(format!(
            "Cannot {action} the synchronization of profile {id}: its status is {}.",
            current.map_or("unknown", Status::as_str)
        ))),
    }
}

/// `pause`: a sync in progress stops after its current unit of work.
pub async fn pause(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    now: OffsetDateTime,
) -> Result<(), WriteError> {
    require_provisioned(store, tenant, id).await?;
    require_status(store, tenant, id, &[Status::InProgress], "pause").await?;
    update_status(store, tenant, id, now, |doc| {
        set(doc, Status::Paused, "Paused by an administrator.");
        Ok(())
    })
    .await
    .map(|_| ())
}

/// `resume`: a paused sync starts again (a new run). Returns the run number.
pub async fn resume(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    now: OffsetDateTime,
) -> Result<u64, WriteError> {
    require_provisioned(store, tenant, id).await?;
    let current = require_status(store, tenant, id, &[Status::Paused], "resume").await?;
    // Paused but never started (or reset since): there is no sync to resume.
    if current.get("statusMessage").and_then(Value::as_str) == Some(NOT_STARTED) {
        return Err(conflict(format!(
            "Cannot resume the synchronization of profile {id}: it has not started."
        )));
    }
    begin_run(store, tenant, id, now, "Resumed.").await
}

/// `confirm` (beyond Graph): a quarantined plan is applied despite the threshold.
pub async fn confirm(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    now: OffsetDateTime,
) -> Result<u64, WriteError> {
    require_provisioned(store, tenant, id).await?;
    require_status(store, tenant, id, &[Status::Quarantined], "confirm").await?;
    begin_run(store, tenant, id, now, "Confirmed by an administrator.").await
}

/// `reset`: recorded errors and a held plan are cleared and the profile returns to the
/// not-started state; nothing in the directory changes.
pub async fn reset(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    now: OffsetDateTime,
) -> Result<(), WriteError> {
    require_provisioned(store, tenant, id).await?;
    clear_errors(store, tenant, id).await?;
    update_status(store, tenant, id, now, |doc| {
        let next = doc.get(RUN).and_then(Value::as_u64).unwrap_or(0) + 1;
        doc.insert(RUN.into(), json!(next));
        set(doc, Status::Paused, NOT_STARTED);
        doc.insert("errorCount".into(), json!(0));
        doc.remove("@edugraph.plan");
        doc.remove("@edugraph.progress");
        Ok(())
    })
    .await
    .map(|_| ())
}

/// One record a sync could not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRecord {
    /// `school`, `section`, `student`, `teacher`, ...
    pub entry_type: String,
    pub error_code: String,
    pub message: String,
    /// The record's key in the files (its SIS ID).
    pub joining_value: String,
    pub file: String,
    pub line: u64,
}

/// Deletes every recorded error of the profile.
pub async fn clear_errors(store: &dyn Store, tenant: &str, id: &str) -> Result<(), WriteError> {
    loop {
        let query = ListQuery {
            kind: EntityKind::SyncError,
            scope: Scope::Children(id.to_string()),
            filter: None,
            orderby: &[],
            skip: 0,
            limit: 1_000,
            count: false,
        };
        let page = store.list(tenant, &query).await?;
        if page.items.is_empty() {
            return Ok(());
        }
        let mut work = UnitOfWork::new();
        for doc in &page.items {
            let value: Value = serde_json::from_str(&doc.json).unwrap_or_default();
            if let Some(eid) = value.get("id").and_then(Value::as_str) {
                work = work.delete(EntityKind::SyncError, eid, None);
            }
        }
        store.apply(tenant, &work).await?;
    }
}

/// Replaces the profile's recorded errors with `records` (at most [`ERROR_LIMIT`] are
/// kept), in units of a thousand. Ids are the run and the record's position, so writing
/// the same run's errors again (a restarted job) writes the same entities.
pub async fn record_errors(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    run: u64,
    records: &[FailedRecord],
    now: OffsetDateTime,
) -> Result<usize, WriteError> {
    clear_errors(store, tenant, id).await?;
    let kept = &records[..records.len().min(ERROR_LIMIT)];
    for (n, chunk) in kept.chunks(1_000).enumerate() {
        let mut work = UnitOfWork::new();
        for (i, r) in chunk.iter().enumerate() {
            let doc = json!({
                "@odata.type": ERROR_TYPE,
                "id": format!("{run}-{}", n * 1_000 + i + 1),
                "entryType": r.entry_type,
                "errorCode": r.error_code,
                "errorMessage": r.message,
                "joiningValue": r.joining_value,
                "recordedDateTime": stamp(now),
                "reportableIdentifier": format!("{}:{}", r.file, r.line),
            });
            work = work.create_in(EntityKind::SyncError, id, doc);
        }
        store.apply(tenant, &work).await?;
    }
    Ok(kept.len())
}
