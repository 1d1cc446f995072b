//! The handler of beta's School Data Sync sets: `synchronizationProfiles` (list, create,
//! get, `PUT`, `PATCH`, asynchronous delete, and the profile's calls `uploadUrl()`,
//! `start`, `pause`, `resume`, `reset`, and edugraph's `confirm`), each profile's
//! `profileStatus` and its `errors`. The rules are `edugraph_edu::sync::profile`'s, the
//! use cases `profiles`' and `run`'s; the background work is the `sds-*` jobs.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use edugraph_edu::roster;
use edugraph_edu::sets::{Action, Call, SetDef, Shape};
use edugraph_edu::sync::{profiles, run};
use edugraph_store::{EntityKind, Scope};
use serde_json::{json, Value};

use super::collection;
use super::ctx::{key_literal, not_found, set_fragment, Ctx};
use super::entity::{self, rule_error, write_error};
use super::respond::{self, View};
use crate::error::{ApiError, ApiResult};
use crate::jobs::sync as jobs;
use crate::sds;

/// Runs `action` on the sync set `def`; `keys` are the ids the route captured.
pub async fn run(ctx: &Ctx, def: &SetDef, action: Action, keys: &[String]) -> ApiResult<Response> {
    let k = |i: usize| {
        keys.get(i)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal("route key missing"))
    };
    let kind = def.kind;
    match (def.shape, action) {
        (Shape::Provisioned, Action::List) => collection::list_set(ctx, kind).await,
        (Shape::Provisioned, Action::Count) => collection::count(ctx, kind, Scope::All).await,
        (Shape::Provisioned, Action::Get) => entity::get(ctx, kind, k(0)?).await,
        (Shape::Provisioned, Action::Create) => create(ctx).await,
        (Shape::Provisioned, Action::Replace | Action::Update) => {
            update(ctx, k(0)?, action == Action::Replace).await
        }
        (Shape::Provisioned, Action::Delete) => delete(ctx, k(0)?).await,
        (Shape::Provisioned, Action::Call(call)) => self::call(ctx, k(0)?, call).await,
        (Shape::Report, Action::Get) => status(ctx, def, k(0)?).await,
        (Shape::Log, Action::List) => {
            let profile = k(0)?;
            let opts = ctx.query(kind);
            require_profile(ctx, profile).await?;
            let fragment = def.fragment(&key_literal(profile));
            let scope = Scope::Children(profile.to_string());
            Ok(collection::list(ctx, &opts?, kind, scope, &fragment)
                .await?
                .0)
        }
        (Shape::Log, Action::Count) => {
            let profile = k(0)?;
            let opts = ctx.query(kind);
            require_profile(ctx, profile).await?;
            let scope = Scope::Children(profile.to_string());
            collection::count_with(ctx, &opts?, kind, scope).await
        }
        (Shape::Log, Action::Get) => {
            let (profile, id) = (k(0)?, k(1)?);
            let opts = ctx.query(kind)?;
            require_profile(ctx, profile).await?;
            let doc = ctx
                .store()
                .get_in(ctx.tenant(), kind, profile, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            let view = View::new(ctx, kind, opts.select.as_deref());
            let body = respond::render(&doc.json, &view);
            let context = ctx.context(&format!("{}/$entity", def.fragment(&key_literal(profile))));
            Ok(respond::entity(
                ctx,
                StatusCode::OK,
                &context,
                doc.version,
                &body,
            ))
        }
        _ => Err(ApiError::internal(
            "a route names an action its set does not serve",
        )),
    }
}

/// The profile must exist in the caller's tenant.
async fn require_profile(ctx: &Ctx, id: &str) -> ApiResult<()> {
    match ctx
        .store()
        .get(ctx.tenant(), EntityKind::SyncProfile, id)
        .await?
    {
        Some(_) => Ok(()),
        None => Err(not_found(id)),
    }
}

async fn verified(ctx: &Ctx) -> ApiResult<Vec<String>> {
    Ok(ctx.store().tenant_domains(ctx.tenant()).await?)
}

