//! Entra's default password policy for cloud users, applied when a password is set on
//! create or PATCH: 8 to 256 characters; at least three of lower case letters, upper
//! case letters, digits and symbols; only printable ASCII (letters, digits, symbols and
//! the space); and not the user's alias (the part of the user principal name before `@`).
//! A user whose `passwordPolicies` contains `DisableStrongPassword` keeps only the length
//! limits, as in Entra.
//!
//! The alias rule applies to aliases of three characters or more (as Active Directory
//! does for account names): a one-letter alias would otherwise ban that letter.

use super::RuleError;

pub const MIN_PASSWORD_LENGTH: usize = 8;
pub const MAX_PASSWORD_LENGTH: usize = 256;
const MIN_ALIAS_CHECKED: usize = 3;

/// Entra's message for a password its policy refuses, plus what the policy asks.
pub const PASSWORD_REFUSED: &str = "The specified password does not comply with password complexity requirements. Please provide a different password.";

/// True when `passwordPolicies` (a comma-separated list) disables the complexity rules.
pub fn strong_password_disabled(policies: Option<&str>) -> bool {
    policies.is_some_and(|p| {
        p.split(',')
            .any(|item| item.trim().eq_ignore_ascii_case("DisableStrongPassword"))
    })
}

/// Checks `password` for the user with principal name `upn` and `passwordPolicies`
/// `policies`.
pub fn check_password(
    password: &str,
    upn: Option<&str>,
    policies: Option<&str>,
) -> Result<(), RuleError> {
    let refused = |why: &str| RuleError::directory(format!("{PASSWORD_REFUSED} {why}"));
    let length = password.chars().count();
    if !(MIN_PASSWORD_LENGTH..=MAX_PASSWORD_LENGTH).contains(&length) {
        return Err(refused(&format!(
            "A password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters; this one has {length}."
        )));
    }
    if strong_password_disabled(policies) {
        return Ok(());
    }
    if !password.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
        return Err(refused(
            "A password may hold only letters A-Z and a-z, digits, symbols and spaces.",
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&has| has).count() < 3 {
        return Err(refused(
            "A password needs at least three of: lower case letters, upper case letters, digits, symbols.",
        ));
    }
    let alias = upn
        .and_then(|u| u.split_once('@'))
        .map(|(alias, _)| alias.to_ascii_lowercase());
    if let Some(alias) = alias.filter(|a| a.chars().count() >= MIN_ALIAS_CHECKED) {
        if password.to_ascii_lowercase().contains(&alias) {
            return Err(refused(
                "A password must not contain the user's alias (the user principal name before '@').",
            ));
        }
    }
    Ok(())
}
