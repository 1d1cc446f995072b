//! Per-thread memory of rendered documents for the plain view (no `$select`, every
//! property readable), the view of almost every read. The same document is read again and
//! again (a user's own record, a class's roster), and rendering it (the masking pre-check
//! and hiding the on-request members) costs several times what finding it here does.
//!
//! An entry is found by a hash of the view and the document's length and first bytes (its
//! type and id), and used only when both the view and the stored text are equal to the
//! entry's, byte for byte, so a changed document is simply rendered again. Each thread keeps at most
//! [`ENTRIES`] entries and starts over when full: a bounded memory, never a stale answer.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use super::View;

/// Entries per thread (a few megabytes at most for user documents).
const ENTRIES: usize = 1024;
/// Leading bytes of a document that go into its hash: `@odata.type` and `id`.
const HASHED_PREFIX: usize = 96;

struct Entry {
    view: ViewKey,
    doc: Box<str>,
    rendered: Box<str>,
}

/// Everything of a plain view that the rendering depends on, compared on every hit along
/// with the text: a hash collision must never hand one caller another view's rendering.
#[derive(PartialEq, Eq, Clone, Copy)]
struct ViewKey {
    version: edugraph_odata::ApiVersion,
    kind: edugraph_store::EntityKind,
    include_hidden: bool,
    on_request: &'static [&'static str],
}

impl ViewKey {
    fn of(view: &View<'_>) -> Self {
        ViewKey {
            version: view.version,
            kind: view.kind,
            include_hidden: view.include_hidden,
            on_request: view.readable.on_request(),
        }
    }
}

thread_local! {
    static MEMO: RefCell<HashMap<u64, Entry>> = RefCell::new(HashMap::new());
}

/// The plain view of `doc`, from the memory or from `render` (then remembered).
pub fn plain<'d>(
    doc: &'d str,
    view: &View<'_>,
    render: impl FnOnce() -> Cow<'d, str>,
) -> Cow<'d, str> {
    consult(doc, view, |hit| match hit {
        Some(rendered) => (Cow::Owned(rendered.to_string()), None),
        None => {
            let out = render();
            let keep = (*out).into();
            (out, Some(keep))
        }
    })
}

/// `use_it` applied to the plain view of `doc`, from the memory or from `render` (then
/// remembered), without copying the remembered text first (a list page splices each
/// item's tag straight from it).
pub fn with_plain<R>(
    doc: &str,
    view: &View<'_>,
    render: impl FnOnce() -> String,
    use_it: impl FnOnce(&str) -> R,
) -> R {
    consult(doc, view, |hit| match hit {
        Some(rendered) => (use_it(rendered), None),
        None => {
            let out = render();
            (use_it(&out), Some(out.into_boxed_str()))
        }
    })
}

/// Runs `f` on the remembered rendering of `doc` for `view`, or on `None` when there is
/// none; on a miss `f` also returns the rendering to remember.
fn consult<R>(
    doc: &str,
    view: &View<'_>,
    f: impl FnOnce(Option<&str>) -> (R, Option<Box<str>>),
) -> R {
    MEMO.with(|memo| {
        let mut entries = memo.borrow_mut();
        let key = key(doc, view);
        let view_key = ViewKey::of(view);
        if let Some(entry) = entries.get(&key) {
            if entry.view == view_key && *entry.doc == *doc {
                return f(Some(&entry.rendered)).0;
            }
        }
        let (result, keep) = f(None);
        if let Some(rendered) = keep {
            if entries.len() >= ENTRIES {
                entries.clear();
            }
            entries.insert(
                key,
                Entry {
                    view: view_key,
                    doc: doc.into(),
                    rendered,
                },
            );
        }
        result
    })
}

/// A cheap, unkeyed hash (the word-at-a-time multiply of FxHash): the key only picks a
/// slot, equality of the whole text decides, so a collision costs a rendering, never a
/// wrong answer.
fn key(doc: &str, view: &View<'_>) -> u64 {
    let mut h: u64 = 0;
    let mut mix = |w: u64| h = (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    mix(u64::from(view.version == edugraph_odata::ApiVersion::Beta));
    mix(view.kind as u64);
    mix(u64::from(view.include_hidden));
    mix(view.readable.on_request().as_ptr() as u64);
    mix(view.readable.on_request().len() as u64);
    mix(doc.len() as u64);
    for chunk in doc.as_bytes()[..doc.len().min(HASHED_PREFIX)].chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        mix(u64::from_le_bytes(word));
    }
    h
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
