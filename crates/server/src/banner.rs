//! What `serve --dev` prints on standard output: where it listens, the demo tenant,
//! persona tokens (app, teacher, student) with their permissions as `export` lines (also
//! written to `dev-tokens.env` in the data folder, which README.md sources), the demo
//! administrator with a complete admin-consent link, and first requests to try.

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

/// The names of the exported token variables, as README.md uses them.
pub const TOKEN_VARIABLES: [&str; 3] = ["APP_TOKEN", "TEACHER_TOKEN", "STUDENT_TOKEN"];

/// What `serve --dev` shows: the banner, and the token `export` lines alone (for
/// `dev-tokens.env`).
#[derive(Debug)]
pub struct DevBanner {
    pub text: String,
    pub exports: String,
}

/// The banner for the seeded demo tenant; `consent_client` is the app whose admin-consent
/// link it prints (registered by `startup::register_consent_client`).
pub async fn dev_banner(
    state: &AppState,
    seeded: &SeedSummary,
    consent_client: &str,
) -> anyhow::Result<DevBanner> {
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
    let [app_var, teacher_var, student_var] = TOKEN_VARIABLES;
    let exports = format!(
        "export {app_var}={app}\nexport {teacher_var}={teacher}\nexport {student_var}={student}\n"
    );
    writeln!(out, "App token ({}):", DEV_APP_ROLES.join(" "))?;
    writeln!(out, "export {app_var}={app}")?;
    writeln!(out)?;
    writeln!(
        out,
        "Teacher {} (password {password}; scopes {}):",
        plan.teacher_upn,
        DEV_TEACHER_SCOPES.join(" ")
    )?;
    writeln!(out, "export {teacher_var}={teacher}")?;
    writeln!(out)?;
    writeln!(
        out,
        "Student {} (password {password}; scopes {}):",
        plan.student_upn,
        DEV_STUDENT_SCOPES.join(" ")
    )?;
    writeln!(out, "export {student_var}={student}")?;
    writeln!(out)?;
    if config.uses_data_dir() {
        writeln!(
            out,
            "The export lines are also in {}: `. {}` in another shell sets them.",
            config.data_dir.join(TOKENS_FILE).display(),
            config.data_dir.join(TOKENS_FILE).display()
        )?;
    }
    writeln!(
        out,
        "Administrator {} (password {password}) approves a demo app's permissions at {base}/{}/adminconsent?client_id={consent_client}",
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
        "  curl -H \"Authorization: Bearer ${app_var}\" {base}/v1.0/education/classes"
    )?;
    writeln!(
        out,
        "  curl -H \"Authorization: Bearer ${teacher_var}\" {base}/v1.0/education/me"
    )?;
    Ok(DevBanner { text: out, exports })
}

/// The file in the data folder that holds the `export` lines of the dev tokens.
pub const TOKENS_FILE: &str = "dev-tokens.env";

/// Writes `exports` to `dev-tokens.env` in the data folder, readable by the owner only
/// (the tokens are bearer credentials).
pub fn write_tokens_file(dir: &std::path::Path, exports: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let path = dir.join(TOKENS_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(exports.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
