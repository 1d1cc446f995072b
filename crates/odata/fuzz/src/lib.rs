//! The fuzz targets' bodies, one function per target, each taking the fuzzer's raw bytes.
//! A target passes when the code under test returns (`Ok` or `Err`) for every input; a
//! panic, an overflow or a stack overflow is a finding. The `src/bin/*` wrappers hand
//! these to AFL++ (`cargo afl`, driven by `scripts/fuzz.sh`); any finding is replayed by
//! piping the saved input into the same binary, and goes into the odata crate's tests.
//!
//! Inputs that are not UTF-8 are skipped where the real caller only ever sees decoded
//! text (the HTTP layer decodes the path and query before the parsers run).

use edugraph_odata::query::{encode_component, parse, parse_filter};
use edugraph_odata::{body, path, ApiVersion, Schema};

/// The entity types each query target runs against: one with complex and collection
/// properties (lambdas, enums), one with navigations (`$expand`), and the assignment for
/// dates and numbers.
pub const ENTITY_TYPES: [&str; 3] = ["educationUser", "educationClass", "educationAssignment"];

/// The types a body is checked against (entity and complex, with derived types).
pub const BODY_TYPES: [&str; 5] = [
    "educationUser",
    "educationClass",
    "educationSchool",
    "educationAssignment",
    "educationGradingCategory",
];

/// Loads both schemas. The wrappers call it before AFL++'s fork server starts, so every
/// forked process inherits the parsed schemas instead of parsing the CSDL again.
pub fn prepare() {
    let _ = schemas();
}

fn schemas() -> [&'static Schema; 2] {
    [Schema::get(ApiVersion::V1), Schema::get(ApiVersion::Beta)]
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// `$filter`: the decoded expression, parsed and bound.
pub fn filter(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for schema in schemas() {
        for ty in ENTITY_TYPES {
            let _ = parse_filter(text, schema, ty);
        }
    }
}

/// One query option given as decoded text, through the public query-string parser (which
/// decodes it again, as it does for a request).
fn option(name: &str, data: &[u8]) {
    let Some(text) = text(data) else { return };
    let raw = format!("{name}={}", encode_component(text));
    for schema in schemas() {
        for ty in ENTITY_TYPES {
            let _ = parse(Some(&raw), schema, ty);
        }
    }
}

/// `$orderby`.
pub fn orderby(data: &[u8]) {
    option("$orderby", data);
}

/// `$select` and `$expand` (whose items carry nested `$select` and `$top`).
pub fn select(data: &[u8]) {
    option("$select", data);
    option("$expand", data);
}

/// A whole raw query string, still percent-encoded: option names, repeats, decoding,
/// `$top`/`$skip`/`$count`/`$format` and every option parser behind them.
pub fn query(data: &[u8]) {
    let Some(raw) = text(data) else { return };
    for schema in schemas() {
        for ty in ENTITY_TYPES {
            let _ = parse(Some(raw), schema, ty);
        }
    }
}

/// Request paths and reference URLs (`@odata.id`).
pub fn path(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let _ = path::parse_path(text);
    let _ = path::parse_reference(text);
}

/// A JSON request body: parsed as the HTTP layer does, then checked against each type.
pub fn body(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for schema in schemas() {
        for ty in BODY_TYPES {
            let _ = body::effective_type(schema, ty, &value);
            let _ = body::check_body(schema, ty, &value);
        }
    }
}

/// Every target by name, for the wrappers and for replaying a corpus in tests.
pub const TARGETS: [(&str, fn(&[u8])); 6] = [
    ("filter", filter),
    ("orderby", orderby),
    ("select", select),
    ("query", query),
    ("path", path),
    ("body", body),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listed_types_exist_in_both_versions() {
        for schema in schemas() {
            for ty in ENTITY_TYPES {
                assert!(schema.entity_type(ty).is_some(), "{ty}");
            }
            for ty in BODY_TYPES {
                assert!(schema.structured_type(ty).is_some(), "{ty}");
            }
        }
    }

    /// Every seed runs through its target without a panic (the corpus is well formed).
    #[test]
    fn seeds_replay() {
        for (name, target) in TARGETS {
            let file = format!("{}/seeds/{name}.txt", env!("CARGO_MANIFEST_DIR"));
            let seeds = std::fs::read_to_string(&file).unwrap();
            for line in seeds.lines().filter(|l| !l.is_empty()) {
                target(line.as_bytes());
            }
        }
    }
}
