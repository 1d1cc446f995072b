//! Per-thread memory of rendered documents for the plain view (no `$select`, every
//! property readable), the view of almost every read. The same document is read again and
//! again (a user's own record, a class's roster), and rendering it (the masking pre-check
//! and hiding the on-request members) costs several times what finding it here does.
//!
//! An entry is found by a hash of the view and the document's length and first bytes (its
//! type and id), and used only when the stored text is equal to the document byte for
//! byte, so a changed document is simply rendered again. Each thread keeps at most
//! [`ENTRIES`] entries and starts over when full: a bounded memory, never a stale answer.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use super::View;

/// Entries per thread (a few megabytes at most for user documents).
const ENTRIES: usize = 1024;
/// Leading bytes of a document that go into its hash: `@odata.type` and `id`.
const HASHED_PREFIX: usize = 96;

struct Entry {
    doc: Box<str>,
    rendered: Box<str>,
}

thread_local! {
    static MEMO: RefCell<(std::collections::hash_map::RandomState, HashMap<u64, Entry>)> =
        RefCell::new(Default::default());
}

/// The plain view of `doc`, from the memory or from `render` (then remembered).
pub fn plain<'d>(
    doc: &'d str,
    view: &View<'_>,
    render: impl FnOnce() -> Cow<'d, str>,
) -> Cow<'d, str> {
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        let (hasher, entries) = &mut *memo;
        let key = key(hasher, doc, view);
        if let Some(entry) = entries.get(&key) {
            if *entry.doc == *doc {
                return Cow::Owned(entry.rendered.to_string());
            }
        }
        let out = render();
        if entries.len() >= ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                doc: doc.into(),
                rendered: (*out).into(),
            },
        );
        out
    })
}

fn key(hasher: &std::collections::hash_map::RandomState, doc: &str, view: &View<'_>) -> u64 {
    let mut h = hasher.build_hasher();
    view.version.hash(&mut h);
    view.kind.hash(&mut h);
    view.include_hidden.hash(&mut h);
    view.readable.on_request().hash(&mut h);
    doc.len().hash(&mut h);
    h.write(&doc.as_bytes()[..doc.len().min(HASHED_PREFIX)]);
    h.finish()
}

#[cfg(test)]
mod tests {
    use edugraph_odata::ApiVersion;
    use edugraph_store::EntityKind;

    use super::*;

    fn view(include_hidden: bool) -> View<'static> {
        View {
            version: ApiVersion::V1,
            kind: EntityKind::User,
            select: None,
            readable: edugraph_edu::access::Readable::ALL,
            include_hidden,
        }
    }

    #[test]
    fn a_remembered_rendering_is_used_only_for_the_same_text_and_view() {
        let calls = std::cell::Cell::new(0);
        let render = |doc: &str, view: &View<'_>| -> String {
            plain(doc, view, || {
                calls.set(calls.get() + 1);
                Cow::Owned(format!("{}!{}", doc, view.include_hidden))
            })
            .into_owned()
        };
        let a = r#"{"id":"1","displayName":"Ann"}"#;
        // Same length and prefix, different text: never the other's rendering.
        let b = r#"{"id":"1","displayName":"Bob"}"#;
        assert_eq!(render(a, &view(false)), format!("{a}!false"));
        assert_eq!(render(a, &view(false)), format!("{a}!false"));
        assert_eq!(calls.get(), 1);
        assert_eq!(render(b, &view(false)), format!("{b}!false"));
        assert_eq!(render(a, &view(true)), format!("{a}!true"));
        assert_eq!(calls.get(), 3);
    }
}
