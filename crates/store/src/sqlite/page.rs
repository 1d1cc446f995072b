//! Listing pages in one result row. sqlx hands each result row from the connection's
//! worker thread to the async side on its own, and that hop, not the query, is most of a
//! short listing's cost; so a page in id order (no `$orderby`) comes back as one string,
//! every item length-prefixed, and is split and put in order here.

use crate::conflict::other;
use crate::{Doc, Result};

/// Each row of a packed page (`Shape::Packed`): `<version>:<bytes of id>:<id><bytes of
/// doc>:<doc>`. Computed inside the page query, where the columns still point into the
/// database page: referring to `doc` twice from the enclosing query made SQLite copy the
/// document twice per row before concatenating it.
pub(super) const PACK_ITEM: &str = "e.version || ':' || octet_length(e.id) || ':' || e.id \
     || octet_length(e.doc) || ':' || e.doc";
/// Around a packed page query, these make it return one row, NULL when the page is empty:
/// every item, in no particular order (an aggregate does not keep its input's order).
pub(super) const PACK_OPEN: &str = "SELECT group_concat(item, '') FROM (";
pub(super) const PACK_CLOSE: &str = ")";

/// The items of a packed page, in id order (byte order, as SQLite's `BINARY` collation
/// orders the ids of a page without `$orderby`).
pub(super) fn unpack(packed: Option<&str>) -> Result<Vec<Doc>> {
    let mut rest = packed.unwrap_or("");
    let mut items = Vec::new();
    while !rest.is_empty() {
        let version = number(&mut rest)?;
        let id = take(&mut rest)?;
        let json = take(&mut rest)?;
        items.push(Doc { id, json, version });
    }
    items.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    Ok(items)
}

fn malformed() -> crate::StoreError {
    other("malformed packed listing page")
}

/// One `<number>:` off the front of `rest`.
fn number<T: std::str::FromStr>(rest: &mut &str) -> Result<T> {
    let (n, tail) = rest.split_once(':').ok_or_else(malformed)?;
    *rest = tail;
    n.parse().map_err(|_| malformed())
}

/// One `<length>:<text>` field off the front of `rest`.
fn take(rest: &mut &str) -> Result<String> {
    let len: usize = number(rest)?;
    let value = rest.get(..len).ok_or_else(malformed)?;
    *rest = &rest[len..];
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(items: &[(&str, &str)]) -> String {
        items
            .iter()
            .map(|(id, doc)| format!("7:{}:{id}{}:{doc}", id.len(), doc.len()))
            .collect()
    }

    #[test]
    fn unpacks_in_id_order_whatever_the_contents() {
        // Separators, digits and multi-byte text inside the fields change nothing.
        let items = [
            ("b", r#"{"x":"1:2"}"#),
            ("a:9", "é€😀"),
            ("ä", ""),
            ("10", "12:"),
        ];
        let docs = unpack(Some(&pack(&items))).unwrap();
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["10", "a:9", "b", "ä"]);
        assert_eq!(docs[1].json, "é€😀");
        assert_eq!(docs[1].version, 7);
        assert_eq!(docs[2].json, r#"{"x":"1:2"}"#);
        assert_eq!(docs[3].json, "");
        assert!(unpack(None).unwrap().is_empty());
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for bad in [
            "x",
            "1:3:ab",
            "1:1:a",
            "1:1:a5:{}",
            "1:2:é",
            "1:1:a1:b1",
            "1:-1:a0:",
            "x:1:a1:b",
        ] {
            assert!(unpack(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
