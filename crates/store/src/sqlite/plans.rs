//! Query-plan checks: the hot statements must use the indexes built for them. A plan that
//! falls back to a scan still returns the right rows, so only these tests notice.

use super::SqliteStore;
use crate::common;
use crate::sql::dialect::SqliteDialect;
use crate::sql::listing::{self, Shape};
use crate::{EntityKind, ListQuery, Relation, Scope};
use edugraph_odata::{CmpOp, EdmType, Expr, Literal, PropertyPath};
use sqlx::{QueryBuilder, Sqlite};

/// The `detail` column of `EXPLAIN QUERY PLAN`, one line per step.
async fn plan(store: &SqliteStore, mut qb: QueryBuilder<'_, Sqlite>) -> String {
    let sql = format!("EXPLAIN QUERY PLAN {}", qb.sql());
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(&sql).fetch_all(&store.pool).await.unwrap();
    let _ = qb.build();
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

fn raw(sql: &str) -> QueryBuilder<'static, Sqlite> {
    QueryBuilder::new(sql.to_string())
}

async fn store() -> SqliteStore {
    SqliteStore::open("sqlite::memory:").await.unwrap()
}

fn list_plan_sql(q: &ListQuery<'_>) -> QueryBuilder<'static, Sqlite> {
    let mut qb = QueryBuilder::<Sqlite>::new("");
    listing::build(&SqliteDialect, "t", q, Shape::Page, &mut qb).unwrap();
    qb
}

fn query(scope: Scope, filter: Option<&Expr>) -> ListQuery<'_> {
    ListQuery {
        kind: EntityKind::User,
        scope,
        filter,
        orderby: &[],
        skip: 0,
        limit: 100,
        count: false,
    }
}

#[tokio::test]
async fn get_by_id_uses_the_primary_key() {
    let s = store().await;
    let p = plan(&s, raw(super::GET)).await;
    assert!(p.contains("USING INDEX sqlite_autoindex_entities_1"), "{p}");
}

#[tokio::test]
async fn nested_external_id_filter_uses_its_expression_index() {
    let s = store().await;
    let f = Expr::Compare {
        left: PropertyPath {
            lambda: None,
            segments: vec!["student".into(), "externalId".into()],
            ty: EdmType::String,
            collection: false,
        },
        op: CmpOp::Eq,
        right: Literal::String("S1".into()),
    };
    let p = plan(&s, list_plan_sql(&query(Scope::All, Some(&f)))).await;
    assert!(
        p.contains("USING INDEX entities_student_external_id"),
        "{p}"
    );
    // Also inside a conjunction.
    let both = Expr::And(Box::new(f.clone()), Box::new(role_is("student")));
    let p = plan(&s, list_plan_sql(&query(Scope::All, Some(&both)))).await;
    assert!(
        p.contains("USING INDEX entities_student_external_id"),
        "{p}"
    );
}

fn role_is(role: &str) -> Expr {
    Expr::Compare {
        left: PropertyPath {
            lambda: None,
            segments: vec!["primaryRole".into()],
            ty: EdmType::String,
            collection: false,
        },
        op: CmpOp::Eq,
        right: Literal::String(role.into()),
    }
}

#[tokio::test]
async fn unselective_filters_walk_the_primary_key_in_order() {
    // Half the users match: reading the key in id order stops after one page, where the
    // role index would find every match and sort them.
    let s = store().await;
    let p = plan(
        &s,
        list_plan_sql(&query(Scope::All, Some(&role_is("student")))),
    )
    .await;
    assert!(p.contains("USING INDEX sqlite_autoindex_entities_1"), "{p}");
    assert!(!p.contains("TEMP B-TREE"), "{p}");
    let p = plan(&s, list_plan_sql(&query(Scope::All, None))).await;
    assert!(
        p.contains("USING INDEX sqlite_autoindex_entities_1") && !p.contains("TEMP B-TREE"),
        "{p}"
    );
}

#[tokio::test]
async fn member_listing_walks_the_links_key_without_sorting() {
    let s = store().await;
    let q = query(Scope::Outgoing(Relation::ClassMembers, "c".into()), None);
    let p = plan(&s, list_plan_sql(&q)).await;
    assert!(p.contains("SEARCH l USING PRIMARY KEY"), "{p}");
    assert!(
        p.contains("SEARCH e USING INDEX sqlite_autoindex_entities_1"),
        "{p}"
    );
    assert!(!p.contains("TEMP B-TREE"), "{p}");
    // The scope's own entity is one key probe, and the packed form changes nothing.
    assert!(
        p.contains("SEARCH s USING COVERING INDEX sqlite_autoindex_entities_1"),
        "{p}"
    );
    let mut packed = QueryBuilder::<Sqlite>::new(super::page::PACK_OPEN);
    let shape = Shape::Packed(super::page::PACK_ITEM);
    listing::build(&SqliteDialect, "t", &q, shape, &mut packed).unwrap();
    packed.push(super::page::PACK_CLOSE);
    let p = plan(&s, packed).await;
    assert!(p.contains("SEARCH l USING PRIMARY KEY"), "{p}");
    assert!(!p.contains("TEMP B-TREE") && !p.contains("SCAN l"), "{p}");
    // Uncorrelated: evaluated once per statement, not per row.
    assert!(!p.contains("CORRELATED"), "{p}");
    let q = query(Scope::Incoming(Relation::ClassMembers, "u".into()), None);
    let p = plan(&s, list_plan_sql(&q)).await;
    assert!(p.contains("USING COVERING INDEX links_to"), "{p}");
}

#[tokio::test]
async fn uniqueness_checks_probe_the_unique_indexes() {
    let s = store().await;
    for (prop, index) in [
        ("userPrincipalName", "entities_unique_upn"),
        ("mailNickname", "entities_unique_mail_nickname"),
    ] {
        let p = plan(
            &s,
            raw(&common::unique_check_sql(&SqliteDialect, prop).unwrap()),
        )
        .await;
        assert!(p.contains(index), "{prop}: {p}");
    }
}

#[tokio::test]
async fn delta_uses_the_change_indexes() {
    let s = store().await;
    let p = plan(&s, raw(&s.changes_sql[0])).await;
    assert!(
        p.contains("USING INDEX changes_kind") || p.contains("USING COVERING INDEX changes_kind"),
        "{p}"
    );
    assert!(p.contains("changes_entity"), "{p}");
    // Over one container's children: the container's index.
    let p = plan(&s, raw(&s.changes_sql[1])).await;
    assert!(p.contains("changes_parent"), "{p}");
}

#[tokio::test]
async fn children_use_the_parent_index() {
    let s = store().await;
    let q = query(Scope::Children("c".into()), None);
    let p = plan(
        &s,
        list_plan_sql(&ListQuery {
            kind: EntityKind::Category,
            ..q
        }),
    )
    .await;
    assert!(p.contains("entities_parent"), "{p}");
}
