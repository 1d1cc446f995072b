//! `/education/me` and its navigations: the signed-in user of a delegated token. An
//! app-only token has no user, which `access::authorize` answers with Graph's 400.

use axum::response::Response;
use edugraph_store::EntityKind;

use super::collection;
use super::ctx::Ctx;
use super::entity;
use super::navs::Nav;
use crate::error::ApiResult;

const ME: &str = "education/me";

/// `GET /education/me`.
pub async fn get(ctx: &Ctx) -> ApiResult<Response> {
    let me = ctx.me()?.to_string();
    entity::get_with_context(ctx, EntityKind::User, &me, ME).await
}

/// `PATCH /education/me` (its policy grants it to no caller today; kept routed so the
/// refusal names the missing permission).
pub async fn update(ctx: &Ctx) -> ApiResult<Response> {
    let me = ctx.me()?.to_string();
    entity::update_with_context(ctx, EntityKind::User, &me, ME).await
}

/// `GET /education/me/{nav}/{id}`.
pub async fn nav_item(ctx: &Ctx, nav: &Nav, other: &str) -> ApiResult<Response> {
    let me = ctx.me()?.to_string();
    collection::nav_item(ctx, nav, &me, other, ME).await
}

/// `GET /education/me/user`.
pub async fn directory_user(ctx: &Ctx) -> ApiResult<Response> {
    let me = ctx.me()?.to_string();
    super::directory::get_user(ctx, &me).await
}
