//! Building the stored document of a new roster entity: the key order every document
//! shares (`@odata.type`, `id`, then the schema's properties in declaration order), the
//! values the server fills in, and the merge a PATCH applies.

use edugraph_odata::{shape::format_datetime, Schema};
use edugraph_store::EntityKind;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::Caller;

/// The `createdBy` identity set of an entity created by `caller` (BEHAVIOR §0.3: every
/// part present, unused parts `null`).
pub fn created_by(caller: &Caller) -> Value {
    match caller {
        // Graph keeps the `user` object even when no user acted, with a null id.
        Caller::App { app_id, .. } => json!({
            "application": {"id": app_id, "displayName": null},
            "device": null,
            "user": {"id": null, "displayName": null},
        }),
        Caller::User {
            app_id, user_id, ..
        } => json!({
            "application": {"id": app_id, "displayName": null},
            "device": null,
            "user": {"id": user_id, "displayName": null},
        }),
    }
}

/// A complete document: `@odata.type`, `id`, then every property of the entity type in
/// schema order, taken from `props` or filled with the server's default. Properties of
/// `props` the schema does not know are dropped (callers validate first).
pub fn new_document(
    schema: &Schema,
    kind: EntityKind,
    id: &str,
    mut props: Map<String, Value>,
    caller: &Caller,
    now: OffsetDateTime,
) -> Value {
    let mut doc = Map::new();
    doc.insert(
        "@odata.type".into(),
        Value::String(format!("#microsoft.graph.{}", kind.type_name())),
    );
    doc.insert("id".into(), Value::String(id.to_string()));
    if let Some(entity) = schema.entity_type(kind.type_name()) {
        for prop in entity.properties.iter().filter(|p| p.name != "id") {
            let value = match props.remove(&prop.name) {
                Some(v) => v,
                None => default_value(kind, &prop.name, prop.collection, caller, now),
            };
            doc.insert(prop.name.clone(), value);
        }
    }
    Value::Object(doc)
}

fn default_value(
    kind: EntityKind,
    name: &str,
    collection: bool,
    caller: &Caller,
    now: OffsetDateTime,
) -> Value {
    match (kind, name) {
        (_, "createdBy") => created_by(caller),
        // Entities created through the API rather than a sync are "manual" sources.
        (_, "externalSource") => json!("manual"),
        (EntityKind::User, "refreshTokensValidFromDateTime") => json!(format_datetime(now)),
        (EntityKind::User, "userType") => json!("Member"),
        (EntityKind::User, "primaryRole") => json!("none"),
        _ if collection => json!([]),
        _ => Value::Null,
    }
}

/// PATCH semantics for complex values: properties present in `new` replace those of `old`,
/// nested objects merge recursively, collections and primitives are replaced whole.
pub(crate) fn merge(old: &mut Map<String, Value>, new: Map<String, Value>) {
    for (name, value) in new {
        match (old.get_mut(&name), value) {
            (Some(Value::Object(o)), Value::Object(n)) => merge(o, n),
            (_, value) => {
                old.insert(name, value);
            }
        }
    }
}
