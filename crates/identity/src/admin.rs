//! Administration of identity data, shared by the command line (`edugraph tenant`, `app`,
//! `keys`) and the operator API (`/_edugraph/tenants`, `/_edugraph/apps`): validation,
//! the store writes, and one audit entry per change. Callers only parse their input and
//! render the results.

pub mod apps;
pub mod domains;
pub mod keys;
pub mod tenants;

use axum::http::StatusCode;
use edugraph_store::StoreError;

use crate::auth::IssueError;
use edugraph_platform::error::ApiError;

/// Why an administrative action was refused. Messages are whole sentences for people.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Internal(String),
    #[error("store failure: {0}")]
    Store(#[from] StoreError),
}

pub type AdminResult<T> = Result<T, AdminError>;

impl From<crate::auth::permission_names::UnknownPermission> for AdminError {
    fn from(e: crate::auth::permission_names::UnknownPermission) -> Self {
        AdminError::Invalid(e.0)
    }
}

impl From<IssueError> for AdminError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Invalid(m) => AdminError::Invalid(m),
            IssueError::NotFound(m) => AdminError::NotFound(m),
            IssueError::Store(e) => AdminError::Store(e),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(m) => ApiError::bad_request(m),
            AdminError::NotFound(m) => ApiError::not_found(m),
            AdminError::Conflict(m) => ApiError::new(
                StatusCode::CONFLICT,
                "Request_MultipleObjectsWithSameKeyValue",
                m,
            ),
            AdminError::Internal(m) => {
                tracing::error!(error = %m, "administrative action failed");
                ApiError::internal("The service could not complete the request.")
            }
            AdminError::Store(e) => e.into(),
        }
    }
}
