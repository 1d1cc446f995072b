//! The size limits of `limits.rs`: each is refused with a 400 naming the limit and the
//! measured size, and a query at the limit still parses.

use super::limits::*;
use super::*;
use crate::ApiVersion;

fn users(q: &str) -> Result<QueryOptions, ODataError> {
    parse(Some(q), Schema::get(ApiVersion::V1), "educationUser")
}

fn classes(q: &str) -> Result<QueryOptions, ODataError> {
    parse(Some(q), Schema::get(ApiVersion::V1), "educationClass")
}

/// `n` comparisons joined by `joiner`, percent-encoded as a client would send them.
fn chain(n: usize, joiner: &str) -> String {
    let terms: Vec<String> = (0..n).map(|i| format!("displayName eq 'u{i}'")).collect();
    encode_component(&terms.join(&format!(" {joiner} ")))
}

#[track_caller]
fn refused(result: Result<QueryOptions, ODataError>, message: &str) {
    let e = result.expect_err("over the limit");
    assert_eq!(e.code, "BadRequest");
    assert_eq!(e.message, message);
}

#[test]
fn a_thousand_or_terms_are_refused_naming_the_limit() {
    refused(
        users(&format!("$filter={}", chain(1001, "or"))),
        "$filter has 1001 terms; at most 100 are allowed.",
    );
    refused(
        users(&format!("$filter={}", chain(101, "and"))),
        "$filter has 101 terms; at most 100 are allowed.",
    );
    assert!(users(&format!("$filter={}", chain(MAX_FILTER_TERMS, "or"))).is_ok());
    // Terms inside parentheses and lambdas count too; `and`/`or` inside quotes do not.
    let nested = format!(
        "({}) and businessPhones/any(p: p eq 'a or b')",
        (0..100)
            .map(|i| format!("displayName eq '{i}'"))
            .collect::<Vec<_>>()
            .join(" or ")
    );
    refused(
        users(&format!("$filter={}", encode_component(&nested))),
        "$filter has 101 terms; at most 100 are allowed.",
    );
}

#[test]
fn filter_text_and_nesting_are_bounded() {
    let long = format!("displayName eq '{}'", "x".repeat(MAX_FILTER_CHARS));
    let e = users(&format!("$filter={}", encode_component(&long))).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "$filter has {} characters; at most {MAX_FILTER_CHARS} are allowed.",
            MAX_FILTER_CHARS + 17
        )
    );
    let deep = |n: usize| format!("{}accountEnabled{}", "(".repeat(n), ")".repeat(n));
    assert!(users(&format!(
        "$filter={}",
        encode_component(&deep(MAX_FILTER_DEPTH - 1))
    ))
    .is_ok());
    let e = users(&format!(
        "$filter={}",
        encode_component(&deep(MAX_FILTER_DEPTH))
    ))
    .unwrap_err();
    assert!(
        e.message.contains("at most 48 are allowed"),
        "{}",
        e.message
    );
}

#[test]
fn in_lists_are_bounded() {
    let list = |n: usize| {
        let values: Vec<String> = (0..n).map(|i| format!("'u{i}'")).collect();
        encode_component(&format!("displayName in ({})", values.join(",")))
    };
    assert!(users(&format!("$filter={}", list(MAX_IN_VALUES))).is_ok());
    refused(
        users(&format!("$filter={}", list(250))),
        "The 'in' list of 'displayName' has 250 values; at most 100 are allowed.",
    );
}

#[test]
fn orderby_select_and_expand_lists_are_bounded() {
    let repeat = |item: &str, n: usize| vec![item; n].join(",");
    assert!(users(&format!(
        "$orderby={}",
        repeat("displayName", MAX_ORDERBY_ITEMS)
    ))
    .is_ok());
    refused(
        users(&format!("$orderby={}", repeat("displayName", 17))),
        "$orderby has 17 items; at most 16 are allowed.",
    );
    assert!(users(&format!("$select={}", repeat("id", MAX_SELECT_ITEMS))).is_ok());
    refused(
        users(&format!("$select={}", repeat("id", 1000))),
        "$select has 1000 items; at most 128 are allowed.",
    );
    refused(
        classes(&format!("$expand=members($select={})", repeat("id", 129))),
        "$select has 129 items; at most 128 are allowed.",
    );
    refused(
        classes(&format!("$expand={}", repeat("members", 17))),
        "$expand has 17 items; at most 16 are allowed.",
    );
    // Depth: an $expand inside an $expand is refused, so expansion is one level deep.
    assert_eq!(
        classes("$expand=members($expand=classes)")
            .unwrap_err()
            .code,
        "Request_UnsupportedQuery"
    );
}
