//! A profile's sync: `start`'s check of the uploaded files ([`verify`]), the options a
//! profile sets ([`options`]), and one run ([`run`]), which the server's sync job calls
//! and calls again after a crash. A run plans from the store every time it begins, so a
//! run that is repeated after a crash applies only what the crash left out (the module
//! doc of `sync` says why); it checks before each unit of work that its run is still the
//! profile's current one and still in progress, so `pause` (and a newer run) stops it
//! between two units, never inside one.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use edugraph_rostering::{read_dir, Parsed, Severity};
use edugraph_store::{EntityKind, Store, StoreError};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use super::profile;
use super::profiles::{self, FailedRecord, Status, ERROR_LIMIT};
use super::{apply_paced, plan, Pace, Plan, SyncError, SyncOptions, Written};
use crate::writes::WriteError;
use crate::Clock;

/// Verification messages returned by one `start`, at most: the rest are counted in a
/// last message.
pub const MAX_MESSAGES: usize = 1_000;

/// One `educationFileSynchronizationVerificationMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `error`, `warning` or `information`.
    pub kind: &'static str,
    pub file: String,
    pub description: String,
}

impl Message {
    pub fn to_json(&self) -> Value {
        json!({
            "@odata.type": "#microsoft.graph.educationFileSynchronizationVerificationMessage",
            "type": self.kind,
            "fileName": self.file,
            "description": self.description,
        })
    }
}

/// What `start` found in the uploaded files.
#[derive(Debug)]
pub struct Verified {
    pub messages: Vec<Message>,
    pub errors: bool,
    /// The parsed files, when they could be read at all.
    pub parsed: Option<Parsed>,
}

/// Reads and checks the files uploaded to `dir`: every diagnostic of the roster reader
/// (an error drops a row, a warning a value) becomes a message naming file, line and
/// column; a folder that holds no recognisable file set is one error.
pub fn verify(dir: &Path) -> Verified {
    let empty = std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none());
    if empty {
        return Verified {
            messages: vec![Message {
                kind: "error",
                file: String::new(),
                description: "No files were uploaded: upload the CSV files to the profile's upload URL first.".into(),
            }],
            errors: true,
            parsed: None,
        };
    }
    let parsed = match read_dir(dir, None) {
        Ok(p) => p,
        Err(e) => {
            return Verified {
                messages: vec![Message {
                    kind: "error",
                    file: String::new(),
                    description: e.to_string(),
                }],
                errors: true,
                parsed: None,
            }
        }
    };
    let mut messages: Vec<Message> = parsed
        .diagnostics
        .iter()
        .take(MAX_MESSAGES)
        .map(|d| Message {
            kind: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Information => "information",
            },
            file: d.file.clone(),
            description: match &d.column {
                Some(c) => format!("line {}, column {c}: {} ({})", d.line, d.message, d.code),
                None => format!("line {}: {} ({})", d.line, d.message, d.code),
            },
        })
        .collect();
    let summary = parsed.summary();
    let total = summary.errors + summary.warnings + summary.information;
    if total > messages.len() {
        messages.push(Message {
            kind: "information",
            file: String::new(),
            description: format!("{} more messages are not shown.", total - messages.len()),
        });
    }
    Verified {
        errors: parsed.has_errors(),
        messages,
        parsed: Some(parsed),
    }
}

/// The sync options a profile sets: each role's domain (`userDomains`), identity
/// matching, and edugraph's safety threshold.
pub fn options(profile_doc: &Value) -> SyncOptions {
    let identity = &profile_doc["identitySynchronizationConfiguration"];
    let domain_of = |role: &str| {
        identity["userDomains"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["appliesTo"] == role)
            .and_then(|d| d["name"].as_str())
            .map(str::to_string)
    };
    let match_only = identity["@odata.type"]
        .as_str()
        .is_some_and(|t| t.ends_with("educationIdentityMatchingConfiguration"));
    let matching_domain = identity["matchingOptions"]
        .as_array()
        .and_then(|o| o.first())
        .and_then(|o| o["targetDomain"].as_str())
        .map(str::to_string);
    SyncOptions {
        user_domain: matching_domain.or_else(|| domain_of("student")),
        student_domain: domain_of("student"),
        teacher_domain: domain_of("teacher").or_else(|| domain_of("faculty")),
        max_deactivation_percent: profile::threshold(profile_doc),
        dry_run: false,
        match_only,
        customize: super::customize::Customizations::of_profile(profile_doc),
    }
}

