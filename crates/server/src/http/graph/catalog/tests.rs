//! The embedded operation lists, the catalog's view of the route table against the
//! dispatcher's own, the reverse check (every route is a Graph operation), and the lookup
//! behind the 501 answers.

use super::*;
use crate::http::graph::dispatch::{resolve, Resolved};

const BOTH: [ApiVersion; 2] = [ApiVersion::V1, ApiVersion::Beta];

/// Request segments for a template, with made-up keys.
fn instantiate(parts: &[Part]) -> Vec<Segment> {
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            Part::Lit(l) => Segment::Name(l.to_string()),
            Part::Key => Segment::Name(format!("key-{i}")),
            Part::Count => Segment::Count,
            Part::Ref => Segment::Ref,
            Part::Call(c) => Segment::Call(c.to_string()),
        })
        .collect()
}

fn segs(path: &str) -> Vec<Segment> {
    edugraph_odata::path::parse_path(path).unwrap()
}

#[test]
fn the_embedded_lists_are_the_sdk_lists() {
    for version in BOTH {
        let ops = operations(version);
        // Beta adds the 16 operations of the retired School Data Sync surface.
        let expected = match version {
            ApiVersion::V1 => 414,
            ApiVersion::Beta => 430,
        };
        assert_eq!(ops.len(), expected, "{version:?}");
        let names: Vec<(&str, usize)> = ops
            .iter()
            .map(|o| (o.template, VERBS.iter().position(|v| *v == o.verb).unwrap()))
            .collect();
        let mut sorted = names.clone();
        sorted.sort_by(|a, b| {
            a.0.cmp(b.0)
                .then(Verb::as_str(VERBS[a.1]).cmp(VERBS[b.1].as_str()))
        });
        sorted.dedup();
        assert_eq!(
            names, sorted,
            "{version:?}: sorted by path then method, no duplicates"
        );
        assert!(ops.iter().all(|o| o.template.starts_with("/education")));
    }
}

