//! The account state behind delegated tokens. A verified token stays cached until it
//! expires, but the user it names can be disabled (`accountEnabled: false`) or deleted
//! meanwhile; their tokens must stop working within seconds, not at expiry. So every
//! delegated request also asks whether the account is still live.
//!
//! The answer is cached per tenant and user for [`STATE_TTL`]: the hot path pays a map
//! lookup under a read lock, and the store is asked once per user every few seconds.
//! A user PATCH or DELETE through this process forgets the entry at once
//! ([`Accounts::forget`]); a change made by another server sharing the PostgreSQL
//! database is seen when the entry expires. The TTL is real (monotonic) time, not the
//! injected clock: it bounds the staleness of a cache, not the validity of a token.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use edugraph_store::{EntityKind, Store};
use serde_json::Value;

use edugraph_platform::error::ApiError;

/// How long a looked-up account state is trusted.
pub const STATE_TTL: Duration = Duration::from_secs(5);
/// Most accounts remembered at once; beyond it stale entries go first, then everything.
const CAPACITY: usize = 100_000;

/// Whether an account was live, and when that was looked up.
type Entry = (bool, Instant);

/// Account states by tenant, then user (nested so a lookup borrows `&str`s).
#[derive(Default)]
pub struct Accounts {
    states: RwLock<HashMap<String, HashMap<String, Entry>>>,
}

impl Accounts {
    /// Whether the user exists in the tenant and is enabled, from the cache or the store.
    pub async fn live(
        &self,
        store: &dyn Store,
        tenant: &str,
        user: &str,
    ) -> Result<bool, ApiError> {
        let now = Instant::now();
        if let Some(live) = self.cached(tenant, user, now) {
            return Ok(live);
        }
        let live = match store.get(tenant, EntityKind::User, user).await? {
            None => false,
            Some(doc) => enabled(&doc.json),
        };
        self.remember(tenant, user, live, now);
        Ok(live)
    }

    /// Drops what is known about the user, after a change to the account.
    pub fn forget(&self, tenant: &str, user: &str) {
        let mut states = self.states.write().unwrap_or_else(|p| p.into_inner());
        if let Some(users) = states.get_mut(tenant) {
            users.remove(user);
        }
    }

    fn cached(&self, tenant: &str, user: &str, now: Instant) -> Option<bool> {
        let states = self.states.read().unwrap_or_else(|p| p.into_inner());
        let (live, at) = states.get(tenant)?.get(user)?;
        (now.duration_since(*at) < STATE_TTL).then_some(*live)
    }

    fn remember(&self, tenant: &str, user: &str, live: bool, now: Instant) {
        let mut states = self.states.write().unwrap_or_else(|p| p.into_inner());
        let count: usize = states.values().map(HashMap::len).sum();
        if count >= CAPACITY {
            for users in states.values_mut() {
                users.retain(|_, (_, at)| now.duration_since(*at) < STATE_TTL);
            }
            states.retain(|_, users| !users.is_empty());
            if states.values().map(HashMap::len).sum::<usize>() >= CAPACITY {
                states.clear();
            }
        }
        states
            .entry(tenant.to_string())
            .or_default()
            .insert(user.to_string(), (live, now));
    }
}

/// An account is enabled unless its document says `"accountEnabled": false`.
fn enabled(json: &str) -> bool {
    serde_json::from_str::<Value>(json)
        .ok()
        .and_then(|doc| doc.get("accountEnabled").and_then(Value::as_bool))
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let accounts = Accounts::default();
        let then = Instant::now();
        accounts.remember("t", "u", false, then);
        assert_eq!(accounts.cached("t", "u", then), Some(false));
        assert_eq!(accounts.cached("t", "v", then), None);
        assert_eq!(accounts.cached("x", "u", then), None);
        assert_eq!(accounts.cached("t", "u", then + STATE_TTL), None);
        accounts.forget("t", "u");
        assert_eq!(accounts.cached("t", "u", then), None);
    }

    #[test]
    fn only_an_explicit_false_disables() {
        assert!(enabled(r#"{"id":"u"}"#));
        assert!(enabled(r#"{"accountEnabled":true}"#));
        assert!(enabled(r#"{"accountEnabled":null}"#));
        assert!(!enabled(r#"{"accountEnabled":false}"#));
    }
}
