//! Property tests: random bound trees print to text that parses back to the same tree,
//! and arbitrary input never panics the parsers.

use super::*;
use crate::shape::format_datetime;
use crate::{ApiVersion, CmpOp, EdmType, Literal, PropertyPath, StringFn};
use proptest::prelude::*;

fn v1() -> &'static Schema {
    Schema::get(ApiVersion::V1)
}

fn path(lambda: Option<&str>, segs: &[&str], ty: EdmType, collection: bool) -> PropertyPath {
    PropertyPath {
        lambda: lambda.map(String::from),
        segments: segs.iter().map(|s| s.to_string()).collect(),
        ty,
        collection,
    }
}

fn cmp_op() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge),
        Just(CmpOp::Lt),
        Just(CmpOp::Le)
    ]
}

fn eq_ne() -> impl Strategy<Value = CmpOp> {
    prop_oneof![Just(CmpOp::Eq), Just(CmpOp::Ne)]
}

fn string_path() -> impl Strategy<Value = PropertyPath> {
    prop_oneof![
        Just(&["displayName"][..]),
        Just(&["surname"][..]),
        Just(&["student", "externalId"][..]),
        Just(&["mailingAddress", "city"][..]),
        Just(&["teacher", "teacherNumber"][..]),
    ]
    .prop_map(|segs| path(None, segs, EdmType::String, false))
}

/// Any printable text, quotes and non-ASCII included.
fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

fn role() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("student"),
        Just("teacher"),
        Just("none"),
        Just("unknownFutureValue")
    ]
    .prop_map(String::from)
}

fn string_fn() -> impl Strategy<Value = StringFn> {
    prop_oneof![
        Just(StringFn::StartsWith),
        Just(StringFn::EndsWith),
        Just(StringFn::Contains)
    ]
}

fn guid() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
}

