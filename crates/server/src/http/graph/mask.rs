//! Evolvable enums (BEHAVIOR §0.5): members declared after `unknownFutureValue` are shown
//! as `unknownFutureValue` unless the caller sent `Prefer: include-unknown-enum-members`,
//! and a member this API version does not declare at all (`faculty` or `lms`, written
//! through beta, read through v1.0) is always shown as `unknownFutureValue`.
//!
//! Masking walks the document with the schema, so it is only done when a cheap text
//! search says a maskable value may be present.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use edugraph_odata::schema::{strip_namespace, Property, TypeRef};
use edugraph_odata::{ApiVersion, Schema};
use edugraph_store::EntityKind;
use serde_json::Value;

use super::respond::View;

const UNKNOWN: &str = "unknownFutureValue";

/// True when the document text contains a quoted enum value this view would mask.
pub fn may_need(doc: &str, view: &View<'_>) -> bool {
    facts(view.version, view.kind, view.include_hidden)
        .suspects
        .iter()
        .any(|f| f.find(doc.as_bytes()).is_some())
}

/// True when a property named `name` may appear below the top level of a stored `kind`
/// document (in a complex value), in either API version. When it cannot, a member of
/// that name found by text search is a top-level member (stored documents are checked
/// against the schema before they are written).
pub fn may_nest(kind: EntityKind, name: &str) -> bool {
    facts(ApiVersion::V1, kind, false).nested.contains(name)
}

/// What the text-level shortcuts need to know of a kind's documents.
struct TextFacts {
    /// Searchers for the quoted enum values a view would mask.
    suspects: Vec<memchr::memmem::Finder<'static>>,
    /// Property names of the complex values reachable from the kind, both versions.
    nested: BTreeSet<String>,
}

/// Masks the enum values of `value` (an entity of `view.kind`) in place.
pub fn mask(value: &mut Value, view: &View<'_>) {
    let schema = Schema::get(view.version);
    mask_struct(value, schema, view.kind.type_name(), view.include_hidden, 0);
}

fn mask_struct(
    value: &mut Value,
    schema: &Schema,
    type_name: &str,
    include_hidden: bool,
    depth: usize,
) {
    // Complex types do not nest deeply; the bound guards against a cyclic schema.
    if depth > 16 {
        return;
    }
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    let declared = obj
        .get("@odata.type")
        .and_then(Value::as_str)
        .map(strip_namespace)
        .filter(|t| schema.structured_type(t).is_some())
        .map(str::to_string)
        .unwrap_or_else(|| type_name.to_string());
    let Some(st) = schema.structured_type(&declared) else {
        return;
    };
    for prop in st.properties() {
        let Some(v) = obj.get_mut(&prop.name) else {
            continue;
        };
        let items: Vec<&mut Value> = match v {
            Value::Array(a) => a.iter_mut().collect(),
            other => vec![other],
        };
        for item in items {
            match &prop.ty {
                TypeRef::Enum(e) => mask_member(item, schema, e, include_hidden),
                TypeRef::Complex(c) => mask_struct(item, schema, c, include_hidden, depth + 1),
                TypeRef::Primitive(_) => {}
            }
        }
    }
}

fn mask_member(value: &mut Value, schema: &Schema, enum_name: &str, include_hidden: bool) {
    let (Value::String(s), Some(en)) = (&*value, schema.enum_type(enum_name)) else {
        return;
    };
    if !en.has_member(UNKNOWN) {
        return;
    }
    let hidden = !include_hidden && en.hidden_members().any(|h| h == s);
    if hidden || !en.has_member(s) {
        *value = Value::String(UNKNOWN.into());
    }
}

/// The text facts of a version, kind and preference, computed once.
fn facts(version: ApiVersion, kind: EntityKind, include_hidden: bool) -> &'static TextFacts {
    const KINDS: usize = EntityKind::ALL.len();
    static CACHE: [OnceLock<TextFacts>; 4 * KINDS] = [const { OnceLock::new() }; 4 * KINDS];
    let v = usize::from(version == ApiVersion::Beta);
    let slot = &CACHE[(v * KINDS + kind.index()) * 2 + usize::from(include_hidden)];
    slot.get_or_init(|| {
        let suspects = compute_suspects(version, kind, include_hidden)
            .into_iter()
            .map(|s| memchr::memmem::Finder::new(s.as_bytes()).into_owned())
            .collect();
        let mut nested = BTreeSet::new();
        for v in [ApiVersion::V1, ApiVersion::Beta] {
            walk(
                Schema::get(v),
                kind.type_name(),
                0,
                &mut BTreeSet::new(),
                &mut |prop, depth| {
                    if depth > 0 {
                        nested.insert(prop.name.clone());
                    }
                },
            );
        }
        TextFacts { suspects, nested }
    })
}

