//! Collections: entity sets and navigations listed page by page with the OData options,
//! `/$count`, items of read-only navigations, and the absolute `@odata.nextLink`.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use edugraph_edu::sets::SetDef;
use edugraph_odata::QueryOptions;
use edugraph_store::{EntityKind, ListQuery, Scope};
use percent_encoding::percent_decode_str;

use super::ctx::{key_literal, not_found, page_size, set_fragment, Ctx};
use super::expand::{render_many, render_one, validate};
use super::navs::Nav;
use super::respond::{self, View};
use super::tokens::SkipToken;
use crate::error::{ApiError, ApiResult};

/// `GET /education/{set}`.
pub async fn list_set(ctx: &Ctx, kind: EntityKind) -> ApiResult<Response> {
    let fragment = set_fragment(kind);
    let opts = ctx.query(kind)?;
    Ok(list(ctx, &opts, kind, Scope::All, &fragment).await?.0)
}

/// `GET /education/{set}/{id}/{nav}` (404 when `id` does not exist) and
/// `/education/me/{nav}` (`id` the signed-in user's), with the context of `nav`'s row.
pub async fn list_nav(ctx: &Ctx, nav: &Nav, id: &str) -> ApiResult<Response> {
    list_from(ctx, nav, id, &nav_fragment(nav, id)).await
}

/// Lists navigation `nav` of entity `id`, answering exactly as [`require_source`] followed
/// by the listing would, with one store round trip less where it can: a scoped listing
/// is only non-empty when its source exists (see `Scope`), so the source is looked up
/// only after an empty page or a failure (whose answer is then 404 if it is missing).
/// A grant whose class rule needs the caller's role still checks that first.
///
/// The query is parsed and checked against the caller's readable properties before any
/// read (`Ctx::query`), and a refused query is never run; its refusal is reported after
/// the source's 404, as every bad option is.
async fn list_from(ctx: &Ctx, nav: &Nav, id: &str, fragment: &str) -> ApiResult<Response> {
    let opts = match ctx.query(nav.target) {
        Ok(opts) => opts,
        Err(e) => {
            require_source(ctx, nav, id).await?;
            return Err(e);
        }
    };
    if ctx.rule_reads_store(ctx.grant.class_rule) {
        require_source(ctx, nav, id).await?;
        return list(ctx, &opts, nav.target, nav.scope(id), fragment)
            .await
            .map(|(resp, _)| resp);
    }
    match list(ctx, &opts, nav.target, nav.scope(id), fragment).await {
        Ok((resp, true)) => Ok(resp),
        other => {
            require_source(ctx, nav, id).await?;
            other.map(|(resp, _)| resp)
        }
    }
}

/// `GET .../{set}/$count` and `.../{id}/{nav}/$count`: a text/plain integer.
pub async fn count(ctx: &Ctx, kind: EntityKind, scope: Scope) -> ApiResult<Response> {
    let opts = ctx.query(kind)?;
    count_with(ctx, &opts, kind, scope).await
}

pub(super) async fn count_with(
    ctx: &Ctx,
    opts: &QueryOptions,
    kind: EntityKind,
    scope: Scope,
) -> ApiResult<Response> {
    let query = ListQuery {
        kind,
        scope,
        filter: opts.filter.as_ref(),
        orderby: &[],
        skip: 0,
        limit: 1,
        count: true,
    };
    let page = ctx.store().list(ctx.tenant(), &query).await?;
    let total = page.total.unwrap_or(page.items.len() as u64);
    let mut resp = Response::new(Body::from(total.to_string()));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    resp.headers_mut()
        .insert("odata-version", HeaderValue::from_static("4.0"));
    Ok(resp)
}

pub async fn count_nav(ctx: &Ctx, nav: &Nav, id: &str) -> ApiResult<Response> {
    // Checked before any read; reported after the source's 404 (see `list_from`).
    let opts = ctx.query(nav.target);
    require_source(ctx, nav, id).await?;
    count_with(ctx, &opts?, nav.target, nav.scope(id)).await
}

