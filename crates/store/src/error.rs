//! The one error type of the store layer, kept small on purpose.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique property or key is already taken; the string names it
    /// (`userPrincipalName`, `mailNickname`, `id`, `link`).
    #[error("conflict on {0}")]
    Conflict(String),
    /// The entity changed since the version the write named was read (compare-and-swap
    /// lost, or an `If-Match` that no longer holds).
    #[error("the entity changed since it was read")]
    Stale,
    #[error(transparent)]
    Other(#[from] anyhow_like::BoxError),
}

/// Boxed error without pulling anyhow into the store.
pub mod anyhow_like {
    pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
}
