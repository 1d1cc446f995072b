//! Password hashing with Argon2id (default parameters, random salt, PHC string format),
//! under one per-process bound.
//!
//! Each hash or verification takes a core for tens of milliseconds and ~19 MB of memory,
//! and anyone can cause one (a password grant with a wrong password needs no token). So
//! every caller goes through the process's [`Hashing`]: at most `concurrency` run at once
//! and at most `queue` more wait; anything past that is refused at once with [`Busy`],
//! which the endpoints answer with 503 and `Retry-After` before they write anything.
//! The work runs on the blocking pool and keeps its permit until Argon2 returns, so a
//! client that hangs up mid-hash cannot free its slot early. Argon2's working memory is
//! allocated once per permit and reused: freed 19 MB buffers otherwise linger in the
//! allocator's per-thread arenas, and a burst kept hundreds of megabytes resident.
//!
//! Checking a password for an account that does not exist (or has no password) verifies
//! against a fixed dummy hash with the same parameters, so it costs what a real one does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use edugraph_platform::config::Config;
use edugraph_platform::error::ApiError;

/// Seconds a refused client is told to wait: the queue drains in a fraction of that.
pub const RETRY_AFTER_SECS: u64 = 1;

/// The bound was reached: nothing was hashed, the caller must not write anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// Why a password could not be hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashError {
    Busy,
    /// Argon2 or its task failed (logged where it happened).
    Failed,
}

impl From<Busy> for HashError {
    fn from(_: Busy) -> Self {
        HashError::Busy
    }
}

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => ApiError::service_unavailable(
                "Too many passwords are being processed at once. Retry after the time given in Retry-After.",
                RETRY_AFTER_SECS,
            ),
            HashError::Failed => ApiError::internal("The service could not complete the request."),
        }
    }
}

/// A place in the bound (running or waiting). Public so that a test can hold the only
/// one and see every other caller refused, without timing anything.
#[derive(Debug)]
pub struct Admission(#[allow(dead_code)] OwnedSemaphorePermit);

/// The process-wide bound on Argon2 work.
#[derive(Debug)]
pub struct Hashing {
    /// `concurrency + queue` places: taken without waiting, or the caller is refused.
    places: Arc<Semaphore>,
    /// `concurrency` permits to run; holders of a place wait here for their turn.
    running: Arc<Semaphore>,
    /// Working memory of finished runs, taken by the next ones (at most `concurrency`).
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    verifications: AtomicU64,
}

impl Hashing {
    /// At most `concurrency` (at least 1) at once, `queue` more waiting.
    pub fn new(concurrency: usize, queue: usize) -> Hashing {
        let concurrency = concurrency.max(1);
        Hashing {
            places: Arc::new(Semaphore::new(concurrency.saturating_add(queue))),
            running: Arc::new(Semaphore::new(concurrency)),
            memory: Arc::default(),
            verifications: AtomicU64::new(0),
        }
    }

    /// `hash_concurrency` (0: one per core) and `hash_queue` of the configuration.
    pub fn from_config(config: &Config) -> Hashing {
        let concurrency = match config.hash_concurrency {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        Hashing::new(concurrency, config.hash_queue)
    }

    /// Takes a place, or refuses when all are taken.
    pub fn admit(&self) -> Result<Admission, Busy> {
        self.places
            .clone()
            .try_acquire_owned()
            .map(Admission)
            .map_err(|_| Busy)
    }

    /// Verifications started so far (dummy ones included).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$...`), or refuses at once.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let admission = self.admit()?;
        self.hash_admitted(Some(admission), password).await
    }

    /// Hashes without a place in the queue, waiting for a turn instead of being refused:
    /// for the operator's own work (seeding the demo tenant), never for a request anyone
    /// can send. It still counts against `concurrency`.
    pub async fn hash_waiting(&self, password: &str) -> Result<String, HashError> {
        self.hash_admitted(None, password).await
    }

    async fn hash_admitted(
        &self,
        admission: Option<Admission>,
        password: &str,
    ) -> Result<String, HashError> {
        let password = password.to_owned();
        self.run(admission, move |memory| hash_blocking(&password, memory))
            .await
            .ok_or(HashError::Failed)?
    }

    /// True when `password` matches the PHC `hash`; a malformed hash never matches.
    /// Without a hash (no such account, or one without a password) the password is
    /// checked against the dummy hash, at the same cost, and never matches.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, Busy> {
        let admission = self.admit()?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let (password, hash) = (password.to_owned(), hash.map(str::to_owned));
        let matched = self
            .run(Some(admission), move |memory| match hash {
                Some(hash) => verify_blocking(&password, &hash, memory),
                None => {
                    let _ = verify_blocking(&password, dummy_hash(memory), memory);
                    false
                }
            })
            .await;
        Ok(matched.unwrap_or(false))
    }

    /// Runs `work` on the blocking pool once a run permit is free, with a working memory
    /// buffer; the permit, the place and the buffer move into the blocking task, so they
    /// are released when Argon2 is done, even if the caller stopped waiting. `None` when
    /// the task failed.
    async fn run<T: Send + 'static>(
        &self,
        admission: Option<Admission>,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Option<T> {
        // The semaphore is never closed, so acquiring only fails if that changes.
        let permit = self.running.clone().acquire_owned().await.ok()?;
        let pool = self.memory.clone();
        tokio::task::spawn_blocking(move || {
            let _held = (permit, admission);
            let taken = pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut memory = taken.unwrap_or_default();
            let out = work(&mut memory);
            pool.lock().unwrap_or_else(|p| p.into_inner()).push(memory);
            out
        })
        .await
        .map_err(|e| tracing::error!(error = %e, "password hashing task failed"))
        .ok()
    }
}

