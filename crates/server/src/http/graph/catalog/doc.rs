//! `docs/OPERATIONS.md` and the README's "What works today", rendered from the operation
//! catalog and the policy table. The test `operations_doc` compares the committed files
//! with these and rewrites them when `EDUGRAPH_WRITE_DOCS=1` is set.

use std::collections::BTreeMap;
use std::fmt::Write;

use edugraph_edu::access::{policy, Access, ClassRule, Kind, Need, Op, Policy};
use edugraph_odata::ApiVersion;

use super::{operations, Operation, Part};

/// The command that regenerates both documents.
pub const REGENERATE: &str =
    "EDUGRAPH_WRITE_DOCS=1 cargo test -p edugraph-server --test operations_doc";

const VERSIONS: [ApiVersion; 2] = [ApiVersion::V1, ApiVersion::Beta];

/// The area an operation belongs to: its path up to the first navigation below the
/// entity set or singleton (`/education/classes/{id}/assignments`), keys shown as `{id}`.
pub fn area(op: &Operation) -> String {
    let names = op.template.split('/').skip(2);
    let mut out = String::from("/education");
    let mut literals = 0;
    for (name, part) in names.zip(op.parts.iter().skip(1)) {
        match part {
            Part::Lit(_) => {
                out.push('/');
                out.push_str(name);
                literals += 1;
                if literals == 2 {
                    break;
                }
            }
            Part::Key => out.push_str("/{id}"),
            _ => break,
        }
    }
    // `/education/classes/{id}` alone is the entity set's area.
    out.strip_suffix("/{id}").map(str::to_string).unwrap_or(out)
}

/// One row of the document: an operation in either version.
struct Row {
    name: String,
    served: Option<Op>,
    in_version: [bool; 2],
}

/// Per area, in path order: its rows.
fn areas() -> BTreeMap<String, BTreeMap<(&'static str, usize), Row>> {
    let mut out: BTreeMap<String, BTreeMap<(&'static str, usize), Row>> = BTreeMap::new();
    for (i, version) in VERSIONS.into_iter().enumerate() {
        for op in operations(version) {
            let order = super::VERBS.iter().position(|v| *v == op.verb).unwrap_or(0);
            let row = out
                .entry(area(op))
                .or_default()
                .entry((op.template, order))
                .or_insert_with(|| Row {
                    name: op.name(),
                    served: op.served,
                    in_version: [false; 2],
                });
            row.in_version[i] = true;
        }
    }
    out
}

/// (served, total) of one version.
pub fn totals(version: ApiVersion) -> (usize, usize) {
    let ops = operations(version);
    (ops.iter().filter(|o| o.served.is_some()).count(), ops.len())
}

fn totals_sentence() -> String {
    let (v1, v1_all) = totals(ApiVersion::V1);
    let (beta, beta_all) = totals(ApiVersion::Beta);
    format!(
        "edugraph serves **{v1} of {v1_all}** v1.0 operations and **{beta} of {beta_all}** beta \
         operations of the Graph education API"
    )
}

/// The text of `docs/OPERATIONS.md`.
pub fn operations_md() -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "# Operations\n\n\
         <!-- Generated from the operation catalog (crates/server/src/http/graph/catalog.rs); \
         do not edit by hand. Regenerate: {REGENERATE} -->\n\n\
         {}.\n\n{HEADER}\n## Summary\n\n\
         | area | v1.0 | beta |\n|---|---|---|\n",
        totals_sentence()
    );
    let areas = areas();
    for (area, rows) in &areas {
        let count = |i: usize| {
            let all = rows.values().filter(|r| r.in_version[i]).count();
            let served = rows
                .values()
                .filter(|r| r.in_version[i] && r.served.is_some())
                .count();
            format!("{served} of {all}")
        };
        let _ = writeln!(s, "| `{area}` | {} | {} |", count(0), count(1));
    }
    s.push_str("\n## Every operation\n");
    for (area, rows) in &areas {
        let _ = write!(
            s,
            "\n### `{area}`\n\n\
             | operation | v1.0 | beta | delegated | application | class role |\n\
             |---|---|---|---|---|---|\n"
        );
        for row in rows.values() {
            let status = |i: usize| match (row.in_version[i], row.served) {
                (false, _) => "—",
                (true, Some(_)) => "served",
                (true, None) => "not yet",
            };
            let (delegated, application, role) = match row.served {
                Some(op) => permissions(&policy(op)),
                None => Default::default(),
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {delegated} | {application} | {role} |",
                row.name,
                status(0),
                status(1)
            );
        }
    }
    s
}

