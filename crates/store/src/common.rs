//! Backend-independent pieces of the store: which properties are unique, which relations
//! touch a kind, the SQL text both backends share (`$n` placeholders work in both), and
//! bulk batch sizing.

use crate::conflict::other;
use crate::sql::dialect::Dialect;
use crate::{BulkDoc, EntityKind, Relation, Result};
use serde_json::Value;
use std::borrow::Cow;

/// The `"id"` of a document the server built.
pub(crate) fn doc_id(doc: &Value) -> Result<&str> {
    doc.get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| other("entity document has no string \"id\""))
}

/// Properties unique per tenant and kind, compared case-insensitively, in the order a
/// conflict is reported.
pub(crate) fn unique_properties(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::User => &["userPrincipalName", "mailNickname"],
        EntityKind::Class => &["mailNickname"],
        _ => &[],
    }
}

/// The unique properties `doc` actually sets, with their values.
pub(crate) fn unique_values(kind: EntityKind, doc: &Value) -> Vec<(&'static str, &str)> {
    unique_properties(kind)
        .iter()
        .filter_map(|p| doc.get(*p).and_then(Value::as_str).map(|v| (*p, v)))
        .collect()
}

/// Relations whose `from` end is `kind`, and those whose `to` end is.
pub(crate) fn relations_touching(kind: EntityKind) -> (Vec<Relation>, Vec<Relation>) {
    let from = Relation::ALL
        .iter()
        .copied()
        .filter(|r| r.ends().0 == kind)
        .collect();
    let to = Relation::ALL
        .iter()
        .copied()
        .filter(|r| r.ends().1 == kind)
        .collect();
    (from, to)
}

/// Relations whose changes count as a change of the class for delta.
pub(crate) fn is_class_roster(relation: Relation) -> bool {
    matches!(relation, Relation::ClassMembers | Relation::ClassTeachers)
}

/// Rows per multi-row `INSERT` so that `binds_per_row * rows` stays under the backend's
/// bind-parameter limit.
pub(crate) fn batch_rows(max_binds: usize, binds_per_row: usize) -> usize {
    (max_binds / binds_per_row).clamp(1, 5_000)
}

// --- SQL shared by both backends --------------------------------------------------------

/// The entity's version (its row's existence, for writes).
pub(crate) const VERSION: &str =
    "SELECT version FROM entities WHERE tenant_id = $1 AND entity_type = $2 AND id = $3";
pub(crate) const RECORD_CHANGE: &str =
    "INSERT INTO changes (tenant_id, entity_type, id, op, parent_id) \
     VALUES ($1, $2, $3, $4, $5) RETURNING seq";
/// The container of a contained entity (no row for a top-level one).
pub(crate) const PARENT: &str = "SELECT parent_id FROM entities \
     WHERE tenant_id = $1 AND entity_type = $2 AND id = $3 AND parent_id IS NOT NULL";
/// Everything contained in `$2`, however deep, as `type id parent` (ids never hold a
/// space: the server makes them), the deepest first so children go before their
/// containers.
pub(crate) const DESCENDANTS: &str = "WITH RECURSIVE tree(entity_type, id, parent_id, depth) AS ( \
     SELECT entity_type, id, parent_id, 1 FROM entities WHERE tenant_id = $1 AND parent_id = $2 \
     UNION ALL SELECT e.entity_type, e.id, e.parent_id, t.depth + 1 FROM entities e \
     JOIN tree t ON e.tenant_id = $1 AND e.parent_id = t.id WHERE t.depth < 16) \
     SELECT entity_type || ' ' || id || ' ' || parent_id FROM tree ORDER BY depth DESC, entity_type, id";
pub(crate) const SET_CHANGE_SEQ: &str =
    "UPDATE entities SET change_seq = $4 WHERE tenant_id = $1 AND entity_type = $2 AND id = $3";
pub(crate) const DELETE_ENTITY: &str =
    "DELETE FROM entities WHERE tenant_id = $1 AND entity_type = $2 AND id = $3";
pub(crate) const DELETE_LINKS_FROM: &str =
    "DELETE FROM links WHERE tenant_id = $1 AND relation = $2 AND from_id = $3";
pub(crate) const DELETE_LINKS_TO: &str =
    "DELETE FROM links WHERE tenant_id = $1 AND relation = $2 AND to_id = $3";
