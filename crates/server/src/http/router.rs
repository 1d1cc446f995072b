//! The application: the Graph surface (`/v1.0`, `/beta`, dispatched by its own route
//! table), and axum's router for the operator endpoints (`/_edugraph/...`), the token
//! authority and a fallback that answers unrouted paths with Graph's 404, all wrapped in
//! the middleware stack of `middleware.rs`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Router;
use futures::FutureExt;

use super::{graph, middleware, operator, uploads};
use crate::error::ApiError;
use crate::AppState;

/// The whole application as one service: the middleware stack around the Graph
/// dispatcher and axum's router.
pub type App = middleware::Front<middleware::DefaultBodyLimitService<GraphFirst>>;

/// The whole application, ready to serve.
pub fn app(state: AppState) -> App {
    let config = state.config().clone();
    let routes = Router::new()
        .route(
            "/_edugraph/sds/{profile}/{file}",
            axum::routing::put(uploads::put).delete(uploads::delete),
        )
        .merge(operator::routes())
        .merge(crate::authority::routes(&config))
        .fallback(unrouted)
        .with_state(state.clone());
    middleware::front(GraphFirst { state, routes }, &config)
}

/// Sends `/v1.0/...` and `/beta/...` straight to the Graph dispatcher, which has its own
/// route table, and everything else through axum's router. The Graph surface is the hot
/// path, and matching its catch-all routes cost the router a path parameter allocation
/// per request.
#[derive(Clone)]
pub struct GraphFirst {
    state: AppState,
    routes: Router,
}

impl tower::Service<axum::extract::Request> for GraphFirst {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // Both the dispatcher and axum's router are always ready.
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        if graph::serves(req.uri().path()) {
            Box::pin(graph::dispatch_request(self.state.clone(), req).map(Ok))
        } else {
            Box::pin(tower::ServiceExt::oneshot(self.routes.clone(), req))
        }
    }
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
