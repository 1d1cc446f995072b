//! Password hashing with Argon2id (default parameters, random salt, PHC string format).
//! Hashing is deliberately slow, so both directions run on the blocking pool and never
//! stall the async workers.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use edugraph_platform::error::ApiError;

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub async fn hash_password(password: &str) -> Result<String, ApiError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing task failed");
            ApiError::internal("The service could not complete the request.")
        })?
}

/// True when `password` matches the PHC `hash`; a malformed hash never matches.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

fn hash_blocking(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::internal("The service could not complete the request.")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_verifies_only_its_password() {
        let hash = hash_password("Correct horse 1!").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("Correct horse 1!", &hash).await);
        assert!(!verify_password("correct horse 1!", &hash).await);
        assert!(!verify_password("Correct horse 1!", "not a hash").await);
    }
}
