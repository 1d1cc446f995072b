//! `$filter` parsing and binding.

use super::*;
use crate::{ApiVersion, CmpOp, EdmType, Literal, PropertyPath, StringFn};

fn v1() -> &'static Schema {
    Schema::get(ApiVersion::V1)
}

fn users(q: &str) -> Result<QueryOptions, ODataError> {
    parse(Some(q), v1(), "educationUser")
}

fn filter(f: &str) -> Result<Expr, ODataError> {
    parse_filter(f, v1(), "educationUser")
}

fn err(f: &str) -> ODataError {
    match filter(f) {
        Ok(e) => panic!("'{f}' parsed as {e:?}"),
        Err(e) => e,
    }
}

fn path(segments: &[&str], ty: EdmType) -> PropertyPath {
    PropertyPath {
        lambda: None,
        segments: segments.iter().map(|s| s.to_string()).collect(),
        ty,
        collection: false,
    }
}

fn s(v: &str) -> Literal {
    Literal::String(v.into())
}

#[test]
fn comparison_and_enum() {
    assert_eq!(
        filter("primaryRole eq 'student'").unwrap(),
        Expr::Compare {
            left: path(&["primaryRole"], EdmType::Enum("educationUserRole".into())),
            op: CmpOp::Eq,
            right: s("student")
        }
    );
    let typed = filter("primaryRole eq microsoft.graph.educationUserRole'teacher'").unwrap();
    assert!(matches!(typed, Expr::Compare { right: Literal::String(ref t), .. } if t == "teacher"));
    let e = err("primaryRole eq 'wizard'");
    assert!(
        e.message.contains("'wizard'") && e.message.contains("student, teacher"),
        "{}",
        e.message
    );
    assert!(err("primaryRole eq microsoft.graph.educationGender'male'")
        .message
        .contains("educationGender"));
    assert_eq!(
        err("primaryRole gt 'student'").code,
        "Request_UnsupportedQuery"
    );
}

#[test]
fn nested_properties() {
    assert_eq!(
        filter("student/externalId eq '123'").unwrap(),
        Expr::Compare {
            left: path(&["student", "externalId"], EdmType::String),
            op: CmpOp::Eq,
            right: s("123")
        }
    );
    assert!(filter("mailingAddress/city eq 'Oslo'").is_ok());
    let e = err("student/nope eq 'x'");
    assert_eq!(
        e.message,
        "Could not find a property named 'nope' on type 'microsoft.graph.educationStudent'."
    );
    assert!(err("displayName/length eq 1")
        .message
        .contains("has no property"));
}

#[test]
fn unknown_property_message() {
    let e = err("foo eq 'x'");
    assert_eq!(e.code, "BadRequest");
    assert_eq!(
        e.message,
        "Could not find a property named 'foo' on type 'microsoft.graph.educationUser'."
    );
    assert!(users("$orderby=foo").unwrap_err().message.contains("'foo'"));
    assert!(users("$select=id,foo")
        .unwrap_err()
        .message
        .contains("'foo'"));
}

#[test]
fn logic_precedence_and_parens() {
    let e =
        filter("accountEnabled eq true and displayName eq 'a' or not (surname eq 'b')").unwrap();
    let Expr::Or(left, right) = e else {
        panic!("or at the top")
    };
    assert!(matches!(*left, Expr::And(..)));
    assert!(matches!(*right, Expr::Not(_)));
    let grouped =
        filter("accountEnabled eq true and (displayName eq 'a' or surname eq 'b')").unwrap();
    assert!(matches!(grouped, Expr::And(_, ref r) if matches!(**r, Expr::Or(..))));
    assert!(filter("displayName EQ 'a' AND surname Eq 'b'").is_ok());
}

#[test]
fn literals() {
    let esc = filter("displayName eq 'O''Brien'").unwrap();
    assert!(matches!(esc, Expr::Compare { right: Literal::String(ref v), .. } if v == "O'Brien"));
    assert!(matches!(
        filter("accountEnabled eq false").unwrap(),
        Expr::Compare {
            right: Literal::Bool(false),
            ..
        }
    ));
    assert!(matches!(
        filter("displayName eq null").unwrap(),
        Expr::Compare {
            right: Literal::Null,
            ..
        }
    ));
    assert!(matches!(
        filter("displayName ne null").unwrap(),
        Expr::Compare { op: CmpOp::Ne, .. }
    ));
    assert!(filter("displayName gt null").is_err());
    // Bare Boolean property.
    assert_eq!(
        filter("accountEnabled").unwrap(),
        filter("accountEnabled eq true").unwrap()
    );
    assert!(filter("not accountEnabled").is_ok());
    assert!(err("displayName").message.contains("not a Boolean"));
}

