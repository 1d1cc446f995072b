//! The one route table of the Graph surface, served under both `/v1.0` and `/beta`.
//! Every path is a pattern of segments with the operations its methods map to; each
//! [`Op`] has a policy in `edugraph_edu::access::policy` and a handler in
//! `handlers::run`. Beyond `$metadata` and the `/education` root, every row is
//! generated from the catalog of sets (`edugraph_edu::sets::SETS`): a set's home and
//! path give the pattern, its shape the routes and methods.

use std::sync::LazyLock;

use edugraph_edu::access::Op;
use edugraph_edu::sets::{Action, Home, SetDef, Shape, SETS};
use edugraph_odata::path::Segment;
use edugraph_odata::ApiVersion;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Verb {
    pub fn parse(method: &axum::http::Method) -> Option<Verb> {
        use axum::http::Method;
        Some(match *method {
            Method::GET => Verb::Get,
            Method::POST => Verb::Post,
            Method::PATCH => Verb::Patch,
            Method::PUT => Verb::Put,
            Method::DELETE => Verb::Delete,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Patch => "PATCH",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
        }
    }
}

/// One segment of a route pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pat {
    /// A fixed name, compared case-insensitively as Graph does.
    Lit(&'static str),
    /// An entity id (`{id}` or `('id')`), captured.
    Key,
    Ref,
    Count,
    /// `delta`, `delta()` or `microsoft.graph.delta()`.
    Delta,
    /// A bound function, `name()` (or `name`), compared case-insensitively.
    Func(&'static str),
}

#[derive(Debug)]
pub struct Route {
    pub pattern: &'static [Pat],
    pub methods: &'static [(Verb, Op)],
    /// Served under `/beta` only.
    pub beta_only: bool,
}

use Pat::{Count as C, Delta as D, Key as K, Lit as L, Ref as R};
use Verb::{Delete as DEL, Get as GET, Patch as PATCH, Post as POST, Put as PUT};

const E: Pat = L("education");

const fn r(pattern: &'static [Pat], methods: &'static [(Verb, Op)]) -> Route {
    Route {
        pattern,
        methods,
        beta_only: false,
    }
}

/// Every route: the service's two, then each set's, in catalog order. Order matters only
/// where a literal and a key compete (`delta` first).
pub static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    let mut routes = vec![
        r(&[L("$metadata")], &[(GET, Op::Metadata)]),
        r(&[E], &[(GET, Op::GetRoot)]),
    ];
    for def in SETS {
        routes.extend(set_routes(def));
    }
    // Graph's older pages write the beta-only sets without `/education`; they answer
    // there too.
    let bare: Vec<Route> = routes
        .iter()
        .filter(|r| r.beta_only)
        .map(|r| Route {
            pattern: &r.pattern[1..],
            methods: r.methods,
            beta_only: true,
        })
        .collect();
    routes.extend(bare);
    routes
});

/// The rows of one set, from its catalog row. Built once; the patterns and method lists
/// live as long as the process.
fn set_routes(def: &'static SetDef) -> Vec<Route> {
    let mut base = vec![E];
    if let Some(kind) = def.home.kind() {
        match def.home {
            Home::Me => base.push(L("me")),
            _ => {
                let set = SetDef::top_level(kind).expect("every home kind has an entity set");
                base.extend([L(set.name()), K]);
            }
        }
    }
    base.extend(def.path.iter().map(|seg| L(seg)));
    let op = |action| Op::Set(def.set, action);
    let with = |extra: &[Pat], actions: &[(Verb, Action)]| {
        let mut pattern = base.clone();
        pattern.extend_from_slice(extra);
        let methods: Vec<(Verb, Op)> = actions.iter().map(|(v, a)| (*v, op(*a))).collect();
        Route {
            beta_only: def.beta_only,
            ..r(Vec::leak(pattern), Vec::leak(methods))
        }
    };
    use Action::*;
    let item = [(GET, Get), (PATCH, Update), (DEL, Delete)];
    match def.shape {
        Shape::Collection => {
            let mut out = vec![
                with(&[], &[(GET, List), (POST, Create)]),
                with(&[C], &[(GET, Count)]),
            ];
            if def.delta {
                out.push(with(&[D], &[(GET, Delta)]));
            }
            out.push(with(&[K], &item));
            out
        }
        Shape::Singleton => vec![with(&[], &item)],
        Shape::Reference(_) => vec![
            with(&[], &[(GET, Get)]),
            with(&[R], &[(PUT, PutRef), (DEL, DeleteRef)]),
        ],
        Shape::Links(links) if links.refs => vec![
            with(&[], &[(GET, List)]),
            with(&[C], &[(GET, Count)]),
            with(&[R], &[(GET, ListRefs), (POST, AddRef), (DEL, RemoveRef)]),
            with(&[K, R], &[(DEL, RemoveRef)]),
        ],
        Shape::Links(_) => vec![
            with(&[], &[(GET, List)]),
            with(&[C], &[(GET, Count)]),
            with(&[K], &[(GET, Get)]),
        ],
        Shape::Directory(_) => vec![with(&[], &[(GET, Get)])],
        Shape::Caller => vec![with(&[], &[(GET, Get), (PATCH, Update)])],
        Shape::Provisioned => {
            let mut out = vec![
                with(&[], &[(GET, List), (POST, Create)]),
                with(&[C], &[(GET, Count)]),
                with(
                    &[K],
                    &[(GET, Get), (PUT, Replace), (PATCH, Update), (DEL, Delete)],
                ),
            ];
            out.extend(def.calls.iter().map(|call| {
                let (pat, verb) = if call.is_function() {
                    (Pat::Func(call.name()), GET)
                } else {
                    (L(call.name()), POST)
                };
                with(&[K, pat], &[(verb, Call(*call))])
            }));
            out
        }
        Shape::Log => vec![
            with(&[], &[(GET, List)]),
            with(&[C], &[(GET, Count)]),
            with(&[K], &[(GET, Get)]),
        ],
        Shape::Report => vec![with(&[], &[(GET, Get)])],
    }
}

