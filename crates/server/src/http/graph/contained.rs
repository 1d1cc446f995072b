//! The handler of every contained set of the catalog (`edugraph_edu::sets`): one
//! function per action, reading the set's row for its kind, path, context URL and
//! rules. Order of checks, as on the roster's navigations: the query options are parsed
//! and checked against what the caller may read before any store read, then the home
//! entity must exist (404), then the caller's class role or ownership (403), then the
//! query's or body's refusal (400).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use edugraph_edu::access::{self, ClassRule};
use edugraph_edu::roster;
use edugraph_edu::sets::cases::{self, Place, Writer};
use edugraph_edu::sets::{Action, Home, Set, SetDef, Shape};
use edugraph_odata::QueryOptions;
use edugraph_store::{EntityKind, Scope};

use super::collection;
use super::ctx::{denied, key_literal, not_found, Ctx};
use super::delta;
use super::entity::{rule_error, write_error};
use super::expand::{render_one, validate};
use super::refs::target_id;
use super::respond::{self, View};
use crate::error::{ApiError, ApiResult};

/// Runs `action` on `set`; `keys` are the ids the route captured.
pub async fn run(ctx: &Ctx, set: Set, action: Action, keys: &[String]) -> ApiResult<Response> {
    let def = SetDef::of(set);
    let (home, item) = match def.home {
        Home::Me => (ctx.me()?.to_string(), keys.first()),
        Home::Root | Home::School | Home::Class | Home::User | Home::SyncProfile => (
            keys.first()
                .cloned()
                .ok_or_else(|| ApiError::internal("route key missing"))?,
            keys.get(1),
        ),
    };
    let place = Place {
        def,
        tenant: ctx.tenant(),
        parent: &home,
    };
    // Reads parse their options first; a refusal is reported after the 404 and 403.
    let opts = match action {
        Action::List | Action::Count | Action::Delta | Action::Get => Some(ctx.query(def.kind)),
        _ => None,
    };
    require_home(ctx, def, &home).await?;
    let opts = opts.transpose()?;
    let item = || {
        item.map(String::as_str)
            .ok_or_else(|| ApiError::internal("route key missing"))
    };
    match (def.shape, action) {
        (Shape::Collection, Action::List) => list(ctx, &place, &opts.unwrap_or_default()).await,
        (Shape::Collection, Action::Count) => {
            let scope = Scope::Children(home.clone());
            collection::count_with(ctx, &opts.unwrap_or_default(), def.kind, scope).await
        }
        (_, Action::Delta) => delta::delta_in(ctx, def.kind, Some(&home)).await,
        (Shape::Collection, Action::Create) => create(ctx, &place).await,
        (Shape::Collection, Action::Get) => {
            let doc = cases::get(ctx.store(), &place, item()?)
                .await?
                .ok_or_else(|| not_found(item().unwrap_or_default()))?;
            entity(ctx, &place, StatusCode::OK, &opts.unwrap_or_default(), doc).await
        }
        (Shape::Collection, Action::Update) => {
            let patch = roster::parse_body(&ctx.body).map_err(rule_error)?;
            let id = item()?;
            let doc = cases::update(
                ctx.store(),
                writer(ctx),
                &place,
                id,
                patch,
                ctx.if_match.as_ref(),
            )
            .await
            .map_err(|e| write_error(e, id))?;
            entity(ctx, &place, StatusCode::OK, &QueryOptions::default(), doc).await
        }
        (Shape::Collection, Action::Delete) => {
            let id = item()?;
            cases::delete(ctx.store(), &place, id, ctx.if_match.as_ref())
                .await
                .map_err(|e| write_error(e, id))?;
            Ok(respond::no_content())
        }
        (Shape::Singleton, Action::Get) => {
            let doc = cases::singleton(ctx.store(), &place)
                .await
                .map_err(|e| write_error(e, &home))?;
            entity(ctx, &place, StatusCode::OK, &opts.unwrap_or_default(), doc).await
        }
        (Shape::Singleton, Action::Update) => {
            let patch = roster::parse_body(&ctx.body).map_err(rule_error)?;
            let doc = if set == Set::AssignmentSettings {
                cases::patch_settings(
                    ctx.store(),
                    writer(ctx),
                    ctx.tenant(),
                    &home,
                    patch,
                    ctx.if_match.as_ref(),
                )
                .await
                .map_err(|e| write_error(e, &home))?;
                cases::singleton(ctx.store(), &place).await
            } else {
                cases::update_singleton(
                    ctx.store(),
                    writer(ctx),
                    &place,
                    patch,
                    ctx.if_match.as_ref(),
                )
                .await
            }
            .map_err(|e| write_error(e, &home))?;
            entity(ctx, &place, StatusCode::OK, &QueryOptions::default(), doc).await
        }
        (Shape::Singleton, Action::Delete) => {
            cases::reset_singleton(ctx.store(), &place, ctx.if_match.as_ref())
                .await
                .map_err(|e| write_error(e, &home))?;
            Ok(respond::no_content())
        }
        (Shape::Reference(_), Action::Get) => {
            let doc = cases::referenced(ctx.store(), &place)
                .await
                .map_err(|e| write_error(e, &home))?
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "The class {home} has no {}.",
                        def.path.last().copied().unwrap_or_default()
                    ))
                })?;
            entity(ctx, &place, StatusCode::OK, &opts.unwrap_or_default(), doc).await
        }
        (Shape::Reference(_), Action::PutRef) => {
            let body = roster::parse_body(&ctx.body).map_err(rule_error)?;
            let url = body.get("@odata.id").and_then(|v| v.as_str()).ok_or_else(|| {
                ApiError::bad_request(
                    "The request body must hold '@odata.id' with the URL of the object to reference.",
                )
            })?;
            let target = target_id(url, def.kind)?;
            cases::set_reference(ctx.store(), &place, &target)
                .await
                .map_err(|e| write_error(e, &target))?;
            Ok(respond::no_content())
        }
        (Shape::Reference(_), Action::DeleteRef) => {
            cases::clear_reference(ctx.store(), &place)
                .await
                .map_err(|e| write_error(e, &home))?;
            Ok(respond::no_content())
        }
        _ => Err(ApiError::internal(
            "a route names an action its set does not serve",
        )),
    }
}

