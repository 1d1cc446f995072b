//! The `scope` parameter. Entra scopes name a resource and a permission
//! (`https://graph.microsoft.com/EduRoster.Read`); we are the only resource, reachable
//! under Graph's URI, Graph's app id or our own issuer base, and a bare permission name
//! means Graph as it does in Entra. `resource/.default` stands for everything the app is
//! registered for. The OpenID Connect scopes (`openid`, `profile`, `email`,
//! `offline_access`) carry no permission: they ask for an id token and a refresh token.

use super::error::{OAuthError, OAuthResult};
use super::tenant::sanitize;
use crate::auth::{GRAPH_APP_ID, GRAPH_AUDIENCE};

/// OpenID Connect scopes, in the order responses list them.
pub const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// A parsed `scope` parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requested {
    /// OpenID Connect scopes asked for (lower case).
    pub oidc: Vec<String>,
    /// `.default` was asked for.
    pub default: bool,
    /// Permission names, without the resource.
    pub names: Vec<String>,
}

impl Requested {
    pub fn has(&self, oidc: &str) -> bool {
        self.oidc.iter().any(|s| s == oidc)
    }
}

/// Splits a scope parameter into OIDC scopes, `.default` and permission names.
pub fn parse(scope: &str, issuer_base: &str) -> OAuthResult<Requested> {
    let mut out = Requested::default();
    for item in scope.split_whitespace() {
        if let Some(oidc) = OIDC_SCOPES.iter().find(|s| s.eq_ignore_ascii_case(item)) {
            if !out.has(oidc) {
                out.oidc.push((*oidc).to_string());
            }
            continue;
        }
        let name = strip_resource(item, issuer_base).ok_or_else(|| {
            OAuthError::new(
                "invalid_resource",
                500011,
                format!(
                    "The resource principal named {} was not found in the tenant. The resource is Microsoft Graph (https://graph.microsoft.com) on this server.",
                    sanitize(item.rsplit_once('/').map_or(item, |(r, _)| r))
                ),
            )
        })?;
        if name.eq_ignore_ascii_case(".default") {
            out.default = true;
        } else if !valid_name(name) {
            return Err(invalid_value(item));
        } else if !out.names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            out.names.push(name.to_string());
        }
    }
    if out.default && !out.names.is_empty() {
        return Err(OAuthError::invalid_scope(
            70011,
            "The provided value for the input parameter 'scope' is not valid. The scope .default cannot be combined with resource-specific scopes.",
        ));
    }
    Ok(out)
}

/// The permission part of a scope for our resource, or `None` for another resource.
fn strip_resource<'a>(item: &'a str, issuer_base: &str) -> Option<&'a str> {
    let Some((resource, name)) = item.rsplit_once('/') else {
        return Some(item);
    };
    let resource = resource.trim_end_matches('/');
    let base = issuer_base.trim_end_matches('/');
    let ours = resource.eq_ignore_ascii_case(GRAPH_AUDIENCE)
        || resource.eq_ignore_ascii_case(GRAPH_APP_ID)
        || resource.eq_ignore_ascii_case(base);
    ours.then_some(name)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 120
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

pub fn invalid_value(item: &str) -> OAuthError {
    OAuthError::invalid_scope(
        70011,
        format!(
            "The provided value for the input parameter 'scope' is not valid. The scope '{}' is not valid.",
            sanitize(item)
        ),
    )
}

