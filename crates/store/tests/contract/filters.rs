//! Listings with `$filter`: every operator, nulls, lambdas, injection.

use crate::support::{all, ids, user};
use edugraph_odata::ast::StringFn;
use edugraph_odata::{CmpOp, EdmType, Expr, Literal, PropertyPath};
use edugraph_store::{EntityKind, ListQuery, Store};
use serde_json::json;

// --- expression builders -----------------------------------------------------------------

pub(crate) fn path(p: &str, ty: EdmType) -> PropertyPath {
    PropertyPath {
        lambda: None,
        segments: p.split('/').map(String::from).collect(),
        ty,
        collection: false,
    }
}
fn coll(p: &str, ty: EdmType) -> PropertyPath {
    PropertyPath {
        collection: true,
        ..path(p, ty)
    }
}
fn var(v: &str, p: &str, ty: EdmType) -> PropertyPath {
    let segments = if p.is_empty() {
        vec![]
    } else {
        p.split('/').map(String::from).collect()
    };
    PropertyPath {
        lambda: Some(v.into()),
        segments,
        ty,
        collection: false,
    }
}
pub(crate) fn text(p: &str) -> PropertyPath {
    path(p, EdmType::String)
}
pub(crate) fn s(v: &str) -> Literal {
    Literal::String(v.into())
}
fn cmp(left: PropertyPath, op: CmpOp, right: Literal) -> Expr {
    Expr::Compare { left, op, right }
}
pub(crate) fn eq(left: PropertyPath, right: Literal) -> Expr {
    cmp(left, CmpOp::Eq, right)
}
fn func(func: StringFn, prop: PropertyPath, arg: &str) -> Expr {
    Expr::StringFn {
        func,
        prop,
        arg: arg.into(),
    }
}
fn and(a: Expr, b: Expr) -> Expr {
    Expr::And(Box::new(a), Box::new(b))
}
fn or(a: Expr, b: Expr) -> Expr {
    Expr::Or(Box::new(a), Box::new(b))
}
fn not(a: Expr) -> Expr {
    Expr::Not(Box::new(a))
}
fn any(c: PropertyPath, v: &str, pred: Option<Expr>) -> Expr {
    Expr::Any {
        collection: c,
        var: v.into(),
        predicate: pred.map(Box::new),
    }
}
fn every(c: PropertyPath, v: &str, pred: Expr) -> Expr {
    Expr::All {
        collection: c,
        var: v.into(),
        predicate: Box::new(pred),
    }
}

/// Ids of the users matching `f`, in id order.
pub(crate) async fn matching(st: &dyn Store, t: &str, f: &Expr) -> Vec<String> {
    ids(
        st,
        t,
        &ListQuery {
            filter: Some(f),
            ..all(EntityKind::User)
        },
    )
    .await
}

// --- data --------------------------------------------------------------------------------

pub(crate) async fn people(st: &dyn Store, t: &str) {
    let docs = [
        user(
            "u1",
            "alice@x.edu",
            json!({
                "displayName": "Alice Smith", "accountEnabled": true, "primaryRole": "student",
                "student": {"externalId": "S1", "grade": "9"}, "businessPhones": ["555-1", "555-2"],
                "assignedLicenses": [{"skuId": "k1", "disabledPlans": ["p1"]}],
                "score": 10, "ratio": 1.5, "createdDateTime": "2024-01-02T03:04:05Z", "mail": null,
            }),
        ),
        user(
            "u2",
            "bob@x.edu",
            json!({
                "displayName": "bob jones", "accountEnabled": false, "primaryRole": "teacher",
                "teacher": {"externalId": "T1"}, "businessPhones": [],
                "assignedLicenses": [{"skuId": "k2", "disabledPlans": []}],
                "score": 20, "ratio": 2.5, "createdDateTime": "2024-02-01T00:00:00Z",
            }),
        ),
        user(
            "u3",
            "carol@x.edu",
            json!({
                "displayName": "Carol 100% _under_", "accountEnabled": true, "primaryRole": "student",
                "student": {"externalId": "S2"}, "score": 5, "mail": "c@x.edu",
                "createdDateTime": "2023-12-31T23:59:59Z",
            }),
        ),
        user(
            "u4",
            "dave@x.edu",
            json!({
                "displayName": "dave", "primaryRole": "student", "student": null,
                "businessPhones": ["555-1", "999"], "score": 20, "assignedLicenses": null,
            }),
        ),
    ];
    for d in &docs {
        st.create(t, EntityKind::User, d).await.unwrap();
    }
}

