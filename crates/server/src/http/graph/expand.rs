//! Rendering entities for a response, with `$expand` of the roster navigations
//! (`members`, `teachers`, `schools`, `classes`, `users`, `taughtClasses`) and of the two
//! directory objects (`group` of a class, `user` of a user). Expanding a navigation takes
//! the same permission as listing it; `Ctx::query` checks that permission and the
//! expansion's nested options against the target type's readable-property rule before
//! anything is read, and the expanded entities are masked by that same rule.

mod page;

use std::borrow::Cow;

use edugraph_edu::access::Op;
use edugraph_edu::sets::{Action, SetDef, Shape};
use edugraph_odata::ExpandItem;
use edugraph_store::{Doc, EntityKind};
use serde_json::Value;

use super::ctx::Ctx;
use super::navs;
use super::respond::{render, render_item, shape, splice_item_etag, View};

use crate::error::{ApiError, ApiResult};

/// Items an expanded navigation holds unless a nested `$top` says otherwise (Graph returns
/// at most 20 expanded directory objects).
pub const DEFAULT_EXPAND: u32 = 20;

/// One entity as JSON text (no `@odata.context`), borrowed from the stored text when no
/// shaping or expansion applies.
pub async fn render_one<'d>(
    ctx: &Ctx,
    kind: EntityKind,
    doc: &'d str,
    view: &View<'_>,
    expand: &[ExpandItem],
) -> ApiResult<Cow<'d, str>> {
    if expand.is_empty() {
        return Ok(render(doc, view));
    }
    let mut rendered = expanded(ctx, kind, &[doc], view, expand).await?;
    Ok(Cow::Owned(rendered.pop().unwrap_or_default()))
}

/// The items of a page, each with its entity tag; expanded navigations are read for the
/// whole page at once (`page::expand_rows`).
pub async fn render_many(
    ctx: &Ctx,
    kind: EntityKind,
    docs: &[Doc],
    view: &View<'_>,
    expand: &[ExpandItem],
) -> ApiResult<Vec<String>> {
    // Every item carries its entity tag, as a single entity does (`If-Match` on a later
    // PATCH or DELETE of the item).
    if expand.is_empty() {
        return Ok(docs
            .iter()
            .map(|doc| render_item(&doc.json, view, doc.version))
            .collect());
    }
    let texts: Vec<&str> = docs.iter().map(|d| d.json.as_str()).collect();
    let rendered = expanded(ctx, kind, &texts, view, expand).await?;
    Ok(rendered
        .iter()
        .zip(docs)
        .map(|(text, doc)| splice_item_etag(text, doc.version))
        .collect())
}

/// Stored documents shaped by `view`, with their expanded navigations.
async fn expanded(
    ctx: &Ctx,
    kind: EntityKind,
    docs: &[&str],
    view: &View<'_>,
    expand: &[ExpandItem],
) -> ApiResult<Vec<String>> {
    let sources = docs
        .iter()
        .map(|d| parse(d))
        .collect::<ApiResult<Vec<_>>>()?;
    let mut shaped: Vec<Value> = sources.iter().map(|v| shape(v.clone(), view)).collect();
    page::expand_rows(ctx, kind, &sources, &mut shaped, expand).await?;
    Ok(shaped.iter().map(Value::to_string).collect())
}

/// Refuses an `$expand` of a navigation we cannot expand, before anything is read (so an
/// empty result does not hide the mistake).
pub fn validate(kind: EntityKind, items: &[ExpandItem]) -> ApiResult<()> {
    for item in items {
        if expansion(kind, &item.nav).is_none() {
            return Err(unsupported(kind, &item.nav));
        }
    }
    Ok(())
}

/// What expanding `nav` of a `kind` entity takes: the operation whose policy governs it
/// and the education type it yields (`None` for the directory objects `group` and
/// `user`). `None` when it cannot be expanded.
pub fn expansion(kind: EntityKind, nav: &str) -> Option<(Op, Option<EntityKind>)> {
    if let Some(n) = navs::find(kind, nav) {
        return Some((n.list_op, Some(n.target)));
    }
    directory_row(kind, nav).map(|def| (Op::Set(def.set, Action::Get), None))
}

/// The catalog row of the directory object `nav` of a `kind` entity.
fn directory_row(kind: EntityKind, nav: &str) -> Option<&'static SetDef> {
    SetDef::navigation(kind, nav).filter(|d| matches!(d.shape, Shape::Directory(_)))
}

fn unsupported(kind: EntityKind, nav: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Expanding '{nav}' is not supported on microsoft.graph.{}.",
        kind.type_name()
    ))
}

fn parse(doc: &str) -> ApiResult<Value> {
    serde_json::from_str(doc)
        .map_err(|_| ApiError::internal("A stored document is not valid JSON."))
}