fn compute_suspects(version: ApiVersion, kind: EntityKind, include_hidden: bool) -> Vec<String> {
    let this = Schema::get(version);
    let other = Schema::get(if version == ApiVersion::V1 {
        ApiVersion::Beta
    } else {
        ApiVersion::V1
    });
    let mut enums = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for schema in [this, other] {
        walk(schema, kind.type_name(), 0, &mut seen, &mut |prop, _| {
            if let TypeRef::Enum(e) = &prop.ty {
                enums.insert(e.clone());
            }
        });
        seen.clear();
    }
    let mut out = BTreeSet::new();
    for name in &enums {
        let here = this.enum_type(name);
        if let Some(en) = here {
            if !include_hidden {
                out.extend(en.hidden_members().map(str::to_string));
            }
        }
        if let Some(there) = other.enum_type(name) {
            for (m, _) in &there.members {
                if here.is_none_or(|h| !h.has_member(m)) {
                    out.insert(m.clone());
                }
            }
        }
    }
    out.into_iter().map(|m| format!("\"{m}\"")).collect()
}

/// Visits every property of `type_name` and of the complex types reachable from it
/// (derived types included), each type once, with its depth below `type_name`.
fn walk(
    schema: &Schema,
    type_name: &str,
    depth: usize,
    seen: &mut BTreeSet<String>,
    visit: &mut dyn FnMut(&Property, usize),
) {
    if !seen.insert(type_name.to_string()) {
        return;
    }
    let Some(st) = schema.structured_type(type_name) else {
        return;
    };
    for prop in st.properties() {
        visit(prop, depth);
        if let TypeRef::Complex(c) = &prop.ty {
            walk(schema, c, depth + 1, seen, visit);
            for derived in schema.derived_types(c) {
                walk(schema, derived, depth + 1, seen, visit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_names_come_from_the_complex_values() {
        // `student/birthDate` and `mailingAddress/city` nest; the user's own top-level
        // `refreshTokensValidFromDateTime` does not.
        assert!(may_nest(EntityKind::User, "birthDate"));
        assert!(may_nest(EntityKind::User, "city"));
        assert!(!may_nest(
            EntityKind::User,
            "refreshTokensValidFromDateTime"
        ));
    }

    fn view(version: ApiVersion, include_hidden: bool) -> View<'static> {
        View {
            version,
            kind: EntityKind::User,
            select: None,
            readable: edugraph_edu::access::Readable::ALL,
            include_hidden,
        }
    }

    #[test]
    fn beta_hidden_members_are_masked_without_the_preference() {
        let doc = json!({"@odata.type": "#microsoft.graph.educationUser", "id": "1", "primaryRole": "faculty", "externalSource": "lms"});
        let v = view(ApiVersion::Beta, false);
        assert!(may_need(&doc.to_string(), &v));
        let mut masked = doc.clone();
        mask(&mut masked, &v);
        assert_eq!(masked["primaryRole"], UNKNOWN);
        assert_eq!(masked["externalSource"], UNKNOWN);
        let mut shown = doc.clone();
        mask(&mut shown, &view(ApiVersion::Beta, true));
        assert_eq!(shown["primaryRole"], "faculty");
    }

    #[test]
    fn members_unknown_to_v1_are_always_masked() {
        let mut doc = json!({"id": "1", "primaryRole": "faculty", "student": {"gender": "female"}});
        let v = view(ApiVersion::V1, true);
        assert!(may_need(&doc.to_string(), &v));
        mask(&mut doc, &v);
        assert_eq!(doc["primaryRole"], UNKNOWN);
        assert_eq!(doc["student"]["gender"], "female");
    }

    #[test]
    fn ordinary_documents_skip_the_walk() {
        let doc = json!({"id": "1", "primaryRole": "student", "externalSource": "sis"}).to_string();
        assert!(!may_need(&doc, &view(ApiVersion::V1, false)));
        assert!(!may_need(&doc, &view(ApiVersion::Beta, false)));
    }
}
