//! The rules for roster entities (users, classes, schools) on create and update: which
//! properties are required, which are server-managed, what the server fills in, and how
//! a PATCH merges into the stored document, the string length limits (`limits.rs`), the
//! tenant's verified domains for user principal names and the password policy
//! (`password.rs`). The HTTP layer hands over the raw body and
//! gets back either a complete document to store (plus the password to hash, kept out of
//! the document) or a [`RuleError`] that becomes a 400. Nothing here touches the store,
//! so a rejected request cannot have changed anything.

mod document;
pub mod limits;
mod names;
pub mod password;

use edugraph_odata::{schema::strip_namespace, shape::format_datetime, Schema};
use edugraph_store::EntityKind;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::Caller;

pub use document::{created_by, new_document};
pub use names::{MailNickname, UserPrincipalName, MAX_UPN_ALIAS, UPN_DOMAIN_REFUSED};

/// A rejected body; always a 400 at the HTTP boundary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    /// Graph error code: `BadRequest` for payload-level problems, `Request_BadRequest` for
    /// directory rules (as Graph's directory service answers).
    pub code: &'static str,
    pub message: String,
}

impl RuleError {
    pub fn payload(message: impl Into<String>) -> Self {
        Self {
            code: "BadRequest",
            message: message.into(),
        }
    }
    pub fn directory(message: impl Into<String>) -> Self {
        Self {
            code: "Request_BadRequest",
            message: message.into(),
        }
    }
}

/// The message Graph gives for a body that is not JSON.
pub const MALFORMED_JSON: &str =
    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.";

/// A document ready to store, and the plain password to hash (never stored in it).
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub doc: Value,
    pub password: Option<String>,
}

/// Properties a client may never send (server-managed). Schema-`Computed` properties
/// are rejected as well.
pub fn read_only(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::User => &[
            "id",
            "createdBy",
            "assignedLicenses",
            "assignedPlans",
            "provisionedPlans",
            "mail",
            "refreshTokensValidFromDateTime",
        ],
        _ => &["id", "createdBy"],
    }
}

/// Properties that must be present (and not null) when creating. For users,
/// `passwordProfile` must also carry a `password`.
pub fn required(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::User => &[
            "accountEnabled",
            "displayName",
            "mailNickname",
            "passwordProfile",
            "userPrincipalName",
        ],
        EntityKind::Class => &["displayName", "mailNickname"],
        EntityKind::School => &["displayName"],
        _ => &[],
    }
}

/// Parses a request body. Anything but a JSON object is the Graph "unable to read" error.
pub fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>, RuleError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(RuleError::payload(
            "The request body must be a JSON object.",
        )),
        Err(_) => Err(RuleError::payload(MALFORMED_JSON)),
    }
}

/// What the tenant's directory contributes to the rules.
#[derive(Debug, Clone, Copy)]
pub struct Directory<'a> {
    /// The domains a user principal name may use. Today a tenant records one domain;
    /// the rules take a list so more can be verified later.
    pub verified_domains: &'a [String],
}

/// Everything the server decides on create.
#[derive(Debug, Clone, Copy)]
pub struct CreateContext<'a> {
    pub id: &'a str,
    pub now: OffsetDateTime,
    pub caller: &'a Caller,
    pub directory: Directory<'a>,
}

/// Validates a create body and builds the complete document to store.
pub fn prepare_create(
    schema: &Schema,
    kind: EntityKind,
    body: Map<String, Value>,
    ctx: CreateContext<'_>,
) -> Result<Prepared, RuleError> {
    let (mut body, password) = check(schema, kind, body, ctx.directory)?;
    for name in required(kind) {
        if body.get(*name).is_none_or(Value::is_null) {
            return Err(missing(kind, name));
        }
    }
    if kind == EntityKind::User && password.is_none() {
        return Err(missing(kind, "passwordProfile.password"));
    }
    check_new_password(password.as_deref(), &body)?;
    if kind == EntityKind::User {
        // The mailbox address follows the sign-in name (there is no Exchange here).
        let upn = body
            .get("userPrincipalName")
            .cloned()
            .unwrap_or(Value::Null);
        body.insert("mail".into(), upn);
    }
    let doc = new_document(schema, kind, ctx.id, body, ctx.caller, ctx.now);
    Ok(Prepared { doc, password })
}

