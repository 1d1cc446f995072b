//! Batched link reads for a whole page (`$expand` of a navigation, a delegated caller's
//! roles in a page of classes): one statement over the links of many entities instead of
//! one listing per entity.
//!
//! [`build_ends`] answers, for every id at one end of a relation, the ids at the other end
//! exactly as the scoped listing `Outgoing(relation, id)` (or `Incoming`) would order and
//! cut them: only ends that are existing entities of the other end's kind count, ordered
//! by id (byte order: the columns are `COLLATE "C"` on PostgreSQL and binary on SQLite),
//! at most `limit` per id.

use super::{Bind, Sink};
use crate::{Direction, Relation};

/// Ids bound per statement: well inside both databases' parameter limits, and far above a
/// page (at most 999 rows).
pub(crate) const CHUNK: usize = 900;

/// `SELECT src, dst` of the links of `relation` leaving (`Outgoing`) or reaching
/// (`Incoming`) each of `ids`, at most `limit` per id, ordered by `src` then `dst`.
pub(crate) fn build_ends(
    tenant: &str,
    relation: Relation,
    direction: Direction,
    ids: &[String],
    limit: u32,
    out: &mut dyn Sink,
) {
    let (near, far, far_kind, near_kind) = match direction {
        Direction::Outgoing => ("from_id", "to_id", relation.ends().1, relation.ends().0),
        Direction::Incoming => ("to_id", "from_id", relation.ends().0, relation.ends().1),
    };
    // The window numbers each id's ends in the listing's order; the join keeps only ends
    // that exist as entities of the far kind, and the `EXISTS` only ids that exist
    // themselves, as the scoped listing does.
    out.sql(&format!(
        "SELECT k.src, k.dst FROM (SELECT l.{near} AS src, l.{far} AS dst, \
         ROW_NUMBER() OVER (PARTITION BY l.{near} ORDER BY l.{far}) AS n \
         FROM links l JOIN entities e ON e.tenant_id = l.tenant_id AND e.entity_type = "
    ));
    out.bind(Bind::Text(far_kind.type_name().to_string()));
    out.sql(&format!(" AND e.id = l.{far} WHERE l.tenant_id = "));
    out.bind(Bind::Text(tenant.to_string()));
    out.sql(" AND l.relation = ");
    out.bind(Bind::Text(relation.name().to_string()));
    out.sql(&format!(" AND l.{near} IN ("));
    push_ids(ids, out);
    out.sql(
        ") AND EXISTS (SELECT 1 FROM entities s WHERE s.tenant_id = l.tenant_id \
         AND s.entity_type = ",
    );
    out.bind(Bind::Text(near_kind.type_name().to_string()));
    out.sql(&format!(" AND s.id = l.{near})) k WHERE k.n <= "));
    out.bind(Bind::Int(i64::from(limit)));
    out.sql(" ORDER BY k.src, k.n");
}

/// `SELECT from_id` of the links `from → to` of `relation` with `from` among `from_ids`.
pub(crate) fn build_linked_from(
    tenant: &str,
    relation: Relation,
    from_ids: &[String],
    to: &str,
    out: &mut dyn Sink,
) {
    out.sql("SELECT from_id FROM links WHERE tenant_id = ");
    out.bind(Bind::Text(tenant.to_string()));
    out.sql(" AND relation = ");
    out.bind(Bind::Text(relation.name().to_string()));
    out.sql(" AND to_id = ");
    out.bind(Bind::Text(to.to_string()));
    out.sql(" AND from_id IN (");
    push_ids(from_ids, out);
    out.sql(")");
}

fn push_ids(ids: &[String], out: &mut dyn Sink) {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.sql(", ");
        }
        out.bind(Bind::Text(id.clone()));
    }
}