// --- cases -------------------------------------------------------------------------------

pub async fn comparisons(st: &dyn Store, t: &str) {
    people(st, t).await;
    assert_eq!(
        matching(st, t, &eq(text("student/externalId"), s("S1"))).await,
        ["u1"]
    );
    assert_eq!(
        matching(st, t, &eq(text("displayName"), s("alice smith"))).await,
        Vec::<String>::new(),
        "eq is exact"
    );
    assert_eq!(
        matching(st, t, &eq(text("primaryRole"), s("student"))).await,
        ["u1", "u3", "u4"]
    );
    let score = || path("score", EdmType::Integer);
    assert_eq!(
        matching(st, t, &cmp(score(), CmpOp::Gt, Literal::Int(10))).await,
        ["u2", "u4"]
    );
    assert_eq!(
        matching(st, t, &cmp(score(), CmpOp::Ge, Literal::Int(10))).await,
        ["u1", "u2", "u4"]
    );
    assert_eq!(
        matching(st, t, &cmp(score(), CmpOp::Lt, Literal::Int(10))).await,
        ["u3"]
    );
    assert_eq!(
        matching(st, t, &cmp(score(), CmpOp::Le, Literal::Float(10.0))).await,
        ["u1", "u3"]
    );
    // Numbers compare as numbers, not text ("5" > "20" as text).
    assert_eq!(
        matching(st, t, &cmp(score(), CmpOp::Lt, Literal::Int(9))).await,
        ["u3"]
    );
    let ratio = path("ratio", EdmType::Float);
    assert_eq!(
        matching(st, t, &cmp(ratio.clone(), CmpOp::Gt, Literal::Float(2.0))).await,
        ["u2"]
    );
    assert_eq!(
        matching(st, t, &cmp(ratio, CmpOp::Lt, Literal::Int(2))).await,
        ["u1"]
    );
    let enabled = path("accountEnabled", EdmType::Boolean);
    assert_eq!(
        matching(st, t, &eq(enabled.clone(), Literal::Bool(true))).await,
        ["u1", "u3"]
    );
    assert_eq!(
        matching(st, t, &eq(enabled, Literal::Bool(false))).await,
        ["u2"]
    );
    let created = path("createdDateTime", EdmType::DateTimeOffset);
    let jan = s("2024-01-01T00:00:00Z");
    assert_eq!(
        matching(st, t, &cmp(created.clone(), CmpOp::Ge, jan.clone())).await,
        ["u1", "u2"]
    );
    assert_eq!(matching(st, t, &cmp(created, CmpOp::Lt, jan)).await, ["u3"]);
}

pub async fn nulls_and_ne(st: &dyn Store, t: &str) {
    people(st, t).await;
    let mail = || text("mail");
    // Missing and JSON null are both null.
    assert_eq!(
        matching(st, t, &eq(mail(), Literal::Null)).await,
        ["u1", "u2", "u4"]
    );
    assert_eq!(
        matching(st, t, &cmp(mail(), CmpOp::Ne, Literal::Null)).await,
        ["u3"]
    );
    assert_eq!(
        matching(st, t, &eq(text("student/externalId"), Literal::Null)).await,
        ["u2", "u4"]
    );
    assert_eq!(
        matching(
            st,
            t,
            &eq(path("student", EdmType::Complex("s".into())), Literal::Null)
        )
        .await,
        ["u2", "u4"]
    );
    // ne is null-safe: a null differs from every value.
    assert_eq!(
        matching(st, t, &cmp(mail(), CmpOp::Ne, s("c@x.edu"))).await,
        ["u1", "u2", "u4"]
    );
    let enabled = path("accountEnabled", EdmType::Boolean);
    assert_eq!(
        matching(st, t, &cmp(enabled, CmpOp::Ne, Literal::Bool(true))).await,
        ["u2", "u4"]
    );
    // Ordering comparisons with null are never true.
    assert!(matching(
        st,
        t,
        &cmp(path("score", EdmType::Integer), CmpOp::Gt, Literal::Null)
    )
    .await
    .is_empty());
}

