//! The handler of every operation of the route table: one exhaustive `match` from
//! [`Op`] to the code that serves it, with the ids the route captured.

use axum::response::Response;
use edugraph_edu::access::Op::{self, *};
use edugraph_store::{EntityKind, Scope};

use super::collection::{self, nav_fragment};
use super::ctx::Ctx;
use super::navs::{self, Nav};
use super::{contained, delta, directory, entity, me, refs, respond};
use crate::error::{ApiError, ApiResult};

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
        Set(set, action) => contained::run(ctx, set, action, keys).await,
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