/// What one run ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not this run's turn any more (paused, reset, or a newer run began).
    Stopped,
    /// The files no longer pass `start`'s check.
    Invalid,
    /// More than [`ERROR_LIMIT`] records failed: nothing was applied.
    TooManyErrors,
    /// The plan exceeds the profile's threshold: held until confirmed or reset.
    Quarantined(String),
    /// Applied.
    Done { changes: usize, failed: usize },
}

/// A record the plan had to leave out, as a sync error.
fn failed(s: &super::Skipped) -> FailedRecord {
    let file = s.file.to_ascii_lowercase();
    let entry_type = match s.kind {
        EntityKind::School => "school",
        EntityKind::Class => "section",
        _ if file.contains("teacher") => "teacher",
        _ => "student",
    };
    FailedRecord {
        entry_type: entry_type.into(),
        error_code: "recordNotSynced".into(),
        message: s.reason.clone(),
        joining_value: s.external_id.clone(),
        file: s.file.clone(),
        line: s.line,
    }
}

/// The plan's summary rows, as a status annotation.
fn plan_rows(plan: &Plan) -> Value {
    let rows: Vec<Value> = plan
        .rows()
        .into_iter()
        .map(|r| {
            json!({
                "name": r.name,
                "existing": r.existing,
                "create": r.create,
                "update": r.update,
                "remove": r.remove,
                "unchanged": r.unchanged,
                "samples": r.samples,
            })
        })
        .collect();
    Value::Array(rows)
}

/// The plan of profile `id`'s uploaded files, without applying it (`start?dryRun=true`).
pub async fn dry_run(
    store: &dyn Store,
    tenant: &str,
    profile_doc: &Value,
    parsed: &Parsed,
) -> Result<Value, SyncError> {
    let mut opts = options(profile_doc);
    opts.dry_run = true;
    let plan = plan(store, tenant, &parsed.roster, &opts).await?;
    Ok(json!({
        "held": plan.held,
        "changes": plan.changes(),
        "skipped": plan.skipped.len(),
        "rows": plan_rows(&plan),
    }))
}

fn write_error(e: WriteError) -> SyncError {
    match e {
        WriteError::Store(s) => SyncError::Store(s),
        other => SyncError::Store(edugraph_store::StoreError::Other(other.to_string().into())),
    }
}

/// The run being worked on.
struct Target<'a> {
    store: &'a dyn Store,
    tenant: &'a str,
    id: &'a str,
    run: u64,
    clock: &'a dyn Clock,
}

impl Target<'_> {
    /// Ends the run with `status`, unless a newer run has begun meanwhile.
    async fn finish(
        &self,
        status: Status,
        message: String,
        extra: Vec<(&'static str, Value)>,
    ) -> Result<(), SyncError> {
        let run = self.run;
        profiles::update_status(self.store, self.tenant, self.id, self.clock.now(), |doc| {
            if !still_running(doc, run) {
                return Ok(());
            }
            profiles::set(doc, status, &message);
            for (k, v) in &extra {
                doc.insert((*k).into(), v.clone());
            }
            Ok(())
        })
        .await
        .map(|_| ())
        .map_err(write_error)
    }
}

/// Whether a status document still shows run `run` in progress: a run that ends after
/// a `pause`, a `reset` or a newer run leaves the status to them (a paused run whose
/// work happened to be done stays paused; `resume` then finds nothing to do).
fn still_running(doc: &serde_json::Map<String, Value>, run: u64) -> bool {
    doc.get(profiles::RUN).and_then(Value::as_u64).unwrap_or(0) == run
        && doc.get("status").and_then(Value::as_str) == Some(Status::InProgress.as_str())
}

/// Goes on while the run is current, recording the progress after each unit.
struct Paced<'a> {
    at: &'a Target<'a>,
    total: Written,
}

/// `@edugraph.progress` (beyond Graph): units of work written, changes planned, and per
/// kind of entity (and for links) the changes written and planned.
fn progress(written: &Written, total: &Written) -> Value {
    let pair = |done: usize, all: usize| json!({"processed": done, "total": all});
    json!({
        "unitsWritten": written.units,
        "changes": total.schools + total.classes + total.users + total.links,
        "schools": pair(written.schools, total.schools),
        "classes": pair(written.classes, total.classes),
        "users": pair(written.users, total.users),
        "links": pair(written.links, total.links),
    })
}