/// The README's "What works today", between its markers.
pub fn readme_section() -> String {
    let mut full = Vec::new();
    let mut partly = Vec::new();
    let mut none = Vec::new();
    let mut beta = Vec::new();
    for (area, rows) in areas() {
        let all = rows.values().filter(|r| r.in_version[0]).count();
        let served = rows
            .values()
            .filter(|r| r.in_version[0] && r.served.is_some())
            .count();
        if all == 0 {
            // Beta only (the retired School Data Sync surface): counted in beta.
            let all = rows.values().filter(|r| r.in_version[1]).count();
            let served = rows
                .values()
                .filter(|r| r.in_version[1] && r.served.is_some())
                .count();
            beta.push(format!("`{area}` ({served} of {all})"));
            continue;
        }
        match served {
            0 => none.push(format!("`{area}`")),
            n if n == all => full.push(format!("`{area}`")),
            n => partly.push(format!("`{area}` ({n} of {all})")),
        }
    }
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    format!(
        "{}. Counted against the operations of the Graph SDK's request builders \
         (`schema/operations-v1.0.txt`, `schema/operations-beta.txt`).\n\n\
         - Served in full: {}.\n\
         - Partly served (v1.0 operations served): {}.\n\
         - Not yet: {}.\n\
         - Beta only (beta operations served): {}.\n\n\
         An operation of the Graph education API that edugraph does not serve yet answers \
         `501` with code `notImplemented`, naming it; a path Graph does not have answers \
         `404`. Every operation, with its status and the permissions it needs: \
         [docs/OPERATIONS.md](docs/OPERATIONS.md).\n",
        totals_sentence(),
        list(full),
        list(partly),
        list(none),
        list(beta)
    )
}

/// The delegated, application and class-role cells of a served operation.
fn permissions(p: &Policy) -> (String, String, String) {
    if p.access == Access::Public {
        let none = "no token needed".to_string();
        return (none.clone(), none, String::new());
    }
    let cell = |need: Option<Need>, kind: Kind, also: &[&str]| match need {
        None => "not supported".to_string(),
        Some(need) => {
            let least = need
                .canonical_names(kind)
                .into_iter()
                .next()
                .unwrap_or_default();
            let mut cell = format!("`{least}`");
            if !also.is_empty() {
                let also: Vec<String> = also.iter().map(|a| format!("`{a}`")).collect();
                let _ = write!(cell, " and {}", also.join(" or "));
            }
            cell
        }
    };
    let delegated = cell(p.delegated, Kind::Delegated, p.delegated_also);
    let application = if p.access == Access::SignedInUser {
        "not supported (signed-in user only)".to_string()
    } else {
        cell(p.application, Kind::Application, p.application_also)
    };
    let role = match (p.delegated, p.class_rule) {
        (None, _) => "",
        (Some(_), ClassRule::Anyone) => "any",
        (Some(_), ClassRule::Members) => "members of the class",
        (Some(_), ClassRule::Teachers) => "teachers of the class",
        (Some(_), ClassRule::Students) => "students of the class",
        (Some(_), ClassRule::Owner) => "only their own",
    };
    (delegated, application, role.to_string())
}

const HEADER: &str = "\
The list is the Graph SDK's: every method of every request builder under `/education` \
(`schema/operations-v1.0.txt` and `schema/operations-beta.txt`, written by \
`scripts/gen-schema.py`). An operation is *served* when edugraph's route table answers it.

For a served operation, **delegated** and **application** name the least permission that \
grants it (every higher level of the same family grants it too, e.g. `EduRoster.ReadWrite` \
covers `EduRoster.Read`; \"and ... or ...\" names a directory permission needed as well). \
**class role** is the rule for delegated callers on a class's paths: *members of the class* \
means its teachers and students only; application callers are not subject to it.

## Answers for operations that are not served

- A Graph operation edugraph does not serve yet answers `501 Not Implemented` with the Graph \
error envelope, code `notImplemented`, naming the operation: `edugraph does not implement \
POST /v1.0/education/classes/{educationClass-id}/assignments yet; see docs/OPERATIONS.md`. \
Each API version is looked up in its own list. A bound action or function may be called with \
or without `microsoft.graph.`, and a function with or without `()`.
- A path Graph does not have answers `404`, as a mistyped path always did.
- A method Graph does not have on a path answers `405` with `Allow`: edugraph's methods \
when it serves the path, Graph's methods when it does not serve the path yet (those answer \
`501`).
- Where a path fits several templates, the most literal one counts \
(`.../assignments/delta` is the function, not an assignment id).

**Order, and what an unauthenticated request learns.** These answers are given where the \
`404` for an unknown path always was: right after the path is parsed, before the bearer \
token is checked. So a request without a token gets `501` for an operation edugraph does \
not serve, as it gets `404` or `405` for paths edugraph does not have; a served operation \
still answers `401` first. This tells an unauthenticated caller nothing beyond this \
document: the list is public and fixed per build, and no id in the path is looked up (an \
unserved operation on a class that does not exist is `501` too, never `404`).
";
