//! The one route table of the Graph surface. Every path is a pattern of segments with
//! the operations its methods map to; each [`Op`] has a policy in
//! `edugraph_edu::access::policy` (an exhaustive match) and a handler in [`run`]. The
//! same table serves `/v1.0` and `/beta`.

use axum::response::Response;
use edugraph_edu::access::Op;
use edugraph_odata::path::Segment;
use edugraph_store::{EntityKind, Scope};

use super::collection::{self, nav_fragment};
use super::ctx::Ctx;
use super::navs::{self, Nav};
use super::{delta, directory, entity, me, refs, respond};
use crate::error::{ApiError, ApiResult};

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
use Verb::{Delete as DEL, Get as GET, Patch as PATCH, Post as POST};

const E: Pat = L("education");

/// Every route. Order matters only where a literal and a key compete (`delta` first).
pub static ROUTES: &[Route] = &[
    Route {
        pattern: &[L("$metadata")],
        methods: &[(GET, Metadata)],
    },
    Route {
        pattern: &[E],
        methods: &[(GET, GetRoot)],
    },
    // schools
    Route {
        pattern: &[E, L("schools")],
        methods: &[(GET, ListSchools), (POST, CreateSchool)],
    },
    Route {
        pattern: &[E, L("schools"), C],
        methods: &[(GET, CountSchools)],
    },
    Route {
        pattern: &[E, L("schools"), D],
        methods: &[(GET, SchoolsDelta)],
    },
    Route {
        pattern: &[E, L("schools"), K],
        methods: &[(GET, GetSchool), (PATCH, UpdateSchool), (DEL, DeleteSchool)],
    },
    Route {
        pattern: &[E, L("schools"), K, L("classes")],
        methods: &[(GET, ListSchoolClasses)],
    },
    Route {
        pattern: &[E, L("schools"), K, L("classes"), C],
        methods: &[(GET, CountSchoolClasses)],
    },
    Route {
        pattern: &[E, L("schools"), K, L("classes"), R],
        methods: &[
            (GET, ListSchoolClassRefs),
            (POST, AddSchoolClass),
            (DEL, RemoveSchoolClass),
        ],
    },
    Route {
        pattern: &[E, L("schools"), K, L("classes"), K, R],
        methods: &[(DEL, RemoveSchoolClass)],
    },
    Route {
        pattern: &[E, L("schools"), K, L("users")],
        methods: &[(GET, ListSchoolUsers)],
    },
    Route {
        pattern: &[E, L("schools"), K, L("users"), C],
        methods: &[(GET, CountSchoolUsers)],
    },
    Route {
        pattern: &[E, L("schools"), K, L("users"), R],
        methods: &[
            (GET, ListSchoolUserRefs),
            (POST, AddSchoolUser),
            (DEL, RemoveSchoolUser),
        ],
    },
    Route {
        pattern: &[E, L("schools"), K, L("users"), K, R],
        methods: &[(DEL, RemoveSchoolUser)],
    },
    // classes
    Route {
        pattern: &[E, L("classes")],
        methods: &[(GET, ListClasses), (POST, CreateClass)],
    },
    Route {
        pattern: &[E, L("classes"), C],
        methods: &[(GET, CountClasses)],
    },
    Route {
        pattern: &[E, L("classes"), D],
        methods: &[(GET, ClassesDelta)],
    },
    Route {
        pattern: &[E, L("classes"), K],
        methods: &[(GET, GetClass), (PATCH, UpdateClass), (DEL, DeleteClass)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("members")],
        methods: &[(GET, ListClassMembers)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("members"), C],
        methods: &[(GET, CountClassMembers)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("members"), R],
        methods: &[
            (GET, ListClassMemberRefs),
            (POST, AddClassMember),
            (DEL, RemoveClassMember),
        ],
    },
    Route {
        pattern: &[E, L("classes"), K, L("members"), K, R],
        methods: &[(DEL, RemoveClassMember)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("teachers")],
        methods: &[(GET, ListClassTeachers)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("teachers"), C],
        methods: &[(GET, CountClassTeachers)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("teachers"), R],
        methods: &[
            (GET, ListClassTeacherRefs),
            (POST, AddClassTeacher),
            (DEL, RemoveClassTeacher),
        ],
    },
    Route {
        pattern: &[E, L("classes"), K, L("teachers"), K, R],
        methods: &[(DEL, RemoveClassTeacher)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("schools")],
        methods: &[(GET, ListClassSchools)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("schools"), C],
        methods: &[(GET, CountClassSchools)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("schools"), K],
        methods: &[(GET, GetClassSchool)],
    },
    Route {
        pattern: &[E, L("classes"), K, L("group")],
        methods: &[(GET, GetClassGroup)],
    },
    // users
    Route {
        pattern: &[E, L("users")],
        methods: &[(GET, ListUsers), (POST, CreateUser)],
    },
    Route {
        pattern: &[E, L("users"), C],
        methods: &[(GET, CountUsers)],
    },
    Route {
        pattern: &[E, L("users"), D],
        methods: &[(GET, UsersDelta)],
    },
    Route {
        pattern: &[E, L("users"), K],
        methods: &[(GET, GetUser), (PATCH, UpdateUser), (DEL, DeleteUser)],
    },
    Route {
        pattern: &[E, L("users"), K, L("classes")],
        methods: &[(GET, ListUserClasses)],
    },
    Route {
        pattern: &[E, L("users"), K, L("classes"), C],
        methods: &[(GET, CountUserClasses)],
    },
    Route {
        pattern: &[E, L("users"), K, L("classes"), K],
        methods: &[(GET, GetUserClass)],
    },
    Route {
        pattern: &[E, L("users"), K, L("schools")],
        methods: &[(GET, ListUserSchools)],
    },
    Route {
        pattern: &[E, L("users"), K, L("schools"), C],
        methods: &[(GET, CountUserSchools)],
    },
    Route {
        pattern: &[E, L("users"), K, L("schools"), K],
        methods: &[(GET, GetUserSchool)],
    },
    Route {
        pattern: &[E, L("users"), K, L("taughtClasses")],
        methods: &[(GET, ListUserTaughtClasses)],
    },
    Route {
        pattern: &[E, L("users"), K, L("taughtClasses"), C],
        methods: &[(GET, CountUserTaughtClasses)],
    },
    Route {
        pattern: &[E, L("users"), K, L("taughtClasses"), K],
        methods: &[(GET, GetUserTaughtClass)],
    },
    Route {
        pattern: &[E, L("users"), K, L("user")],
        methods: &[(GET, GetUserDirectoryUser)],
    },
    // me
    Route {
        pattern: &[E, L("me")],
        methods: &[(GET, GetMe), (PATCH, UpdateMe)],
    },
    Route {
        pattern: &[E, L("me"), L("classes")],
        methods: &[(GET, ListMeClasses)],
    },
    Route {
        pattern: &[E, L("me"), L("classes"), C],
        methods: &[(GET, CountMeClasses)],
    },
    Route {
        pattern: &[E, L("me"), L("classes"), K],
        methods: &[(GET, GetMeClass)],
    },
    Route {
        pattern: &[E, L("me"), L("schools")],
        methods: &[(GET, ListMeSchools)],
    },
    Route {
        pattern: &[E, L("me"), L("schools"), C],
        methods: &[(GET, CountMeSchools)],
    },
    Route {
        pattern: &[E, L("me"), L("schools"), K],
        methods: &[(GET, GetMeSchool)],
    },
    Route {
        pattern: &[E, L("me"), L("taughtClasses")],
        methods: &[(GET, ListMeTaughtClasses)],
    },
    Route {
        pattern: &[E, L("me"), L("taughtClasses"), C],
        methods: &[(GET, CountMeTaughtClasses)],
    },
    Route {
        pattern: &[E, L("me"), L("taughtClasses"), K],
        methods: &[(GET, GetMeTaughtClass)],
    },
    Route {
        pattern: &[E, L("me"), L("user")],
        methods: &[(GET, GetMeDirectoryUser)],
    },
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
    for route in ROUTES {
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
    if pattern.len() != segments.len() {
        return None;
    }
    let mut keys = Vec::new();
    for (pat, seg) in pattern.iter().zip(segments) {
        match (pat, seg) {
            (Pat::Lit(l), Segment::Name(n)) if l.eq_ignore_ascii_case(n) => {}
            (Pat::Key, Segment::Name(n)) => keys.push(n.clone()),
            (Pat::Ref, Segment::Ref) | (Pat::Count, Segment::Count) => {}
            (Pat::Delta, Segment::Name(n) | Segment::Call(n)) if n == "delta" => {}
            _ => return None,
        }
    }
    Some(keys)
}

/// Runs the handler of `op`. `keys` are the ids the pattern captured, in path order.
pub async fn run(ctx: &Ctx, op: Op, keys: &[String]) -> ApiResult<Response> {
    use EntityKind::{Class, School, User};
    let k = |i: usize| {
        keys.get(i)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal("route key missing"))
    };
    let nav_item = |nav: &'static Nav| async move {
        let id = k(0)?;
        collection::nav_item(ctx, nav, id, k(1)?, &nav_fragment(nav, id)).await
    };
    match op {
        Metadata => Ok(metadata(ctx.schema)),
        GetRoot => Ok(root(ctx)),
        ListSchools => collection::list_set(ctx, School).await,
        ListClasses => collection::list_set(ctx, Class).await,
        ListUsers => collection::list_set(ctx, User).await,
        CountSchools => collection::count(ctx, School, Scope::All).await,
        CountClasses => collection::count(ctx, Class, Scope::All).await,
        CountUsers => collection::count(ctx, User, Scope::All).await,
        SchoolsDelta => delta::delta(ctx, School).await,
        ClassesDelta => delta::delta(ctx, Class).await,
        UsersDelta => delta::delta(ctx, User).await,
        CreateSchool => entity::create(ctx, School).await,
        CreateClass => entity::create(ctx, Class).await,
        CreateUser => entity::create(ctx, User).await,
        GetSchool => entity::get(ctx, School, k(0)?).await,
        GetClass => entity::get(ctx, Class, k(0)?).await,
        GetUser => entity::get(ctx, User, k(0)?).await,
        UpdateSchool => entity::update(ctx, School, k(0)?).await,
        UpdateClass => entity::update(ctx, Class, k(0)?).await,
        UpdateUser => entity::update(ctx, User, k(0)?).await,
        DeleteSchool => entity::delete(ctx, School, k(0)?).await,
        DeleteClass => entity::delete(ctx, Class, k(0)?).await,
        DeleteUser => entity::delete(ctx, User, k(0)?).await,
        ListSchoolClasses => collection::list_nav(ctx, &navs::SCHOOL_CLASSES, k(0)?).await,
        ListSchoolUsers => collection::list_nav(ctx, &navs::SCHOOL_USERS, k(0)?).await,
        ListClassMembers => collection::list_nav(ctx, &navs::CLASS_MEMBERS, k(0)?).await,
        ListClassTeachers => collection::list_nav(ctx, &navs::CLASS_TEACHERS, k(0)?).await,
        ListClassSchools => collection::list_nav(ctx, &navs::CLASS_SCHOOLS, k(0)?).await,
        ListUserClasses => collection::list_nav(ctx, &navs::USER_CLASSES, k(0)?).await,
        ListUserSchools => collection::list_nav(ctx, &navs::USER_SCHOOLS, k(0)?).await,
        ListUserTaughtClasses => collection::list_nav(ctx, &navs::USER_TAUGHT_CLASSES, k(0)?).await,
        CountSchoolClasses => collection::count_nav(ctx, &navs::SCHOOL_CLASSES, k(0)?).await,
        CountSchoolUsers => collection::count_nav(ctx, &navs::SCHOOL_USERS, k(0)?).await,
        CountClassMembers => collection::count_nav(ctx, &navs::CLASS_MEMBERS, k(0)?).await,
        CountClassTeachers => collection::count_nav(ctx, &navs::CLASS_TEACHERS, k(0)?).await,
        CountClassSchools => collection::count_nav(ctx, &navs::CLASS_SCHOOLS, k(0)?).await,
        CountUserClasses => collection::count_nav(ctx, &navs::USER_CLASSES, k(0)?).await,
        CountUserSchools => collection::count_nav(ctx, &navs::USER_SCHOOLS, k(0)?).await,
        CountUserTaughtClasses => {
            collection::count_nav(ctx, &navs::USER_TAUGHT_CLASSES, k(0)?).await
        }
        GetClassSchool => nav_item(&navs::CLASS_SCHOOLS).await,
        GetUserClass => nav_item(&navs::USER_CLASSES).await,
        GetUserSchool => nav_item(&navs::USER_SCHOOLS).await,
        GetUserTaughtClass => nav_item(&navs::USER_TAUGHT_CLASSES).await,
        ListSchoolClassRefs => refs::list(ctx, &navs::SCHOOL_CLASSES, k(0)?).await,
        ListSchoolUserRefs => refs::list(ctx, &navs::SCHOOL_USERS, k(0)?).await,
        ListClassMemberRefs => refs::list(ctx, &navs::CLASS_MEMBERS, k(0)?).await,
        ListClassTeacherRefs => refs::list(ctx, &navs::CLASS_TEACHERS, k(0)?).await,
        AddSchoolClass => refs::add(ctx, &navs::SCHOOL_CLASSES, k(0)?).await,
        AddSchoolUser => refs::add(ctx, &navs::SCHOOL_USERS, k(0)?).await,
        AddClassMember => refs::add(ctx, &navs::CLASS_MEMBERS, k(0)?).await,
        AddClassTeacher => refs::add(ctx, &navs::CLASS_TEACHERS, k(0)?).await,
        RemoveSchoolClass => {
            refs::remove(
                ctx,
                &navs::SCHOOL_CLASSES,
                k(0)?,
                keys.get(1).map(String::as_str),
            )
            .await
        }
        RemoveSchoolUser => {
            refs::remove(
                ctx,
                &navs::SCHOOL_USERS,
                k(0)?,
                keys.get(1).map(String::as_str),
            )
            .await
        }
        RemoveClassMember => {
            refs::remove(
                ctx,
                &navs::CLASS_MEMBERS,
                k(0)?,
                keys.get(1).map(String::as_str),
            )
            .await
        }
        RemoveClassTeacher => {
            refs::remove(
                ctx,
                &navs::CLASS_TEACHERS,
                k(0)?,
                keys.get(1).map(String::as_str),
            )
            .await
        }
        GetClassGroup => directory::get_group(ctx, k(0)?).await,
        GetUserDirectoryUser => directory::get_user(ctx, k(0)?).await,
        GetMe => me::get(ctx).await,
        UpdateMe => me::update(ctx).await,
        ListMeClasses => collection::list_me_nav(ctx, &navs::USER_CLASSES).await,
        ListMeSchools => collection::list_me_nav(ctx, &navs::USER_SCHOOLS).await,
        ListMeTaughtClasses => collection::list_me_nav(ctx, &navs::USER_TAUGHT_CLASSES).await,
        CountMeClasses => collection::count_me_nav(ctx, &navs::USER_CLASSES).await,
        CountMeSchools => collection::count_me_nav(ctx, &navs::USER_SCHOOLS).await,
        CountMeTaughtClasses => collection::count_me_nav(ctx, &navs::USER_TAUGHT_CLASSES).await,
        GetMeClass => me::nav_item(ctx, &navs::USER_CLASSES, k(0)?).await,
        GetMeSchool => me::nav_item(ctx, &navs::USER_SCHOOLS, k(0)?).await,
        GetMeTaughtClass => me::nav_item(ctx, &navs::USER_TAUGHT_CLASSES, k(0)?).await,
        GetMeDirectoryUser => me::directory_user(ctx).await,
    }
}

/// `$metadata`: the CSDL of the version, served to anyone.
pub fn metadata(schema: &edugraph_odata::Schema) -> Response {
    let mut resp = Response::new(axum::body::Body::from(schema.metadata_xml()));
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml"),
    );
    resp.headers_mut()
        .insert("odata-version", axum::http::HeaderValue::from_static("4.0"));
    resp
}

/// `GET /education`: the root singleton has no properties of its own.
fn root(ctx: &Ctx) -> Response {
    let body = respond::splice_context(&ctx.context("education"), "{}");
    respond::json(ctx, axum::http::StatusCode::OK, body, None)
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
        for r in ROUTES {
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
