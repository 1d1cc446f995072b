//! `edugraph import` and `edugraph demo --csv`, run as the real binary on temporary data
//! folders: a dry run writes nothing, an import creates the district and a second one
//! changes nothing, files with errors are reported and not applied, and a running server
//! keeps the folder to itself (the import is refused, the server's answers stay true).

mod cli_support;

use std::path::Path;
use std::process::Command;

use cli_support::{edugraph, fails, free_port, ok, start_server, temp_dir};
use edugraph_store::{EntityKind, ListQuery, Scope, Store};
use serde_json::Value;

const DOMAIN: &str = "district.example";

fn tenant(dir: &Path) -> String {
    let out = ok(
        dir,
        &[
            "tenant", "create", "--name", "District", "--domain", DOMAIN, "--json",
        ],
    );
    cli_support::json(&out)["tenantId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A small synthetic district written by `edugraph demo --csv`.
fn demo_files(dir: &Path, format: &str) -> std::path::PathBuf {
    let csv = dir.join(format!("csv-{format}"));
    let out = Command::new(env!("CARGO_BIN_EXE_edugraph"))
        .args(["demo", "--csv"])
        .arg(&csv)
        .args(["--size", "small", "--format", format, "--seed", "3"])
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("90 students"));
    csv
}

/// Removes students `P000000`… (the generator's ids) from every file of the set.
fn drop_students(csv: &Path, how_many: usize) {
    let ids: Vec<String> = (0..how_many).map(|i| format!("P{i:06}")).collect();
    for entry in std::fs::read_dir(csv).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| {
                !l.split(',')
                    .any(|f| ids.iter().any(|id| id == f.trim_matches('"')))
            })
            .collect();
        std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    }
}

/// A listing of all entities of `kind` that only counts them.
fn count_query(kind: EntityKind) -> ListQuery<'static> {
    ListQuery {
        kind,
        scope: Scope::All,
        filter: None,
        orderby: &[],
        skip: 0,
        limit: 1,
        count: true,
    }
}

async fn count(store: &dyn Store, tenant: &str, kind: EntityKind) -> usize {
    let query = count_query(kind);
    store.list(tenant, &query).await.unwrap().total.unwrap() as usize
}

/// The tenant's users (the small district has about a hundred).
async fn users(store: &dyn Store, tenant: &str) -> Vec<Value> {
    let query = ListQuery {
        kind: EntityKind::User,
        limit: 1000,
        count: false,
        ..count_query(EntityKind::User)
    };
    let page = store.list(tenant, &query).await.unwrap();
    page.items
        .iter()
        .map(|d| serde_json::from_str(&d.json).unwrap())
        .collect()
}

