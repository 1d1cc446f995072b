//! Create, read, update and delete of users, classes and schools. The rules live in
//! `edugraph_edu::roster` and the writes in `edugraph_edu::writes`: the body is validated
//! and the password hashed before anything is written, an entity and its password hash
//! are written in one transaction, and an update is a compare-and-swap on the version
//! read (retried on a lost race; `If-Match` makes it conditional on the client's tag).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use edugraph_edu::roster::{self, CreateContext, Directory, Prepared, RuleError};
use edugraph_edu::writes::{self, WriteError};
use edugraph_store::{EntityKind, StoreError};
use serde_json::Value;

use super::ctx::{not_found, set_fragment, Ctx};
use super::expand::{render_one, validate};
use super::respond::{self, View};
use crate::error::{ApiError, ApiResult};

pub fn rule_error(e: RuleError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, e.code, e.message)
}

/// `GET /education/{set}/{id}`: one store read; without `$select`/`$expand` the stored
/// text goes out with only `@odata.context` and `@odata.etag` spliced in.
pub async fn get(ctx: &Ctx, kind: EntityKind, id: &str) -> ApiResult<Response> {
    let fragment = format!("{}/$entity", set_fragment(kind));
    get_with_context(ctx, kind, id, &fragment).await
}

pub async fn get_with_context(
    ctx: &Ctx,
    kind: EntityKind,
    id: &str,
    fragment: &str,
) -> ApiResult<Response> {
    let opts = match ctx.raw_query {
        None => Default::default(),
        Some(_) => ctx.query(kind)?,
    };
    validate(kind, &opts.expand)?;
    let doc = ctx
        .store()
        .get(ctx.tenant(), kind, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let view = View::new(ctx, kind, opts.select.as_deref());
    let body = render_one(ctx, kind, &doc.json, &view, &opts.expand).await?;
    let context = ctx.context(fragment);
    Ok(respond::entity(
        ctx,
        StatusCode::OK,
        &context,
        doc.version,
        &body,
    ))
}

/// `POST /education/{set}`: 201 with the entity and its `Location`.
pub async fn create(ctx: &Ctx, kind: EntityKind) -> ApiResult<Response> {
    let body = roster::parse_body(&ctx.body).map_err(rule_error)?;
    let domains = verified_domains(ctx, kind, &body).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = ctx.state.clock().now();
    let prepared = roster::prepare_create(
        ctx.schema,
        kind,
        body,
        CreateContext {
            id: &id,
            now,
            caller: &ctx.caller,
            directory: Directory {
                verified_domains: &domains,
            },
        },
    )
    .map_err(rule_error)?;
    let hash = hash_of(ctx, &prepared).await?;
    let stored = writes::create(
        ctx.store(),
        ctx.tenant(),
        kind,
        prepared.doc,
        hash.as_deref(),
    )
    .await
    .map_err(|e| write_error(e, &id))?;
    let view = View::new(ctx, kind, None);
    let context = ctx.context(&format!("{}/$entity", set_fragment(kind)));
    let body = respond::render(&stored.json, &view);
    let mut resp = respond::entity(ctx, StatusCode::CREATED, &context, stored.version, &body);
    if let Ok(location) = HeaderValue::from_str(&ctx.entity_url(kind, &id)) {
        resp.headers_mut().insert(header::LOCATION, location);
    }
    Ok(resp)
}

/// `PATCH /education/{set}/{id}`: 200 with the updated entity.
pub async fn update(ctx: &Ctx, kind: EntityKind, id: &str) -> ApiResult<Response> {
    let fragment = format!("{}/$entity", set_fragment(kind));
    update_with_context(ctx, kind, id, &fragment).await
}

pub async fn update_with_context(
    ctx: &Ctx,
    kind: EntityKind,
    id: &str,
    fragment: &str,
) -> ApiResult<Response> {
    let patch = roster::parse_body(&ctx.body).map_err(rule_error)?;
    let domains = verified_domains(ctx, kind, &patch).await?;
    let now = ctx.state.clock().now();
    let directory = Directory {
        verified_domains: &domains,
    };
    let prepare = |existing: &Value| {
        roster::prepare_update(ctx.schema, kind, existing, patch.clone(), now, directory)
    };
    // Validate against the current document and hash a new password once, before the
    // write takes its turn; the write merges again into the version it then reads.
    let current = ctx
        .store()
        .get(ctx.tenant(), kind, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if ctx
        .if_match
        .as_ref()
        .is_some_and(|m| !m.matches(current.version))
    {
        return Err(write_error(WriteError::PreconditionFailed, id));
    }
    let existing: Value = serde_json::from_str(&current.json)
        .map_err(|_| ApiError::internal("A stored document is not valid JSON."))?;
    let hash = hash_of(ctx, &prepare(&existing).map_err(rule_error)?).await?;
    let stored = writes::update(
        ctx.store(),
        ctx.tenant(),
        kind,
        id,
        ctx.if_match.as_ref(),
        hash.as_deref(),
        |existing| prepare(existing).map(|p| p.doc),
    )
    .await
    .map_err(|e| write_error(e, id))?;
    forget_account(ctx, kind, id);
    let view = View::new(ctx, kind, None);
    let body = respond::render(&stored.json, &view);
    let context = ctx.context(fragment);
    Ok(respond::entity(
        ctx,
        StatusCode::OK,
        &context,
        stored.version,
        &body,
    ))
}

/// `DELETE /education/{set}/{id}`: 204; links to the entity go with it.
pub async fn delete(ctx: &Ctx, kind: EntityKind, id: &str) -> ApiResult<Response> {
    writes::delete(ctx.store(), ctx.tenant(), kind, id, ctx.if_match.as_ref())
        .await
        .map_err(|e| write_error(e, id))?;
    forget_account(ctx, kind, id);
    Ok(respond::no_content())
}

/// A changed or deleted user's cached account state is dropped, so their tokens are
/// checked against the new state on the next request (`auth::accounts`).
fn forget_account(ctx: &Ctx, kind: EntityKind, id: &str) {
    if kind == EntityKind::User {
        ctx.state.accounts().forget(ctx.tenant(), id);
    }
}

/// The tenant's verified domains (the primary one and those added with `tenant domain
/// add`), read only when the body sets a user principal name, the one rule that needs
/// them.
async fn verified_domains(
    ctx: &Ctx,
    kind: EntityKind,
    body: &serde_json::Map<String, Value>,
) -> ApiResult<Vec<String>> {
    if kind != EntityKind::User || !body.contains_key("userPrincipalName") {
        return Ok(Vec::new());
    }
    Ok(ctx.store().tenant_domains(ctx.tenant()).await?)
}

/// The new password's hash, under the process's hashing bound: when it is full the
/// request is refused (503) before anything is written.
async fn hash_of(ctx: &Ctx, prepared: &Prepared) -> ApiResult<Option<String>> {
    match &prepared.password {
        Some(pw) => Ok(Some(ctx.state.hashing().hash(pw).await?)),
        None => Ok(None),
    }
}

/// The Graph envelope of a write that did not happen (docs/concurrency.md).
pub(super) fn write_error(e: WriteError, id: &str) -> ApiError {
    match e {
        WriteError::NotFound => not_found(id),
        WriteError::PreconditionFailed => ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "The entity tag in If-Match does not match the current version of the entity.",
        ),
        WriteError::Contended => ApiError::new(
            StatusCode::CONFLICT,
            "Conflict",
            "The entity kept changing while the update was applied; retry the request.",
        ),
        WriteError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "Conflict", message),
        WriteError::Rule(e) => rule_error(e),
        WriteError::Store(e) => conflict(e),
    }
}

/// A taken unique property is Graph's directory 400.
fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(what) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            format!("Another object with the same value for property {what} already exists."),
        )
        .with_inner_code("ObjectConflict"),
        other => other.into(),
    }
}
