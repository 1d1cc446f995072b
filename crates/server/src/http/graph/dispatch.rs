//! The one route table of the Graph surface, served under both `/v1.0` and `/beta`.
//! Every path is a pattern of segments with the operations its methods map to; each
//! [`Op`] has a policy in `edugraph_edu::access::policy` and a handler in
//! `handlers::run` (both exhaustive matches, so an operation cannot be routed without
//! either). The roster's rows are written out here; the rows of the contained sets are
//! generated from their catalog (`edugraph_edu::sets::SETS`).

use std::sync::LazyLock;

use edugraph_edu::access::Op;
use edugraph_edu::sets::{Action, Home, SetDef, Shape, SETS};
use edugraph_odata::path::Segment;

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
}

#[derive(Debug)]
pub struct Route {
    pub pattern: &'static [Pat],
    pub methods: &'static [(Verb, Op)],
}

use Op::*;
use Pat::{Count as C, Delta as D, Key as K, Lit as L, Ref as R};
use Verb::{Delete as DEL, Get as GET, Patch as PATCH, Post as POST, Put as PUT};

const E: Pat = L("education");

const fn r(pattern: &'static [Pat], methods: &'static [(Verb, Op)]) -> Route {
    Route { pattern, methods }
}

/// Every route: the roster's, then the contained sets'. Order matters only where a
/// literal and a key compete (`delta` first).
pub static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    let mut routes: Vec<Route> = ROSTER.iter().map(|x| r(x.pattern, x.methods)).collect();
    for def in SETS {
        routes.extend(set_routes(def));
    }
    routes
});

/// The rows of one contained set, from its catalog row. Built once; the patterns and
/// method lists live as long as the process.
fn set_routes(def: &'static SetDef) -> Vec<Route> {
    let mut base = vec![E];
    match def.home {
        Home::Class => base.extend([L("classes"), K]),
        Home::User => base.extend([L("users"), K]),
        Home::Me => base.push(L("me")),
    }
    base.extend(def.path.iter().map(|seg| L(seg)));
    let op = |action| Op::Set(def.set, action);
    let with = |extra: Option<Pat>, methods: Vec<(Verb, Op)>| {
        let mut pattern = base.clone();
        pattern.extend(extra);
        r(Vec::leak(pattern), Vec::leak(methods))
    };
    let mut out = Vec::new();
    match def.shape {
        Shape::Collection => {
            out.push(with(
                None,
                vec![(GET, op(Action::List)), (POST, op(Action::Create))],
            ));
            out.push(with(Some(C), vec![(GET, op(Action::Count))]));
            if def.delta {
                out.push(with(Some(D), vec![(GET, op(Action::Delta))]));
            }
            let item = vec![
                (GET, op(Action::Get)),
                (PATCH, op(Action::Update)),
                (DEL, op(Action::Delete)),
            ];
            out.push(with(Some(K), item));
        }
        Shape::Singleton => {
            let methods = vec![
                (GET, op(Action::Get)),
                (PATCH, op(Action::Update)),
                (DEL, op(Action::Delete)),
            ];
            out.push(with(None, methods));
        }
        Shape::Reference(_) => {
            out.push(with(None, vec![(GET, op(Action::Get))]));
            out.push(with(
                Some(R),
                vec![(PUT, op(Action::PutRef)), (DEL, op(Action::DeleteRef))],
            ));
        }
    }
    out
}

