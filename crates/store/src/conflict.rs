//! Turning database errors into `StoreError`s. Unique violations become `Conflict` naming
//! the property (from the constraint or index name, see migrations/README.md); everything
//! else is an opaque `Other`.

use crate::StoreError;
use sqlx::error::ErrorKind;

/// Constraint/index name fragments and the property a conflict on them names, checked in
/// order. SQLite reports primary keys as `table.column, ...`, PostgreSQL as `table_pkey`.
const NAMES: &[(&str, &str)] = &[
    ("entities_unique_upn", "userPrincipalName"),
    ("entities_unique_mail_nickname", "mailNickname"),
    ("entities", "id"),
    ("links", "link"),
    ("signing_keys", "kid"),
    ("tenant_domains", "domain"),
    ("tenants", "tenant"),
    ("secrets", "secret"),
];

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.kind() == ErrorKind::UniqueViolation {
                // PostgreSQL names the constraint; SQLite only puts it in the message.
                let name = db.constraint().unwrap_or_else(|| db.message());
                if let Some((_, prop)) = NAMES.iter().find(|(frag, _)| name.contains(frag)) {
                    return StoreError::Conflict((*prop).to_string());
                }
            }
        }
        StoreError::Other(Box::new(err))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(Box::new(err))
    }
}

/// An internal error with a message (bad input from the layer above, never from a user).
pub(crate) fn other(msg: impl Into<String>) -> StoreError {
    StoreError::Other(msg.into().into())
}