fn writer(ctx: &Ctx) -> Writer<'_> {
    Writer {
        schema: ctx.schema,
        now: ctx.state.clock().now(),
        caller: &ctx.caller,
    }
}

/// The home entity must exist (404 naming it), and a delegated caller must hold the
/// grant's role in the class, or be the user whose data it is.
async fn require_home(ctx: &Ctx, def: &SetDef, home: &str) -> ApiResult<()> {
    let kind = def
        .home
        .kind()
        .ok_or_else(|| ApiError::internal("a contained set without a home"))?;
    if ctx.store().get(ctx.tenant(), kind, home).await?.is_none() {
        return Err(not_found(home));
    }
    match (ctx.grant.class_rule, ctx.caller.user_id()) {
        (ClassRule::Owner, Some(me)) => access::check_owner(me, home).map_err(denied),
        (ClassRule::Owner, None) => Ok(()),
        (rule, _) if kind == EntityKind::Class => ctx.check_rule(rule, home).await,
        _ => Ok(()),
    }
}

/// The `@odata.context` fragment of the set below its home.
fn fragment(place: &Place<'_>) -> String {
    place.def.fragment(&key_literal(place.parent))
}

async fn list(ctx: &Ctx, place: &Place<'_>, opts: &QueryOptions) -> ApiResult<Response> {
    let scope = Scope::Children(place.parent.to_string());
    let fragment = fragment(place);
    Ok(
        collection::list(ctx, opts, place.def.kind, scope, &fragment)
            .await?
            .0,
    )
}

/// `POST` to a collection: 201 with the entity and its `Location`.
async fn create(ctx: &Ctx, place: &Place<'_>) -> ApiResult<Response> {
    let body = roster::parse_body(&ctx.body).map_err(rule_error)?;
    let doc = cases::create(ctx.store(), writer(ctx), place, body)
        .await
        .map_err(|e| write_error(e, place.parent))?;
    let location = format!(
        "{}/{}/{}",
        ctx.base,
        ctx.version.as_str(),
        place.def.entity_path(place.parent, &doc.id)
    );
    let mut resp = entity(
        ctx,
        place,
        StatusCode::CREATED,
        &QueryOptions::default(),
        doc,
    )
    .await?;
    if let Ok(location) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, location);
    }
    Ok(resp)
}

/// One entity of the set with its context and entity tag; the assignment settings carry
/// their grading categories and schemes inline, as Graph answers.
async fn entity(
    ctx: &Ctx,
    place: &Place<'_>,
    status: StatusCode,
    opts: &QueryOptions,
    doc: edugraph_store::Doc,
) -> ApiResult<Response> {
    let kind = place.def.kind;
    validate(kind, &opts.expand)?;
    let view = View::new(ctx, kind, opts.select.as_deref());
    let mut body = render_one(ctx, kind, &doc.json, &view, &opts.expand)
        .await?
        .into_owned();
    if place.def.set == Set::AssignmentSettings {
        body = with_collections(ctx, place, body, opts).await?;
    }
    let context = ctx.context(&format!("{}/$entity", fragment(place)));
    Ok(respond::entity(ctx, status, &context, doc.version, &body))
}

/// Appends `gradingCategories` and `gradingSchemes` (each with its own context) to the
/// settings' JSON text, unless a `$select` leaves them out.
async fn with_collections(
    ctx: &Ctx,
    place: &Place<'_>,
    mut body: String,
    opts: &QueryOptions,
) -> ApiResult<String> {
    for set in [Set::GradingCategories, Set::GradingSchemes] {
        let def = SetDef::of(set);
        let name = def.path.last().copied().unwrap_or_default();
        if let Some(select) = &opts.select {
            if !select
                .iter()
                .any(|s| s.0.first().is_some_and(|p| p == name))
            {
                continue;
            }
        }
        let inner = Place { def, ..*place };
        let page = cases::members_of(ctx.store(), &inner)
            .await
            .map_err(|e| write_error(e, place.parent))?;
        let view = View::new(ctx, def.kind, None);
        let items: Vec<String> = page
            .iter()
            .map(|d| respond::render(&d.json, &view).into_owned())
            .collect();
        let Some(open) = body.rfind('}') else {
            return Err(ApiError::internal(
                "A stored document is not a JSON object.",
            ));
        };
        body.truncate(open);
        let sep = if body.trim_end().ends_with('{') {
            ""
        } else {
            ","
        };
        let context = ctx.context(&def.fragment(&key_literal(place.parent)));
        body.push_str(&format!(
            "{sep}{}:{},{}:[{}]}}",
            respond::quote(&format!("{name}@odata.context")),
            respond::quote(&context),
            respond::quote(name),
            items.join(",")
        ));
    }
    Ok(body)
}
