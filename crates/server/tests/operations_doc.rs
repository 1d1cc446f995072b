//! `docs/OPERATIONS.md` and the README's "What works today" (between
//! `<!-- operations:begin -->` and `<!-- operations:end -->`) are what the operation
//! catalog renders. With `EDUGRAPH_WRITE_DOCS=1` the test writes them instead of failing.

use std::path::PathBuf;

use edugraph_server::http::graph::catalog::doc::{operations_md, readme_section, REGENERATE};

const BEGIN: &str = "<!-- operations:begin -->\n";
const END: &str = "<!-- operations:end -->";

fn repo_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name)
}

fn writing() -> bool {
    std::env::var("EDUGRAPH_WRITE_DOCS").is_ok_and(|v| v == "1")
}

/// Compares `path` with `expected`, or writes it when asked to.
fn check(name: &str, current: &str, expected: &str) {
    if current == expected {
        return;
    }
    if writing() {
        std::fs::write(repo_file(name), expected).unwrap();
        return;
    }
    let line = current
        .lines()
        .zip(expected.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(current.lines().count().min(expected.lines().count()))
        + 1;
    panic!("{name} is out of date (first difference at line {line}); regenerate it with:\n  {REGENERATE}");
}

#[test]
fn operations_md_is_up_to_date() {
    let current = std::fs::read_to_string(repo_file("docs/OPERATIONS.md")).unwrap_or_default();
    check("docs/OPERATIONS.md", &current, &operations_md());
}

#[test]
fn readme_what_works_today_is_up_to_date() {
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let start = readme
        .find(BEGIN)
        .unwrap_or_else(|| panic!("README.md lacks {BEGIN:?}"))
        + BEGIN.len();
    let end = start
        + readme[start..]
            .find(END)
            .unwrap_or_else(|| panic!("README.md lacks {END:?} after the begin marker"));
    let expected = format!("{}{}{}", &readme[..start], readme_section(), &readme[end..]);
    check("README.md", &readme, &expected);
}

#[test]
fn the_documents_count_what_the_catalog_serves() {
    use edugraph_odata::ApiVersion;
    use edugraph_server::http::graph::catalog::doc::totals;
    let md = operations_md();
    for version in [ApiVersion::V1, ApiVersion::Beta] {
        let (served, all) = totals(version);
        assert!(served > 0 && served < all, "{version:?}");
        let shown = format!("**{served} of {all}** {} operations", version.as_str());
        assert!(md.contains(&shown), "{shown}");
        assert!(readme_section().contains(&shown), "{shown}");
    }
    // One table row per operation of the union of both lists: beta's is v1.0's plus the
    // retired School Data Sync operations.
    let rows = md.lines().filter(|l| {
        l.starts_with("| `GET ")
            || l.starts_with("| `POST ")
            || l.starts_with("| `PATCH ")
            || l.starts_with("| `PUT ")
            || l.starts_with("| `DELETE ")
    });
    assert_eq!(rows.count(), totals(ApiVersion::Beta).1);
}