fn verify_blocking(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        parsed
            .version
            .map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    compute(&argon2, password, salt, expected.len(), memory).is_ok_and(|out| out == expected)
}

/// Argon2 of `password` into an output of `len` bytes, in the reused `memory`.
fn compute(
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    len: usize,
    memory: &mut Vec<Block>,
) -> Result<Output, HashError> {
    let blocks = argon2.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])
            .map_err(Into::into)
    })
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        HashError::Failed
    })
}

/// A new account's initial password (`edugraph sync passwords`): 16 characters from a
/// 64-character alphabet without look-alikes (`I`, `O`, `l`, `0`, `1`) or CSV-special
/// characters, so 96 random bits, with an upper- and a lower-case letter, a digit and a
/// symbol, as directory password rules ask.
pub fn initial_password() -> String {
    use rand::RngCore as _;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%*+-?";
    loop {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        // 256 is a multiple of 64: every character is equally likely.
        let password: String = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % 64]))
            .collect();
        let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
        if has(char::is_ascii_uppercase)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_digit)
            && has(char::is_ascii_punctuation)
        {
            return password;
        }
    }
}

/// The hash unknown accounts are checked against: a random password hashed once per
/// process with the same parameters as every real hash.
fn dummy_hash(memory: &mut Vec<Block>) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret = SaltString::generate(&mut rand::rngs::OsRng);
        hash_blocking(secret.as_str(), memory).unwrap_or_default()
    })
}

/// A PHC string with Argon2's default (recommended) algorithm, version and parameters.
fn hash_blocking(password: &str, memory: &mut Vec<Block>) -> Result<String, HashError> {
    let argon2 = Argon2::default();
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_bytes = [0u8; 64];
    let failed = |e: argon2::password_hash::Error| {
        tracing::error!(error = %e, "password hashing failed");
        HashError::Failed
    };
    let raw_salt = salt.as_salt().decode_b64(&mut salt_bytes).map_err(failed)?;
    let len = argon2
        .params()
        .output_len()
        .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = compute(&argon2, password, raw_salt, len, memory)?;
    let phc = PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon2.params()).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_passwords_are_strong_and_distinct() {
        let all: std::collections::HashSet<String> = (0..200).map(|_| initial_password()).collect();
        assert_eq!(all.len(), 200);
        for p in &all {
            assert_eq!(p.len(), 16);
            assert!(p.chars().any(|c| c.is_ascii_uppercase()), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_digit()), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_punctuation()), "{p}");
            assert!(!p.contains([',', '"', 'I', 'O', 'l', '0', '1']), "{p}");
        }
    }

    #[tokio::test]
    async fn hash_verifies_only_its_password() {
        let hashing = Hashing::new(2, 2);
        let hash = hashing.hash("Correct horse 1!").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert_eq!(
            hashing.verify("Correct horse 1!", Some(&hash)).await,
            Ok(true)
        );
        assert_eq!(
            hashing.verify("correct horse 1!", Some(&hash)).await,
            Ok(false)
        );
        assert_eq!(
            hashing.verify("Correct horse 1!", Some("not a hash")).await,
            Ok(false)
        );
        assert_eq!(hashing.verifications(), 3);
    }

    /// Hashes made by the argon2 crate's own hasher (all stored passwords so far) verify,
    /// and ours verify with it.
    #[tokio::test]
    async fn hashes_interoperate_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = Argon2::default()
            .hash_password(b"Old pw 1!", &salt)
            .unwrap()
            .to_string();
        let hashing = Hashing::new(1, 0);
        assert_eq!(hashing.verify("Old pw 1!", Some(&theirs)).await, Ok(true));
        assert_eq!(hashing.verify("Old pw 2!", Some(&theirs)).await, Ok(false));
        let ours = hashing.hash("New pw 1!").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"New pw 1!", &parsed)
            .is_ok());
    }

    #[tokio::test]
    async fn a_missing_hash_is_checked_against_the_dummy_and_never_matches() {
        let hashing = Hashing::new(1, 0);
        assert_eq!(hashing.verify("anything", None).await, Ok(false));
        assert_eq!(hashing.verifications(), 1);
        // The dummy has the parameters of a real hash, so it costs the same.
        let real = PasswordHash::new(&hashing.hash("x").await.unwrap())
            .unwrap()
            .params
            .to_string();
        assert_eq!(
            PasswordHash::new(dummy_hash(&mut Vec::new()))
                .unwrap()
                .params
                .to_string(),
            real
        );
    }

    #[tokio::test]
    async fn past_the_bound_callers_are_refused_until_a_place_frees() {
        let hashing = Hashing::new(1, 1);
        let first = hashing.admit().unwrap();
        let second = hashing.admit().unwrap();
        assert_eq!(hashing.hash("pw").await, Err(HashError::Busy));
        assert_eq!(hashing.verify("pw", None).await, Err(Busy));
        assert_eq!(
            hashing.verifications(),
            0,
            "a refused verification never ran"
        );
        drop(first);
        assert!(hashing.hash("pw").await.is_ok());
        drop(second);
        // The operator's path waits for its turn rather than being refused.
        let _held = (hashing.admit().unwrap(), hashing.admit().unwrap());
        assert!(hashing.hash_waiting("pw").await.is_ok());
    }
}
