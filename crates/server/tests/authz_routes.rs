//! Every route of the route table has a well-formed policy row: walks `ROUTES` × every
//! method and checks the row against the permission catalogue, so a route added without
//! a sensible row (or a row left without a route) fails here.

use edugraph_edu::access::permission::{self, Family, Kind, Permission};
use edugraph_edu::access::{policy, Access, ClassRule, Op};
use edugraph_odata::path::Segment;
use edugraph_odata::ApiVersion;
use edugraph_server::http::graph::dispatch::{resolve, Pat, Resolved, Verb, ROUTES};

const VERBS: [Verb; 5] = [Verb::Get, Verb::Post, Verb::Patch, Verb::Put, Verb::Delete];

/// A request path that matches `pattern`, with made-up keys.
fn instantiate(pattern: &[Pat]) -> Vec<Segment> {
    pattern
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            Pat::Lit(l) => Segment::Name(l.to_string()),
            Pat::Key => Segment::Name(format!("key-{i}")),
            Pat::Ref => Segment::Ref,
            Pat::Count => Segment::Count,
            Pat::Delta => Segment::Name("delta".into()),
            Pat::Func(f) => Segment::Call(f.to_string()),
        })
        .collect()
}

fn shown(pattern: &[Pat]) -> String {
    pattern
        .iter()
        .map(|p| match p {
            Pat::Lit(l) => l.to_string(),
            Pat::Key => "{id}".into(),
            Pat::Ref => "$ref".into(),
            Pat::Count => "$count".into(),
            Pat::Delta => "delta".into(),
            Pat::Func(f) => format!("{f}()"),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The names a need expands to are all education permissions of the right kind.
fn check_names(route: &str, kind: Kind, names: &[String]) {
    assert!(!names.is_empty(), "{route}: empty {kind:?} list");
    for name in names {
        let p = Permission::parse(name)
            .unwrap_or_else(|| panic!("{route}: {name} is not in the catalogue"));
        assert_eq!(p.kind, kind, "{route}: {name}");
    }
}

#[test]
fn every_route_and_method_has_a_policy_row() {
    let mut routed = Vec::new();
    let mut checked = 0;
    for route in ROUTES.iter() {
        let path = shown(route.pattern);
        let segments = instantiate(route.pattern);
        for verb in VERBS {
            let Some((_, op)) = route.methods.iter().find(|(v, _)| *v == verb) else {
                // Methods the route lacks are 405 with the route's own methods, never
                // another route's operation.
                match resolve(ApiVersion::Beta, &segments, Some(verb)) {
                    Resolved::MethodNotAllowed(allow) => assert!(!allow.contains(&verb.as_str())),
                    other => panic!("{} {path}: {other:?}", verb.as_str()),
                }
                continue;
            };
            let at = format!("{} /{path}", verb.as_str());
            // The route is reachable: no earlier pattern shadows it.
            match resolve(ApiVersion::Beta, &segments, Some(verb)) {
                Resolved::Found { op: found, .. } => assert_eq!(found, *op, "{at}"),
                other => panic!("{at}: {other:?}"),
            }
            routed.push(*op);
            checked += 1;
            let p = policy(*op);
            let is_metadata = route.pattern == [Pat::Lit("$metadata")];
            if p.access == Access::Public || is_metadata {
                assert!(is_metadata, "{at}: only $metadata may be public");
                assert_eq!(p.access, Access::Public, "{at} must be marked public");
                continue;
            }
            assert!(
                p.delegated.is_some() || p.application.is_some(),
                "{at}: no caller can ever call it"
            );
            for (need, kind, also) in [
                (p.delegated, Kind::Delegated, p.delegated_also),
                (p.application, Kind::Application, p.application_also),
            ] {
                match need {
                    Some(need) => {
                        check_names(&at, kind, &need.names(kind));
                        // Writes need a writing level; the catalogue publishes it.
                        if verb != Verb::Get {
                            assert!(
                                need.level.writes(),
                                "{at}: {kind:?} write with a read level"
                            );
                        }
                    }
                    None => assert!(also.is_empty(), "{at}: extras for an unsupported kind"),
                }
                for name in also {
                    assert!(permission::is_known(name), "{at}: unknown extra {name}");
                }
            }
            // `/education/me...` and only it needs a signed-in user.
            let me = route.pattern.get(1) == Some(&Pat::Lit("me"));
            assert_eq!(p.access == Access::SignedInUser, me, "{at}");
            // The owner rule needs a user in the path: `/education/users/{id}/...`.
            if p.class_rule == ClassRule::Owner {
                assert_eq!(
                    &route.pattern[..3],
                    &[Pat::Lit("education"), Pat::Lit("users"), Pat::Key],
                    "{at}: owner rule without a user"
                );
            } else if p.class_rule != ClassRule::Anyone {
                // A class rule needs a class in the path: `/education/classes/{id}/...`.
                assert_eq!(
                    &route.pattern[..3],
                    &[Pat::Lit("education"), Pat::Lit("classes"), Pat::Key],
                    "{at}: class rule without a class"
                );
            }
            if p.class_rule != ClassRule::Anyone {
                assert!(
                    p.delegated.is_some(),
                    "{at}: class rule on an app-only route"
                );
            }
        }
    }
    assert!(checked > 50, "walked only {checked} operations");
    // No row without a route: every operation is reachable.
    for op in Op::all() {
        assert!(routed.contains(&op), "{op:?} has a policy row but no route");
    }
}

#[test]
fn roster_writes_are_application_only_everywhere() {
    let mut writes = 0;
    for route in ROUTES.iter() {
        for (verb, op) in route.methods {
            if *verb == Verb::Get {
                continue;
            }
            let p = policy(*op);
            let Some(app) = p.application.filter(|n| n.family == Family::EduRoster) else {
                continue;
            };
            writes += 1;
            assert_eq!(
                p.delegated, None,
                "{op:?}: delegated roster writes are not supported"
            );
            assert_eq!(
                app.names(Kind::Application),
                ["EduRoster.ReadWrite.All", "EduRoster.WriteWrite.All"],
                "{op:?}"
            );
        }
    }
    assert!(writes >= 17, "only {writes} roster writes");
}