#[test]
fn date_time_literals_are_normalised() {
    let want = Literal::String("2024-01-01T00:00:00Z".into());
    for text in [
        "createdDateTime ge 2024-01-01T00:00:00Z",
        "createdDateTime ge 2024-01-01T01:00:00+01:00",
        "createdDateTime ge '2024-01-01T00:00:00.000Z'",
    ] {
        let e = parse_filter(text, v1(), "educationAssignment").unwrap();
        assert!(
            matches!(e, Expr::Compare { ref right, op: CmpOp::Ge, .. } if *right == want),
            "{text}"
        );
    }
    assert!(parse_filter("createdDateTime ge 2024-01-01", v1(), "educationAssignment").is_err());
    assert!(parse_filter("createdDateTime ge 'soon'", v1(), "educationAssignment").is_err());
    assert!(filter("student/birthDate eq 2010-05-04").is_ok());
    assert!(filter("student/birthDate eq 2010-05-40").is_err());
}

#[test]
fn type_mismatches() {
    let e = err("accountEnabled eq 'x'");
    assert_eq!(e.code, "BadRequest");
    assert!(
        e.message.contains("accountEnabled") && e.message.contains("Edm.Boolean"),
        "{}",
        e.message
    );
    assert!(filter("displayName eq 5").is_err());
    assert!(filter("accountEnabled eq 1").is_err());
    let e = parse_filter(
        "hidePointsDuringGrading eq true and displayName eq 1",
        v1(),
        "educationGradingScheme",
    );
    assert!(e.is_err());
    // Int for a float property is fine; a float for an int is not.
    assert!(matches!(
        parse_filter("percentageWeight eq 5", v1(), "educationGradingCategory").unwrap(),
        Expr::Compare {
            right: Literal::Int(5),
            ..
        }
    ));
}

#[test]
fn complex_and_collection_misuse() {
    assert!(err("student eq 'x'").message.contains("complex"));
    assert!(filter("student eq null").is_ok());
    assert!(err("businessPhones eq '1'").message.contains("collection"));
    assert!(
        err("assignedLicenses/skuId eq 8a2f0c1e-1234-4abc-9def-0123456789ab")
            .message
            .contains("any()")
    );
}

#[test]
fn string_functions() {
    assert_eq!(
        filter("startswith(displayName,'A')").unwrap(),
        Expr::StringFn {
            func: StringFn::StartsWith,
            prop: path(&["displayName"], EdmType::String),
            arg: "A".into()
        }
    );
    assert!(matches!(
        filter("endswith(mail, '@contoso.com')").unwrap(),
        Expr::StringFn {
            func: StringFn::EndsWith,
            ..
        }
    ));
    assert!(matches!(
        filter("contains(student/externalId,'x')").unwrap(),
        Expr::StringFn {
            func: StringFn::Contains,
            ..
        }
    ));
    assert!(matches!(
        filter("startswith(displayName,'A') eq false").unwrap(),
        Expr::Not(_)
    ));
    assert!(matches!(
        filter("startswith(displayName,'A') eq true").unwrap(),
        Expr::StringFn { .. }
    ));
    assert!(filter("startswith(accountEnabled,'A')").is_err());
    assert!(filter("startswith(displayName, surname)").is_err());
    assert!(filter("startswith('A', displayName)").is_err());
}

#[test]
fn unsupported_operators_and_functions_are_named() {
    for (text, name) in [
        ("primaryRole has 'student'", "has"),
        ("length(displayName) eq 3", "length"),
        ("substringof('a', displayName)", "substringof"),
        ("tolower(displayName) eq 'a'", "tolower"),
        ("student/grade add 1 eq 2", "add"),
    ] {
        let e = err(text);
        assert_eq!(e.code, "Request_UnsupportedQuery", "{text}");
        assert!(e.message.contains(name), "{text}: {}", e.message);
    }
    let e = err("frobnicate(displayName)");
    assert_eq!(e.code, "BadRequest");
    assert!(e.message.contains("frobnicate"));
    assert_eq!(err("givenName eq surname").code, "Request_UnsupportedQuery");
}

#[test]
fn navigation_properties_are_rejected_in_filter_and_orderby() {
    let e = err("classes/any(c: c/displayName eq 'x')");
    assert_eq!(e.code, "Request_UnsupportedQuery");
    assert!(e.message.contains("classes"));
    assert_eq!(
        users("$orderby=user").unwrap_err().code,
        "Request_UnsupportedQuery"
    );
}

