//! Validated directory names. The only way to get one is `parse`, which says what is
//! wrong with a rejected value.

use super::RuleError;

/// `name@domain`: exactly one `@`, both sides non-empty, no whitespace or control
/// characters, no leading/trailing/double dots in the local part, at most 64 characters
/// before the `@` (Entra's limit; the whole name's 113 is in `limits.rs`). The domain is
/// checked against the tenant's verified domains by [`UserPrincipalName::check_domain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrincipalName(String);

impl UserPrincipalName {
    pub fn parse(value: &str) -> Result<Self, RuleError> {
        let invalid = |why: &str| {
            RuleError::directory(format!(
                "Invalid value specified for property 'userPrincipalName' of resource 'educationUser': '{value}' {why}."
            ))
        };
        let Some((local, domain)) = value.split_once('@') else {
            return Err(invalid("must have the form name@domain"));
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(invalid("must have the form name@domain"));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("must not contain spaces"));
        }
        if local.chars().count() > MAX_UPN_ALIAS {
            return Err(invalid(&format!(
                "has {} characters before the @; at most {MAX_UPN_ALIAS} are allowed",
                local.chars().count()
            )));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid("has misplaced dots before the @"));
        }
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(invalid("has an invalid domain"));
        }
        Ok(Self(value.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
    /// Refuses a name whose domain is not one of `verified` (compared case-insensitively),
    /// with Entra's message.
    pub fn check_domain(&self, verified: &[String]) -> Result<(), RuleError> {
        if verified
            .iter()
            .any(|d| d.eq_ignore_ascii_case(self.domain()))
        {
            Ok(())
        } else {
            Err(RuleError::directory(UPN_DOMAIN_REFUSED))
        }
    }
}

/// Characters of a user principal name before the `@`.
pub const MAX_UPN_ALIAS: usize = 64;

/// Entra's message for a user principal name outside the tenant's verified domains.
pub const UPN_DOMAIN_REFUSED: &str = "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.";

/// A mail alias: 1 to 64 characters, none of them whitespace, `@` or the characters
/// Entra refuses in aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailNickname(String);

const FORBIDDEN_IN_NICKNAME: &[char] =
    &['@', '(', ')', '\\', '[', ']', '"', ';', ':', '<', '>', ','];

impl MailNickname {
    pub fn parse(value: &str) -> Result<Self, RuleError> {
        let invalid = |why: &str| {
            RuleError::directory(format!(
                "Invalid value specified for property 'mailNickname': '{value}' {why}."
            ))
        };
        if value.is_empty() || value.chars().count() > 64 {
            return Err(invalid("must be 1 to 64 characters long"));
        }
        if let Some(c) = value
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || FORBIDDEN_IN_NICKNAME.contains(c))
        {
            return Err(invalid(&format!("must not contain {c:?}")));
        }
        Ok(Self(value.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
