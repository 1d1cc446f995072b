//! Listings: one SQL statement per page (scope, filter, order, `LIMIT n+1 OFFSET skip`) and
//! a `COUNT(*)` over the same conditions.
//!
//! Order: the `$orderby` keys (nulls first ascending, last descending, text in byte order),
//! then the id, so every order is total and paging with `skip` is stable.

use super::dialect::Dialect;
use super::filter::{compile, selective_index};
use super::{Bind, Sink};
use crate::conflict::other;
use crate::{ListQuery, Result, Scope};

pub(crate) enum Shape {
    /// `SELECT e.id, <doc>, e.version` with order and paging.
    Page,
    /// `SELECT <expression> AS item` with order and paging: each row's columns combined
    /// into one value by the backend's expression (SQLite's one-row pages,
    /// `sqlite::page`), computed where the columns are read so that an enclosing query
    /// does not copy them again.
    Packed(&'static str),
    /// `SELECT COUNT(*)` of every match.
    Count,
}

pub(crate) fn build(
    d: &dyn Dialect,
    tenant: &str,
    q: &ListQuery<'_>,
    shape: Shape,
    out: &mut dyn Sink,
) -> Result<()> {
    // Scoped listings are driven by the links; only whole-kind listings pick an index.
    let index = match q.scope {
        Scope::All => q.filter.and_then(selective_index),
        // A container's few children, not a walk over every entity of the kind.
        Scope::Children(_) => Some("entities_parent"),
        _ => None,
    };
    let from = d.entities(index);
    match shape {
        Shape::Page => out.sql(&format!(
            "SELECT e.id AS id, {} AS doc, e.version AS version FROM {from}",
            d.doc_column()
        )),
        Shape::Packed(item) => out.sql(&format!("SELECT {item} AS item FROM {from}")),
        Shape::Count => out.sql(&format!("SELECT COUNT(*) FROM {from}")),
    }
    // Scoped listings walk the links index and join entities on their primary key; the
    // link's end column doubles as the id to order by, which the index already yields
    // in order.
    let (link_filter, id_col) = match &q.scope {
        Scope::All => (None, "e.id"),
        Scope::Outgoing(rel, from) => {
            out.sql(" JOIN links l ON l.to_id = e.id");
            (Some((rel, rel.ends().0, "l.from_id", from)), "l.to_id")
        }
        Scope::Incoming(rel, to) => {
            out.sql(" JOIN links l ON l.from_id = e.id");
            (Some((rel, rel.ends().1, "l.to_id", to)), "l.from_id")
        }
        Scope::Children(_) => (None, "e.id"),
    };
    out.sql(" WHERE e.tenant_id = ");
    out.bind(Bind::Text(tenant.to_string()));
    out.sql(" AND e.entity_type = ");
    out.bind(Bind::Text(q.kind.type_name().to_string()));
    if let Some((rel, end_kind, end_col, end_id)) = link_filter {
        out.sql(" AND l.tenant_id = ");
        out.bind(Bind::Text(tenant.to_string()));
        out.sql(" AND l.relation = ");
        out.bind(Bind::Text(rel.name().to_string()));
        out.sql(&format!(" AND {end_col} = "));
        out.bind(Bind::Text(end_id.clone()));
        // The scope's own entity must exist too (one key probe per statement, as the
        // subquery is uncorrelated): then a non-empty page proves it exists, and callers
        // can skip looking it up (only an empty page leaves the question open).
        out.sql(" AND EXISTS (SELECT 1 FROM entities s WHERE s.tenant_id = ");
        out.bind(Bind::Text(tenant.to_string()));
        out.sql(" AND s.entity_type = ");
        out.bind(Bind::Text(end_kind.type_name().to_string()));
        out.sql(" AND s.id = ");
        out.bind(Bind::Text(end_id.clone()));
        out.sql(")");
    }
    if let Scope::Children(parent) = &q.scope {
        out.sql(" AND e.parent_id = ");
        out.bind(Bind::Text(parent.clone()));
    }
    if let Some(filter) = q.filter {
        out.sql(" AND ");
        compile(d, "e.doc", filter, out)?;
    }
    if !matches!(shape, Shape::Count) {
        out.sql(" ORDER BY ");
        for key in q.orderby {
            if key.path.lambda.is_some() {
                return Err(other("$orderby path inside a lambda"));
            }
            let sql = d.order_key("e.doc", &key.path.segments, &key.path.ty)?;
            let dir = if key.desc {
                "DESC NULLS LAST"
            } else {
                "ASC NULLS FIRST"
            };
            out.sql(&format!("{sql} {dir}, "));
        }
        out.sql(id_col);
        out.sql(" LIMIT ");
        out.bind(Bind::Int(i64::from(q.limit) + 1));
        out.sql(" OFFSET ");
        out.bind(Bind::Int(i64::try_from(q.skip).unwrap_or(i64::MAX)));
    }
    Ok(())
}
