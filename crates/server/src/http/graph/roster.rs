//! The handler of the roster's sets of the catalog: the top-level entity sets
//! (`schools`, `classes`, `users`), their navigations to many (read-only ones with items,
//! `$ref`-able ones with their `$ref` routes), the directory objects behind classes and
//! users, and `/me` with its own. The set's row says which kind, navigation and context;
//! the work is in `entity`, `collection`, `refs`, `directory` and `me`.

use axum::response::Response;
use edugraph_edu::sets::{Action, Directory, Home, SetDef, Shape};
use edugraph_store::Scope;

use super::ctx::Ctx;
use super::navs::{self, Nav};
use super::{collection, delta, directory, entity, me, refs};
use crate::error::{ApiError, ApiResult};

/// Whether [`run`] serves the row (else `contained::run` does).
pub fn serves(def: &SetDef) -> bool {
    def.home == Home::Root
        || matches!(
            def.shape,
            Shape::Links(_) | Shape::Directory(_) | Shape::Caller
        )
}

/// Runs `action` on the roster set `def`; `keys` are the ids the route captured.
pub async fn run(ctx: &Ctx, def: &SetDef, action: Action, keys: &[String]) -> ApiResult<Response> {
    let k = |i: usize| {
        keys.get(i)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal("route key missing"))
    };
    let kind = def.kind;
    let below_me = def.home == Home::Me;
    match (def.shape, action) {
        (Shape::Collection, Action::List) => collection::list_set(ctx, kind).await,
        (Shape::Collection, Action::Count) => collection::count(ctx, kind, Scope::All).await,
        (Shape::Collection, Action::Delta) => delta::delta(ctx, kind).await,
        (Shape::Collection, Action::Create) => entity::create(ctx, kind).await,
        (Shape::Collection, Action::Get) => entity::get(ctx, kind, k(0)?).await,
        (Shape::Collection, Action::Update) => entity::update(ctx, kind, k(0)?).await,
        (Shape::Collection, Action::Delete) => entity::delete(ctx, kind, k(0)?).await,
        (Shape::Links(_), _) => {
            let nav = nav(def)?;
            if below_me {
                let me = ctx.me()?.to_string();
                links(ctx, nav, action, &me, keys.first()).await
            } else {
                links(ctx, nav, action, k(0)?, keys.get(1)).await
            }
        }
        (Shape::Directory(Directory::Group), Action::Get) => directory::get_group(ctx, k(0)?).await,
        (Shape::Directory(Directory::User), Action::Get) if below_me => {
            me::directory_user(ctx).await
        }
        (Shape::Directory(Directory::User), Action::Get) => directory::get_user(ctx, k(0)?).await,
        (Shape::Caller, Action::Get) => me::get(ctx, def).await,
        (Shape::Caller, Action::Update) => me::update(ctx, def).await,
        _ => Err(unserved()),
    }
}

/// The actions on a navigation to many from entity `id`; `item` is the second key.
async fn links(
    ctx: &Ctx,
    nav: &Nav,
    action: Action,
    id: &str,
    item: Option<&String>,
) -> ApiResult<Response> {
    let item = || {
        item.map(String::as_str)
            .ok_or_else(|| ApiError::internal("route key missing"))
    };
    match action {
        Action::List => collection::list_nav(ctx, nav, id).await,
        Action::Count => collection::count_nav(ctx, nav, id).await,
        Action::Get => collection::nav_item(ctx, nav, id, item()?).await,
        Action::ListRefs => refs::list(ctx, nav, id).await,
        Action::AddRef => refs::add(ctx, nav, id).await,
        Action::RemoveRef => refs::remove(ctx, nav, id, item().ok()).await,
        _ => Err(unserved()),
    }
}

fn nav(def: &SetDef) -> ApiResult<&'static Nav> {
    navs::of(def.set).ok_or_else(|| ApiError::internal("a Links row without its navigation"))
}

fn unserved() -> ApiError {
    ApiError::internal("a route names an action its set does not serve")
}
