//! `$expand` over a whole page in a bounded number of store reads: per expanded
//! navigation, one read of the caller's roles in the page's classes (when its grant has a
//! class rule), one read of the links of every row and one of the entities at their ends
//! (`Store::linked`), instead of those reads once per row.
//!
//! The outcome is the one expanding row after row gave: the same checks with the same
//! inputs (the navigation's grant, the caller's role in each row's class), the first
//! refusal in row-then-navigation order is the answer, nothing is read for the items
//! until every check passed, and each expanded item is shaped by its navigation's view.

use std::collections::HashMap;

use edugraph_edu::access::{self, Grant, Op};
use edugraph_edu::sets::{Action, Directory, Shape};
use edugraph_odata::ExpandItem;
use edugraph_store::{Direction, Doc, EntityKind};
use serde_json::Value;

use super::super::ctx::{denied, Ctx, MAX_PAGE};
use super::super::directory;
use super::super::navs::{self, Nav};
use super::super::respond::{shape, View};
use super::{unsupported, DEFAULT_EXPAND};
use crate::error::{ApiError, ApiResult};

/// What one `$expand` item needs, settled once for the page.
enum Plan {
    Nav(&'static Nav, Grant),
    Group,
    DirectoryUser,
}

/// Adds every expanded navigation to each of `targets`: the page's rows shaped by its
/// view, in the order of `sources`, their stored documents.
pub async fn expand_rows(
    ctx: &Ctx,
    kind: EntityKind,
    sources: &[Value],
    targets: &mut [Value],
    items: &[ExpandItem],
) -> ApiResult<()> {
    if sources.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = sources.iter().map(|v| row_id(v).to_string()).collect();

    // Every check first, each settled once for the page where its answer does not depend
    // on the row (the grant) and in one read per navigation where it does (the role).
    let plans: Vec<ApiResult<Plan>> = items.iter().map(|i| plan(ctx, kind, i)).collect();
    let mut refusals = Vec::with_capacity(plans.len());
    for plan in &plans {
        refusals.push(match plan {
            Ok(Plan::Nav(_, grant)) => role_refusals(ctx, grant, &ids).await?,
            _ => HashMap::new(),
        });
    }
    // A navigation's own refusal does not depend on the row, so row by row the first one
    // met is in the first row: settle that row, then the roles of the others.
    let mut ready = Vec::with_capacity(plans.len());
    for (plan, refused) in plans.into_iter().zip(refusals.iter_mut()) {
        ready.push(plan?);
        if let Some(e) = refused.remove(&0) {
            return Err(e);
        }
    }
    for row in 1..ids.len() {
        for refused in refusals.iter_mut() {
            if let Some(e) = refused.remove(&row) {
                return Err(e);
            }
        }
    }

    // Then the reads, one batch per navigation.
    let mut domain: Option<Option<String>> = None;
    for (item, plan) in items.iter().zip(&ready) {
        match plan {
            Plan::Nav(nav, grant) => {
                let limit = item.top.unwrap_or(DEFAULT_EXPAND).clamp(1, MAX_PAGE);
                let direction = if nav.outgoing {
                    Direction::Outgoing
                } else {
                    Direction::Incoming
                };
                let linked = ctx
                    .store()
                    .linked(ctx.tenant(), nav.relation, direction, &ids, limit)
                    .await?;
                let mut by_id: HashMap<String, Vec<Doc>> =
                    linked.into_iter().map(|l| (l.id, l.docs)).collect();
                let view = View::granted(ctx, grant, nav.target, item.select.as_deref());
                for (id, target) in ids.iter().zip(targets.iter_mut()) {
                    let docs = by_id.remove(id).unwrap_or_default();
                    let mut related = Vec::with_capacity(docs.len());
                    for doc in &docs {
                        related.push(shape(super::parse(&doc.json)?, &view));
                    }
                    insert(target, &item.nav, Value::Array(related));
                }
            }
            Plan::Group => {
                // The tenant's domain is the same for every class of the page.
                if domain.is_none() {
                    domain = Some(directory::tenant_domain(ctx).await?);
                }
                let domain = domain.as_ref().and_then(Option::as_deref);
                for (source, target) in sources.iter().zip(targets.iter_mut()) {
                    insert(target, &item.nav, directory::group(source, domain));
                }
            }
            Plan::DirectoryUser => {
                for (source, target) in sources.iter().zip(targets.iter_mut()) {
                    insert(target, &item.nav, directory::user(source));
                }
            }
        }
    }
    Ok(())
}

/// The id of a stored document ("" when it has none, as a lookup by it finds nothing).
pub fn row_id(doc: &Value) -> &str {
    doc.get("id").and_then(Value::as_str).unwrap_or_default()
}

fn plan(ctx: &Ctx, kind: EntityKind, item: &ExpandItem) -> ApiResult<Plan> {
    if let Some(nav) = navs::find(kind, &item.nav) {
        return Ok(Plan::Nav(nav, ctx.authorize(nav.list_op)?));
    }
    let Some(def) = super::directory_row(kind, &item.nav) else {
        return Err(unsupported(kind, &item.nav));
    };
    ctx.authorize(Op::Set(def.set, Action::Get))?;
    Ok(match def.shape {
        Shape::Directory(Directory::Group) => Plan::Group,
        _ => Plan::DirectoryUser,
    })
}

/// The refusal of each row (by position) whose class `grant`'s class rule does not let
/// the caller read, judged as `Ctx::check_rule` judges one class: the caller's role in
/// the class named by the row's id (teacher, else student, else neither).
async fn role_refusals(
    ctx: &Ctx,
    grant: &Grant,
    ids: &[String],
) -> ApiResult<HashMap<usize, ApiError>> {
    let mut out = HashMap::new();
    let Some(user) = ctx.caller.user_id() else {
        return Ok(out);
    };
    if !ctx.rule_reads_store(grant.class_rule) {
        return Ok(out);
    }
    let roles = access::class_roles(ctx.store(), ctx.tenant(), ids, user).await?;
    for (row, (id, role)) in ids.iter().zip(roles).enumerate() {
        if let Err(d) = access::check_class_role(grant.class_rule, role, id) {
            out.insert(row, denied(d));
        }
    }
    Ok(out)
}

fn insert(target: &mut Value, nav: &str, value: Value) {
    if let Some(obj) = target.as_object_mut() {
        obj.insert(nav.to_string(), value);
    }
}
