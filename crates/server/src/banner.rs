//! What `serve --dev` prints on standard output: where it listens, the demo tenant,
//! persona tokens (app, teacher, student) with their permissions, the demo administrator
//! and a first request to try.

use std::fmt::Write as _;

use anyhow::Context;

use crate::auth::{mint, TokenRequest, TokenSubject};
use crate::startup::SeedSummary;
use crate::AppState;

/// Application permissions of the printed app token.
pub const DEV_APP_ROLES: &[&str] = &[
    "EduRoster.ReadWrite.All",
    "EduAssignments.ReadWrite.All",
    "EduCurricula.ReadWrite.All",
    "EduAdministration.ReadWrite.All",
    "Directory.Read.All",
];
/// Delegated permissions of the printed teacher token.
pub const DEV_TEACHER_SCOPES: &[&str] = &[
    "EduRoster.ReadBasic",
    "EduAssignments.ReadWrite",
    "EduCurricula.ReadWrite",
    "User.Read",
    "Directory.Read.All",
];
/// Delegated permissions of the printed student token.
pub const DEV_STUDENT_SCOPES: &[&str] = &[
    "EduRoster.ReadBasic",
    "EduAssignments.ReadWrite",
    "EduCurricula.Read",
    "User.Read",
    "Directory.Read.All",
];

/// What `serve --dev` prints on standard output: where it listens, persona tokens and a
/// first request to try.
pub async fn dev_banner(state: &AppState, seeded: &SeedSummary) -> anyhow::Result<String> {
    let config = state.config();
    let base = config.issuer_base();
    let now = state.clock().now();
    let plan = &seeded.plan;
    let issuer_base = crate::auth::issuers::of_tenant(state, &plan.tenant.id)
        .await?
        .context("the demo tenant is missing")?;
    let strings = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let token = |subject| {
        let req = TokenRequest {
            tenant: plan.tenant.id.clone(),
            subject,
            lifetime_secs: config.token_lifetime_secs,
        };
        mint(state.keys(), &issuer_base, &req, now)
    };
    let app = token(TokenSubject::App {
        app_id: crate::auth::DEV_CLIENT_ID.into(),
        roles: strings(DEV_APP_ROLES),
    });
    let teacher = token(TokenSubject::User {
        user_id: plan.teacher_id.clone(),
        scopes: strings(DEV_TEACHER_SCOPES),
    });
    let student = token(TokenSubject::User {
        user_id: plan.student_id.clone(),
        scopes: strings(DEV_STUDENT_SCOPES),
    });
    let password = plan
        .passwords
        .first()
        .map(|(_, p)| p.as_str())
        .unwrap_or("");
    let minutes = config.token_lifetime_secs / 60;

    let mut out = String::new();
    let state_note = if seeded.seeded {
        "seeded"
    } else {
        "already present, left as is"
    };
    writeln!(out, "edugraph (development mode) on {base}")?;
    writeln!(
        out,
        "tenant {} ({}), {}: {state_note}",
        plan.tenant.display_name, plan.tenant.domain, plan.tenant.id
    )?;
    writeln!(out)?;
    writeln!(out, "App token ({}):", DEV_APP_ROLES.join(" "))?;
    writeln!(out, "{app}")?;
    writeln!(out)?;
    writeln!(
        out,
        "Teacher {} (password {password}; scopes {}):",
        plan.teacher_upn,
        DEV_TEACHER_SCOPES.join(" ")
    )?;
    writeln!(out, "{teacher}")?;
    writeln!(out)?;
    writeln!(
        out,
        "Student {} (password {password}; scopes {}):",
        plan.student_upn,
        DEV_STUDENT_SCOPES.join(" ")
    )?;
    writeln!(out, "{student}")?;
    writeln!(out)?;
    writeln!(
        out,
        "Administrator {} (password {password}) approves admin consent at {base}/{}/adminconsent?client_id=...",
        plan.admin_upn, plan.tenant.id
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Tokens are valid for {minutes} minutes; POST {base}/_edugraph/tokens mints more."
    )?;
    writeln!(out, "Try:")?;
    writeln!(
        out,
        "  curl -H \"Authorization: Bearer {teacher}\" {base}/v1.0/education/me"
    )?;
    Ok(out)
}