fn leaf() -> impl Strategy<Value = Expr> {
    let compare = |left: PropertyPath, op: CmpOp, right: Literal| Expr::Compare { left, op, right };
    prop_oneof![
        (string_path(), cmp_op(), text()).prop_map(move |(p, op, t)| compare(
            p,
            op,
            Literal::String(t)
        )),
        (string_path(), eq_ne()).prop_map(move |(p, op)| compare(p, op, Literal::Null)),
        (eq_ne(), any::<bool>(), any::<bool>()).prop_map(move |(op, b, which)| {
            let name = if which {
                "accountEnabled"
            } else {
                "showInAddressList"
            };
            compare(
                path(None, &[name], EdmType::Boolean, false),
                op,
                Literal::Bool(b),
            )
        }),
        (eq_ne(), role()).prop_map(move |(op, r)| {
            let ty = EdmType::Enum("educationUserRole".into());
            compare(
                path(None, &["primaryRole"], ty, false),
                op,
                Literal::String(r),
            )
        }),
        (string_path(), prop::collection::vec(text(), 1..4)).prop_map(|(left, vals)| Expr::In {
            left,
            values: vals.into_iter().map(Literal::String).collect()
        }),
        (string_fn(), string_path(), text()).prop_map(|(func, prop, arg)| Expr::StringFn {
            func,
            prop,
            arg
        }),
        (cmp_op(), 0i64..253_402_300_799, 0i64..10_000_000).prop_map(move |(op, secs, ticks)| {
            let dt = time::OffsetDateTime::from_unix_timestamp(secs).unwrap()
                + time::Duration::nanoseconds(ticks * 100);
            let ty = EdmType::DateTimeOffset;
            compare(
                path(None, &["refreshTokensValidFromDateTime"], ty, false),
                op,
                Literal::String(format_datetime(dt)),
            )
        }),
        (cmp_op(), 1i32..9999, 1u8..13, 1u8..29).prop_map(move |(op, y, m, d)| {
            let date = format!("{y:04}-{m:02}-{d:02}");
            compare(
                path(None, &["student", "birthDate"], EdmType::Date, false),
                op,
                Literal::String(date),
            )
        }),
        (
            eq_ne(),
            prop_oneof![Just("student"), Just("mailingAddress"), Just("createdBy")]
        )
            .prop_map(move |(op, name)| {
                let ty = match name {
                    "student" => "educationStudent",
                    "mailingAddress" => "physicalAddress",
                    _ => "identitySet",
                };
                compare(
                    path(None, &[name], EdmType::Complex(ty.into()), false),
                    op,
                    Literal::Null,
                )
            }),
        (cmp_op(), text()).prop_map(|(op, t)| Expr::Any {
            collection: path(None, &["businessPhones"], EdmType::String, true),
            var: "p".into(),
            predicate: Some(Box::new(Expr::Compare {
                left: path(Some("p"), &[], EdmType::String, false),
                op,
                right: Literal::String(t)
            }))
        }),
        (string_fn(), text()).prop_map(|(func, arg)| Expr::Any {
            collection: path(None, &["businessPhones"], EdmType::String, true),
            var: "x".into(),
            predicate: Some(Box::new(Expr::StringFn {
                func,
                prop: path(Some("x"), &[], EdmType::String, false),
                arg
            }))
        }),
        Just(Expr::Any {
            collection: path(None, &["businessPhones"], EdmType::String, true),
            var: String::new(),
            predicate: None
        }),
        guid().prop_map(|g| Expr::Any {
            collection: path(
                None,
                &["assignedLicenses"],
                EdmType::Complex("assignedLicense".into()),
                true
            ),
            var: "a".into(),
            predicate: Some(Box::new(Expr::Compare {
                left: path(Some("a"), &["skuId"], EdmType::Guid, false),
                op: CmpOp::Eq,
                right: Literal::String(g)
            }))
        }),
        prop_oneof![Just("parent"), Just("guardian"), Just("other")].prop_map(|rel| Expr::All {
            collection: path(
                None,
                &["relatedContacts"],
                EdmType::Complex("relatedContact".into()),
                true
            ),
            var: "c".into(),
            predicate: Box::new(Expr::Compare {
                left: path(
                    Some("c"),
                    &["relationship"],
                    EdmType::Enum("contactRelationship".into()),
                    false
                ),
                op: CmpOp::Eq,
                right: Literal::String(rel.into())
            })
        }),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

/// Fragments that look like filter syntax, to reach deep parser states.
fn soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("displayName"),
        Just("student/externalId"),
        Just("businessPhones"),
        Just("/any("),
        Just("/all("),
        Just("p:"),
        Just("p"),
        Just(" eq "),
        Just(" gt "),
        Just(" and "),
        Just(" or "),
        Just("not "),
        Just(" in "),
        Just("("),
        Just(")"),
        Just(","),
        Just("'x'"),
        Just("''"),
        Just("'"),
        Just("1"),
        Just("-2.5e3"),
        Just("null"),
        Just("true"),
        Just("startswith("),
        Just("length("),
        Just("2024-01-01T00:00:00Z"),
        Just("2024-01-01"),
        Just("8a2f0c1e-1234-4abc-9def-0123456789ab"),
        Just("microsoft.graph.educationUserRole'student'"),
        Just("primaryRole"),
        Just("["),
        Just("]"),
        Just(" has "),
        Just("/"),
        Just("é"),
        Just("$it"),
        Just("@a"),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printed_filter_parses_to_same_tree(e in expr()) {
        let text = e.to_string();
        let back = parse_filter(&text, v1(), "educationUser");
        prop_assert_eq!(back, Ok(e), "text: {}", text);
    }

    #[test]
    fn printed_numeric_filter_parses_back(n in any::<i64>(), x in any::<f64>().prop_filter("finite", |x| x.is_finite()), op in cmp_op()) {
        let e = Expr::And(
            Box::new(Expr::Compare { left: path(None, &["insertions"], EdmType::Integer, false), op, right: Literal::Int(n) }),
            Box::new(Expr::Compare { left: path(None, &["accuracyScore"], EdmType::Float, false), op, right: Literal::Float(x) }),
        );
        let text = e.to_string();
        prop_assert_eq!(parse_filter(&text, v1(), "readingAssignmentSubmission"), Ok(e), "text: {}", text);
    }

    #[test]
    fn arbitrary_filter_never_panics(s in "\\PC{0,80}") {
        let _ = parse_filter(&s, v1(), "educationUser");
    }

    #[test]
    fn filter_soup_never_panics(s in soup()) {
        if let Ok(e) = parse_filter(&s, v1(), "educationUser") {
            // Whatever parses must print to something that parses to the same tree.
            prop_assert_eq!(parse_filter(&e.to_string(), v1(), "educationUser"), Ok(e));
        }
    }

    #[test]
    fn arbitrary_query_string_never_panics(s in "[$a-zA-Z=&%0-9'(),/ ;*+@.-]{0,60}") {
        let _ = parse(Some(&s), v1(), "educationUser");
        let _ = parse(Some(&s), v1(), "educationClass");
    }
}
