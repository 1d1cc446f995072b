//! The `edugraph` binary itself: `token` prints exactly one JWT line for the store in a
//! data folder (and fails cleanly otherwise), `config` masks database passwords, and
//! `version` answers like `--version`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use edugraph_edu::demo::DemoSize;
use edugraph_edu::Caller;
use edugraph_server::auth::{verify_token, Keys};
use edugraph_server::config::Config;

fn edugraph(args: &[&str]) -> Output {
    // A clean environment, so EDUGRAPH_* variables of the developer's shell cannot leak in.
    Command::new(env!("CARGO_BIN_EXE_edugraph"))
        .args(args)
        .env_clear()
        .output()
        .expect("run edugraph")
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edugraph-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Seeds the demo tenant into `<dir>/edugraph.db` as `serve --dev` would.
async fn seeded_data_dir(dir: &Path) -> (Config, edugraph_server::startup::SeedSummary) {
    let config = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    let store = edugraph_server::startup::open_store(&config).await.unwrap();
    let summary = edugraph_server::startup::seed_demo(store.as_ref(), 5, DemoSize::Small, false)
        .await
        .unwrap();
    (config, summary)
}

#[tokio::test]
async fn the_demo_tenant_has_the_sync_examples_domain_verified() {
    let dir = temp_dir();
    let (config, summary) = seeded_data_dir(&dir).await;
    let store = edugraph_server::startup::open_store(&config).await.unwrap();
    let domains = store.tenant_domains(&summary.tenant).await.unwrap();
    assert_eq!(domains[0], summary.plan.tenant.domain);
    assert!(domains.iter().any(|d| d == "testschool.edu"), "{domains:?}");
    // Seeding again (a restart) keeps one.
    edugraph_server::startup::seed_demo(store.as_ref(), 5, DemoSize::Small, false)
        .await
        .unwrap();
    assert_eq!(
        store.tenant_domains(&summary.tenant).await.unwrap(),
        domains
    );
}

#[tokio::test]
async fn token_prints_one_verifiable_jwt_line() {
    let dir = temp_dir();
    let (config, summary) = seeded_data_dir(&dir).await;
    let data_dir = dir.to_str().unwrap();

    let out = edugraph(&[
        "token",
        "--app",
        "--roles",
        "EduRoster.ReadWrite.All,EduAssignments.Read.All",
        "--data-dir",
        data_dir,
    ]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0].split('.').count(), 3, "{text}");

    // Verifies with the key `serve` would load from the same store.
    let store = edugraph_server::startup::open_store(&config).await.unwrap();
    let keys = Keys::load_or_create(store.as_ref()).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let (caller, _) = verify_token(&keys, lines[0], &config.issuer_base(), now).unwrap();
    assert!(
        matches!(&caller, Caller::App { tenant, roles, .. } if tenant == &summary.tenant && roles == &["EduRoster.ReadWrite.All", "EduAssignments.Read.All"]),
        "{caller:?}"
    );

    let upn = summary.plan.student_upn.clone();
    let out = edugraph(&[
        "token",
        "--user",
        &upn,
        "--scopes",
        "EduRoster.ReadBasic User.Read",
        "--data-dir",
        data_dir,
    ]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = stdout(&out);
    let (caller, _) = verify_token(&keys, token.trim_end(), &config.issuer_base(), now).unwrap();
    assert_eq!(caller.user_id(), Some(summary.plan.student_id.as_str()));

    let out = edugraph(&[
        "token",
        "--user",
        "nobody@nowhere.example",
        "--scopes",
        "User.Read",
        "--data-dir",
        data_dir,
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody@nowhere.example"));
}

#[test]
fn token_without_a_database_explains_what_to_do() {
    let dir = temp_dir();
    let out = edugraph(&[
        "token",
        "--app",
        "--roles",
        "EduRoster.Read.All",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("serve --dev"), "{err}");
    assert!(
        !dir.join("edugraph.db").exists(),
        "a failed token command creates nothing"
    );
}

#[test]
fn token_needs_a_subject() {
    let out = edugraph(&["token", "--roles", "A"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn config_masks_the_database_password() {
    let out = edugraph(&[
        "config",
        "--database-url",
        "postgres://edu:topsecret@db.example:5432/edu",
    ]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(!text.contains("topsecret"), "{text}");
    assert!(
        text.contains("postgres://edu:****@db.example:5432/edu"),
        "{text}"
    );
    assert!(text.contains("listen = \"127.0.0.1:8080\""), "{text}");
}

#[test]
fn the_version_subcommand_prints_what_the_flag_prints() {
    let flag = edugraph(&["--version"]);
    let sub = edugraph(&["version"]);
    assert!(flag.status.success() && sub.status.success());
    assert_eq!(stdout(&sub), stdout(&flag));
    assert_eq!(
        stdout(&sub).trim(),
        format!("edugraph {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_names_the_log_format_variable_without_a_value() {
    let help = stdout(&edugraph(&["--help"]));
    assert!(help.contains("[env: EDUGRAPH_LOG_FORMAT]"), "{help}");
    assert!(!help.contains("EDUGRAPH_LOG_FORMAT="), "{help}");
}

/// `--help` of each subcommand lists the flags that command uses and no others.
#[test]
fn subcommand_help_lists_only_the_flags_it_uses() {
    let help = |args: &[&str]| {
        let out = edugraph(args);
        assert!(out.status.success(), "{args:?}");
        stdout(&out)
    };
    let serve_only = [
        "--demo-size",
        "--seed",
        "--dev",
        "--trusted-proxies",
        "--body-limit",
    ];
    let origin = ["--listen", "--tls-cert", "--tls-key"];
    let store = ["--data-dir", "--database-url", "--in-memory", "--config"];

    let serve = help(&["serve", "--help"]);
    for flag in serve_only.iter().chain(&origin).chain(&store) {
        assert!(serve.contains(flag), "serve lacks {flag}:\n{serve}");
    }
    for cmd in [
        &["tenant", "create", "--help"][..],
        &["tenant", "list", "--help"],
        &["app", "create", "--help"],
        &["app", "consent", "--help"],
        &["app", "secret", "add", "--help"],
        &["keys", "rotate", "--help"],
    ] {
        let text = help(cmd);
        for flag in serve_only.iter().chain(&origin) {
            assert!(!text.contains(flag), "{cmd:?} lists {flag}:\n{text}");
        }
        for flag in store {
            assert!(text.contains(flag), "{cmd:?} lacks {flag}:\n{text}");
        }
    }
    // `tenant create` may record the public URL as the tenant's issuer.
    assert!(help(&["tenant", "create", "--help"]).contains("--public-url"));
    // `token` records the issuer from its origin and sets the lifetime, nothing of serve's.
    let token = help(&["token", "--help"]);
    for flag in origin
        .iter()
        .chain(&store)
        .chain(&["--token-lifetime-secs"])
    {
        assert!(token.contains(flag), "token lacks {flag}:\n{token}");
    }
    for flag in serve_only {
        assert!(!token.contains(flag), "token lists {flag}:\n{token}");
    }
}

/// `edugraph config` names every key, the unset ones commented out.
#[test]
fn config_lists_unset_keys_commented() {
    let out = edugraph(&["config"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for line in [
        "# database_url = ",
        "# public_url = ",
        "# operator_token = ",
        "# tls_cert = ",
        "# [[external_issuers]]",
        "tenant_admins = []",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
}

/// Token errors name the CLI's flags with their dashes.
#[tokio::test]
async fn token_errors_name_flags_with_dashes() {
    let dir = temp_dir();
    let _ = seeded_data_dir(&dir).await;
    let data_dir = dir.to_str().unwrap();
    let app_token_error = |roles: &str| {
        let out = edugraph(&["token", "--app", "--roles", roles, "--data-dir", data_dir]);
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = app_token_error("Bogus.All");
    assert!(err.contains("--roles"), "{err}");
    // Two tenants: the message says how to choose.
    let out = edugraph(&[
        "tenant",
        "create",
        "--name",
        "Other",
        "--domain",
        "other.edu",
        "--data-dir",
        data_dir,
    ]);
    assert!(out.status.success());
    let err = app_token_error("EduRoster.Read.All");
    assert!(err.contains("--tenant"), "{err}");
}

/// Standard error of `edugraph serve ARGS` (on a free port) once it answered its health
/// check; the server is stopped then.
async fn serve_stderr(args: &[&str]) -> String {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_edugraph"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .env_clear()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/_edugraph/health");
    let mut healthy = false;
    for _ in 0..600 {
        if reqwest::get(&health)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(healthy, "{err}");
    err
}

/// `serve` without `--dev` on a store with no tenant says what to do next.
#[tokio::test]
async fn serve_on_an_empty_store_says_what_to_do_next() {
    let dir = temp_dir();
    let err = serve_stderr(&["--data-dir", dir.to_str().unwrap()]).await;
    assert!(err.contains("no tenant"), "{err}");
    assert!(err.contains("edugraph tenant create --name"), "{err}");
    assert!(err.contains("passwordProfile"), "{err}");
    // In memory the CLI cannot help: the hint says what can.
    let err = serve_stderr(&["--in-memory"]).await;
    assert!(err.contains("POST /_edugraph/tenants"), "{err}");
    assert!(err.contains("--dev"), "{err}");
}