/// The outcome of looking a request up in [`ROUTES`].
#[derive(Debug)]
pub enum Resolved {
    Found {
        op: Op,
        keys: Vec<String>,
    },
    /// The path exists but not with this method; the methods that do exist.
    MethodNotAllowed(Vec<&'static str>),
    NotFound,
}

/// The routes of each pattern length, in table order: a request is compared only with
/// the patterns as long as its path (a few of the table's rows), not with every row.
static BY_LENGTH: LazyLock<Vec<Vec<&'static Route>>> = LazyLock::new(|| {
    let longest = ROUTES.iter().map(|r| r.pattern.len()).max().unwrap_or(0);
    let mut by_len = vec![Vec::new(); longest + 1];
    for route in ROUTES.iter() {
        by_len[route.pattern.len()].push(route);
    }
    by_len
});

pub fn resolve(version: ApiVersion, segments: &[Segment], verb: Option<Verb>) -> Resolved {
    let candidates = BY_LENGTH.get(segments.len()).map_or(&[][..], Vec::as_slice);
    for route in candidates {
        if route.beta_only && version != ApiVersion::Beta {
            continue;
        }
        let Some(keys) = match_pattern(route.pattern, segments) else {
            continue;
        };
        return match route.methods.iter().find(|(v, _)| Some(*v) == verb) {
            Some((_, op)) => Resolved::Found { op: *op, keys },
            None => {
                Resolved::MethodNotAllowed(route.methods.iter().map(|(v, _)| v.as_str()).collect())
            }
        };
    }
    Resolved::NotFound
}

