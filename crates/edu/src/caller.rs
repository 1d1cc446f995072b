//! The caller model: an application acting on its own (`roles`, application
//! permissions) or a user signed in through an application (`scopes`, delegated
//! permissions). Built from a verified token by the server; later issues grow it with
//! consent grants and external issuers without changing its shape.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// App-only token: `roles` claim.
    App {
        tenant: String,
        app_id: String,
        roles: Vec<String>,
    },
    /// Delegated token: `oid` is an educationUser id, `scp` claim split on spaces.
    User {
        tenant: String,
        app_id: String,
        user_id: String,
        scopes: Vec<String>,
    },
}

impl Caller {
    pub fn tenant(&self) -> &str {
        match self {
            Caller::App { tenant, .. } | Caller::User { tenant, .. } => tenant,
        }
    }
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Caller::User { user_id, .. } => Some(user_id),
            Caller::App { .. } => None,
        }
    }
    pub fn is_app(&self) -> bool {
        matches!(self, Caller::App { .. })
    }
}
