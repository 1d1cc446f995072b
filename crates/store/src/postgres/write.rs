//! PostgreSQL writes: entities and links, each in one transaction that holds the tenant's
//! writer lock and also appends to the change log.

use super::PgStore;
use crate::common::{
    self, doc_id, is_class_roster, relations_touching, unique_check_sql, unique_values, Put,
};
use crate::conflict::other;
use crate::sql::dialect::PgDialect;
use crate::{Doc, EntityKind, Relation, Result, StoreError};
use serde_json::Value;
use sqlx::PgConnection;

const INSERT: &str =
    "INSERT INTO entities (tenant_id, entity_type, id, doc, change_seq) VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING doc::text";
const UPDATE: &str = "UPDATE entities SET doc = $4::jsonb, version = version + 1, \
     modified_at = now(), change_seq = $5 \
     WHERE tenant_id = $1 AND entity_type = $2 AND id = $3 RETURNING doc::text";

impl PgStore {
    pub(super) async fn put_entity(
        &self,
        tenant: &str,
        kind: EntityKind,
        doc: &Value,
        put: Put,
    ) -> Result<Doc> {
        let id = doc_id(doc)?;
        let json = serde_json::to_string(doc).map_err(|e| other(e.to_string()))?;
        let mut tx = self.write(tenant).await?;
        put.check(exists(&mut tx, tenant, kind, id).await?)?;
        check_unique(&mut tx, tenant, kind, doc, id).await?;
        let seq = record_change(&mut tx, tenant, kind, id, "upsert").await?;
        let statement = match put {
            Put::Create => INSERT,
            Put::Replace => UPDATE,
        };
        let json: String = sqlx::query_scalar(statement)
            .bind(tenant)
            .bind(kind.type_name())
            .bind(id)
            .bind(&json)
            .bind(seq)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Doc {
            id: id.to_string(),
            json,
        })
    }

    pub(super) async fn delete_entity(
        &self,
        tenant: &str,
        kind: EntityKind,
        id: &str,
    ) -> Result<()> {
        let mut tx = self.write(tenant).await?;
        // Classes that lose a member or teacher change too; find them before the links go.
        let classes: Vec<String> = if kind == EntityKind::User {
            sqlx::query_scalar(common::ROSTER_CLASSES_OF)
                .bind(tenant)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
        } else {
            Vec::new()
        };
        let gone = sqlx::query(common::DELETE_ENTITY)
            .bind(tenant)
            .bind(kind.type_name())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let (from, to) = relations_touching(kind);
        for (sql, relations) in [
            (common::DELETE_LINKS_FROM, from),
            (common::DELETE_LINKS_TO, to),
        ] {
            for rel in relations {
                sqlx::query(sql)
                    .bind(tenant)
                    .bind(rel.name())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if kind == EntityKind::User {
            sqlx::query(common::DELETE_SECRETS_OF)
                .bind(tenant)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        record_change(&mut tx, tenant, kind, id, "delete").await?;
        for class in &classes {
            touch(&mut tx, tenant, EntityKind::Class, class).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn insert_link(
        &self,
        tenant: &str,
        rel: Relation,
        from: &str,
        to: &str,
    ) -> Result<()> {
        let (from_kind, to_kind) = rel.ends();
        let mut tx = self.write(tenant).await?;
        if !exists(&mut tx, tenant, from_kind, from).await?
            || !exists(&mut tx, tenant, to_kind, to).await?
        {
            return Err(StoreError::NotFound);
        }
        let added = sqlx::query(common::INSERT_LINK)
            .bind(tenant)
            .bind(rel.name())
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
        if added.rows_affected() == 0 {
            return Err(StoreError::Conflict("link".into()));
        }
        if is_class_roster(rel) {
            touch(&mut tx, tenant, EntityKind::Class, from).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn delete_link(
        &self,
        tenant: &str,
        rel: Relation,
        from: &str,
        to: &str,
    ) -> Result<()> {
        let mut tx = self.write(tenant).await?;
        let removed = sqlx::query(common::DELETE_LINK)
            .bind(tenant)
            .bind(rel.name())
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if is_class_roster(rel) {
            touch(&mut tx, tenant, EntityKind::Class, from).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn exists(conn: &mut PgConnection, tenant: &str, kind: EntityKind, id: &str) -> Result<bool> {
    let row: Option<i32> = sqlx::query_scalar(common::EXISTS)
        .bind(tenant)
        .bind(kind.type_name())
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// `Conflict(property)` when another entity of the kind holds one of `doc`'s unique values.
async fn check_unique(
    conn: &mut PgConnection,
    tenant: &str,
    kind: EntityKind,
    doc: &Value,
    id: &str,
) -> Result<()> {
    for (prop, value) in unique_values(kind, doc) {
        let taken: Option<i32> = sqlx::query_scalar(&unique_check_sql(&PgDialect, prop)?)
            .bind(tenant)
            .bind(kind.type_name())
            .bind(value)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(prop.to_string()));
        }
    }
    Ok(())
}

async fn record_change(
    conn: &mut PgConnection,
    tenant: &str,
    kind: EntityKind,
    id: &str,
    op: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(common::RECORD_CHANGE)
        .bind(tenant)
        .bind(kind.type_name())
        .bind(id)
        .bind(op)
        .fetch_one(conn)
        .await?)
}

/// Records a change of an entity whose document stayed the same (a class whose roster
/// changed), so that delta reports it.
async fn touch(conn: &mut PgConnection, tenant: &str, kind: EntityKind, id: &str) -> Result<()> {
    let seq = record_change(&mut *conn, tenant, kind, id, "upsert").await?;
    sqlx::query(common::SET_CHANGE_SEQ)
        .bind(tenant)
        .bind(kind.type_name())
        .bind(id)
        .bind(seq)
        .execute(conn)
        .await?;
    Ok(())
}