fn match_pattern(pattern: &[Pat], segments: &[Segment]) -> Option<Vec<String>> {
    // Decide first, allocate only for the route that matches: most rows are tried and
    // rejected on every request.
    let fits = pattern.len() == segments.len()
        && pattern
            .iter()
            .zip(segments)
            .all(|(pat, seg)| match (pat, seg) {
                // Clients nearly always send the canonical spelling: an exact compare
                // first, the case-insensitive one only when that fails.
                (Pat::Lit(l), Segment::Name(n)) => *l == n.as_str() || l.eq_ignore_ascii_case(n),
                (Pat::Key, Segment::Name(_)) => true,
                (Pat::Ref, Segment::Ref) | (Pat::Count, Segment::Count) => true,
                // Graph matches names case-insensitively, functions included (`Delta()`).
                (Pat::Delta, Segment::Name(n) | Segment::Call(n)) => {
                    n.eq_ignore_ascii_case("delta")
                }
                (Pat::Func(f), Segment::Name(n) | Segment::Call(n)) => f.eq_ignore_ascii_case(n),
                _ => false,
            });
    fits.then(|| {
        pattern
            .iter()
            .zip(segments)
            .filter_map(|(pat, seg)| match (pat, seg) {
                (Pat::Key, Segment::Name(n)) => Some(n.clone()),
                _ => None,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use edugraph_edu::sets::Set;

    const REMOVE_CLASS_MEMBER: Op = Op::Set(Set::ClassMembers, Action::RemoveRef);
    const USERS_DELTA: Op = Op::Set(Set::Users, Action::Delta);

    fn segs(path: &str) -> Vec<Segment> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s {
                "$ref" => Segment::Ref,
                "$count" => Segment::Count,
                "delta()" => Segment::Call("delta".into()),
                n => Segment::Name(n.into()),
            })
            .collect()
    }

    #[test]
    fn every_route_has_distinct_methods() {
        for r in ROUTES.iter() {
            let mut verbs: Vec<_> = r.methods.iter().map(|(v, _)| *v).collect();
            verbs.dedup();
            assert_eq!(verbs.len(), r.methods.len(), "{:?}", r.pattern);
        }
    }

    #[test]
    fn resolves_keys_literals_and_functions() {
        match resolve(
            ApiVersion::V1,
            &segs("education/classes/c1/members/u1/$ref"),
            Some(Verb::Delete),
        ) {
            Resolved::Found { op, keys } => {
                assert_eq!(op, REMOVE_CLASS_MEMBER);
                assert_eq!(keys, ["c1", "u1"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resolve(
                ApiVersion::V1,
                &segs("education/users/delta()"),
                Some(Verb::Get)
            ),
            Resolved::Found {
                op: USERS_DELTA,
                ..
            }
        ));
        assert!(matches!(
            resolve(
                ApiVersion::V1,
                &segs("education/users/delta"),
                Some(Verb::Get)
            ),
            Resolved::Found {
                op: USERS_DELTA,
                ..
            }
        ));
        assert!(matches!(
            resolve(
                ApiVersion::V1,
                &segs("education/Users/Delta"),
                Some(Verb::Get)
            ),
            Resolved::Found {
                op: USERS_DELTA,
                ..
            }
        ));
        assert!(matches!(
            resolve(ApiVersion::V1, &segs("Education/Users"), Some(Verb::Get)),
            Resolved::Found {
                op: Op::Set(Set::Users, Action::List),
                ..
            }
        ));
        assert!(matches!(
            resolve(
                ApiVersion::V1,
                &segs("education/users/$count"),
                Some(Verb::Get)
            ),
            Resolved::Found {
                op: Op::Set(Set::Users, Action::Count),
                ..
            }
        ));
    }

    #[test]
    fn unknown_paths_and_methods() {
        assert!(matches!(
            resolve(ApiVersion::V1, &segs("education/teachers"), Some(Verb::Get)),
            Resolved::NotFound
        ));
        assert!(matches!(
            resolve(
                ApiVersion::V1,
                &segs("education/classes/c1/members/u1"),
                Some(Verb::Get)
            ),
            Resolved::NotFound
        ));
        match resolve(ApiVersion::V1, &segs("education/users/u1"), Some(Verb::Put)) {
            Resolved::MethodNotAllowed(allow) => assert_eq!(allow, ["GET", "PATCH", "DELETE"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resolve(ApiVersion::V1, &segs("education/users"), None),
            Resolved::MethodNotAllowed(_)
        ));
    }

    /// The table holds `$metadata`, the root and the rows generated from the catalog,
    /// nothing else: every routed operation is an action its set serves, and every action
    /// of every set is routed.
    #[test]
    fn every_route_comes_from_the_catalog() {
        let generated: usize = SETS.iter().map(|d| set_routes(d).len()).sum();
        // Beta-only rows are routed twice: with and without `/education`.
        let bare: usize = SETS
            .iter()
            .filter(|d| d.beta_only)
            .map(|d| set_routes(d).len())
            .sum();
        assert_eq!(ROUTES.len(), 2 + generated + bare);
        let mut routed = std::collections::HashSet::new();
        for (i, route) in ROUTES.iter().enumerate() {
            for (_, op) in route.methods {
                match op {
                    Op::Metadata | Op::GetRoot => assert!(i < 2, "{:?}", route.pattern),
                    Op::Set(set, action) => {
                        assert!(SetDef::of(*set).actions().contains(action), "{op:?}");
                        routed.insert(*op);
                    }
                }
            }
        }
        for op in Op::all().into_iter().skip(2) {
            assert!(routed.contains(&op), "{op:?} is not routed");
        }
    }

    /// Context URLs, entity URLs and route patterns are written by the catalog's rows
    /// (`SetDef::fragment`, `entity_path`, `set_routes`), never spelled out by a
    /// handler: no string literal in the Graph surface's code names an `education/...`
    /// path (tests and the SDK path catalog's documentation excepted).
    #[test]
    fn no_path_is_spelled_out_beside_the_catalog() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/graph");
        let mut files = vec![];
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 10, "{files:?}");
        let mut found = vec![];
        for file in files {
            let name = file.to_string_lossy().to_string();
            if name.ends_with("tests.rs") || name.contains("/catalog") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // Code only: a file's tests come after its `#[cfg(test)]`.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in code.lines().enumerate() {
                let line = line.trim_start();
                if line.starts_with("//") {
                    continue;
                }
                if line.contains("\"education/") || line.contains("/education/") {
                    found.push(format!("{name}:{}: {line}", n + 1));
                }
            }
        }
        assert!(
            found.is_empty(),
            "paths outside the catalog:\n{}",
            found.join("\n")
        );
    }
}
