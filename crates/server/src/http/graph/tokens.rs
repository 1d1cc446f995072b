//! The opaque `$skiptoken` and `$deltatoken` values. Clients must treat them as opaque, so
//! they are base64url text; the server checks every token it gets back and answers a
//! malformed or mismatched one with a 400 rather than guessing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edugraph_store::EntityKind;

use crate::error::{ApiError, ApiResult};

/// Where the next page of a listing or a delta round starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipToken {
    /// A plain listing: rows to skip.
    Offset(u64),
    /// First delta round: the entities of the snapshot `snapshot` with ids after `after_id`.
    Listing {
        kind: EntityKind,
        snapshot: i64,
        after_id: String,
    },
    /// Later delta round: changes with `after < seq <= upto`.
    Changes {
        kind: EntityKind,
        upto: i64,
        after: i64,
    },
}

/// The roster's short tags (tokens already handed out use them), else the type name.
fn kind_tag(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "u",
        EntityKind::Class => "c",
        EntityKind::School => "s",
        other => other.type_name(),
    }
}

fn kind_from_tag(tag: &str) -> Option<EntityKind> {
    match tag {
        "u" => Some(EntityKind::User),
        "c" => Some(EntityKind::Class),
        "s" => Some(EntityKind::School),
        other => EntityKind::from_type_name(other),
    }
}

fn seal(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text.as_bytes())
}

fn open(token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes).ok()
}

impl SkipToken {
    pub fn encode(&self) -> String {
        match self {
            SkipToken::Offset(n) => seal(&format!("o:{n}")),
            SkipToken::Listing {
                kind,
                snapshot,
                after_id,
            } => seal(&format!("l:{}:{snapshot}:{after_id}", kind_tag(*kind))),
            SkipToken::Changes { kind, upto, after } => {
                seal(&format!("c:{}:{upto}:{after}", kind_tag(*kind)))
            }
        }
    }

    pub fn decode(token: &str) -> ApiResult<SkipToken> {
        Self::parse(token).ok_or_else(|| {
            ApiError::bad_request(format!("The $skiptoken value '{token}' is not valid."))
        })
    }

    fn parse(token: &str) -> Option<SkipToken> {
        let text = open(token)?;
        let mut parts = text.splitn(4, ':');
        match parts.next()? {
            "o" => {
                let n = parts.next()?.parse().ok()?;
                parts.next().is_none().then_some(SkipToken::Offset(n))
            }
            "l" => {
                let kind = kind_from_tag(parts.next()?)?;
                let snapshot = parts.next()?.parse().ok().filter(|s: &i64| *s >= 0)?;
                let after_id = parts.next()?.to_string();
                Some(SkipToken::Listing {
                    kind,
                    snapshot,
                    after_id,
                })
            }
            "c" => {
                let kind = kind_from_tag(parts.next()?)?;
                let upto = parts.next()?.parse().ok()?;
                let after = parts.next()?.parse().ok()?;
                (0 <= after && after <= upto).then_some(SkipToken::Changes { kind, upto, after })
            }
            _ => None,
        }
    }
}

/// A `$deltatoken`: the change sequence number a client has seen up to, for one kind.
pub fn encode_delta(kind: EntityKind, seq: i64) -> String {
    seal(&format!("d:{}:{seq}", kind_tag(kind)))
}

pub fn decode_delta(token: &str, kind: EntityKind) -> ApiResult<i64> {
    let bad = || ApiError::bad_request(format!("The $deltatoken value '{token}' is not valid."));
    let text = open(token).ok_or_else(bad)?;
    let mut parts = text.split(':');
    match (
        parts.next(),
        parts.next().and_then(kind_from_tag),
        parts.next(),
        parts.next(),
    ) {
        (Some("d"), Some(k), Some(seq), None) if k == kind => {
            seq.parse().ok().filter(|s: &i64| *s >= 0).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for t in [
            SkipToken::Offset(0),
            SkipToken::Offset(12345),
            SkipToken::Listing {
                kind: EntityKind::User,
                snapshot: 7,
                after_id: "a:b".into(),
            },
            SkipToken::Changes {
                kind: EntityKind::Class,
                upto: 9,
                after: 3,
            },
        ] {
            assert_eq!(SkipToken::decode(&t.encode()).unwrap(), t);
        }
        assert_eq!(
            decode_delta(&encode_delta(EntityKind::School, 42), EntityKind::School).unwrap(),
            42
        );
    }

    #[test]
    fn bad_tokens_are_refused() {
        for bad in [
            "",
            "!!!",
            &seal("o:abc"),
            &seal("o:-1"),
            &seal("o:1:2"),
            &seal("c:u:3:9"),
            &seal("x:1"),
        ] {
            assert!(SkipToken::decode(bad).is_err(), "{bad}");
        }
        // A users token is not a classes token.
        assert!(decode_delta(&encode_delta(EntityKind::User, 1), EntityKind::Class).is_err());
        assert!(decode_delta(&seal("d:u:-4"), EntityKind::User).is_err());
        assert!(decode_delta("not base64 at all", EntityKind::User).is_err());
    }
}