/// Validates a PATCH body and merges it into the stored document. A new password also
/// moves `refreshTokensValidFromDateTime` to `now` (a password change ends sessions), and
/// is checked against the merged user (its principal name and `passwordPolicies`).
pub fn prepare_update(
    schema: &Schema,
    kind: EntityKind,
    existing: &Value,
    patch: Map<String, Value>,
    now: OffsetDateTime,
    directory: Directory<'_>,
) -> Result<Prepared, RuleError> {
    let (patch, password) = check(schema, kind, patch, directory)?;
    let mut doc = existing.clone();
    let Some(target) = doc.as_object_mut() else {
        return Err(RuleError::payload(
            "The stored entity is not a JSON object.",
        ));
    };
    let upn_changed = patch.contains_key("userPrincipalName");
    for (name, value) in patch {
        match (target.get_mut(&name), value) {
            (Some(Value::Object(old)), Value::Object(new)) => document::merge(old, new),
            (_, value) => {
                target.insert(name, value);
            }
        }
    }
    if kind == EntityKind::User && password.is_some() {
        target.insert(
            "refreshTokensValidFromDateTime".into(),
            Value::String(format_datetime(now)),
        );
    }
    if kind == EntityKind::User && upn_changed {
        let upn = target
            .get("userPrincipalName")
            .cloned()
            .unwrap_or(Value::Null);
        target.insert("mail".into(), upn);
    }
    for name in required(kind) {
        // A user's passwordProfile may stay null after creation; the others may not.
        if *name != "passwordProfile" && target.get(*name).is_none_or(Value::is_null) {
            return Err(missing(kind, name));
        }
    }
    check_new_password(password.as_deref(), target)?;
    Ok(Prepared { doc, password })
}

/// The password policy for a password being set on the user `doc` (after the merge, so
/// a PATCH that also changes the principal name or `passwordPolicies` is judged by them).
fn check_new_password(password: Option<&str>, doc: &Map<String, Value>) -> Result<(), RuleError> {
    let Some(password) = password else {
        return Ok(());
    };
    let text = |name: &str| doc.get(name).and_then(Value::as_str);
    password::check_password(
        password,
        text("userPrincipalName"),
        text("passwordPolicies"),
    )
}

fn missing(kind: EntityKind, name: &str) -> RuleError {
    RuleError::directory(format!(
        "A value is required for property '{name}' of resource '{}'.",
        kind.type_name()
    ))
}

/// The checks shared by create and update: annotations, read-only properties, the schema
/// (unknown properties, types, enum members of this API version), string lengths, name
/// formats and the principal name's domain. Returns the body with annotations removed and
/// the password taken out of `passwordProfile`.
fn check(
    schema: &Schema,
    kind: EntityKind,
    mut body: Map<String, Value>,
    directory: Directory<'_>,
) -> Result<(Map<String, Value>, Option<String>), RuleError> {
    strip_annotations(kind, &mut body)?;
    let entity = schema.entity_type(kind.type_name()).ok_or_else(|| {
        RuleError::payload(format!("The schema has no type {}.", kind.type_name()))
    })?;
    for name in body.keys() {
        let computed = entity.property(name).is_some_and(|p| p.computed);
        if computed || read_only(kind).contains(&name.as_str()) {
            return Err(RuleError::directory(format!(
                "Property '{name}' is read-only and cannot be set."
            )));
        }
    }
    // The schema check also normalises values (date-times to UTC `Z`, GUIDs lower case).
    let checked = edugraph_odata::body::check_body(schema, kind.type_name(), &Value::Object(body))
        .map_err(|e| RuleError {
            code: e.code,
            message: e.message,
        })?;
    let Value::Object(mut body) = checked else {
        return Err(RuleError::payload(
            "The request body must be a JSON object.",
        ));
    };
    limits::check_lengths(kind, &body)?;
    if let Some(v) = body.get("userPrincipalName").and_then(Value::as_str) {
        UserPrincipalName::parse(v)?.check_domain(directory.verified_domains)?;
    }
    if let Some(v) = body.get("mailNickname").and_then(Value::as_str) {
        MailNickname::parse(v)?;
    }
    if let Some(v) = body.get("displayName").and_then(Value::as_str) {
        if v.trim().is_empty() {
            return Err(RuleError::directory(
                "Invalid value specified for property 'displayName': it cannot be empty.",
            ));
        }
    }
    let password = match body.get_mut("passwordProfile") {
        Some(Value::Object(profile)) => match profile.remove("password") {
            Some(Value::String(pw)) if !pw.is_empty() => Some(pw),
            Some(Value::String(_)) => {
                return Err(RuleError::directory("Invalid value specified for property 'passwordProfile.password': it cannot be empty."))
            }
            _ => None,
        },
        _ => None,
    };
    Ok((body, password))
}

/// Removes the instance annotations clients echo back (`@odata.type`, `@odata.context`,
/// `@odata.etag`, `@odata.id`). `@odata.type` must name this entity type; property
/// annotations such as `members@odata.bind` are not supported.
fn strip_annotations(kind: EntityKind, body: &mut Map<String, Value>) -> Result<(), RuleError> {
    if let Some(ty) = body.remove("@odata.type") {
        let name = ty.as_str().map(strip_namespace).unwrap_or_default();
        if !name.eq_ignore_ascii_case(kind.type_name()) {
            return Err(RuleError::payload(format!(
                "The @odata.type {ty} does not match the type of this resource, #microsoft.graph.{}.",
                kind.type_name()
            )));
        }
    }
    for key in ["@odata.context", "@odata.etag", "@odata.id"] {
        body.remove(key);
    }
    if let Some(key) = body.keys().find(|k| k.contains('@')) {
        return Err(RuleError::payload(format!(
            "The annotation '{key}' is not supported on this resource."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_limits;