pub(crate) const DELETE_SECRETS_OF: &str =
    "DELETE FROM secrets WHERE tenant_id = $1 AND owner_id = $2";
/// Classes a user belongs to or teaches (they change when the user is deleted).
pub(crate) const ROSTER_CLASSES_OF: &str = "SELECT DISTINCT from_id FROM links \
     WHERE tenant_id = $1 AND relation IN ('classMembers', 'classTeachers') AND to_id = $2 ORDER BY from_id";
pub(crate) const INSERT_LINK: &str = "INSERT INTO links (tenant_id, relation, from_id, to_id) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
pub(crate) const DELETE_LINK: &str =
    "DELETE FROM links WHERE tenant_id = $1 AND relation = $2 AND from_id = $3 AND to_id = $4";
pub(crate) const HAS_LINK: &str =
    "SELECT 1 FROM links WHERE tenant_id = $1 AND relation = $2 AND from_id = $3 AND to_id = $4";
pub(crate) const LINKS_OF_RELATION: &str =
    "SELECT from_id, to_id FROM links WHERE tenant_id = $1 AND relation = $2";
pub(crate) const LATEST_SEQ: &str =
    "SELECT COALESCE(MAX(seq), 0) FROM changes WHERE tenant_id = $1";
pub(crate) const PUT_TENANT: &str =
    "INSERT INTO tenants (id, display_name, domain) VALUES ($1, $2, $3) \
     ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, domain = excluded.domain";
pub(crate) const TENANTS: &str = "SELECT id, display_name, domain FROM tenants ORDER BY id";
/// The tenant a domain names, as its primary domain or one of its other verified domains.
pub(crate) const DOMAIN_OWNER: &str = "SELECT id FROM tenants WHERE lower(domain) = $1 \
     UNION SELECT tenant_id FROM tenant_domains WHERE domain = $1";
pub(crate) const ADD_TENANT_DOMAIN: &str =
    "INSERT INTO tenant_domains (domain, tenant_id, created_at) VALUES ($1, $2, $3)";
/// The primary domain first, then the others by name.
pub(crate) const TENANT_DOMAINS: &str = "SELECT domain FROM (\
     SELECT domain, 0 AS k FROM tenants WHERE id = $1 \
     UNION ALL SELECT domain, 1 AS k FROM tenant_domains WHERE tenant_id = $1) d \
     ORDER BY k, domain";
pub(crate) const TENANT_ISSUER_BASE: &str = "SELECT issuer_base FROM tenants WHERE id = $1";
/// `$3` true replaces a recorded base; false keeps it (the first recorder wins a race).
pub(crate) const RECORD_ISSUER_BASE: &str = "UPDATE tenants \
     SET issuer_base = CASE WHEN $3 THEN $2 ELSE COALESCE(issuer_base, $2) END \
     WHERE id = $1 RETURNING issuer_base";

/// Whether [`RECORD_ISSUER_BASE`] would change the base currently recorded.
pub(crate) fn issuer_base_changes(current: Option<&str>, base: &str, replace: bool) -> bool {
    match current {
        None => true,
        Some(current) => replace && current != base,
    }
}
pub(crate) const TENANT_HAS_ENTITIES: &str = "SELECT 1 FROM entities WHERE tenant_id = $1 LIMIT 1";
pub(crate) const CLEAR_TENANT: [&str; 4] = [
    "DELETE FROM entities WHERE tenant_id = $1",
    "DELETE FROM links WHERE tenant_id = $1",
    "DELETE FROM changes WHERE tenant_id = $1",
    "DELETE FROM secrets WHERE tenant_id = $1",
];
pub(crate) const PUT_PASSWORD: &str = "INSERT INTO secrets (tenant_id, owner_id, kind, value) \
     VALUES ($1, $2, 'password', $3) ON CONFLICT (tenant_id, owner_id, kind) DO UPDATE SET value = excluded.value";
pub(crate) const GET_PASSWORD: &str =
    "SELECT value FROM secrets WHERE tenant_id = $1 AND owner_id = $2 AND kind = 'password'";
pub(crate) const SIGNING_KEYS: &str =
    "SELECT kid, private_pem, created_at, retired_at FROM signing_keys \
     ORDER BY created_at DESC, kid DESC";
pub(crate) const PUT_SIGNING_KEY: &str =
    "INSERT INTO signing_keys (kid, private_pem, created_at, retired_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (kid) DO UPDATE SET private_pem = excluded.private_pem, \
     created_at = excluded.created_at, retired_at = excluded.retired_at";