fn import(dir: &Path, csv: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import", csv.to_str().unwrap()];
    args.extend_from_slice(extra);
    edugraph(dir, &args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_creates_the_district_once_and_a_dry_run_writes_nothing() {
    let dir = temp_dir();
    let tenant = tenant(&dir);
    let csv = demo_files(&dir, "sds-v1");

    let dry = import(&dir, &csv, &["--dry-run"]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    // The progress report counts each file's rows before reading it.
    let err = String::from_utf8_lossy(&dry.stderr);
    assert!(
        err.lines()
            .any(|l| l.trim_start().starts_with("Student.csv ") && l.ends_with(" 90 rows")),
        "{err}"
    );
    assert!(err.contains("(6 files, 411 rows)"), "{err}");
    let table = String::from_utf8(dry.stdout).unwrap();
    assert!(table.contains("dry run: nothing was written"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("users") && l.contains(" 102 ")),
        "{table}"
    );
    let (_, store) = cli_support::store(&dir).await;
    assert!(store.tenant_is_empty(&tenant).await.unwrap());
    drop(store);

    let out = import(&dir, &csv, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, store) = cli_support::store(&dir).await;
    assert_eq!(count(store.as_ref(), &tenant, EntityKind::User).await, 102);
    assert_eq!(count(store.as_ref(), &tenant, EntityKind::Class).await, 18);
    assert_eq!(count(store.as_ref(), &tenant, EntityKind::School).await, 3);
    let seq = store.latest_seq(&tenant).await.unwrap();
    drop(store);

    // The errors file lists this run's diagnostics, header first, and is not read back.
    let report = std::fs::read_to_string(csv.join(edugraph_server::cli::ERRORS_FILE)).unwrap();
    assert!(
        report.starts_with("file,line,column,severity,code,message\n"),
        "{report}"
    );

    let again = import(&dir, &csv, &[]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let text = String::from_utf8(again.stdout).unwrap();
    assert!(
        text.contains(": 0 created, 0 updated, 0 deactivated, 0 links added, 0 removed"),
        "{text}"
    );
    let (_, store) = cli_support::store(&dir).await;
    assert_eq!(store.latest_seq(&tenant).await.unwrap(), seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_with_errors_are_reported_and_not_imported() {
    let dir = temp_dir();
    let tenant = tenant(&dir);
    let csv = demo_files(&dir, "sds-v1");
    // A second row with the first student's SIS ID: a duplicate-id error.
    let students = csv.join("Student.csv");
    let text = std::fs::read_to_string(&students).unwrap();
    let first = text.lines().nth(1).unwrap().to_string();
    std::fs::write(&students, format!("{text}{first}\n")).unwrap();

    // The plan is still shown, as a dry run, so the administrator sees what would happen.
    let out = import(&dir, &csv, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the files have 1 error (") && err.contains("nothing was imported"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.starts_with("users")));
    let report = std::fs::read_to_string(csv.join(edugraph_server::cli::ERRORS_FILE)).unwrap();
    let row = report
        .lines()
        .find(|l| l.contains("duplicate-id"))
        .expect(&report);
    assert!(row.starts_with("Student.csv,"), "{row}");
    assert!(row.contains(",error,"), "{row}");
    let (_, store) = cli_support::store(&dir).await;
    assert!(store.tenant_is_empty(&tenant).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_plan_is_not_applied() {
    let dir = temp_dir();
    let tenant = tenant(&dir);
    let csv = demo_files(&dir, "sds-v2.1");
    ok(&dir, &["import", csv.to_str().unwrap()]);
    // 45 of the 102 users leave the files.
    drop_students(&csv, 45);

    let out = import(&dir, &csv, &["--max-deactivations", "5"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("import held, nothing written"), "{err}");
    let (_, store) = cli_support::store(&dir).await;
    let users = users(store.as_ref(), &tenant).await;
    assert!(users.iter().all(|v| v["accountEnabled"] == true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_users_take_a_verified_domain_only() {
    let dir = temp_dir();
    let tenant = tenant(&dir);
    let csv = demo_files(&dir, "sds-v1");
    let csv_arg = csv.to_str().unwrap();
    let err = fails(&dir, &["import", csv_arg, "--domain", "students.example"]);
    assert!(err.contains("not a verified domain"), "{err}");
    assert!(err.contains("tenant domain add students.example"), "{err}");
    {
        let (_, store) = cli_support::store(&dir).await;
        assert!(store.tenant_is_empty(&tenant).await.unwrap());
    }

    ok(&dir, &["tenant", "domain", "add", "students.example"]);
    ok(&dir, &["import", csv_arg, "--domain", "Students.Example"]);
    let (_, store) = cli_support::store(&dir).await;
    let users = users(store.as_ref(), &tenant).await;
    assert!(!users.is_empty());
    for v in &users {
        let upn = v["userPrincipalName"].as_str().unwrap();
        assert!(upn.ends_with("@students.example"), "{upn}");
    }
}

/// `edugraph sync passwords`: the accounts a profile's sync created get working initial
/// passwords, written once to a new owner-only file; accounts made otherwise get none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_passwords_are_issued_once_for_the_accounts_the_sync_created() {
    let dir = temp_dir();
    let tenant = tenant(&dir);
    let csv = demo_files(&dir, "sds-v1");
    let out = import(&dir, &csv, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, store) = cli_support::store(&dir).await;
    // A profile creating accounts in the tenant's domain, and an account made by hand.
    let body = serde_json::json!({
        "displayName": "District",
        "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
            "userDomains": [{"appliesTo": "student", "name": DOMAIN}, {"appliesTo": "teacher", "name": DOMAIN}]
        }
    });
    let now = time::OffsetDateTime::now_utc();
    let profiles = edugraph_edu::sync::profiles::create;
    profiles(
        store.as_ref(),
        &tenant,
        "p1",
        body.as_object().unwrap(),
        &[DOMAIN.into()],
        now,
    )
    .await
    .unwrap();
    let synced = users(store.as_ref(), &tenant).await;
    assert_eq!(synced.len(), 102);
    let manual = serde_json::json!({
        "id": "manual-1",
        "displayName": "Hand Made",
        "userPrincipalName": format!("hand@{DOMAIN}"),
        "externalSource": "manual",
    });
    let work = edugraph_store::UnitOfWork::new().create(EntityKind::User, manual);
    store.apply(&tenant, &work).await.unwrap();
    drop(store);

    let file = dir.join("passwords.csv");
    let file_arg = file.to_str().unwrap();
    ok(&dir, &["sync", "passwords", "p1", "--out", file_arg]);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("userPrincipalName,password"));
    let rows: Vec<(String, String)> = lines
        .map(|l| {
            let (u, p) = l.split_once(',').unwrap();
            (u.to_string(), p.to_string())
        })
        .collect();
    assert_eq!(rows.len(), 102);
    assert!(rows.iter().all(|(u, _)| u != &format!("hand@{DOMAIN}")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    // Each password is the account's.
    let (_, store) = cli_support::store(&dir).await;
    let by_upn: std::collections::HashMap<String, String> = users(store.as_ref(), &tenant)
        .await
        .iter()
        .map(|u| {
            (
                u["userPrincipalName"].as_str().unwrap().to_string(),
                u["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let hashing = edugraph_server::auth::password::Hashing::new(2, 0);
    for (upn, password) in rows.iter().take(3) {
        let hash = store.password_hash(&tenant, &by_upn[upn]).await.unwrap();
        assert!(hashing.verify(password, hash.as_deref()).await.unwrap());
        assert!(!hashing.verify("wrong", hash.as_deref()).await.unwrap());
    }
    assert_eq!(
        store.password_hash(&tenant, "manual-1").await.unwrap(),
        None
    );
    drop(store);

    // Written once: the file is never overwritten, and a new file gets nobody.
    let refused = fails(&dir, &["sync", "passwords", "p1", "--out", file_arg]);
    assert!(refused.contains("exists"), "{refused}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    let again = dir.join("again.csv");
    ok(
        &dir,
        &["sync", "passwords", "p1", "--out", again.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read_to_string(&again).unwrap(),
        "userPrincipalName,password\n"
    );
    let unknown = fails(&dir, &["sync", "passwords", "nope", "--out", "x.csv"]);
    assert!(
        unknown.contains("no synchronization profile nope"),
        "{unknown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The users the running server answers with, as (id, accountEnabled).
async fn served_users(base: &str, dir: &Path) -> Vec<(String, bool)> {
    let token = ok(
        dir,
        &["token", "--app", "--roles", "EduRoster.ReadWrite.All"],
    );
    let body: Value = reqwest::Client::new()
        .get(format!("{base}/v1.0/education/users?$top=999"))
        .bearer_auth(token.trim_end())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut users: Vec<(String, bool)> = body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().to_string(),
                u["accountEnabled"] == true,
            )
        })
        .collect();
    users.sort();
    users
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_keeps_its_folder_and_serves_fresh_documents() {
    let dir = temp_dir();
    tenant(&dir);
    let csv = demo_files(&dir, "oneroster-1.2");
    ok(&dir, &["import", csv.to_str().unwrap()]);
    // One student leaves the files: the next import disables that user.
    drop_students(&csv, 1);

    let (server, base) = start_server(&dir, free_port()).await;
    let before = served_users(&base, &dir).await;
    assert_eq!(before.len(), 102);
    assert!(before.iter().all(|(_, enabled)| *enabled));

    let err = fails(&dir, &["import", csv.to_str().unwrap()]);
    assert!(
        err.contains("in use by a running edugraph server") && err.contains("stop the server"),
        "{err}"
    );
    // The refused import wrote nothing: the server's answers are the store's.
    assert_eq!(served_users(&base, &dir).await, before);

    drop(server);
    ok(&dir, &["import", csv.to_str().unwrap()]);
    let (_server, base) = start_server(&dir, free_port()).await;
    let after = served_users(&base, &dir).await;
    assert_eq!(after.len(), 102);
    assert_eq!(after.iter().filter(|(_, enabled)| !enabled).count(), 1);
}

/// `import --help` lists the store flags and its own; `demo --help` only its own.
#[test]
fn help_lists_only_the_flags_each_command_uses() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_edugraph"))
            .args(args)
            .env_clear()
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let import = help(&["import", "--help"]);
    for flag in [
        "--data-dir",
        "--database-url",
        "--config",
        "--format",
        "--dry-run",
        "--tenant",
        "--domain",
        "--max-deactivations",
    ] {
        assert!(import.contains(flag), "import lacks {flag}:\n{import}");
    }
    let demo = help(&["demo", "--help"]);
    for flag in ["--csv", "--size", "--format", "--seed"] {
        assert!(demo.contains(flag), "demo lacks {flag}:\n{demo}");
    }
    for flag in ["--listen", "--dev", "--demo-size", "--trusted-proxies"] {
        assert!(!import.contains(flag), "import lists {flag}:\n{import}");
        assert!(!demo.contains(flag), "demo lists {flag}:\n{demo}");
    }
    assert!(!demo.contains("--data-dir"), "{demo}");
}
