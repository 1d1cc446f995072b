//! Which permission names exist, checked against the permission model
//! (`edugraph_edu::access::permission`) and returned by their canonical names. App
//! registration (`admin::apps`) and direct minting (`auth::issue`: `edugraph token`,
//! `POST /_edugraph/tokens`) check names with the same functions, so a name refused by
//! one is refused by the other:
//! application permissions are the `.All` names (education families and the directory
//! permissions that have one), delegated permissions the others plus the OpenID Connect
//! scopes Entra lists beside Graph's.

use edugraph_edu::access::permission::{Kind, Permission, DIRECTORY_PERMISSIONS};

/// A permission name that does not exist, or not for the kind of token asked for; the
/// message names it (and the right spelling where there is one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPermission(pub String);

impl std::fmt::Display for UnknownPermission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type NameResult<T> = Result<T, UnknownPermission>;

/// Scopes of OpenID Connect itself, requestable by any app that signs users in.
pub const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// Every application permission name an app may request, least privileged first.
pub fn known_application() -> Vec<String> {
    let mut out: Vec<String> = Permission::all()
        .into_iter()
        .filter(|p| p.kind == Kind::Application)
        .map(Permission::name)
        .collect();
    out.extend(
        DIRECTORY_PERMISSIONS
            .iter()
            .filter(|d| d.ends_with(".All"))
            .map(|d| d.to_string()),
    );
    out
}

/// Every delegated permission name an app may request.
pub fn known_delegated() -> Vec<String> {
    let mut out: Vec<String> = Permission::all()
        .into_iter()
        .filter(|p| p.kind == Kind::Delegated)
        .map(Permission::name)
        .collect();
    out.extend(DIRECTORY_PERMISSIONS.iter().map(|d| d.to_string()));
    out.extend(OIDC_SCOPES.iter().map(|s| s.to_string()));
    out
}

/// Checks application permission names and returns them canonical and without repeats.
pub fn application(names: &[String]) -> NameResult<Vec<String>> {
    canonical(names, Kind::Application)
}

/// Checks delegated permission names and returns them canonical and without repeats.
pub fn delegated(names: &[String]) -> NameResult<Vec<String>> {
    canonical(names, Kind::Delegated)
}

fn canonical(names: &[String], kind: Kind) -> NameResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in names {
        let name = raw.trim();
        let found = match Permission::parse(name) {
            Some(p) if p.kind == kind => Some(p.name()),
            Some(p) => return Err(wrong_kind(name, p, kind)),
            None => other_name(name, kind)?,
        };
        let Some(found) = found else {
            let known = match kind {
                Kind::Application => known_application(),
                Kind::Delegated => known_delegated(),
            };
            return Err(UnknownPermission(format!(
                "Unknown {} permission {name:?}. Known: {}.",
                kind.as_str(),
                known.join(", ")
            )));
        };
        if !out.contains(&found) {
            out.push(found);
        }
    }
    Ok(out)
}

/// Directory permissions and OpenID scopes: the canonical spelling when the name is one
/// of them and fits `kind`.
fn other_name(name: &str, kind: Kind) -> NameResult<Option<String>> {
    if let Some(d) = DIRECTORY_PERMISSIONS
        .iter()
        .find(|d| d.eq_ignore_ascii_case(name))
    {
        if kind == Kind::Application && !d.ends_with(".All") {
            return Err(UnknownPermission(format!(
                "{d} is a delegated permission only; application permissions end in .All."
            )));
        }
        return Ok(Some(d.to_string()));
    }
    if let Some(s) = OIDC_SCOPES.iter().find(|s| s.eq_ignore_ascii_case(name)) {
        if kind == Kind::Application {
            return Err(UnknownPermission(format!(
                "{s} is an OpenID Connect scope, requested with --delegated-permissions, not an application permission."
            )));
        }
        return Ok(Some(s.to_string()));
    }
    Ok(None)
}

fn wrong_kind(name: &str, p: Permission, wanted: Kind) -> UnknownPermission {
    let twin = Permission::new(p.family, p.level, wanted).name();
    match wanted {
        Kind::Application => UnknownPermission(format!(
            "{name} is a delegated permission; application permissions end in .All (did you mean {twin}?)."
        )),
        Kind::Delegated => UnknownPermission(format!(
            "{name} is an application permission; delegated permissions have no .All suffix (did you mean {twin}?)."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn application_names_are_canonical_and_deduplicated() {
        let got = application(&v(&[
            "eduroster.read.all",
            "EduRoster.WriteWrite.All",
            "EduRoster.Read.All",
            "directory.read.all",
        ]))
        .unwrap();
        assert_eq!(
            got,
            v(&[
                "EduRoster.Read.All",
                "EduRoster.ReadWrite.All",
                "Directory.Read.All"
            ])
        );
    }

    #[test]
    fn wrong_kinds_and_unknown_names_are_refused_by_name() {
        let err = application(&v(&["EduRoster.Read"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("EduRoster.Read.All"), "{err}");
        let err = application(&v(&["User.Read"])).unwrap_err().to_string();
        assert!(err.contains("User.Read"), "{err}");
        let err = application(&v(&["openid"])).unwrap_err().to_string();
        assert!(err.contains("--delegated-permissions"), "{err}");
        let err = application(&v(&["EduRoster.ReadWriteBasic.All"]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("Unknown application permission"), "{err}");
        let err = delegated(&v(&["EduAssignments.ReadWrite.All"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("EduAssignments.ReadWrite"), "{err}");
        assert!(delegated(&v(&["Mail.Send"])).is_err());
    }

    #[test]
    fn delegated_names_include_directory_and_openid_scopes() {
        let got = delegated(&v(&[
            "EduRoster.Write",
            "User.Read",
            "OpenID",
            "offline_access",
        ]))
        .unwrap();
        assert_eq!(
            got,
            v(&[
                "EduRoster.ReadWrite",
                "User.Read",
                "openid",
                "offline_access"
            ])
        );
        assert!(known_delegated().contains(&"EduAssignments.ReadWriteBasic".to_string()));
        assert!(known_application().iter().all(|n| n.ends_with(".All")));
    }
}
