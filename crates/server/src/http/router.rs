//! The route table: the Graph surface (`/v1.0`, `/beta`), the operator endpoints
//! (`/_edugraph/...`) and a fallback that answers unrouted paths with Graph's 404, all
//! wrapped in the middleware stack of `middleware.rs`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Router;

use super::{graph, middleware, operator};
use crate::error::ApiError;
use crate::AppState;

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let config = state.config().clone();
    let routes = Router::new()
        .merge(graph::routes())
        .merge(operator::routes())
        .merge(crate::authority::routes(&config))
        .fallback(unrouted)
        .with_state(state);
    middleware::apply(routes, &config)
}

/// Graph's answer for a path no route matches.
async fn unrouted(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> ApiError {
    let path = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let url = format!("{}{path}", middleware::base_url(&headers, state.config()));
    ApiError::new(
        StatusCode::NOT_FOUND,
        "UnknownError",
        format!("No HTTP resource was found that matches the request URI '{url}'."),
    )
}
