//! Checking a caller against a policy row. Every refusal names what was missing: the
//! permissions that would grant the call (least privileged first), the directory
//! permission needed in addition, or the class role; and, when the token carries names
//! of the wrong kind, says so (application permissions end in `.All`).

use super::permission::{Kind, Need, Permission};
use super::policy::{policy, Access, ClassRole, ClassRule, Policy};
use super::Op;
use crate::Caller;

/// How much of an educationUser the caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserView {
    /// Every property (application permissions above the basic level).
    Full,
    /// `REDUCED_USER_PROPERTIES` only: delegated callers, and applications granted by a
    /// basic level (`EduRoster.ReadBasic.All`).
    Reduced,
}

/// What a granted call may see, and the class-role rule left for the server to check
/// against the store (delegated callers only; `Anyone` for applications).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub user_view: UserView,
    pub class_rule: ClassRule,
}

/// Why a call is refused; the message names the missing permission or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// 403: the caller lacks a permission or role.
    Forbidden(String),
    /// 400: the call makes no sense for this caller (`/me` with an app-only token).
    BadRequest(String),
}

/// The message Graph gives for `/me` with an app-only token.
pub const ME_NEEDS_USER: &str = "/me request is only valid with delegated authentication flow.";

/// Checks `caller` against the policy of `op`. Public operations are granted to anyone
/// (the server does not even authenticate for them).
pub fn authorize(op: Op, caller: &Caller) -> Result<Grant, Denied> {
    let p = policy(op);
    let open = Grant {
        user_view: UserView::Full,
        class_rule: ClassRule::Anyone,
    };
    match (p.access, caller) {
        (Access::Public, _) => Ok(open),
        (Access::SignedInUser, Caller::App { .. }) => {
            Err(Denied::BadRequest(ME_NEEDS_USER.to_string()))
        }
        (_, Caller::App { roles, .. }) => {
            let view = check(&p, Kind::Application, roles)?;
            Ok(Grant {
                user_view: view,
                ..open
            })
        }
        (_, Caller::User { scopes, .. }) => {
            check(&p, Kind::Delegated, scopes)?;
            Ok(Grant {
                user_view: UserView::Reduced,
                class_rule: p.class_rule,
            })
        }
    }
}

/// The permission part of a check, for one kind of token; the view its best grant gives.
fn check(p: &Policy, kind: Kind, held: &[String]) -> Result<UserView, Denied> {
    let (need, also, other_need) = match kind {
        Kind::Application => (p.application, p.application_also, p.delegated),
        Kind::Delegated => (p.delegated, p.delegated_also, p.application),
    };
    let Some(need) = need else {
        return Err(Denied::Forbidden(unsupported(kind, other_need)));
    };
    let granting: Vec<Permission> = held
        .iter()
        .filter_map(|h| Permission::parse(h))
        .filter(|perm| need.satisfied_by(*perm, kind))
        .collect();
    if granting.is_empty() {
        return Err(Denied::Forbidden(missing(need, kind, held)));
    }
    if !also.is_empty()
        && !held
            .iter()
            .any(|h| also.iter().any(|a| a.eq_ignore_ascii_case(h)))
    {
        return Err(Denied::Forbidden(format!(
            "Also requires one of the {} permissions {}: this operation reads the directory object behind the education entity.",
            kind.as_str(),
            also.join(", ")
        )));
    }
    Ok(if granting.iter().all(|g| g.level.basic()) {
        UserView::Reduced
    } else {
        UserView::Full
    })
}

/// The refusal when no permission of this kind grants the operation.
fn unsupported(kind: Kind, other: Option<Need>) -> String {
    match (kind, other) {
        (Kind::Delegated, Some(app)) => {
            let what = if app.level.writes() {
                format!("cannot change {}", app.family.subject())
            } else {
                "cannot call this operation".to_string()
            };
            format!(
                "Requires one of the application permissions {}; delegated (user) tokens {what}.",
                app.canonical_names(Kind::Application).join(", ")
            )
        }
        (Kind::Application, Some(del)) => format!(
            "Requires one of the delegated permissions {}; application tokens cannot call this operation, only a signed-in user can.",
            del.canonical_names(Kind::Delegated).join(", ")
        ),
        (_, None) => "This operation is not available to any caller.".to_string(),
    }
}

/// The refusal when the token holds none of the granting permissions; explains names of
/// the wrong kind, and an app token without roles.
fn missing(need: Need, kind: Kind, held: &[String]) -> String {
    let mut msg = format!(
        "Requires one of the {} permissions {}.",
        kind.as_str(),
        need.canonical_names(kind).join(", ")
    );
    let wrong_kind: Vec<&str> = held
        .iter()
        .filter(|h| Permission::parse(h).is_some_and(|p| p.kind != kind))
        .map(String::as_str)
        .collect();
    match kind {
        Kind::Application if held.is_empty() => msg.push_str(
            " The token carries no roles: a tenant administrator has not granted (consented to) the app's application permissions.",
        ),
        Kind::Application if !wrong_kind.is_empty() => msg.push_str(&format!(
            " The token's roles {} are delegated permission names: application permissions must end in '.All'.",
            wrong_kind.join(", ")
        )),
        Kind::Delegated if !wrong_kind.is_empty() => msg.push_str(&format!(
            " {} in a delegated (user) token grants nothing: names ending in '.All' are application permissions.",
            wrong_kind.join(", ")
        )),
        _ => {}
    }
    msg
}

/// Checks a delegated caller's role in class `class_id` against the rule of its grant.
pub fn check_class_role(rule: ClassRule, role: ClassRole, class_id: &str) -> Result<(), Denied> {
    if rule.allows(role) {
        return Ok(());
    }
    let needed = match rule {
        ClassRule::Anyone | ClassRule::Members => "a member",
        ClassRule::Teachers => "a teacher",
        ClassRule::Students => "a student",
        ClassRule::Owner => "the owner",
    };
    Err(Denied::Forbidden(format!(
        "The caller is not {needed} of class {class_id}."
    )))
}

/// The owner rule: a delegated caller reaches only its own user's data by id (the
/// path's first key). Applications are not subject to it.
pub fn check_owner(caller_user: &str, user_id: &str) -> Result<(), Denied> {
    if caller_user == user_id {
        return Ok(());
    }
    Err(Denied::Forbidden(format!(
        "A delegated caller may only reach its own data; user {user_id} is not the signed-in user."
    )))
}
