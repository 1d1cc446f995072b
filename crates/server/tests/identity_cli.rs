//! `edugraph tenant` and `edugraph app` as the binary runs them, against a data folder:
//! JSON output for scripts, secrets stored only as hashes, secret rotation, consent,
//! audit entries, and clean failures. Key rotation has `identity_keys.rs`.
//!
//! The tests run on a multi-threaded runtime: they block on `std::process::Command`
//! between store reads, and on a single-threaded runtime that blocking starves the
//! background tasks of a dropped SQLite pool, whose lingering connection then made later
//! reads of this process miss what the CLI had just written (seen as flaky failures).

mod cli_support;

use std::path::Path;

use cli_support::{fails, json, ok, store, temp_dir};

/// Every byte of the SQLite database (file and write-ahead log).
fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["edugraph.db", "edugraph.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_created_and_listed() {
    let dir = temp_dir();
    let t = json(&ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "North",
            "--domain",
            "North.edu",
            "--json",
        ],
    ));
    let id = t["tenantId"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(t["displayName"], "North");
    assert_eq!(t["domain"], "north.edu");
    assert_eq!(t.as_object().unwrap().len(), 3);

    // Without --json: the id alone.
    let south = ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "South",
            "--domain",
            "south.edu",
        ],
    );
    let south = south.trim_end();
    assert!(uuid::Uuid::parse_str(south).is_ok(), "{south}");

    let list = json(&ok(&dir, &["tenant", "list", "--json"]));
    let mut domains: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tenantId"].as_str().unwrap(),
                t["domain"].as_str().unwrap(),
            )
        })
        .collect();
    domains.sort_by_key(|(_, d)| *d);
    assert_eq!(
        domains,
        vec![(id.as_str(), "north.edu"), (south, "south.edu")]
    );
    let plain = ok(&dir, &["tenant", "list"]);
    assert!(plain
        .lines()
        .any(|l| l.starts_with(&id) && l.contains("north.edu")));

    let err = fails(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "Dup",
            "--domain",
            "NORTH.EDU",
            "--json",
        ],
    );
    assert!(err.contains("north.edu"), "{err}");
    let err = fails(
        &dir,
        &["tenant", "create", "--name", "Bad", "--domain", "nodots"],
    );
    assert!(err.contains("nodots"), "{err}");
    assert_eq!(
        json(&ok(&dir, &["tenant", "list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (_, store) = store(&dir).await;
    let actions: Vec<String> = store
        .audit(None, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.actor, r.action))
        .collect();
    assert_eq!(actions, ["cli tenantCreated", "cli tenantCreated"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_domains_are_added_once_and_listed_primary_first() {
    let dir = temp_dir();
    for (name, domain) in [("North", "north.edu"), ("South", "south.edu")] {
        ok(
            &dir,
            &["tenant", "create", "--name", name, "--domain", domain],
        );
    }
    // `edugraph tenant domain ARGS… --tenant T`, split from one line.
    let domain = |line: &str, tenant: &str| -> Vec<String> {
        let mut args: Vec<String> = ["tenant", "domain"].map(String::from).to_vec();
        args.extend(line.split_whitespace().map(String::from));
        if !tenant.is_empty() {
            args.extend(["--tenant".to_string(), tenant.to_string()]);
        }
        args
    };
    let run = |args: Vec<String>| ok(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let refused =
        |args: Vec<String>| fails(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>());

    let added = json(&run(domain("add Students.North.EDU --json", "north.edu")));
    assert_eq!(added["domain"], "students.north.edu");
    assert_eq!(added["isPrimary"], false);
    let again = run(domain("add students.north.edu", "north.edu"));
    assert!(again.contains("already"), "{again}");

    // The new domain names the tenant like its primary one.
    let list = json(&run(domain("list --json", "students.north.edu")));
    let names: Vec<(&str, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["domain"].as_str().unwrap(),
                d["isPrimary"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("north.edu", true), ("students.north.edu", false)]);

    // Another tenant's domain, a bad name, several tenants without --tenant: refused.
    let err = refused(domain("add students.north.edu", "south.edu"));
    assert!(err.contains("another tenant"), "{err}");
    let err = refused(domain("add no_dots", "south.edu"));
    assert!(err.contains("no_dots"), "{err}");
    let err = refused(domain("add x.south.edu", ""));
    assert!(err.contains("2 tenants"), "{err}");
    let plain = run(domain("list", "south.edu"));
    assert_eq!(plain.trim_end(), "south.edu  (primary)");

    let (_, store) = store(&dir).await;
    let added: Vec<String> = store
        .audit(None, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "tenantDomainAdded")
        .map(|r| r.detail.to_string())
        .collect();
    assert_eq!(added, [r#"{"domain":"students.north.edu"}"#]);
}

#[test]
fn commands_need_an_existing_database() {
    let dir = temp_dir();
    for args in [
        &["tenant", "list"][..],
        &["app", "list", "--json"],
        &[
            "app",
            "create",
            "--name",
            "A",
            "--permissions",
            "EduRoster.Read.All",
        ],
        &["keys", "rotate"],
    ] {
        let err = fails(&dir, args);
        assert!(err.contains("no database"), "{args:?}: {err}");
    }
    assert!(!dir.join("edugraph.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_get_a_hashed_secret_rotation_and_consent() {
    let dir = temp_dir();
    let tenant = ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "North",
            "--domain",
            "north.edu",
        ],
    );
    let tenant = tenant.trim_end();

    let created = json(&ok(
        &dir,
        &[
            "app",
            "create",
            "--name",
            "Gradebook",
            "--permissions",
            "EduRoster.Read.All,EduAssignments.ReadWrite.All",
            "--delegated-permissions",
            "EduRoster.ReadBasic,openid",
            "--redirect-uri",
            "https://gradebook.example/cb",
            "--redirect-uri",
            "http://localhost:8400/cb",
            "--json",
        ],
    ));
    let keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(keys, ["tenantId", "clientId", "secretId", "clientSecret"]);
    assert_eq!(created["tenantId"], tenant);
    let client_id = created["clientId"].as_str().unwrap().to_string();
    let secret = created["clientSecret"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&client_id).is_ok());
    assert!(secret.len() >= 40, "{secret}");
    assert!(secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));

    {
        let (_, store) = store(&dir).await;
        let app = store.app(&client_id).await.unwrap().expect("registered");
        assert_eq!(app.home_tenant, tenant);
        assert_eq!(
            app.app_permissions,
            ["EduRoster.Read.All", "EduAssignments.ReadWrite.All"]
        );
        assert_eq!(app.delegated_permissions, ["EduRoster.ReadBasic", "openid"]);
        assert_eq!(
            app.redirect_uris,
            ["https://gradebook.example/cb", "http://localhost:8400/cb"]
        );
        let secrets = store.app_secrets(&client_id).await.unwrap();
        assert_eq!(secrets.len(), 1);
        assert_eq!(
            secrets[0].hash,
            edugraph_server::authority::client::hash_hex(&secret)
        );
        assert!(store.grant(tenant, &client_id).await.unwrap().is_none());
    }
    // The secret itself is nowhere in the database.
    assert!(!contains(&database_bytes(&dir), &secret));

    // Rotation: add a second secret, revoke the first.
    let added = json(&ok(&dir, &["app", "secret", "add", &client_id, "--json"]));
    let second = added["clientSecret"].as_str().unwrap().to_string();
    assert_ne!(second, secret);
    assert_eq!(added["clientId"], client_id.as_str());
    let list = json(&ok(&dir, &["app", "list", "--json"]));
    let secrets = list[0]["secrets"].as_array().unwrap().clone();
    assert_eq!(secrets.len(), 2);
    assert!(!list.to_string().contains(&second));
    let first_id = secrets
        .iter()
        .find(|s| s["secretId"] != added["secretId"])
        .unwrap()["secretId"]
        .as_str()
        .unwrap()
        .to_string();
    let revoked = json(&ok(
        &dir,
        &["app", "secret", "revoke", &client_id, &first_id, "--json"],
    ));
    assert_eq!(revoked["revoked"], true);
    let err = fails(
        &dir,
        &["app", "secret", "revoke", &client_id, "no-such-secret"],
    );
    assert!(err.contains("no-such-secret"), "{err}");

    // Consent from the command line.
    let consent = json(&ok(&dir, &["app", "consent", &client_id, "--json"]));
    assert_eq!(consent["tenantId"], tenant);
    {
        let (_, store) = store(&dir).await;
        let secrets = store.app_secrets(&client_id).await.unwrap();
        let first = secrets.iter().find(|s| s.secret_id == first_id).unwrap();
        assert!(first.revoked_at.is_some());
        assert!(secrets.iter().any(|s| s.revoked_at.is_none()));
        let grant = store
            .grant(tenant, &client_id)
            .await
            .unwrap()
            .expect("consented");
        assert_eq!(
            grant.permissions,
            ["EduRoster.Read.All", "EduAssignments.ReadWrite.All"]
        );
        assert_eq!(grant.granted_by, "cli");
        let log: Vec<(String, Option<String>)> = store
            .audit(Some(tenant), 0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.action, r.target))
            .collect();
        let target = Some(client_id.clone());
        assert_eq!(
            log,
            vec![
                ("tenantCreated".to_string(), Some(tenant.to_string())),
                ("appCreated".to_string(), target.clone()),
                ("secretAdded".to_string(), target.clone()),
                ("secretRevoked".to_string(), target.clone()),
                ("consentGranted".to_string(), target),
            ]
        );
    }
    assert!(!contains(&database_bytes(&dir), &second));
    let plain = ok(&dir, &["app", "list"]);
    assert!(
        plain.contains(&client_id) && plain.contains("consented=true"),
        "{plain}"
    );

    // A public client: no secret is made and none can be added.
    let public = json(&ok(
        &dir,
        &[
            "app",
            "create",
            "--name",
            "Phone app",
            "--delegated-permissions",
            "EduRoster.ReadBasic",
            "--public-client",
            "--json",
        ],
    ));
    assert_eq!(public["publicClient"], true);
    assert!(public.get("clientSecret").is_none(), "{public}");
    let public_id = public["clientId"].as_str().unwrap().to_string();
    let err = fails(&dir, &["app", "secret", "add", &public_id, "--json"]);
    assert!(err.contains("public client"), "{err}");
    let (_, store) = store(&dir).await;
    assert!(store.app(&public_id).await.unwrap().unwrap().public_client);
    assert!(store.app_secrets(&public_id).await.unwrap().is_empty());
    let plain = ok(&dir, &["app", "list"]);
    assert!(plain.contains("client=public"), "{plain}");
    assert!(plain.contains("client=confidential"), "{plain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_create_refuses_bad_input_and_changes_nothing() {
    let dir = temp_dir();
    ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "North",
            "--domain",
            "north.edu",
        ],
    );
    let cases: &[(&[&str], &str)] = &[
        (&["--permissions", "EduRoster.Read"], "EduRoster.Read.All"),
        (&["--permissions", "Mail.Send.All"], "Mail.Send.All"),
        (
            &[
                "--permissions",
                "EduRoster.Read.All",
                "--delegated-permissions",
                "EduRoster.Read.All",
            ],
            "EduRoster.Read",
        ),
        (
            &[
                "--permissions",
                "EduRoster.Read.All",
                "--redirect-uri",
                "http://evil.example/cb",
            ],
            "http://evil.example/cb",
        ),
        (&[], "permissions"),
        (
            &[
                "--permissions",
                "EduRoster.Read.All",
                "--tenant",
                "south.edu",
            ],
            "south.edu",
        ),
    ];
    for (extra, named) in cases {
        let mut args = vec!["app", "create", "--name", "Bad", "--json"];
        args.extend_from_slice(extra);
        let err = fails(&dir, &args);
        assert!(err.contains(named), "{extra:?}: {err}");
    }
    let err = fails(
        &dir,
        &["app", "consent", "00000000-0000-4000-8000-000000000000"],
    );
    assert!(
        err.contains("00000000-0000-4000-8000-000000000000"),
        "{err}"
    );
    let err = fails(&dir, &["app", "secret", "add", "nope", "--json"]);
    assert!(err.contains("nope"), "{err}");
    assert_eq!(ok(&dir, &["app", "list", "--json"]).trim(), "[]");

    // With two tenants the target must be named.
    ok(
        &dir,
        &[
            "tenant",
            "create",
            "--name",
            "South",
            "--domain",
            "south.edu",
        ],
    );
    let err = fails(
        &dir,
        &[
            "app",
            "create",
            "--name",
            "A",
            "--permissions",
            "EduRoster.Read.All",
        ],
    );
    assert!(err.contains("2 tenants"), "{err}");
    let created = json(&ok(
        &dir,
        &[
            "app",
            "create",
            "--name",
            "A",
            "--permissions",
            "EduRoster.Read.All",
            "--tenant",
            "south.edu",
            "--json",
        ],
    ));
    let (_, store) = store(&dir).await;
    let south = store
        .tenants()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.domain == "south.edu")
        .unwrap();
    assert_eq!(created["tenantId"], south.id.as_str());
}