#[test]
fn in_operator() {
    let e = filter("primaryRole in ('student','teacher')").unwrap();
    assert!(matches!(e, Expr::In { ref values, .. } if values == &[s("student"), s("teacher")]));
    assert!(filter("displayName in ['a', 'b']").is_ok());
    assert!(filter("primaryRole in ('student','nobody')").is_err());
    assert!(filter("displayName in ()").is_err());
    assert!(filter("businessPhones in ('1')").is_err());
}

#[test]
fn lambdas() {
    let e = filter("businessPhones/any(p: p eq '123')").unwrap();
    let Expr::Any {
        collection,
        var,
        predicate: Some(pred),
    } = e
    else {
        panic!("any")
    };
    assert_eq!(
        collection,
        PropertyPath {
            collection: true,
            ..path(&["businessPhones"], EdmType::String)
        }
    );
    assert_eq!(var, "p");
    assert_eq!(
        *pred,
        Expr::Compare {
            left: PropertyPath {
                lambda: Some("p".into()),
                segments: vec![],
                ty: EdmType::String,
                collection: false
            },
            op: CmpOp::Eq,
            right: s("123")
        }
    );
    let guid =
        filter("assignedLicenses/any(a: a/skuId eq 8A2F0C1E-1234-4ABC-9DEF-0123456789AB)").unwrap();
    let Expr::Any {
        predicate: Some(pred),
        ..
    } = guid
    else {
        panic!("any")
    };
    assert!(
        matches!(*pred, Expr::Compare { right: Literal::String(ref g), .. } if g == "8a2f0c1e-1234-4abc-9def-0123456789ab")
    );
    assert!(filter("relatedContacts/any(c: c/relationship eq 'parent')").is_ok());
    assert!(filter("relatedContacts/all(c: c/accessConsent eq true)").is_ok());
    assert!(matches!(
        filter("businessPhones/any()").unwrap(),
        Expr::Any {
            predicate: None,
            ..
        }
    ));
    assert!(filter("businessPhones/all()").is_err());
    assert!(filter("businessPhones/any(p: startswith(p, '555'))").is_ok());
    // Nested lambda over a collection inside the element type.
    assert!(filter("assignedLicenses/any(a: a/disabledPlans/any(d: d eq 8a2f0c1e-1234-4abc-9def-0123456789ab))").is_ok());
    assert!(filter("assignedLicenses/any(a: a/disabledPlans/any(a: a eq null))").is_err());
    assert!(err("displayName/any(d: d eq 'x')")
        .message
        .contains("not one"));
    assert!(err("relatedContacts/any(c: c/nope eq 'x')")
        .message
        .contains("relatedContact"));
    assert!(filter("relatedContacts/any(c: c eq null)").is_ok());
    // The variable is out of scope afterwards.
    assert!(filter("businessPhones/any(p: p eq '1') and p eq '2'").is_err());
}

#[test]
fn syntax_errors_are_400_with_positions() {
    for text in [
        "",
        "displayName eq",
        "displayName eq 'a' and",
        "(displayName eq 'a'",
        "displayName eq 'a')",
        "eq 'a'",
        "'a' eq 'b'",
        "displayName foo 'a'",
        "displayName eq 'a' displayName",
    ] {
        let e = err(text);
        assert_eq!(e.code, "BadRequest", "{text}");
    }
    assert!(err("displayName eq 'a')").message.contains("position 18"));
    let deep = format!("{}displayName eq 'a'{}", "(".repeat(500), ")".repeat(500));
    assert!(err(&deep).message.contains("too deeply"));
    let nots = format!("{}accountEnabled", "not ".repeat(500));
    assert!(filter(&nots).is_err());
}

#[test]
fn reversed_comparison_is_flipped() {
    assert_eq!(
        parse_filter("5 lt percentageWeight", v1(), "educationGradingCategory").unwrap(),
        parse_filter("percentageWeight gt 5", v1(), "educationGradingCategory").unwrap()
    );
}

#[test]
fn beta_schema_knows_beta_members() {
    assert!(parse_filter(
        "primaryRole eq 'faculty'",
        Schema::get(ApiVersion::Beta),
        "educationUser"
    )
    .is_ok());
    assert!(filter("primaryRole eq 'faculty'").is_err());
}

#[test]
fn printed_filters_reparse() {
    for text in [
        "primaryRole eq 'student' and not (startswith(displayName,'A') or accountEnabled)",
        "assignedLicenses/any(a:a/disabledPlans/any(d:d eq 8a2f0c1e-1234-4abc-9def-0123456789ab))",
        "businessPhones/any() and student/birthDate ge 2010-01-01 and displayName in ('a','b''c')",
    ] {
        let e = filter(text).unwrap();
        assert_eq!(filter(&e.to_string()).unwrap(), e, "{e}");
    }
}