#[test]
fn malformed_lists_are_refused() {
    for bad in [
        "GET",
        "FETCH /education",
        "GET education",
        "GET /education//x",
        "GET /a(b)",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
    let ok = parse("# comment\n\nGET /education/classes/{educationClass-id}/members/$ref\n");
    assert_eq!(ok.unwrap()[0].parts.len(), 5);
}

/// The catalog's "served" is what the dispatcher answers for the same path and method.
#[test]
fn served_agrees_with_the_dispatcher() {
    for version in BOTH {
        for op in operations(version) {
            let found = match resolve(version, &instantiate(&op.parts), Some(op.verb)) {
                Resolved::Found { op, .. } => Some(op),
                _ => None,
            };
            assert_eq!(op.served, found, "{}", op.name());
        }
    }
}

/// Routes under `/education` that are not an operation of the SDK list, with the reason.
const NOT_IN_SDK: &[(&str, &str)] = &[
    (
        "Set(DefaultGradingScheme, PutRef)",
        "Graph's permission table and BEHAVIOR §8.5 list PUT .../defaultGradingScheme/$ref; the SDK path list has only the GET",
    ),
    (
        "Set(DefaultGradingScheme, DeleteRef)",
        "the way back from the PUT above (the issue names it); not in the SDK path list",
    ),
    (
        "Set(SyncProfiles, Call(Confirm))",
        "edugraph's own: applies a sync its safety threshold held (docs/sync-profiles.md)",
    ),
];

/// Every route and method under `/education` is an operation of the SDK list of both
/// versions (or listed above with a reason); `$metadata` is the one route outside it.
#[test]
fn every_route_is_a_graph_operation() {
    for version in BOTH {
        for route in ROUTES.iter() {
            if route.beta_only && version != ApiVersion::Beta {
                continue;
            }
            if route.pattern.first() != Some(&Pat::Lit("education")) {
                // Beta's sync sets are also served without `/education`, as Graph's
                // older pages write them.
                let bare = route.beta_only
                    && ROUTES.iter().any(|r| {
                        r.pattern.len() == route.pattern.len() + 1
                            && r.pattern[1..] == *route.pattern
                    });
                assert!(
                    bare || route.pattern == [Pat::Lit("$metadata")],
                    "outside /education: {:?}",
                    route.pattern
                );
                continue;
            }
            for (verb, op) in route.methods {
                let listed = operations(version)
                    .iter()
                    .any(|o| o.verb == *verb && same_shape(&o.parts, route.pattern));
                let excused = NOT_IN_SDK.iter().any(|(n, _)| *n == format!("{op:?}"));
                assert!(
                    listed || excused,
                    "{version:?}: {} {:?} ({op:?}) is not an SDK operation",
                    verb.as_str(),
                    route.pattern
                );
                assert!(!(listed && excused), "{op:?} is listed and excused");
            }
        }
    }
}

#[test]
fn unserved_operations_are_named() {
    let cases = [
        ("education/classes/c1/assignments", Verb::Post, "POST /education/classes/{educationClass-id}/assignments"),
        ("education/classes/c1/assignments/a1/submissions/s1/microsoft.graph.submit", Verb::Post, "POST /education/classes/{educationClass-id}/assignments/{educationAssignment-id}/submissions/{educationSubmission-id}/submit"),
        ("education/classes/c1/assignments/delta()", Verb::Get, "GET /education/classes/{educationClass-id}/assignments/delta()"),
        ("education/classes/c1/assignments/delta", Verb::Get, "GET /education/classes/{educationClass-id}/assignments/delta()"),
        ("Education/Me/Assignments/$count", Verb::Get, "GET /education/me/assignments/$count"),
        ("education/classes/c1/getRecentlyModifiedSubmissions", Verb::Get, "GET /education/classes/{educationClass-id}/getRecentlyModifiedSubmissions()"),
        ("education", Verb::Patch, "PATCH /education"),
    ];
    for version in BOTH {
        for (path, verb, name) in cases {
            match unserved(version, &segs(path), Some(verb)) {
                Some(Unserved::NotImplemented(op)) => assert_eq!(op.name(), name, "{path}"),
                other => panic!("{path}: {other:?}"),
            }
        }
    }
}

#[test]
fn other_paths_and_methods() {
    let v = ApiVersion::V1;
    // Not Graph paths at all.
    for path in [
        "education/teachers",
        "education/classes/c1/assignment",
        "education/classes/c1/members/u1",
    ] {
        assert!(
            unserved(v, &segs(path), Some(Verb::Get)).is_none(),
            "{path}"
        );
    }
    // Graph paths with a method Graph does not have: Graph's methods.
    match unserved(
        v,
        &segs("education/classes/c1/assignments"),
        Some(Verb::Put),
    ) {
        Some(Unserved::OtherMethods(allow)) => assert_eq!(allow, ["GET", "POST"]),
        other => panic!("{other:?}"),
    }
    match unserved(v, &segs("education/classes/c1/modules/m1"), None) {
        Some(Unserved::OtherMethods(allow)) => assert_eq!(allow, ["GET", "PATCH", "DELETE"]),
        other => panic!("{other:?}"),
    }
    // Served operations are never reported as unserved.
    for (path, verb) in [
        ("education/classes/c1", Verb::Get),
        ("education/classes/delta", Verb::Get),
    ] {
        assert!(unserved(v, &segs(path), Some(verb)).is_none(), "{path}");
    }
}

#[test]
fn areas_group_by_the_first_navigation() {
    let area = |template: &str| {
        let op = operations(ApiVersion::V1)
            .iter()
            .find(|o| o.template == template)
            .unwrap_or_else(|| panic!("{template}"));
        doc::area(op)
    };
    assert_eq!(area("/education"), "/education");
    assert_eq!(
        area("/education/classes/{educationClass-id}"),
        "/education/classes"
    );
    assert_eq!(area("/education/classes/delta()"), "/education/classes");
    assert_eq!(
        area("/education/classes/{educationClass-id}/assignments/{educationAssignment-id}/submissions"),
        "/education/classes/{id}/assignments"
    );
    assert_eq!(
        area("/education/classes/{educationClass-id}/members/$ref"),
        "/education/classes/{id}/members"
    );
    assert_eq!(
        area("/education/me/rubrics/{educationRubric-id}"),
        "/education/me/rubrics"
    );
    assert_eq!(
        area("/education/reports/readingCoachPassages/$count"),
        "/education/reports/readingCoachPassages"
    );
}
