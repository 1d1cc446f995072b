//! The directory objects behind roster entities: a class is a Microsoft 365 group and an
//! educationUser is a directory user with the same id. We keep no separate directory, so
//! both are derived from the education document, in the minimal valid form.

use axum::http::StatusCode;
use axum::response::Response;
use edugraph_store::EntityKind;
use serde_json::{json, Value};

use super::ctx::{not_found, Ctx};
use super::respond;
use crate::error::ApiResult;

/// The unified group of a class. Class teams hide their membership, so the group does too.
pub fn group(class: &Value, domain: Option<&str>) -> Value {
    let nickname = class.get("mailNickname").and_then(Value::as_str);
    let mail = match (nickname, domain) {
        (Some(n), Some(d)) => Value::String(format!("{n}@{d}")),
        _ => Value::Null,
    };
    json!({
        "@odata.type": "#microsoft.graph.group",
        "id": class.get("id").cloned().unwrap_or(Value::Null),
        "displayName": class.get("displayName").cloned().unwrap_or(Value::Null),
        "description": class.get("description").cloned().unwrap_or(Value::Null),
        "mailNickname": nickname,
        "mail": mail,
        "groupTypes": ["Unified"],
        "mailEnabled": true,
        "securityEnabled": false,
        "visibility": "HiddenMembership",
    })
}

/// The directory user of an educationUser.
pub fn user(edu_user: &Value) -> Value {
    let field = |name: &str| edu_user.get(name).cloned().unwrap_or(Value::Null);
    json!({
        "@odata.type": "#microsoft.graph.user",
        "id": field("id"),
        "displayName": field("displayName"),
        "givenName": field("givenName"),
        "surname": field("surname"),
        "mail": field("mail"),
        "userPrincipalName": field("userPrincipalName"),
        "accountEnabled": field("accountEnabled"),
    })
}

/// The verified domain of the caller's tenant, for group mail addresses.
pub async fn tenant_domain(ctx: &Ctx) -> ApiResult<Option<String>> {
    let tenants = ctx.store().tenants().await?;
    Ok(tenants
        .into_iter()
        .find(|t| t.id == ctx.tenant())
        .map(|t| t.domain)
        .filter(|d| !d.is_empty()))
}

/// `GET /education/classes/{id}/group`.
pub async fn get_group(ctx: &Ctx, class_id: &str) -> ApiResult<Response> {
    let doc = ctx
        .store()
        .get(ctx.tenant(), EntityKind::Class, class_id)
        .await?
        .ok_or_else(|| not_found(class_id))?;
    let class: Value = serde_json::from_str(&doc.json).unwrap_or(Value::Null);
    let domain = tenant_domain(ctx).await?;
    let body = respond::splice_context(
        &ctx.context("groups/$entity"),
        &group(&class, domain.as_deref()).to_string(),
    );
    Ok(respond::json(ctx, StatusCode::OK, body, None))
}

/// `GET /education/users/{id}/user` and `/education/me/user`.
pub async fn get_user(ctx: &Ctx, user_id: &str) -> ApiResult<Response> {
    let doc = ctx
        .store()
        .get(ctx.tenant(), EntityKind::User, user_id)
        .await?
        .ok_or_else(|| not_found(user_id))?;
    let edu_user: Value = serde_json::from_str(&doc.json).unwrap_or(Value::Null);
    let body = respond::splice_context(&ctx.context("users/$entity"), &user(&edu_user).to_string());
    Ok(respond::json(ctx, StatusCode::OK, body, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_group_is_a_hidden_membership_unified_group() {
        let class = json!({"id": "c1", "displayName": "Maths", "description": null, "mailNickname": "maths"});
        let g = group(&class, Some("contoso.edu"));
        assert_eq!(g["@odata.type"], "#microsoft.graph.group");
        assert_eq!(g["id"], "c1");
        assert_eq!(g["mail"], "maths@contoso.edu");
        assert_eq!(g["groupTypes"], json!(["Unified"]));
        assert_eq!(group(&class, None)["mail"], Value::Null);
    }

    #[test]
    fn a_directory_user_has_the_same_id_and_names() {
        let u = user(
            &json!({"id": "u1", "displayName": "Ada", "userPrincipalName": "ada@x.y", "accountEnabled": true}),
        );
        assert_eq!(u["id"], "u1");
        assert_eq!(u["userPrincipalName"], "ada@x.y");
        assert_eq!(u["surname"], Value::Null);
        assert_eq!(u["@odata.type"], "#microsoft.graph.user");
    }
}