/// Is another entity of the kind already using `value` (case-insensitively) for `prop`?
/// Binds `$1` tenant, `$2` entity type, `$3` value, `$4` the entity's own id. The key
/// expression is the one of the unique index, so the check is an index probe.
pub(crate) fn unique_check_sql(d: &dyn Dialect, prop: &str) -> Result<String> {
    let key = d.text("doc", &[prop.to_string()])?;
    Ok(format!(
        "SELECT version FROM entities WHERE tenant_id = $1 AND entity_type = $2 AND lower({key}) = lower($3) AND id <> $4 LIMIT 1"
    ))
}

/// Delta: each entity's latest change with `$3 < seq <= $4`, oldest first. A change is the
/// latest when no later one for the same entity falls in the range; walking the range in
/// seq order lets a page stop after `$5` rows instead of grouping the whole range.
/// With `in_parent`, only the changes of entities contained in `$6`.
pub(crate) fn changes_sql(doc_column: &str, in_parent: bool) -> String {
    let parent = if in_parent {
        "AND c.parent_id = $6 "
    } else {
        ""
    };
    format!(
        "SELECT c.id, c.seq, {doc_column} FROM changes c \
         LEFT JOIN entities e ON e.tenant_id = c.tenant_id AND e.entity_type = c.entity_type AND e.id = c.id \
         WHERE c.tenant_id = $1 AND c.entity_type = $2 AND c.seq > $3 AND c.seq <= $4 {parent}\
         AND NOT EXISTS (SELECT 1 FROM changes c2 WHERE c2.tenant_id = c.tenant_id \
             AND c2.entity_type = c.entity_type AND c2.id = c.id AND c2.seq > c.seq AND c2.seq <= $4) \
         ORDER BY c.seq LIMIT $5"
    )
}

/// One entity of a bulk load, serialised: `(entity type, id, document text)`.
pub(crate) type BulkRow<'a> = (&'static str, &'a str, Cow<'a, str>);

/// A bulk load's document: its id, and its JSON text (serialised when it is a value).
pub(crate) trait BulkEntity {
    fn row(&self) -> Result<(&str, Cow<'_, str>)>;
}

impl BulkEntity for Value {
    fn row(&self) -> Result<(&str, Cow<'_, str>)> {
        let json = serde_json::to_string(self).map_err(|e| other(e.to_string()))?;
        Ok((doc_id(self)?, Cow::Owned(json)))
    }
}

impl BulkEntity for BulkDoc {
    fn row(&self) -> Result<(&str, Cow<'_, str>)> {
        match self {
            BulkDoc::Parsed(doc) => doc.row(),
            BulkDoc::Text { id, .. } if id.is_empty() => {
                Err(other("entity document has no string \"id\""))
            }
            BulkDoc::Text { id, json } => Ok((id, Cow::Borrowed(json))),
        }
    }
}

/// Serialises a bulk load's entities, ordered by type and id: the order their changes are
/// recorded in (as the set-wise pass that did this before recorded them).
pub(crate) fn bulk_rows<D: BulkEntity>(entities: &[(EntityKind, D)]) -> Result<Vec<BulkRow<'_>>> {
    let mut rows = entities
        .iter()
        .map(|(kind, doc)| {
            let (id, json) = doc.row()?;
            Ok((kind.type_name(), id, json))
        })
        .collect::<Result<Vec<_>>>()?;
    rows.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    Ok(rows)
}

/// Bulk loads record the changes of a chunk of rows first (`INSERT ... RETURNING` these
/// columns), then insert the entities already stamped with their sequence numbers: no
/// pass over the tenant's other rows, so a load costs the same however much is stored.
pub(crate) const BULK_CHANGES_INSERT: &str =
    "INSERT INTO changes (tenant_id, entity_type, id, op) ";
pub(crate) const BULK_CHANGES_RETURNING: &str = " RETURNING entity_type, id, seq";

