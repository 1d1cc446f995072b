//! Unit tests of the filter compiler: the SQL text it writes and the values it binds.
//! Behaviour against real databases is covered by the contract suite (tests/contract).

use super::*;
use crate::sql::dialect::{PgDialect, SqliteDialect};
use edugraph_odata::EdmType;

/// Records SQL with `?` for each parameter.
#[derive(Default)]
struct Rec {
    sql: String,
    binds: Vec<Bind>,
}

impl Sink for Rec {
    fn sql(&mut self, text: &str) {
        self.sql.push_str(text);
    }
    fn bind(&mut self, value: Bind) {
        self.sql.push('?');
        self.binds.push(value);
    }
}

fn path(segs: &[&str], ty: EdmType) -> PropertyPath {
    PropertyPath {
        lambda: None,
        segments: segs.iter().map(|s| s.to_string()).collect(),
        ty,
        collection: false,
    }
}

fn var(name: &str, segs: &[&str], ty: EdmType) -> PropertyPath {
    PropertyPath {
        lambda: Some(name.into()),
        ..path(segs, ty)
    }
}

fn sqlite(e: &Expr) -> Rec {
    let mut r = Rec::default();
    compile(&SqliteDialect, "e.doc", e, &mut r).unwrap();
    r
}

fn pg(e: &Expr) -> Rec {
    let mut r = Rec::default();
    compile(&PgDialect, "e.doc", e, &mut r).unwrap();
    r
}

fn eq(p: PropertyPath, lit: Literal) -> Expr {
    Expr::Compare {
        left: p,
        op: CmpOp::Eq,
        right: lit,
    }
}

#[test]
fn nested_eq_uses_the_index_expression_and_binds_the_value() {
    let e = eq(
        path(&["student", "externalId"], EdmType::String),
        Literal::String("S1".into()),
    );
    let r = sqlite(&e);
    assert_eq!(r.sql, "(json_extract(e.doc, '$.student.externalId') = ?)");
    assert_eq!(r.binds, vec![Bind::Text("S1".into())]);
    assert_eq!(pg(&e).sql, "((e.doc->'student'->>'externalId') = ?)");
}

#[test]
fn null_comparisons() {
    let p = path(&["mail"], EdmType::String);
    assert_eq!(
        sqlite(&eq(p.clone(), Literal::Null)).sql,
        "(json_extract(e.doc, '$.mail') IS NULL)"
    );
    let ne = Expr::Compare {
        left: p.clone(),
        op: CmpOp::Ne,
        right: Literal::Null,
    };
    assert_eq!(
        sqlite(&ne).sql,
        "(json_extract(e.doc, '$.mail') IS NOT NULL)"
    );
    let gt = Expr::Compare {
        left: p,
        op: CmpOp::Gt,
        right: Literal::Null,
    };
    assert_eq!(sqlite(&gt).sql, "(1 = 0)");
}

#[test]
fn ne_is_null_safe() {
    let e = Expr::Compare {
        left: path(&["mail"], EdmType::String),
        op: CmpOp::Ne,
        right: Literal::String("a".into()),
    };
    assert_eq!(sqlite(&e).sql, "(json_extract(e.doc, '$.mail') IS NOT ?)");
    assert_eq!(pg(&e).sql, "((e.doc->>'mail') IS DISTINCT FROM ?)");
}

#[test]
fn pg_casts_by_type() {
    let e = Expr::Compare {
        left: path(&["n"], EdmType::Integer),
        op: CmpOp::Ge,
        right: Literal::Int(3),
    };
    assert_eq!(pg(&e).sql, "(((e.doc->>'n'))::numeric >= ?)");
    assert_eq!(pg(&e).binds, vec![Bind::Int(3)]);
    let b = eq(
        path(&["accountEnabled"], EdmType::Boolean),
        Literal::Bool(true),
    );
    assert_eq!(pg(&b).sql, "(((e.doc->>'accountEnabled'))::boolean = ?)");
}

#[test]
fn string_functions_escape_wildcards_and_ignore_case() {
    let e = Expr::StringFn {
        func: StringFn::StartsWith,
        prop: path(&["displayName"], EdmType::String),
        arg: "50%_".into(),
    };
    let r = sqlite(&e);
    assert_eq!(
        r.sql,
        "(lower(json_extract(e.doc, '$.displayName')) LIKE lower(?) ESCAPE '\\')"
    );
    assert_eq!(r.binds, vec![Bind::Text("50\\%\\_%".into())]);
    let c = Expr::StringFn {
        func: StringFn::Contains,
        prop: path(&["displayName"], EdmType::String),
        arg: "x".into(),
    };
    assert_eq!(sqlite(&c).binds, vec![Bind::Text("%x%".into())]);
    let en = Expr::StringFn {
        func: StringFn::EndsWith,
        prop: path(&["displayName"], EdmType::String),
        arg: "x".into(),
    };
    assert_eq!(sqlite(&en).binds, vec![Bind::Text("%x".into())]);
}

