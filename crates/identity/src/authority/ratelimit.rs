//! Sign-in throttling: failed sign-ins are counted per account and per client address in
//! a sliding window; past the limit, further sign-ins for that key are refused (even with
//! the right password) until old failures leave the window, as Entra's smart lockout does.
//! Only failures count, so busy automation that signs in correctly is never throttled.
//!
//! The counters live in this process's memory: several server processes behind one load
//! balancer each count on their own, and a restart forgets them.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The limits (from the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_account: u32,
    pub per_address: u32,
    pub window_secs: i64,
}

/// Most keys tracked at once; past it, keys without recent failures are dropped first.
const MAX_KEYS: usize = 100_000;

/// Failure timestamps (unix seconds) per key.
#[derive(Debug)]
pub struct Limiter {
    limits: Limits,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

/// Which limit refused a sign-in, and for how many more seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    Account { retry_after: u64 },
    Address { retry_after: u64 },
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn account_key(account: &str) -> String {
        format!("a:{}", account.to_ascii_lowercase())
    }
    fn address_key(address: &str) -> String {
        format!("i:{address}")
    }

    /// Refuses when either key has reached its limit within the window.
    pub fn check(&self, account: &str, address: &str, now: i64) -> Result<(), Throttled> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.limits.window_secs;
        let mut over = |key: String, limit: u32| -> Option<u64> {
            let times = map.get_mut(&key)?;
            while times.front().is_some_and(|t| *t <= now - window) {
                times.pop_front();
            }
            let oldest = *times.front()?;
            (times.len() >= limit as usize)
                .then(|| u64::try_from(oldest + window - now).unwrap_or(1).max(1))
        };
        if let Some(retry_after) = over(Self::account_key(account), self.limits.per_account) {
            return Err(Throttled::Account { retry_after });
        }
        if let Some(retry_after) = over(Self::address_key(address), self.limits.per_address) {
            return Err(Throttled::Address { retry_after });
        }
        Ok(())
    }

    /// Counts a failed sign-in against both keys.
    pub fn failed(&self, account: &str, address: &str, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let window = self.limits.window_secs;
            map.retain(|_, times| times.back().is_some_and(|t| *t > now - window));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        for key in [Self::account_key(account), Self::address_key(address)] {
            let times = map.entry(key).or_default();
            times.push_back(now);
            // Never keep more than the larger limit needs.
            let cap = self.limits.per_account.max(self.limits.per_address) as usize;
            while times.len() > cap {
                times.pop_front();
            }
        }
    }
}

/// The client's address: the peer of the connection, or the address a trusted proxy
/// forwarded (`X-Forwarded-For` / `Forwarded` from any other peer is ignored; see
/// `http::forwarded`). In-process requests without a connection are `unknown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            edugraph_platform::forwarded::client_ip(&parts.extensions)
                .map(|ip| ip.to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> Limiter {
        Limiter::new(Limits {
            per_account: 3,
            per_address: 5,
            window_secs: 60,
        })
    }

    #[test]
    fn an_account_locks_after_its_limit_and_unlocks_when_the_window_passes() {
        let l = limiter();
        for i in 0..3 {
            assert!(l.check("Ada@x.edu", "1.1.1.1", 100 + i).is_ok());
            l.failed("ada@x.edu", "1.1.1.1", 100 + i);
        }
        assert_eq!(
            l.check("ADA@x.edu", "2.2.2.2", 110),
            Err(Throttled::Account { retry_after: 50 })
        );
        assert!(l.check("bob@x.edu", "2.2.2.2", 110).is_ok());
        assert!(l.check("ada@x.edu", "2.2.2.2", 161).is_ok());
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let l = limiter();
        for i in 0..5 {
            l.failed(&format!("user{i}@x.edu"), "9.9.9.9", 100);
        }
        assert!(matches!(
            l.check("new@x.edu", "9.9.9.9", 101),
            Err(Throttled::Address { .. })
        ));
        assert!(l.check("new@x.edu", "8.8.8.8", 101).is_ok());
    }
}
