//! `$ref` on the referenceable navigations (class `members`/`teachers`, school
//! `classes`/`users`): add with `POST .../$ref` and `{"@odata.id": url}`, remove with
//! `DELETE .../{id}/$ref` or `DELETE .../$ref?@id=url`, list with `GET .../$ref`.
//!
//! The URL in `@odata.id` may name any host (clients copy Graph's own), or none: only
//! its last two path segments count (`users/{id}`, `directoryObjects/{id}`,
//! `classes/{id}`). An unknown referenced object is Graph's directory 404.

use axum::http::StatusCode;
use axum::response::Response;
use edugraph_odata::path::{parse_reference, Segment};
use edugraph_store::{EntityKind, ListQuery, StoreError};

use super::collection::{link, require_source, window};
use super::ctx::{not_found, Ctx};
use super::entity::rule_error;
use super::navs::Nav;
use super::respond;
use crate::error::{ApiError, ApiResult};

/// `POST .../{nav}/$ref`.
pub async fn add(ctx: &Ctx, nav: &Nav, id: &str) -> ApiResult<Response> {
    let body = edugraph_edu::roster::parse_body(&ctx.body).map_err(rule_error)?;
    let url = body
        .get("@odata.id")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            ApiError::bad_request(
                "The request body must hold '@odata.id' with the URL of the object to add.",
            )
        })?;
    let target = target_id(url, nav.target)?;
    let (from, to) = nav.link(id, &target);
    match ctx.store().add_link(ctx.tenant(), nav.relation, from, to).await {
        Ok(()) => Ok(respond::no_content()),
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            format!(
                "One or more added object references already exist for the following modified properties: '{}'.",
                nav.name
            ),
        )),
        Err(StoreError::NotFound) => Err(missing_end(ctx, nav, id, &target).await),
        Err(e) => Err(e.into()),
    }
}

/// `DELETE .../{nav}/{target}/$ref`, or `DELETE .../{nav}/$ref?@id=url` when `target` is `None`.
pub async fn remove(ctx: &Ctx, nav: &Nav, id: &str, target: Option<&str>) -> ApiResult<Response> {
    let target = match target {
        Some(t) => t.to_string(),
        None => {
            let opts = ctx.query(nav.target)?;
            let url = opts.ref_id.ok_or_else(|| {
                ApiError::bad_request("DELETE on a $ref collection needs the '@id' query option naming the object to remove.")
            })?;
            target_id(&url, nav.target)?
        }
    };
    let (from, to) = nav.link(id, &target);
    match ctx
        .store()
        .remove_link(ctx.tenant(), nav.relation, from, to)
        .await
    {
        Ok(()) => Ok(respond::no_content()),
        Err(StoreError::NotFound) => Err(missing_end(ctx, nav, id, &target).await),
        Err(e) => Err(e.into()),
    }
}

/// `GET .../{nav}/$ref`: the absolute URLs of the linked objects, paged like a listing.
pub async fn list(ctx: &Ctx, nav: &Nav, id: &str) -> ApiResult<Response> {
    // Checked before any read (a refused query is never run); reported after the 404.
    let opts = ctx.query(nav.target);
    require_source(ctx, nav, id).await?;
    let opts = opts?;
    let (offset, limit, applied) = window(ctx, &opts)?;
    let query = ListQuery {
        kind: nav.target,
        scope: nav.scope(id),
        filter: opts.filter.as_ref(),
        orderby: &opts.orderby,
        skip: offset,
        limit,
        count: opts.count,
    };
    let page = ctx.store().list(ctx.tenant(), &query).await?;
    let items: Vec<String> = page
        .items
        .iter()
        .map(|d| respond::quote(&ctx.entity_url(nav.target, &d.id)))
        .collect();
    let next = page.more.then(|| {
        let token = super::tokens::SkipToken::Offset(offset + page.items.len() as u64).encode();
        link(ctx, &["skiptoken", "skip"], "$skiptoken", &token)
    });
    let count = if opts.count { page.total } else { None };
    let body = respond::collection(
        &ctx.context("Collection(string)"),
        count,
        &items,
        next.as_deref(),
        None,
    );
    Ok(respond::json(ctx, StatusCode::OK, body, applied))
}

/// Which end of a failed link operation is missing: the entity in the path (404 naming
/// it), the referenced object, or (both exist) the link itself.
async fn missing_end(ctx: &Ctx, nav: &Nav, id: &str, target: &str) -> ApiError {
    match ctx.store().get(ctx.tenant(), nav.from, id).await {
        Ok(None) => not_found(id),
        Ok(Some(_)) => not_found(target),
        Err(e) => e.into(),
    }
}

/// The id named by an `@odata.id` / `@id` URL for an object of kind `target`.
pub fn target_id(url: &str, target: EntityKind) -> ApiResult<String> {
    let invalid = || ApiError::bad_request(format!("Invalid object identifier '{url}'."));
    let segments = parse_reference(url).map_err(|_| invalid())?;
    let names: Vec<&str> = segments
        .iter()
        .map(|s| match s {
            Segment::Name(n) => Some(n.as_str()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(invalid)?;
    let [.., collection, id] = names.as_slice() else {
        return Err(invalid());
    };
    let accepted: &[&str] = match target {
        EntityKind::User => &["users", "directoryObjects"],
        EntityKind::Class => &["classes", "groups", "directoryObjects"],
        EntityKind::School => &["schools", "administrativeUnits", "directoryObjects"],
        EntityKind::GradingScheme => &["gradingSchemes"],
        _ => &[],
    };
    if id.is_empty() || !accepted.iter().any(|a| a.eq_ignore_ascii_case(collection)) {
        return Err(invalid());
    }
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_urls_from_any_host_or_none() {
        let user = EntityKind::User;
        for url in [
            "https://graph.microsoft.com/v1.0/education/users/u-1",
            "http://127.0.0.1:8080/beta/education/users/u-1",
            "https://graph.microsoft.com/v1.0/users/u-1",
            "https://graph.microsoft.com/v1.0/directoryObjects/u-1",
            "https://graph.microsoft.com/v1.0//education/users/u-1?x=1",
            "education/users/u-1",
            "/v1.0/education/users/u-1",
            "users/u-1",
        ] {
            assert_eq!(target_id(url, user).unwrap(), "u-1", "{url}");
        }
        assert_eq!(
            target_id("https://x/v1.0/education/classes/c-9", EntityKind::Class).unwrap(),
            "c-9"
        );
    }

    #[test]
    fn wrong_or_empty_references_are_refused() {
        for url in [
            "",
            "https://graph.microsoft.com",
            "https://x/v1.0/education/classes/c-1",
            "u-1",
            "https://x/v1.0/education/users/u-1/$ref",
        ] {
            assert!(target_id(url, EntityKind::User).is_err(), "{url}");
        }
        assert!(target_id("https://x/v1.0/education/users/u-1", EntityKind::Class).is_err());
    }
}
