//! Sign-in throttling: failed sign-ins are counted per account and per client address in
//! a sliding window; past the limit, further sign-ins for that key are refused (even with
//! the right password) until old failures leave the window, as Entra's smart lockout does.
//! Only failures count, so busy automation that signs in correctly is never throttled.
//! An attempt is counted (reserved) before its password is checked, in the same step as
//! the limit check, and taken back if it did not fail: however many attempts arrive at
//! once, at most the limit of them reach Argon2.
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

    /// Counts an attempt against both keys, or refuses when either has reached its limit
    /// within the window. Check and count are one step under the lock, so concurrent
    /// attempts cannot all pass before the first failure is recorded: the reservation
    /// counts like a failure until [`Limiter::release`] takes it back.
    pub fn reserve(
        &self,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<Reservation, Throttled> {
        let reservation = Reservation {
            keys: [Self::account_key(account), Self::address_key(address)],
            at: now,
        };
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.limits.window_secs;
        let limits = [self.limits.per_account, self.limits.per_address];
        for (key, limit) in reservation.keys.iter().zip(limits) {
            let Some(times) = map.get_mut(key) else {
                continue;
            };
            while times.front().is_some_and(|t| *t <= now - window) {
                times.pop_front();
            }
            if let (Some(oldest), true) = (times.front(), times.len() >= limit as usize) {
                let retry_after = u64::try_from(oldest + window - now).unwrap_or(1).max(1);
                return Err(if key.starts_with("a:") {
                    Throttled::Account { retry_after }
                } else {
                    Throttled::Address { retry_after }
                });
            }
        }
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| times.back().is_some_and(|t| *t > now - window));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        for key in &reservation.keys {
            map.entry(key.clone()).or_default().push_back(now);
        }
        Ok(reservation)
    }

    /// Takes back a reservation whose attempt did not fail (it signed in, or no password
    /// was checked): only failures keep counting. Dropping a reservation keeps it.
    pub fn release(&self, reservation: Reservation) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in &reservation.keys {
            let Some(times) = map.get_mut(key) else {
                continue;
            };
            // Entries with the same time are interchangeable; the window may have
            // dropped this one already.
            if let Some(i) = times.iter().rposition(|t| *t == reservation.at) {
                times.remove(i);
            }
            if times.is_empty() {
                map.remove(key);
            }
        }
    }
}

/// The client's address: the peer of the connection, or the address a trusted proxy
/// forwarded (`X-Forwarded-For` / `Forwarded` from any other peer is ignored; see
/// `platform::forwarded`). In-process requests without a connection are `unknown`.
/// One attempt counted by [`Limiter::reserve`].
#[derive(Debug)]
#[must_use = "an attempt that did not fail must be released"]
pub struct Reservation {
    keys: [String; 2],
    at: i64,
}

/// The client's address: the peer of the connection (proxies are not trusted, so
/// `X-Forwarded-For` is ignored). In-process requests without a connection are
/// `unknown`.
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
    use std::sync::{Arc, Barrier};

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
            let _failed = l.reserve("Ada@x.edu", "1.1.1.1", 100 + i).unwrap();
        }
        assert_eq!(
            l.reserve("ADA@x.edu", "2.2.2.2", 110).unwrap_err(),
            Throttled::Account { retry_after: 50 }
        );
        assert!(l.reserve("bob@x.edu", "2.2.2.2", 110).is_ok());
        assert!(l.reserve("ada@x.edu", "2.2.2.2", 161).is_ok());
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let l = limiter();
        for i in 0..5 {
            let _failed = l
                .reserve(&format!("user{i}@x.edu"), "9.9.9.9", 100)
                .unwrap();
        }
        assert!(matches!(
            l.reserve("new@x.edu", "9.9.9.9", 101),
            Err(Throttled::Address { .. })
        ));
        assert!(l.reserve("new@x.edu", "8.8.8.8", 101).is_ok());
    }

    #[test]
    fn released_attempts_do_not_count() {
        let l = limiter();
        for _ in 0..10 {
            let ok = l.reserve("ada@x.edu", "1.1.1.1", 100).unwrap();
            l.release(ok);
        }
        for _ in 0..3 {
            let _failed = l.reserve("ada@x.edu", "1.1.1.1", 100).unwrap();
        }
        assert!(l.reserve("ada@x.edu", "1.1.1.1", 100).is_err());
    }

    /// Racing threads: the old check-then-count let every one of them through before
    /// the first failure was counted.
    #[test]
    fn concurrent_attempts_never_pass_the_limits() {
        for (accounts, limit) in [(1, 3), (50, 5)] {
            let l = Arc::new(limiter());
            let threads = 64;
            let start = Arc::new(Barrier::new(threads));
            let handles: Vec<_> = (0..threads)
                .map(|i| {
                    let (l, start) = (l.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        let account = format!("user{}@x.edu", i % accounts);
                        l.reserve(&account, "9.9.9.9", 100).is_ok()
                    })
                })
                .collect();
            let passed = handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|ok| *ok)
                .count();
            assert_eq!(passed, limit, "{accounts} account(s)");
        }
    }
}