impl Pace for Paced<'_> {
    fn go_on<'a>(
        &'a self,
        written: &'a Written,
    ) -> Pin<Box<dyn Future<Output = Result<bool, StoreError>> + Send + 'a>> {
        Box::pin(async move {
            let at = self.at;
            let still = current(at.store, at.tenant, at.id, at.run)
                .await
                .map_err(|e| match e {
                    SyncError::Store(s) => s,
                    other => StoreError::Other(other.to_string().into()),
                })?;
            if !still {
                return Ok(false);
            }
            let progress = progress(written, &self.total);
            profiles::update_status(at.store, at.tenant, at.id, at.clock.now(), |doc| {
                doc.insert("@edugraph.progress".into(), progress.clone());
                Ok(())
            })
            .await
            .map_err(|e| StoreError::Other(e.to_string().into()))?;
            Ok(true)
        })
    }
}

/// Whether run `run` of profile `id` is still the current one and in progress.
async fn current(store: &dyn Store, tenant: &str, id: &str, run: u64) -> Result<bool, SyncError> {
    let status = match profiles::status(store, tenant, id).await {
        Ok(doc) => doc,
        Err(WriteError::NotFound) => return Ok(false),
        Err(e) => return Err(write_error(e)),
    };
    let value: Value = serde_json::from_str(&status.json).unwrap_or_default();
    Ok(profiles::run_of(&value) == run && Status::of(&value) == Some(Status::InProgress))
}

/// Run `run` of profile `id` over the files in `dir`; `confirmed` applies a plan above
/// the profile's threshold. Safe to call again for the same run after a crash.
pub async fn run(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    run: u64,
    dir: &Path,
    confirmed: bool,
    clock: &dyn Clock,
) -> Result<Outcome, SyncError> {
    if !current(store, tenant, id, run).await? {
        return Ok(Outcome::Stopped);
    }
    let profile_doc = profiles::profile_doc(store, tenant, id)
        .await
        .map_err(write_error)?;
    let at = Target {
        store,
        tenant,
        id,
        run,
        clock,
    };
    let dir = dir.to_path_buf();
    let verified = tokio::task::spawn_blocking(move || verify(&dir))
        .await
        .map_err(|e| SyncError::Store(edugraph_store::StoreError::Other(Box::new(e))))?;
    let parsed = match (verified.errors, verified.parsed) {
        (false, Some(p)) => p,
        _ => {
            at.finish(
                Status::ValidationError,
                "The uploaded files no longer pass validation; start again to see why.".into(),
                vec![],
            )
            .await?;
            return Ok(Outcome::Invalid);
        }
    };
    let mut opts = options(&profile_doc);
    if confirmed {
        opts.max_deactivation_percent = None;
    }
    let plan = plan(store, tenant, &parsed.roster, &opts).await?;
    drop(parsed);
    let records: Vec<FailedRecord> = plan.skipped.iter().map(failed).collect();
    let kept = profiles::record_errors(store, tenant, id, run, &records, clock.now())
        .await
        .map_err(write_error)?;
    let count = ("errorCount", json!(kept));
    if records.len() > ERROR_LIMIT {
        let message = format!(
            "Stopped: more than {ERROR_LIMIT} records failed ({}); nothing was applied.",
            records.len()
        );
        at.finish(Status::Error, message, vec![count]).await?;
        return Ok(Outcome::TooManyErrors);
    }
    if let Some(reason) = &plan.held {
        at.finish(
            Status::Quarantined,
            format!("Held for review: {reason}. Confirm to apply, or reset."),
            vec![count, ("@edugraph.plan", plan_rows(&plan))],
        )
        .await?;
        return Ok(Outcome::Quarantined(reason.clone()));
    }
    let total = plan.changes();
    let paced = Paced {
        at: &at,
        total: Written::total(&plan),
    };
    let applied = apply_paced(store, tenant, &plan, &paced).await?;
    if applied.stopped {
        return Ok(Outcome::Stopped);
    }
    let now = clock.now().format(&Rfc3339).unwrap_or_default();
    let message = format!(
        "Synchronized: {} created, {} updated, {} deactivated, {} linked, {} unlinked; {} records failed.",
        applied.created, applied.updated, applied.deactivated, applied.linked, applied.unlinked, kept
    );
    profiles::update_status(store, tenant, id, clock.now(), |doc| {
        if !still_running(doc, run) {
            return Ok(());
        }
        profiles::set(doc, Status::Success, &message);
        doc.insert("errorCount".into(), json!(kept));
        doc.insert("lastSynchronizationDateTime".into(), json!(now));
        let all = Written {
            units: applied.transactions,
            ..paced.total
        };
        doc.insert("@edugraph.progress".into(), progress(&all, &paced.total));
        doc.remove("@edugraph.plan");
        Ok(())
    })
    .await
    .map_err(write_error)?;
    Ok(Outcome::Done {
        changes: total,
        failed: kept,
    })
}