/// A profile document as an answer with `status`.
fn answer(ctx: &Ctx, status: StatusCode, doc: &edugraph_store::Doc) -> Response {
    let kind = EntityKind::SyncProfile;
    let view = View::new(ctx, kind, None);
    let body = respond::render(&doc.json, &view);
    let context = ctx.context(&format!("{}/$entity", set_fragment(kind)));
    respond::entity(ctx, status, &context, doc.version, &body)
}

/// `POST`: 201 with the new profile in `provisioning`; provisioning runs as a job.
async fn create(ctx: &Ctx) -> ApiResult<Response> {
    let body = roster::parse_body(&ctx.body).map_err(rule_error)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = ctx.state.clock().now();
    let doc = profiles::create(
        ctx.store(),
        ctx.tenant(),
        &id,
        &body,
        &verified(ctx).await?,
        now,
    )
    .await
    .map_err(|e| write_error(e, &id))?;
    jobs::enqueue(&ctx.state, &jobs::PROVISION, ctx.tenant(), &id, 0, false).await?;
    let mut resp = answer(ctx, StatusCode::CREATED, &doc);
    let location = format!(
        "{}/{}/{}",
        ctx.base,
        ctx.version.as_str(),
        SetDef::of(edugraph_edu::sets::Set::SyncProfiles).entity_path("", &id)
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// `PUT` (202, as Graph documents it) or `PATCH` (200).
async fn update(ctx: &Ctx, id: &str, replace: bool) -> ApiResult<Response> {
    let body = roster::parse_body(&ctx.body).map_err(rule_error)?;
    let domains = verified(ctx).await?;
    let (store, tenant, cond) = (ctx.store(), ctx.tenant(), ctx.if_match.as_ref());
    let doc = if replace {
        profiles::replace(store, tenant, id, &body, &domains, cond).await
    } else {
        profiles::patch(store, tenant, id, &body, &domains, cond).await
    }
    .map_err(|e| write_error(e, id))?;
    let status = if replace {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok(answer(ctx, status, &doc))
}

/// `DELETE`: 202; the profile is `deleting` until the job removes it.
async fn delete(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    profiles::begin_delete(ctx.store(), ctx.tenant(), id, ctx.if_match.as_ref())
        .await
        .map_err(|e| write_error(e, id))?;
    jobs::enqueue(&ctx.state, &jobs::DELETE, ctx.tenant(), id, 0, false).await?;
    let mut resp = respond::no_content();
    *resp.status_mut() = StatusCode::ACCEPTED;
    Ok(resp)
}

/// `GET .../profileStatus`.
async fn status(ctx: &Ctx, def: &SetDef, id: &str) -> ApiResult<Response> {
    let opts = ctx.query(def.kind)?;
    let doc = profiles::status(ctx.store(), ctx.tenant(), id)
        .await
        .map_err(|e| write_error(e, id))?;
    let view = View::new(ctx, def.kind, opts.select.as_deref());
    let body = respond::render(&doc.json, &view);
    let context = ctx.context(&format!("{}/$entity", def.fragment(&key_literal(id))));
    Ok(respond::entity(
        ctx,
        StatusCode::OK,
        &context,
        doc.version,
        &body,
    ))
}

/// An action without a result: 200 with no body, as Graph documents them.
fn done() -> Response {
    let mut resp = respond::no_content();
    *resp.status_mut() = StatusCode::OK;
    resp
}

async fn call(ctx: &Ctx, id: &str, call: Call) -> ApiResult<Response> {
    let (store, tenant) = (ctx.store(), ctx.tenant());
    let now = ctx.state.clock().now();
    let fail = |e| write_error(e, id);
    match call {
        Call::UploadUrl => {
            profiles::require_provisioned(store, tenant, id)
                .await
                .map_err(fail)?;
            if sds::busy(store, tenant, id).await {
                return Err(ApiError::conflict(
                    "The files of an earlier upload are still being processed; ask again when the synchronization has ended.",
                ));
            }
            let url = sds::upload_url(&ctx.state, tenant, id);
            let body = json!({
                "@odata.context": ctx.context("Edm.String"),
                "value": url,
            });
            Ok(respond::json(ctx, StatusCode::OK, body.to_string(), None))
        }
        Call::Start => start(ctx, id).await,
        Call::Pause => {
            profiles::pause(store, tenant, id, now)
                .await
                .map_err(fail)?;
            Ok(done())
        }
        Call::Resume => {
            let run = profiles::resume(store, tenant, id, now)
                .await
                .map_err(fail)?;
            jobs::enqueue(&ctx.state, &jobs::SYNC, tenant, id, run, false).await?;
            Ok(done())
        }
        Call::Reset => {
            profiles::reset(store, tenant, id, now)
                .await
                .map_err(fail)?;
            Ok(done())
        }
        Call::Confirm => {
            let run = profiles::confirm(store, tenant, id, now)
                .await
                .map_err(fail)?;
            jobs::enqueue(&ctx.state, &jobs::SYNC, tenant, id, run, true).await?;
            Ok(done())
        }
    }
}

/// Whether the query asks for a dry run (`?dryRun=true`, beyond Graph).
fn dry_run(ctx: &Ctx) -> ApiResult<bool> {
    let Some(q) = &ctx.raw_query else {
        return Ok(false);
    };
    let mut dry = false;
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("dryRun", "true") => dry = true,
            ("dryRun", "false") => dry = false,
            ("dryRun", other) => {
                return Err(ApiError::bad_request(format!(
                    "dryRun must be true or false, not '{other}'."
                )))
            }
            (other, _) => {
                return Err(ApiError::bad_request(format!(
                    "The query parameter '{other}' is not supported by start."
                )))
            }
        }
    }
    Ok(dry)
}

/// `start`: checks the uploaded files; errors are a 400 with every message in
/// `error.details` and nothing starts; otherwise the sync runs as a job (or, with
/// `dryRun=true`, the plan is computed and returned, and nothing changes).
async fn start(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let dry = dry_run(ctx)?;
    let (store, tenant) = (ctx.store(), ctx.tenant());
    let fail = |e| write_error(e, id);
    let profile_doc = profiles::require_provisioned(store, tenant, id)
        .await
        .map_err(fail)?;
    if sds::busy(store, tenant, id).await {
        return Err(ApiError::conflict(
            "A synchronization of this profile is in progress; pause it or wait for it to end.",
        ));
    }
    let dir = sds::dir(ctx.state.config(), tenant, id)
        .ok_or_else(|| ApiError::bad_request("The profile cannot hold uploads."))?;
    let verified = tokio::task::spawn_blocking(move || run::verify(&dir))
        .await
        .map_err(|_| ApiError::internal("The files could not be checked."))?;
    let messages: Vec<Value> = verified
        .messages
        .iter()
        .map(run::Message::to_json)
        .collect();
    if verified.errors {
        // A refused request changes nothing, the profile's status included: the
        // messages are the answer.
        let details = verified
            .messages
            .iter()
            .map(|m| json!({"code": m.kind, "message": m.description, "target": m.file}))
            .collect();
        let errors = verified
            .messages
            .iter()
            .filter(|m| m.kind == "error")
            .count();
        return Err(ApiError::bad_request(format!(
            "The uploaded files have {errors} errors; nothing was started. The details list every message."
        ))
        .with_details(details));
    }
    let context =
        ctx.context("Collection(microsoft.graph.educationFileSynchronizationVerificationMessage)");
    let mut body = json!({"@odata.context": context, "value": messages});
    if dry {
        let parsed = verified
            .parsed
            .ok_or_else(|| ApiError::internal("checked files without their contents"))?;
        let plan = run::dry_run(store, tenant, &profile_doc, &parsed)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        body["@edugraph.plan"] = plan;
    } else {
        drop(verified);
        let now = ctx.state.clock().now();
        let run = profiles::begin_run(store, tenant, id, now, "Synchronizing.")
            .await
            .map_err(fail)?;
        jobs::enqueue(&ctx.state, &jobs::SYNC, tenant, id, run, false).await?;
    }
    Ok(respond::json(ctx, StatusCode::OK, body.to_string(), None))
}
