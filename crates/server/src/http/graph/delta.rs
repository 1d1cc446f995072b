//! `delta()` on users, classes and schools (BEHAVIOR §0.6).
//!
//! A first round takes a snapshot sequence number `S` (`store.latest_seq`) and pages
//! through every entity ordered by id, continuing after the last id seen (so deletions
//! during paging cannot shift pages); its last page carries a `$deltatoken` of `S`.
//! Anything that changed while paging has a sequence number above `S` and is reported by
//! the next round. A later round returns the entities changed in `(S, S']`, where `S'` is
//! the newest sequence number when the round began, deletions as `@removed`, paging by
//! sequence number, and ends with a `$deltatoken` of `S'`.

use axum::http::StatusCode;
use axum::response::Response;
use edugraph_odata::{CmpOp, EdmType, Expr, Literal, PropertyPath, QueryOptions};
use edugraph_store::{EntityKind, ListQuery, Scope};

use super::collection::link;
use super::ctx::{page_size, Ctx};
use super::respond::{self, quote, render, View};
use super::tokens::{decode_delta, encode_delta, SkipToken};
use crate::error::{ApiError, ApiResult};

const DROP: &[&str] = &["skiptoken", "deltatoken"];

pub async fn delta(ctx: &Ctx, kind: EntityKind) -> ApiResult<Response> {
    delta_in(ctx, kind, None).await
}

/// `delta()` over the entities of `kind`, or over those contained in `parent` (a class's
/// assignment categories).
pub async fn delta_in(ctx: &Ctx, kind: EntityKind, parent: Option<&str>) -> ApiResult<Response> {
    let opts = ctx.query(kind)?;
    refuse_unsupported(&opts)?;
    let (limit, applied) = page_size(opts.top, &ctx.prefs)?;
    let latest = ctx.store().latest_seq(ctx.tenant()).await?;
    let start = match (opts.skiptoken.as_deref(), opts.deltatoken.as_deref()) {
        (Some(t), _) => match SkipToken::decode(t)? {
            SkipToken::Listing {
                kind: k,
                snapshot,
                after_id,
            } if k == kind && snapshot <= latest => Round::Listing {
                snapshot,
                after_id: Some(after_id),
            },
            SkipToken::Changes {
                kind: k,
                upto,
                after,
            } if k == kind && upto <= latest => Round::Changes { upto, after },
            _ => {
                return Err(ApiError::bad_request(
                    "The $skiptoken does not belong to this delta query.",
                ))
            }
        },
        (None, Some(t)) => {
            let seen = decode_delta(t, kind)?;
            if seen > latest {
                return Err(ApiError::bad_request(format!(
                    "The $deltatoken value '{t}' is not valid."
                )));
            }
            Round::Changes {
                upto: latest,
                after: seen,
            }
        }
        (None, None) => Round::Listing {
            snapshot: latest,
            after_id: None,
        },
    };
    let view = View::new(ctx, kind, opts.select.as_deref());
    let (items, next) = match start {
        Round::Listing { snapshot, after_id } => {
            listing(ctx, kind, parent, &view, limit, snapshot, after_id).await?
        }
        Round::Changes { upto, after } => {
            changes(ctx, kind, parent, &view, limit, upto, after).await?
        }
    };
    let (next_link, delta_link) = match next {
        Next::Page(token) => (Some(link(ctx, DROP, "$skiptoken", &token.encode())), None),
        Next::Done(seq) => (
            None,
            Some(link(ctx, DROP, "$deltatoken", &encode_delta(kind, seq))),
        ),
    };
    let context = ctx.context(&format!("Collection({})", kind.type_name()));
    let body = respond::collection(
        &context,
        None,
        &items,
        next_link.as_deref(),
        delta_link.as_deref(),
    );
    Ok(respond::json(
        ctx,
        StatusCode::OK,
        body,
        applied.then_some(limit),
    ))
}

enum Round {
    Listing {
        snapshot: i64,
        after_id: Option<String>,
    },
    Changes {
        upto: i64,
        after: i64,
    },
}

enum Next {
    Page(SkipToken),
    Done(i64),
}

/// Only `$select` and `$top` mean something on a delta function.
fn refuse_unsupported(opts: &QueryOptions) -> ApiResult<()> {
    let unsupported = [
        ("$filter", opts.filter.is_some()),
        ("$orderby", !opts.orderby.is_empty()),
        ("$expand", !opts.expand.is_empty()),
        ("$skip", opts.skip.is_some()),
        ("$count", opts.count),
    ];
    match unsupported.iter().find(|(_, used)| *used) {
        Some((name, _)) => Err(ApiError::bad_request(format!(
            "The query option {name} is not supported with delta; only $select and $top are."
        ))),
        None => Ok(()),
    }
}

async fn listing(
    ctx: &Ctx,
    kind: EntityKind,
    parent: Option<&str>,
    view: &View<'_>,
    limit: u32,
    snapshot: i64,
    after_id: Option<String>,
) -> ApiResult<(Vec<String>, Next)> {
    let after = after_id.map(|id| Expr::Compare {
        left: PropertyPath {
            lambda: None,
            segments: vec!["id".into()],
            ty: EdmType::String,
            collection: false,
        },
        op: CmpOp::Gt,
        right: Literal::String(id),
    });
    let query = ListQuery {
        kind,
        scope: parent.map_or(Scope::All, |p| Scope::Children(p.to_string())),
        filter: after.as_ref(),
        orderby: &[],
        skip: 0,
        limit,
        count: false,
    };
    let page = ctx.store().list(ctx.tenant(), &query).await?;
    let items = page
        .items
        .iter()
        .map(|d| render(&d.json, view).into_owned())
        .collect();
    let next = match page.items.last() {
        Some(last) if page.more => Next::Page(SkipToken::Listing {
            kind,
            snapshot,
            after_id: last.id.clone(),
        }),
        _ => Next::Done(snapshot),
    };
    Ok((items, next))
}

async fn changes(
    ctx: &Ctx,
    kind: EntityKind,
    parent: Option<&str>,
    view: &View<'_>,
    limit: u32,
    upto: i64,
    after: i64,
) -> ApiResult<(Vec<String>, Next)> {
    // One more than a page tells whether another page follows.
    let mut changed = ctx
        .store()
        .changes(ctx.tenant(), kind, parent, after, upto, limit + 1)
        .await?;
    let more = changed.len() > limit as usize;
    changed.truncate(limit as usize);
    let type_name = quote(&format!("#microsoft.graph.{}", kind.type_name()));
    let items = changed
        .iter()
        .map(|c| match &c.doc {
            Some(doc) => render(doc, view).into_owned(),
            None => format!(
                "{{\"@odata.type\":{type_name},\"id\":{},\"@removed\":{{\"reason\":\"deleted\"}}}}",
                quote(&c.id)
            ),
        })
        .collect();
    let next = match changed.last() {
        Some(last) if more => Next::Page(SkipToken::Changes {
            kind,
            upto,
            after: last.seq,
        }),
        _ => Next::Done(upto),
    };
    Ok((items, next))
}