/// `GET /education/users/{id}/classes/{cid}` and the other read-only navigation items:
/// the target entity when it is linked, 404 otherwise.
pub async fn nav_item(ctx: &Ctx, nav: &Nav, id: &str, other: &str) -> ApiResult<Response> {
    // Checked before any read; reported after the 404s (see `list_from`).
    let opts = ctx.query(nav.target);
    let (from, to) = nav.link(id, other);
    if !ctx
        .store()
        .has_link(ctx.tenant(), nav.relation, from, to)
        .await?
    {
        return Err(not_found(other));
    }
    let doc = ctx
        .store()
        .get(ctx.tenant(), nav.target, other)
        .await?
        .ok_or_else(|| not_found(other))?;
    let opts = opts?;
    validate(nav.target, &opts.expand)?;
    let view = View::new(ctx, nav.target, opts.select.as_deref());
    let body = render_one(ctx, nav.target, &doc.json, &view, &opts.expand).await?;
    let context = ctx.context(&format!("{}/$entity", nav_fragment(nav, id)));
    Ok(respond::json(
        ctx,
        StatusCode::OK,
        respond::splice_context(&context, &body),
        None,
    ))
}

/// The `@odata.context` fragment of navigation `nav` from entity `id`, from its row
/// (`education/classes('c1')/members`, `education/me/classes`).
pub fn nav_fragment(nav: &Nav, id: &str) -> String {
    SetDef::of(nav.set).fragment(&key_literal(id))
}

/// The source entity of a navigation must exist (404 naming it), and delegated callers
/// listing class members must belong to the class.
pub async fn require_source(ctx: &Ctx, nav: &Nav, id: &str) -> ApiResult<()> {
    if ctx.store().get(ctx.tenant(), nav.from, id).await?.is_none() {
        return Err(not_found(id));
    }
    ctx.check_rule(ctx.grant.class_rule, id).await
}

/// The paging window of a listing: `(offset, page size, page size to echo as applied)`.
pub fn window(ctx: &Ctx, opts: &QueryOptions) -> ApiResult<(u64, u32, Option<u32>)> {
    if opts.deltatoken.is_some() {
        return Err(ApiError::bad_request(
            "$deltatoken is only valid on a delta function.",
        ));
    }
    let (page, applied) = page_size(opts.top, &ctx.prefs)?;
    let offset = match opts
        .skiptoken
        .as_deref()
        .map(SkipToken::decode)
        .transpose()?
    {
        Some(SkipToken::Offset(n)) => n,
        Some(_) => {
            return Err(ApiError::bad_request(
                "This $skiptoken belongs to a delta query, not to this collection.",
            ))
        }
        None => opts.skip.unwrap_or(0),
    };
    Ok((offset, page, applied.then_some(page)))
}

/// The response, and whether the page held any item.
pub(super) async fn list(
    ctx: &Ctx,
    opts: &QueryOptions,
    kind: EntityKind,
    scope: Scope,
    fragment: &str,
) -> ApiResult<(Response, bool)> {
    validate(kind, &opts.expand)?;
    let (offset, limit, applied) = window(ctx, opts)?;
    let query = ListQuery {
        kind,
        scope,
        filter: opts.filter.as_ref(),
        orderby: &opts.orderby,
        skip: offset,
        limit,
        count: opts.count,
    };
    let page = ctx.store().list(ctx.tenant(), &query).await?;
    let view = View::new(ctx, kind, opts.select.as_deref());
    let items = render_many(ctx, kind, &page.items, &view, &opts.expand).await?;
    let next = page.more.then(|| {
        let token = SkipToken::Offset(offset + page.items.len() as u64).encode();
        link(ctx, &["skiptoken", "skip"], "$skiptoken", &token)
    });
    let count = if opts.count { page.total } else { None };
    let body = respond::collection(&ctx.context(fragment), count, &items, next.as_deref(), None);
    Ok((
        respond::json(ctx, StatusCode::OK, body, applied),
        !page.items.is_empty(),
    ))
}

/// An absolute link to this request's path with the query options kept byte for byte,
/// except the ones named in `drop` (compared without `$`, case-insensitively), plus
/// `name=value`.
pub fn link(ctx: &Ctx, drop: &[&str], name: &str, value: &str) -> String {
    let mut parts: Vec<&str> = ctx
        .raw_query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let key = p.split('=').next().unwrap_or("");
            let key = percent_decode_str(key).decode_utf8_lossy();
            let key = key.trim_start_matches('$').to_ascii_lowercase();
            !drop.contains(&key.as_str())
        })
        .collect();
    let extra = format!("{name}={value}");
    parts.push(&extra);
    format!("{}{}?{}", ctx.base, ctx.path, parts.join("&"))
}
