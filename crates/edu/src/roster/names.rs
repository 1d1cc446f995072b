//! Validated directory names. The only way to get one is `parse`, which says what is
//! wrong with a rejected value.

use super::RuleError;

/// `name@domain`: exactly one `@`, both sides non-empty, no whitespace or control
/// characters, no leading/trailing/double dots in the local part. The domain is not
/// checked against the tenant's (a development server accepts any).
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
}

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