#[test]
fn in_lists_with_and_without_null() {
    let p = path(&["primaryRole"], EdmType::Enum("educationUserRole".into()));
    let e = Expr::In {
        left: p.clone(),
        values: vec![Literal::String("student".into()), Literal::Null],
    };
    let r = sqlite(&e);
    assert_eq!(r.sql, "(json_extract(e.doc, '$.primaryRole') IN (?) OR json_extract(e.doc, '$.primaryRole') IS NULL)");
    assert_eq!(
        sqlite(&Expr::In {
            left: p,
            values: vec![]
        })
        .sql,
        "(1 = 0)"
    );
}

#[test]
fn not_and_or_nest_with_two_valued_logic() {
    let a = eq(path(&["a"], EdmType::String), Literal::String("1".into()));
    let b = eq(path(&["b"], EdmType::String), Literal::String("2".into()));
    let e = Expr::Not(Box::new(Expr::Or(
        Box::new(a.clone()),
        Box::new(Expr::And(Box::new(a), Box::new(b))),
    )));
    assert_eq!(
        sqlite(&e).sql,
        "(NOT COALESCE(((json_extract(e.doc, '$.a') = ?) OR ((json_extract(e.doc, '$.a') = ?) AND (json_extract(e.doc, '$.b') = ?))), FALSE))"
    );
}

#[test]
fn any_and_all_resolve_lambda_paths_against_the_element() {
    let coll = PropertyPath {
        collection: true,
        ..path(
            &["assignedLicenses"],
            EdmType::Complex("assignedLicense".into()),
        )
    };
    let any = Expr::Any {
        collection: coll.clone(),
        var: "a".into(),
        predicate: Some(Box::new(eq(
            var("a", &["skuId"], EdmType::Guid),
            Literal::String("k".into()),
        ))),
    };
    assert_eq!(
        sqlite(&any).sql,
        "EXISTS (SELECT 1 FROM json_each(e.doc, '$.assignedLicenses') AS j1 WHERE json_type(e.doc, '$.assignedLicenses') = 'array' AND ((json_extract(j1.value, '$.skuId') = ?)))"
    );
    let phones = PropertyPath {
        collection: true,
        ..path(&["businessPhones"], EdmType::String)
    };
    let all = Expr::All {
        collection: phones,
        var: "p".into(),
        predicate: Box::new(eq(
            var("p", &[], EdmType::String),
            Literal::String("1".into()),
        )),
    };
    assert_eq!(
        pg(&all).sql,
        "NOT EXISTS (SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(e.doc->'businessPhones') = 'array' THEN e.doc->'businessPhones' ELSE '[]'::json END) AS j1(v) WHERE NOT COALESCE(((j1.v #>> '{}') = ?), FALSE))"
    );
    let bare = Expr::Any {
        collection: coll,
        var: "a".into(),
        predicate: None,
    };
    assert_eq!(
        sqlite(&bare).sql,
        "EXISTS (SELECT 1 FROM json_each(e.doc, '$.assignedLicenses') AS j1 WHERE json_type(e.doc, '$.assignedLicenses') = 'array')"
    );
}

#[test]
fn unknown_lambda_variable_is_an_error_not_a_panic() {
    let e = eq(
        var("zz", &["x"], EdmType::String),
        Literal::String("1".into()),
    );
    let mut r = Rec::default();
    assert!(compile(&SqliteDialect, "e.doc", &e, &mut r).is_err());
}

#[test]
fn literal_quotes_never_reach_the_sql_text() {
    let hostile = "x'); DROP TABLE entities; --";
    let e = eq(
        path(&["displayName"], EdmType::String),
        Literal::String(hostile.into()),
    );
    let r = sqlite(&e);
    assert!(!r.sql.contains("DROP"));
    assert_eq!(r.binds, vec![Bind::Text(hostile.into())]);
}

#[test]
fn selective_index_of_top_level_equalities_on_unique_ish_paths() {
    let ext = || {
        eq(
            path(&["student", "externalId"], EdmType::String),
            Literal::String("S".into()),
        )
    };
    let role = || {
        eq(
            path(&["primaryRole"], EdmType::String),
            Literal::String("student".into()),
        )
    };
    let ix = Some("entities_student_external_id");
    assert_eq!(selective_index(&ext()), ix);
    assert_eq!(
        selective_index(&Expr::And(Box::new(role()), Box::new(ext()))),
        ix
    );
    assert_eq!(selective_index(&role()), None);
    assert_eq!(
        selective_index(&Expr::Or(Box::new(role()), Box::new(ext()))),
        None
    );
    assert_eq!(selective_index(&Expr::Not(Box::new(ext()))), None);
    assert_eq!(
        selective_index(&eq(
            path(&["student", "externalId"], EdmType::String),
            Literal::Null
        )),
        None
    );
    let list = |values| Expr::In {
        left: path(&["userPrincipalName"], EdmType::String),
        values,
    };
    assert_eq!(
        selective_index(&list(vec![Literal::String("a".into())])),
        Some("entities_user_principal_name")
    );
    assert_eq!(selective_index(&list(vec![])), None);
}
