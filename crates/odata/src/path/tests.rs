use super::*;
use proptest::prelude::*;

fn n(s: &str) -> Segment {
    Segment::Name(s.into())
}

#[test]
fn plain_paths_and_double_slashes() {
    assert_eq!(
        parse_path("education/users").unwrap(),
        [n("education"), n("users")]
    );
    assert_eq!(
        parse_path("/education//users/").unwrap(),
        [n("education"), n("users")]
    );
    assert_eq!(parse_path("").unwrap(), []);
}

#[test]
fn delta_spellings() {
    let call = [n("education"), n("users"), Segment::Call("delta".into())];
    assert_eq!(parse_path("education/users/delta()").unwrap(), call);
    assert_eq!(
        parse_path("education/users/microsoft.graph.delta()").unwrap(),
        call
    );
    let bare = parse_path("education/users/delta").unwrap();
    assert_eq!(bare[2], n("delta"));
    assert!(bare[2].is_function("delta") && call[2].is_function("delta"));
    assert_eq!(parse_path("education/users/delta%28%29").unwrap(), call);
}

#[test]
fn dollar_segments() {
    assert_eq!(
        parse_path("education/classes/c1/members/u1/$ref").unwrap(),
        [
            n("education"),
            n("classes"),
            n("c1"),
            n("members"),
            n("u1"),
            Segment::Ref
        ]
    );
    assert_eq!(
        parse_path("education/users/$count").unwrap()[2],
        Segment::Count
    );
    assert_eq!(parse_path("x/%24count").unwrap()[1], Segment::Count);
    assert_eq!(parse_path("x/$VALUE").unwrap()[1], Segment::Value);
    assert_eq!(parse_path("$metadata").unwrap(), [n("$metadata")]);
}

#[test]
fn key_syntax() {
    let want = [n("education"), n("users"), n("abc"), n("classes")];
    assert_eq!(parse_path("education/users('abc')/classes").unwrap(), want);
    assert_eq!(parse_path("education/users(abc)/classes").unwrap(), want);
    assert_eq!(
        parse_path("education/users(id='abc')/classes").unwrap(),
        want
    );
    assert_eq!(
        parse_path("education/users('it''s')").unwrap()[2],
        n("it's")
    );
    assert_eq!(parse_path("education/users('a%2Fb')").unwrap()[2], n("a/b"));
    assert_eq!(parse_path("education/users('a=b')").unwrap()[2], n("a=b"));
}

#[test]
fn percent_decoding_and_prefix() {
    assert_eq!(parse_path("education/users/a%20b").unwrap()[2], n("a b"));
    assert_eq!(parse_path("education/users/a+b").unwrap()[2], n("a+b"));
    assert_eq!(
        parse_path("x/microsoft.graph.publish").unwrap()[1],
        n("publish")
    );
}

#[test]
fn malformed_segments_are_400() {
    for bad in [
        "users('abc",
        "users(abc",
        "users)",
        "users('a'b')",
        "users('')",
        "users(a,b)",
        "users(name='x')",
        "delta(token='x')",
        "('abc')",
        "users/%zz",
        "users/%e9",
        "users/abc%",
    ] {
        let err = parse_path(bad).unwrap_err();
        assert_eq!(err.code, "BadRequest", "{bad}");
    }
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn segment() -> impl Strategy<Value = Segment> {
    let name = "[a-zA-Z][a-zA-Z0-9]{0,8}";
    prop_oneof![
        name.prop_map(Segment::Name),
        name.prop_map(Segment::Call),
        Just(Segment::Ref),
        Just(Segment::Count),
        Just(Segment::Value),
    ]
}

proptest! {
    #[test]
    fn printed_paths_parse_back(segs in prop::collection::vec(segment(), 0..6), key in "\\PC{1,12}", slashes in 1usize..3) {
        let mut text = String::new();
        let mut want = Vec::new();
        for s in &segs {
            text.push_str(&"/".repeat(slashes));
            match s {
                Segment::Name(x) => text.push_str(x),
                Segment::Call(x) => { text.push_str(x); text.push_str("()"); }
                Segment::Ref => text.push_str("$ref"),
                Segment::Count => text.push_str("%24count"),
                Segment::Value => text.push_str("$value"),
            }
            want.push(s.clone());
        }
        // A quoted, fully encoded key after a name, as SDKs build `users('{id}')`.
        text.push_str("/users('");
        text.push_str(&encode(&key.replace('\'', "''")));
        text.push_str("')");
        want.push(Segment::Name("users".into()));
        want.push(Segment::Name(key.clone()));
        prop_assert_eq!(parse_path(&text).unwrap(), want);
    }

    #[test]
    fn arbitrary_paths_never_panic(s in "\\PC{0,60}") {
        let _ = parse_path(&s);
    }

    #[test]
    fn arbitrary_paths_near_syntax_never_panic(s in "[a-z/()'%$=,.0-9]{0,40}") {
        if let Ok(segs) = parse_path(&s) {
            prop_assert!(segs.iter().all(|g| g.name().is_none_or(|n| !n.is_empty())));
        }
    }
}

#[test]
fn references_on_any_host() {
    let want = [n("education"), n("users"), n("u1")];
    for url in [
        "https://graph.microsoft.com/v1.0/education/users/u1",
        "http://127.0.0.1:8080/beta/education/users/u1?x=1",
        "http://localhost//v1.0//education/users/u1#frag",
        "/v1.0/education/users/u1",
        "education/users/u1",
        "https://graph.microsoft.com/v1.0/education/users('u1')",
    ] {
        assert_eq!(parse_reference(url).unwrap(), want, "{url}");
    }
    assert_eq!(
        parse_reference("https://h/v1.0/directoryObjects/u1").unwrap(),
        [n("directoryObjects"), n("u1")]
    );
    assert!(parse_reference("https://graph.microsoft.com").is_err());
    assert!(parse_reference("https://h/v1.0/").is_err());
    assert!(parse_reference("1://h/x").is_err());
}

proptest! {
    #[test]
    fn references_never_panic(s in "\\PC{0,60}") {
        let _ = parse_reference(&s);
    }
}
