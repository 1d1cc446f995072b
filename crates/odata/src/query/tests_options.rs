//! Option handling: `$select`, `$expand`, `$orderby`, paging, names and decoding.

use super::*;
use crate::{ApiVersion, ExpandItem, Literal, SelectItem};

fn v1() -> &'static Schema {
    Schema::get(ApiVersion::V1)
}

fn users(q: &str) -> Result<QueryOptions, ODataError> {
    parse(Some(q), v1(), "educationUser")
}

#[test]
fn select_items() {
    let q = users("$select=id,displayName,student/externalId,id").unwrap();
    assert_eq!(
        q.select.unwrap(),
        [
            SelectItem(vec!["id".into()]),
            SelectItem(vec!["displayName".into()]),
            SelectItem(vec!["student".into(), "externalId".into()])
        ]
    );
    assert_eq!(
        users("$select=*").unwrap().select.unwrap(),
        [SelectItem(vec!["*".into()])]
    );
    assert!(users("$select=assignedLicenses/skuId").is_ok());
    assert!(users("$select=id,,displayName").is_err());
    assert!(users("$select=displayName/x").is_err());
    assert_eq!(
        users("$select=classes").unwrap_err().code,
        "Request_UnsupportedQuery"
    );
}

#[test]
fn expand_items() {
    let classes = |q: &str| parse(Some(q), v1(), "educationClass");
    let q = classes("$expand=members($select=id,displayName;$top=5),schools").unwrap();
    assert_eq!(
        q.expand,
        [
            ExpandItem {
                nav: "members".into(),
                select: Some(vec![
                    SelectItem(vec!["id".into()]),
                    SelectItem(vec!["displayName".into()])
                ]),
                top: Some(5)
            },
            ExpandItem {
                nav: "schools".into(),
                select: None,
                top: None
            }
        ]
    );
    assert_eq!(classes("$expand=*").unwrap().expand[0].nav, "*");
    let e = classes("$expand=displayName").unwrap_err();
    assert!(
        e.message.contains("'displayName'") && e.message.contains("navigation"),
        "{}",
        e.message
    );
    assert!(classes("$expand=nope")
        .unwrap_err()
        .message
        .contains("'nope'"));
    assert!(classes("$expand=members($select=nope)")
        .unwrap_err()
        .message
        .contains("educationUser"));
    assert_eq!(
        classes("$expand=members($filter=id eq '1')")
            .unwrap_err()
            .code,
        "Request_UnsupportedQuery"
    );
    assert!(classes("$expand=members,members").is_err());
    assert!(classes("$expand=members($top=-1)").is_err());
    assert!(classes("$expand=members(").is_err());
}

#[test]
fn orderby_items() {
    let q = users("$orderby=displayName desc,student/externalId,surname asc").unwrap();
    assert_eq!(q.orderby.len(), 3);
    assert!(q.orderby[0].desc && !q.orderby[1].desc && !q.orderby[2].desc);
    assert_eq!(q.orderby[1].path.segments, ["student", "externalId"]);
    assert!(users("$orderby=businessPhones")
        .unwrap_err()
        .message
        .contains("collection"));
    assert!(users("$orderby=student").is_err());
    assert!(users("$orderby=displayName sideways").is_err());
    assert!(users("$orderby=").is_err());
}

#[test]
fn paging_and_flags() {
    let q =
        users("$top=5&$skip=10&$count=true&$skiptoken=abc&$search=%22displayName:al%22").unwrap();
    assert_eq!((q.top, q.skip, q.count), (Some(5), Some(10), true));
    assert_eq!(q.skiptoken.as_deref(), Some("abc"));
    assert_eq!(q.search.as_deref(), Some("\"displayName:al\""));
    assert!(!users("$count=FALSE").unwrap().count);
    for bad in [
        "$top=-1",
        "$top=abc",
        "$top=99999999999",
        "$top=",
        "$skip=1.5",
        "$count=yes",
        "$skiptoken=",
    ] {
        assert_eq!(users(bad).unwrap_err().code, "BadRequest", "{bad}");
    }
    assert_eq!(
        users("$deltatoken=xyz").unwrap().deltatoken.as_deref(),
        Some("xyz")
    );
    assert!(users("$format=json").is_ok());
}

#[test]
fn option_names_and_decoding() {
    let q = users("%24filter=primaryRole%20eq%20%27student%27&Select=id&$TOP=2").unwrap();
    assert!(q.filter.is_some());
    assert_eq!(q.select.unwrap().len(), 1);
    assert_eq!(q.top, Some(2));
    // `+` is a space (form encoding, as curl and Python `requests` send it); `%2B` a plus.
    assert_eq!(
        users("$filter=primaryRole+eq+'student'").unwrap(),
        users("$filter=primaryRole%20eq%20'student'").unwrap()
    );
    assert!(matches!(
        users("$filter=displayName+eq+'a%2Bb+c'").unwrap().filter.unwrap(),
        Expr::Compare { right: Literal::String(ref v), .. } if v == "a+b c"
    ));
    assert_eq!(decode_component("%24top+x%2b").unwrap(), "$top x+");
    assert!(
        users("$filter=displayName eq 'a'&filter=displayName eq 'b'")
            .unwrap_err()
            .message
            .contains("more than once")
    );
    let unknown = users("$frobnicate=1").unwrap_err();
    assert_eq!(unknown.code, "BadRequest");
    assert!(unknown.message.contains("$frobnicate"));
    assert_eq!(
        users("$apply=groupby((x))").unwrap_err().code,
        "Request_UnsupportedQuery"
    );
    assert_eq!(
        users("api-version=2&&foo").unwrap(),
        QueryOptions::default()
    );
    assert!(users("$filter=%zz").is_err());
    assert!(users("$filter=%ff").is_err());
    assert_eq!(
        parse(None, v1(), "educationUser").unwrap(),
        QueryOptions::default()
    );
}

#[test]
fn ref_id() {
    let q = users("@id=https%3A%2F%2Fgraph.microsoft.com%2Fv1.0%2Feducation%2Fusers%2Fu1").unwrap();
    assert_eq!(
        q.ref_id.as_deref(),
        Some("https://graph.microsoft.com/v1.0/education/users/u1")
    );
    assert_eq!(users("$id=x").unwrap().ref_id.as_deref(), Some("x"));
    assert!(users("$id=x&@id=y").is_err());
}

#[test]
fn encode_component_round_trips_through_decode() {
    for v in [
        "primaryRole eq 'student'",
        "a&b=c+d%e#f?g",
        "é ü",
        "id,displayName",
        "x/y:z($top=1)",
    ] {
        let enc = encode_component(v);
        assert!(!enc.contains([' ', '&', '+', '#', '?', '=']), "{enc}");
        assert_eq!(decode_component(&enc).unwrap(), v);
    }
    assert_eq!(encode_component("id,displayName"), "id,displayName");
    let q = format!(
        "$filter={}&$select=id",
        encode_component("displayName eq 'a+b&c'")
    );
    assert!(users(&q).is_ok());
}