/// Client credentials take exactly one scope, `{resource}/.default`.
pub fn check_app_only(scope: &str, issuer_base: &str) -> OAuthResult<()> {
    let items: Vec<&str> = scope.split_whitespace().collect();
    let ok = match items.as_slice() {
        [one] => {
            one.contains('/')
                && strip_resource(one, issuer_base)
                    .is_some_and(|n| n.eq_ignore_ascii_case(".default"))
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    // A foreign resource gets the resource error, anything else the .default rule.
    parse(scope, issuer_base)?;
    Err(OAuthError::invalid_scope(
        1002012,
        format!(
            "The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            sanitize(scope)
        ),
    ))
}

/// The delegated permissions a request resolves to: all the app's for `.default` (or no
/// permission named at all), else the named ones, each of which the app must be
/// registered for. Names come back spelled as registered.
pub fn delegated_grant(req: &Requested, registered: &[String]) -> OAuthResult<Vec<String>> {
    if req.default || req.names.is_empty() {
        return Ok(registered.to_vec());
    }
    req.names
        .iter()
        .map(|name| {
            registered
                .iter()
                .find(|r| r.eq_ignore_ascii_case(name))
                .cloned()
                .ok_or_else(|| {
                    OAuthError::invalid_scope(
                        70011,
                        format!(
                            "The provided value for the input parameter 'scope' is not valid. The scope '{}' is not configured for this application; its delegated permissions are: {}.",
                            sanitize(name),
                            if registered.is_empty() { "none".to_string() } else { registered.join(", ") }
                        ),
                    )
                })
        })
        .collect()
}

/// The `scope` of a delegated token response: each permission under Graph's URI, then the
/// OIDC scopes that were granted.
pub fn response_scope(granted: &[String], oidc: &[String]) -> String {
    granted
        .iter()
        .map(|p| format!("{GRAPH_AUDIENCE}/{p}"))
        .chain(oidc.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://edu.example";

    #[test]
    fn resources_and_oidc_scopes_are_told_apart() {
        let r = parse(
            "openid https://graph.microsoft.com/EduRoster.Read offline_access EduAssignments.ReadWrite profile",
            BASE,
        )
        .unwrap();
        assert_eq!(r.oidc, ["openid", "offline_access", "profile"]);
        assert_eq!(r.names, ["EduRoster.Read", "EduAssignments.ReadWrite"]);
        assert!(!r.default);
        assert!(parse("https://edu.example/.default", BASE).unwrap().default);
        assert!(
            parse("00000003-0000-0000-c000-000000000000/.default", BASE)
                .unwrap()
                .default
        );
        let e = parse("https://vault.azure.net/.default", BASE).unwrap_err();
        assert_eq!((e.error, e.code), ("invalid_resource", 500011));
        let e = parse("https://graph.microsoft.com/.default EduRoster.Read", BASE).unwrap_err();
        assert_eq!(e.error, "invalid_scope");
        assert_eq!(
            parse("EduRoster.Read<script>", BASE).unwrap_err().code,
            70011
        );
    }

    #[test]
    fn client_credentials_need_exactly_one_default() {
        assert!(check_app_only("https://graph.microsoft.com/.default", BASE).is_ok());
        assert!(check_app_only("https://edu.example/.default", BASE).is_ok());
        for bad in [
            "",
            "openid",
            "https://graph.microsoft.com/EduRoster.Read.All",
            ".default",
            "https://graph.microsoft.com/.default openid",
        ] {
            let e = check_app_only(bad, BASE).unwrap_err();
            assert_eq!((e.error, e.code), ("invalid_scope", 1002012), "{bad}");
        }
    }

    #[test]
    fn delegated_scopes_must_be_registered() {
        let registered = vec!["EduRoster.ReadBasic".to_string(), "User.Read".to_string()];
        let all = parse("https://graph.microsoft.com/.default openid", BASE).unwrap();
        assert_eq!(delegated_grant(&all, &registered).unwrap(), registered);
        let one = parse("eduroster.readbasic", BASE).unwrap();
        assert_eq!(
            delegated_grant(&one, &registered).unwrap(),
            ["EduRoster.ReadBasic"]
        );
        let other = parse("EduRoster.ReadWrite", BASE).unwrap();
        assert_eq!(
            delegated_grant(&other, &registered).unwrap_err().code,
            70011
        );
        assert_eq!(
            response_scope(&registered, &["openid".into()]),
            "https://graph.microsoft.com/EduRoster.ReadBasic https://graph.microsoft.com/User.Read openid"
        );
    }
}
