//! The expected answer of one call, derived from the policy row's data with a small
//! interpretation of its own (it never calls `authorize`, so a bug there shows up as a
//! difference): names compared case-insensitively against the row's grant lists, the
//! directory extras, the class rule read from the fixture's links, and the order of
//! checks the server documents (token 401, `/me` without a user 400, permission 403,
//! unknown id 404, class role 403).

use edugraph_edu::access::permission::Kind;
use edugraph_edu::access::{policy, Access, ClassRule, Op};
use edugraph_edu::sets::{Action, Call, SetDef, Shape};
use edugraph_server::http::graph::dispatch::{Pat, Verb};
use edugraph_store::Relation;

use super::{Fixture, Who};
use crate::common::TENANT_B;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub status: u16,
    /// Texts the error message must contain (the missing permission or role).
    pub mentions: Vec<String>,
}

fn status(status: u16) -> Expected {
    Expected {
        status,
        mentions: Vec::new(),
    }
}

fn forbidden(mentions: &[&str]) -> Expected {
    Expected {
        status: 403,
        mentions: mentions.iter().map(|m| m.to_string()).collect(),
    }
}

fn holds(held: &[&str], wanted: &[String]) -> bool {
    held.iter()
        .any(|h| wanted.iter().any(|w| w.eq_ignore_ascii_case(h)))
}

fn holds_str(held: &[&str], wanted: &[&str]) -> bool {
    held.iter()
        .any(|h| wanted.iter().any(|w| w.eq_ignore_ascii_case(h)))
}

/// The status of a call that passes every check. The fixture's synchronization profile
/// is provisioned and has never started: `start` finds no files (400), and there is no
/// run to pause, resume or confirm (409).
pub fn success(op: Op, verb: Verb, pattern: &[Pat]) -> u16 {
    if let Op::Set(set, action) = op {
        if SetDef::of(set).shape == Shape::Provisioned {
            match action {
                Action::Create => return 201,
                Action::Replace | Action::Delete => return 202,
                Action::Call(Call::Start) => return 400,
                Action::Call(Call::Pause | Call::Resume | Call::Confirm) => return 409,
                Action::Call(_) => return 200,
                _ => {}
            }
        }
    }
    match verb {
        Verb::Get | Verb::Patch => 200,
        Verb::Delete => 204,
        Verb::Post | Verb::Put if pattern.last() == Some(&Pat::Ref) => 204,
        Verb::Post | Verb::Put => 201,
    }
}

/// What `who` must get for `verb` on `pattern` (operation `op`), with the fixture's
/// keys in the path.
pub fn expect(op: Op, verb: Verb, pattern: &[Pat], who: &Who, f: &Fixture) -> Expected {
    let p = policy(op);
    if p.access == Access::Public {
        return status(200);
    }
    let ok = success(op, verb, pattern);
    let keyed = pattern.contains(&Pat::Key);
    match who {
        Who::Anonymous => status(401),
        Who::App { .. } if p.access == Access::SignedInUser => status(400),
        Who::App { tenant, roles } => {
            let Some(need) = p.application else {
                let delegated = p
                    .delegated
                    .expect("a row grants someone")
                    .names(Kind::Delegated);
                return forbidden(&[&delegated[0], "application tokens cannot"]);
            };
            let names = need.names(Kind::Application);
            if !holds(roles, &names) {
                // Education names without `.All` are delegated names in the wrong token.
                if roles
                    .iter()
                    .any(|r| r.starts_with("Edu") && !r.ends_with(".All"))
                {
                    return forbidden(&[&names[0], "must end in '.All'"]);
                }
                return forbidden(&[&names[0]]);
            }
            if !p.application_also.is_empty() && !holds_str(roles, p.application_also) {
                return forbidden(&[p.application_also[0]]);
            }
            if *tenant == TENANT_B && keyed {
                // Another tenant's ids do not exist for this caller.
                return status(404);
            }
            status(ok)
        }
        Who::User { id, scopes } => {
            let Some(need) = p.delegated else {
                let app = p
                    .application
                    .expect("a row grants someone")
                    .names(Kind::Application);
                return forbidden(&[&app[0], "delegated (user) tokens"]);
            };
            let names = need.names(Kind::Delegated);
            if !holds(scopes, &names) {
                if scopes
                    .iter()
                    .any(|s| s.starts_with("Edu") && s.ends_with(".All"))
                {
                    return forbidden(&[&names[0], "in a delegated (user) token grants nothing"]);
                }
                return forbidden(&[&names[0]]);
            }
            if !p.delegated_also.is_empty() && !holds_str(scopes, p.delegated_also) {
                return forbidden(&[p.delegated_also[0]]);
            }
            if !me_item_visible(pattern, id, f) {
                return status(404);
            }
            if p.class_rule == ClassRule::Owner {
                // `/education/users/{id}/...` with the fixture's teacher as the id.
                if *id != f.teacher {
                    return forbidden(&["its own data"]);
                }
            } else if p.class_rule != ClassRule::Anyone {
                let class = class_in_path(pattern, f).expect("a class rule needs a class");
                let teacher = f.linked(Relation::ClassTeachers, class, id);
                let member = f.linked(Relation::ClassMembers, class, id);
                let allowed = match p.class_rule {
                    ClassRule::Anyone => true,
                    ClassRule::Members => teacher || member,
                    ClassRule::Teachers => teacher,
                    ClassRule::Students => member && !teacher,
                    ClassRule::Owner => unreachable!("decided above"),
                };
                if !allowed {
                    let role = match p.class_rule {
                        ClassRule::Teachers => "a teacher",
                        ClassRule::Students => "a student",
                        _ => "a member",
                    };
                    return forbidden(&[&format!("not {role} of class {class}")]);
                }
            }
            status(ok)
        }
    }
}

/// The class of `/education/classes/{id}/...` (read paths use the fixture's class).
fn class_in_path<'a>(pattern: &[Pat], f: &'a Fixture) -> Option<&'a str> {
    (pattern.get(1) == Some(&Pat::Lit("classes")) && pattern.get(2) == Some(&Pat::Key))
        .then_some(f.class.as_str())
}

/// `/education/me/{nav}/{id}` exists only when the signed-in user is linked to the id.
fn me_item_visible(pattern: &[Pat], user: &str, f: &Fixture) -> bool {
    match pattern {
        [Pat::Lit("education"), Pat::Lit("me"), Pat::Lit(nav), Pat::Key] => match *nav {
            "classes" => f.linked(Relation::ClassMembers, &f.class, user),
            "taughtClasses" => f.linked(Relation::ClassTeachers, &f.class, user),
            "schools" => f.linked(Relation::SchoolUsers, &f.school, user),
            // The fixture's rubrics belong to the class's teacher.
            "rubrics" => user == f.teacher,
            other => panic!("no fixture rule for /me/{other}/{{id}}"),
        },
        _ => true,
    }
}
