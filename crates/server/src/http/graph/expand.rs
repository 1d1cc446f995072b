//! Rendering entities for a response, with `$expand` of the roster navigations
//! (`members`, `teachers`, `schools`, `classes`, `users`, `taughtClasses`) and of the two
//! directory objects (`group` of a class, `user` of a user). Expanding a navigation takes
//! the same permission as listing it; `Ctx::query` checks that permission and the
//! expansion's nested options against the target type's readable-property rule before
//! anything is read, and the expanded entities are masked by that same rule.

use std::borrow::Cow;

use edugraph_edu::access::Op;
use edugraph_edu::sets::{Action, Directory, SetDef, Shape};
use edugraph_odata::ExpandItem;
use edugraph_store::{Doc, EntityKind, ListQuery};
use serde_json::Value;

use super::ctx::{Ctx, MAX_PAGE};
use super::directory;
use super::navs;
use super::respond::{render, shape, splice_item_etag, View};
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
    let value = parse(doc)?;
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut shaped = shape(value.clone(), view);
    expand_into(ctx, kind, &value, &id, &mut shaped, expand).await?;
    Ok(Cow::Owned(shaped.to_string()))
}

pub async fn render_many(
    ctx: &Ctx,
    kind: EntityKind,
    docs: &[Doc],
    view: &View<'_>,
    expand: &[ExpandItem],
) -> ApiResult<Vec<String>> {
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let rendered = render_one(ctx, kind, &doc.json, view, expand).await?;
        // Every item carries its entity tag, as a single entity does (`If-Match` on a
        // later PATCH or DELETE of the item).
        out.push(splice_item_etag(&rendered, doc.version));
    }
    Ok(out)
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

/// Adds each expanded navigation of entity `id` (stored document `source`) to `target`.
async fn expand_into(
    ctx: &Ctx,
    kind: EntityKind,
    source: &Value,
    id: &str,
    target: &mut Value,
    items: &[ExpandItem],
) -> ApiResult<()> {
    for item in items {
        let value = if let Some(nav) = navs::find(kind, &item.nav) {
            let grant = ctx.authorize(nav.list_op)?;
            ctx.check_rule(grant.class_rule, id).await?;
            let limit = item.top.unwrap_or(DEFAULT_EXPAND).clamp(1, MAX_PAGE);
            let query = ListQuery {
                kind: nav.target,
                scope: nav.scope(id),
                filter: None,
                orderby: &[],
                skip: 0,
                limit,
                count: false,
            };
            let page = ctx.store().list(ctx.tenant(), &query).await?;
            let view = View::granted(ctx, &grant, nav.target, item.select.as_deref());
            let mut related = Vec::with_capacity(page.items.len());
            for doc in &page.items {
                related.push(shape(parse(&doc.json)?, &view));
            }
            Value::Array(related)
        } else if let Some(def) = directory_row(kind, &item.nav) {
            ctx.authorize(Op::Set(def.set, Action::Get))?;
            match def.shape {
                Shape::Directory(Directory::Group) => {
                    let domain = directory::tenant_domain(ctx).await?;
                    directory::group(source, domain.as_deref())
                }
                _ => directory::user(source),
            }
        } else {
            return Err(unsupported(kind, &item.nav));
        };
        if let Some(obj) = target.as_object_mut() {
            obj.insert(item.nav.clone(), value);
        }
    }
    Ok(())
}