/// The sequence numbers `RETURNING` reported (in no particular order), lined up with
/// `chunk` (sorted by type and id, as [`bulk_rows`] leaves it).
pub(crate) fn seqs_for(
    chunk: &[BulkRow<'_>],
    mut returned: Vec<(String, String, i64)>,
) -> Result<Vec<i64>> {
    returned.sort_unstable();
    let lined_up = returned.len() == chunk.len()
        && chunk
            .iter()
            .zip(&returned)
            .all(|((ty, id, _), (rty, rid, _))| ty == rty && id == rid);
    if !lined_up {
        return Err(other(
            "bulk load: the change log rows do not match the entities",
        ));
    }
    Ok(returned.into_iter().map(|(_, _, seq)| seq).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_must_be_non_empty_strings() {
        assert_eq!(doc_id(&json!({"id": "a"})).unwrap(), "a");
        assert!(doc_id(&json!({"id": 1})).is_err());
        assert!(doc_id(&json!({"id": ""})).is_err());
        assert!(doc_id(&json!({})).is_err());
    }

    #[test]
    fn unique_values_skip_missing_and_null() {
        let doc = json!({"userPrincipalName": "a@x", "mailNickname": null});
        assert_eq!(
            unique_values(EntityKind::User, &doc),
            vec![("userPrincipalName", "a@x")]
        );
        assert!(unique_values(EntityKind::School, &doc).is_empty());
    }

    #[test]
    fn relations_touching_a_user() {
        let (from, to) = relations_touching(EntityKind::User);
        assert!(from.is_empty());
        assert_eq!(
            to,
            vec![
                Relation::ClassMembers,
                Relation::ClassTeachers,
                Relation::SchoolUsers
            ]
        );
    }

    #[test]
    fn bulk_rows_are_ordered_by_type_then_id() {
        let entities = vec![
            (EntityKind::User, json!({"id": "b"})),
            (EntityKind::School, json!({"id": "a"})),
            (EntityKind::User, json!({"id": "a", "x": 1})),
        ];
        let rows = bulk_rows(&entities).unwrap();
        let keys: Vec<(&str, &str)> = rows.iter().map(|r| (r.0, r.1)).collect();
        assert_eq!(
            keys,
            [
                ("educationSchool", "a"),
                ("educationUser", "a"),
                ("educationUser", "b")
            ]
        );
        assert_eq!(rows[1].2, r#"{"id":"a","x":1}"#);
        assert!(bulk_rows(&[(EntityKind::User, json!({"x": 1}))]).is_err());
    }

    #[test]
    fn text_documents_keep_their_text_and_need_an_id() {
        use crate::BulkDoc;
        let text = |id: &str| BulkDoc::Text {
            id: id.into(),
            json: format!(r#"{{"id":"{id}","x": 1}}"#),
        };
        let entities = vec![
            (EntityKind::User, text("b")),
            (EntityKind::User, BulkDoc::Parsed(json!({"id": "a"}))),
        ];
        let rows = bulk_rows(&entities).unwrap();
        assert_eq!(rows[0].1, "a");
        assert_eq!(rows[1].2, r#"{"id":"b","x": 1}"#, "text goes in unchanged");
        assert!(bulk_rows(&[(EntityKind::User, text(""))]).is_err());
    }

    #[test]
    fn returned_seqs_line_up_with_the_chunk() {
        let chunk: Vec<BulkRow<'_>> = vec![
            ("educationClass", "c", "".into()),
            ("educationUser", "a", "".into()),
            ("educationUser", "b", "".into()),
        ];
        let returned = |rows: &[(&str, &str, i64)]| {
            rows.iter()
                .map(|(t, i, s)| (t.to_string(), i.to_string(), *s))
                .collect::<Vec<_>>()
        };
        let got = seqs_for(
            &chunk,
            returned(&[
                ("educationUser", "b", 12),
                ("educationClass", "c", 10),
                ("educationUser", "a", 11),
            ]),
        )
        .unwrap();
        assert_eq!(got, [10, 11, 12]);
        // A missing or foreign row is an error, never a misnumbered entity.
        assert!(seqs_for(&chunk, returned(&[("educationClass", "c", 10)])).is_err());
        assert!(seqs_for(
            &chunk,
            returned(&[
                ("educationClass", "c", 10),
                ("educationUser", "a", 11),
                ("educationUser", "z", 12),
            ])
        )
        .is_err());
    }

    #[test]
    fn batches_respect_the_bind_limit() {
        assert_eq!(batch_rows(32_766, 4), 5_000);
        assert!(batch_rows(32_766, 7) * 7 <= 32_766);
        assert_eq!(batch_rows(3, 4), 1);
    }
}
