//! The `Authenticated` extractor: a handler that takes it states in its signature that it
//! needs a verified caller. Missing or invalid tokens become a 401 Graph error with
//! `WWW-Authenticate` before the handler runs.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use edugraph_edu::Caller;

use super::verify::{authenticate, bearer_token, AuthError};
use crate::error::ApiError;
use crate::AppState;

/// The verified caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = match parts.headers.get(AUTHORIZATION) {
            None => None,
            Some(value) => Some(value.to_str().map_err(|_| AuthError::NotBearer)?),
        };
        let token = bearer_token(header)?;
        Ok(Authenticated(authenticate(state, token).await?))
    }
}
