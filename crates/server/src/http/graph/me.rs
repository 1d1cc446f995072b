//! `/education/me` and its directory user: the signed-in user of a delegated token. An
//! app-only token has no user, which `access::authorize` answers with Graph's 400. (The
//! navigations below `/me` are the user's own, served as any navigation from the
//! signed-in user's id.)

use axum::response::Response;
use edugraph_edu::sets::SetDef;
use edugraph_store::EntityKind;

use super::ctx::Ctx;
use super::entity;
use crate::error::ApiResult;

/// `GET /education/me`; `def` is `/me`'s row.
pub async fn get(ctx: &Ctx, def: &SetDef) -> ApiResult<Response> {
    let me = ctx.me()?.to_string();
    entity::get_with_context(ctx, EntityKind::User, &me, &def.fragment("")).await
}

/// `PATCH /education/me` (its policy grants it to no caller today; kept routed so the
/// refusal names the missing permission).
pub async fn update(ctx: &Ctx, def: &SetDef) -> ApiResult<Response> {
    let me = ctx.me()?.to_string();
    entity::update_with_context(ctx, EntityKind::User, &me, &def.fragment("")).await
}

/// `GET /education/me/user`.
pub async fn directory_user(ctx: &Ctx) -> ApiResult<Response> {
    let me = ctx.me()?.to_string();
    super::directory::get_user(ctx, &me).await
}