pub async fn string_functions(st: &dyn Store, t: &str) {
    people(st, t).await;
    let name = || text("displayName");
    assert_eq!(
        matching(st, t, &func(StringFn::StartsWith, name(), "ALI")).await,
        ["u1"]
    );
    assert_eq!(
        matching(st, t, &func(StringFn::EndsWith, name(), "JONES")).await,
        ["u2"]
    );
    assert_eq!(
        matching(st, t, &func(StringFn::Contains, name(), "A")).await,
        ["u1", "u3", "u4"]
    );
    // LIKE wildcards in the argument are plain characters.
    assert_eq!(
        matching(st, t, &func(StringFn::Contains, name(), "100%")).await,
        ["u3"]
    );
    assert_eq!(
        matching(st, t, &func(StringFn::Contains, name(), "%")).await,
        ["u3"]
    );
    assert_eq!(
        matching(st, t, &func(StringFn::Contains, name(), "_")).await,
        ["u3"]
    );
    assert_eq!(
        matching(st, t, &func(StringFn::StartsWith, name(), "_")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        matching(st, t, &func(StringFn::Contains, name(), "\\")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        matching(st, t, &func(StringFn::StartsWith, text("mail"), "")).await,
        ["u3"],
        "null never matches"
    );
    assert_eq!(
        matching(
            st,
            t,
            &func(StringFn::StartsWith, text("userPrincipalName"), "BOB@")
        )
        .await,
        ["u2"]
    );
}

pub async fn in_lists(st: &dyn Store, t: &str) {
    people(st, t).await;
    let role = || path("primaryRole", EdmType::Enum("educationUserRole".into()));
    let f = Expr::In {
        left: role(),
        values: vec![s("teacher"), s("administrator")],
    };
    assert_eq!(matching(st, t, &f).await, ["u2"]);
    let f = Expr::In {
        left: text("student/externalId"),
        values: vec![s("S2"), Literal::Null],
    };
    assert_eq!(matching(st, t, &f).await, ["u2", "u3", "u4"]);
    let f = Expr::In {
        left: path("score", EdmType::Integer),
        values: vec![Literal::Int(5), Literal::Int(10)],
    };
    assert_eq!(matching(st, t, &f).await, ["u1", "u3"]);
    assert!(matching(
        st,
        t,
        &Expr::In {
            left: role(),
            values: vec![]
        }
    )
    .await
    .is_empty());
}

pub async fn logic(st: &dyn Store, t: &str) {
    people(st, t).await;
    let student = || eq(text("primaryRole"), s("student"));
    let high = || cmp(path("score", EdmType::Integer), CmpOp::Ge, Literal::Int(10));
    assert_eq!(matching(st, t, &and(student(), high())).await, ["u1", "u4"]);
    assert_eq!(
        matching(
            st,
            t,
            &or(
                eq(text("mail"), s("c@x.edu")),
                eq(text("displayName"), s("dave"))
            )
        )
        .await,
        ["u3", "u4"]
    );
    assert_eq!(matching(st, t, &not(student())).await, ["u2"]);
    // not over a null comparison is true: OData logic has two values.
    assert_eq!(
        matching(st, t, &not(eq(text("mail"), s("c@x.edu")))).await,
        ["u1", "u2", "u4"]
    );
    let ratio_gt_2 = cmp(path("ratio", EdmType::Float), CmpOp::Gt, Literal::Int(2));
    assert_eq!(matching(st, t, &not(ratio_gt_2)).await, ["u1", "u3", "u4"]);
    // Nested: (student and not high) or (teacher and not enabled).
    let f = or(
        and(student(), not(high())),
        and(
            eq(text("primaryRole"), s("teacher")),
            not(eq(
                path("accountEnabled", EdmType::Boolean),
                Literal::Bool(true),
            )),
        ),
    );
    assert_eq!(matching(st, t, &f).await, ["u2", "u3"]);
    assert_eq!(
        matching(st, t, &not(not(student()))).await,
        ["u1", "u3", "u4"]
    );
}

pub async fn any_all(st: &dyn Store, t: &str) {
    people(st, t).await;
    let phones = || coll("businessPhones", EdmType::String);
    let p = || var("p", "", EdmType::String);
    assert_eq!(
        matching(st, t, &any(phones(), "p", Some(eq(p(), s("555-1"))))).await,
        ["u1", "u4"]
    );
    assert_eq!(
        matching(st, t, &any(phones(), "p", None)).await,
        ["u1", "u4"],
        "empty, missing: no elements"
    );
    // all() holds vacuously for empty and missing collections.
    let f = every(phones(), "p", func(StringFn::StartsWith, p(), "555"));
    assert_eq!(matching(st, t, &f).await, ["u1", "u2", "u3"]);
    assert_eq!(matching(st, t, &not(f)).await, ["u4"]);

    let lic = || {
        coll(
            "assignedLicenses",
            EdmType::Complex("assignedLicense".into()),
        )
    };
    let sku = |v: &str| eq(var("a", "skuId", EdmType::Guid), s(v));
    assert_eq!(
        matching(st, t, &any(lic(), "a", Some(sku("k2")))).await,
        ["u2"]
    );
    // JSON null is no collection.
    assert_eq!(matching(st, t, &any(lic(), "a", None)).await, ["u1", "u2"]);
    // A lambda may also look at the entity itself.
    let f = any(
        lic(),
        "a",
        Some(and(sku("k1"), eq(text("primaryRole"), s("student")))),
    );
    assert_eq!(matching(st, t, &f).await, ["u1"]);
    // Nested lambdas, inner variable over the outer element.
    let plans = coll("disabledPlans", EdmType::Guid);
    let plans = PropertyPath {
        lambda: Some("a".into()),
        ..plans
    };
    let f = any(
        lic(),
        "a",
        Some(any(
            plans,
            "d",
            Some(eq(var("d", "", EdmType::Guid), s("p1"))),
        )),
    );
    assert_eq!(matching(st, t, &f).await, ["u1"]);
}

pub async fn injection_is_an_exact_string(st: &dyn Store, t: &str) {
    let hostile = "x'); DROP TABLE entities; -- \" OR 1=1 OR '' = '";
    st.create(
        t,
        EntityKind::User,
        &user("h1", "h@x.edu", json!({"displayName": hostile})),
    )
    .await
    .unwrap();
    st.create(
        t,
        EntityKind::User,
        &user("h2", "i@x.edu", json!({"displayName": "plain"})),
    )
    .await
    .unwrap();
    assert_eq!(
        matching(st, t, &eq(text("displayName"), s(hostile))).await,
        ["h1"]
    );
    assert!(matching(st, t, &eq(text("displayName"), s("' OR '1'='1")))
        .await
        .is_empty());
    assert!(
        matching(st, t, &eq(text("displayName"), s("plain' OR 'a'='a")))
            .await
            .is_empty()
    );
    assert_eq!(
        matching(
            st,
            t,
            &func(StringFn::Contains, text("displayName"), "DROP TABLE")
        )
        .await,
        ["h1"]
    );
    // The schema is intact and the data still there.
    assert!(st.get(t, EntityKind::User, "h2").await.unwrap().is_some());
    assert_eq!(ids(st, t, &all(EntityKind::User)).await, ["h1", "h2"]);
}