/// The roster's routes.
#[rustfmt::skip]
static ROSTER: &[Route] = &[
    r(&[L("$metadata")], &[(GET, Metadata)]),
    r(&[E], &[(GET, GetRoot)]),
    // schools
    r(&[E, L("schools")], &[(GET, ListSchools), (POST, CreateSchool)]),
    r(&[E, L("schools"), C], &[(GET, CountSchools)]),
    r(&[E, L("schools"), D], &[(GET, SchoolsDelta)]),
    r(&[E, L("schools"), K], &[(GET, GetSchool), (PATCH, UpdateSchool), (DEL, DeleteSchool)]),
    r(&[E, L("schools"), K, L("classes")], &[(GET, ListSchoolClasses)]),
    r(&[E, L("schools"), K, L("classes"), C], &[(GET, CountSchoolClasses)]),
    r(&[E, L("schools"), K, L("classes"), R], &[(GET, ListSchoolClassRefs), (POST, AddSchoolClass), (DEL, RemoveSchoolClass)]),
    r(&[E, L("schools"), K, L("classes"), K, R], &[(DEL, RemoveSchoolClass)]),
    r(&[E, L("schools"), K, L("users")], &[(GET, ListSchoolUsers)]),
    r(&[E, L("schools"), K, L("users"), C], &[(GET, CountSchoolUsers)]),
    r(&[E, L("schools"), K, L("users"), R], &[(GET, ListSchoolUserRefs), (POST, AddSchoolUser), (DEL, RemoveSchoolUser)]),
    r(&[E, L("schools"), K, L("users"), K, R], &[(DEL, RemoveSchoolUser)]),
    // classes
    r(&[E, L("classes")], &[(GET, ListClasses), (POST, CreateClass)]),
    r(&[E, L("classes"), C], &[(GET, CountClasses)]),
    r(&[E, L("classes"), D], &[(GET, ClassesDelta)]),
    r(&[E, L("classes"), K], &[(GET, GetClass), (PATCH, UpdateClass), (DEL, DeleteClass)]),
    r(&[E, L("classes"), K, L("members")], &[(GET, ListClassMembers)]),
    r(&[E, L("classes"), K, L("members"), C], &[(GET, CountClassMembers)]),
    r(&[E, L("classes"), K, L("members"), R], &[(GET, ListClassMemberRefs), (POST, AddClassMember), (DEL, RemoveClassMember)]),
    r(&[E, L("classes"), K, L("members"), K, R], &[(DEL, RemoveClassMember)]),
    r(&[E, L("classes"), K, L("teachers")], &[(GET, ListClassTeachers)]),
    r(&[E, L("classes"), K, L("teachers"), C], &[(GET, CountClassTeachers)]),
    r(&[E, L("classes"), K, L("teachers"), R], &[(GET, ListClassTeacherRefs), (POST, AddClassTeacher), (DEL, RemoveClassTeacher)]),
    r(&[E, L("classes"), K, L("teachers"), K, R], &[(DEL, RemoveClassTeacher)]),
    r(&[E, L("classes"), K, L("schools")], &[(GET, ListClassSchools)]),
    r(&[E, L("classes"), K, L("schools"), C], &[(GET, CountClassSchools)]),
    r(&[E, L("classes"), K, L("schools"), K], &[(GET, GetClassSchool)]),
    r(&[E, L("classes"), K, L("group")], &[(GET, GetClassGroup)]),
    // users
    r(&[E, L("users")], &[(GET, ListUsers), (POST, CreateUser)]),
    r(&[E, L("users"), C], &[(GET, CountUsers)]),
    r(&[E, L("users"), D], &[(GET, UsersDelta)]),
    r(&[E, L("users"), K], &[(GET, GetUser), (PATCH, UpdateUser), (DEL, DeleteUser)]),
    r(&[E, L("users"), K, L("classes")], &[(GET, ListUserClasses)]),
    r(&[E, L("users"), K, L("classes"), C], &[(GET, CountUserClasses)]),
    r(&[E, L("users"), K, L("classes"), K], &[(GET, GetUserClass)]),
    r(&[E, L("users"), K, L("schools")], &[(GET, ListUserSchools)]),
    r(&[E, L("users"), K, L("schools"), C], &[(GET, CountUserSchools)]),
    r(&[E, L("users"), K, L("schools"), K], &[(GET, GetUserSchool)]),
    r(&[E, L("users"), K, L("taughtClasses")], &[(GET, ListUserTaughtClasses)]),
    r(&[E, L("users"), K, L("taughtClasses"), C], &[(GET, CountUserTaughtClasses)]),
    r(&[E, L("users"), K, L("taughtClasses"), K], &[(GET, GetUserTaughtClass)]),
    r(&[E, L("users"), K, L("user")], &[(GET, GetUserDirectoryUser)]),
    // me
    r(&[E, L("me")], &[(GET, GetMe), (PATCH, UpdateMe)]),
    r(&[E, L("me"), L("classes")], &[(GET, ListMeClasses)]),
    r(&[E, L("me"), L("classes"), C], &[(GET, CountMeClasses)]),
    r(&[E, L("me"), L("classes"), K], &[(GET, GetMeClass)]),
    r(&[E, L("me"), L("schools")], &[(GET, ListMeSchools)]),
    r(&[E, L("me"), L("schools"), C], &[(GET, CountMeSchools)]),
    r(&[E, L("me"), L("schools"), K], &[(GET, GetMeSchool)]),
    r(&[E, L("me"), L("taughtClasses")], &[(GET, ListMeTaughtClasses)]),
    r(&[E, L("me"), L("taughtClasses"), C], &[(GET, CountMeTaughtClasses)]),
    r(&[E, L("me"), L("taughtClasses"), K], &[(GET, GetMeTaughtClass)]),
    r(&[E, L("me"), L("user")], &[(GET, GetMeDirectoryUser)]),
];

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

pub fn resolve(segments: &[Segment], verb: Option<Verb>) -> Resolved {
    for route in ROUTES.iter() {
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
                (Pat::Lit(l), Segment::Name(n)) => l.eq_ignore_ascii_case(n),
                (Pat::Key, Segment::Name(_)) => true,
                (Pat::Ref, Segment::Ref) | (Pat::Count, Segment::Count) => true,
                // Graph matches names case-insensitively, functions included (`Delta()`).
                (Pat::Delta, Segment::Name(n) | Segment::Call(n)) => {
                    n.eq_ignore_ascii_case("delta")
                }
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
            &segs("education/classes/c1/members/u1/$ref"),
            Some(Verb::Delete),
        ) {
            Resolved::Found { op, keys } => {
                assert_eq!(op, RemoveClassMember);
                assert_eq!(keys, ["c1", "u1"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resolve(&segs("education/users/delta()"), Some(Verb::Get)),
            Resolved::Found { op: UsersDelta, .. }
        ));
        assert!(matches!(
            resolve(&segs("education/users/delta"), Some(Verb::Get)),
            Resolved::Found { op: UsersDelta, .. }
        ));
        assert!(matches!(
            resolve(&segs("education/Users/Delta"), Some(Verb::Get)),
            Resolved::Found { op: UsersDelta, .. }
        ));
        assert!(matches!(
            resolve(&segs("Education/Users"), Some(Verb::Get)),
            Resolved::Found { op: ListUsers, .. }
        ));
        assert!(matches!(
            resolve(&segs("education/users/$count"), Some(Verb::Get)),
            Resolved::Found { op: CountUsers, .. }
        ));
    }

    #[test]
    fn unknown_paths_and_methods() {
        assert!(matches!(
            resolve(&segs("education/teachers"), Some(Verb::Get)),
            Resolved::NotFound
        ));
        assert!(matches!(
            resolve(&segs("education/classes/c1/members/u1"), Some(Verb::Get)),
            Resolved::NotFound
        ));
        match resolve(&segs("education/users/u1"), Some(Verb::Put)) {
            Resolved::MethodNotAllowed(allow) => assert_eq!(allow, ["GET", "PATCH", "DELETE"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resolve(&segs("education/users"), None),
            Resolved::MethodNotAllowed(_)
        ));
    }
}
