//! A School Data Sync killed in the middle: the real binary on a SQLite data folder runs
//! a profile's sync of a generated medium district (`demo --size medium`), is killed
//! with SIGKILL once some class rosters are written, and is started again. At the kill every
//! class has its old roster (none) or its whole new one; after the restart the sync
//! resumes by itself, ends in `success`, every class has exactly the roster the files
//! give, no record was created twice, and a dry run of the same files plans nothing.

mod cli_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use cli_support::{free_port, ok, start_server, temp_dir};
use edugraph_store::{EntityKind, ListQuery, Relation, Scope, Store};
use serde_json::{json, Value};

const DOMAIN: &str = "district.example";
/// Class SIS id → the SIS ids of its members (students and teachers).
type Rosters = BTreeMap<String, BTreeSet<String>>;

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn status(&self, profile: &str) -> Value {
        let path = format!("/beta/education/synchronizationProfiles/{profile}/profileStatus");
        let (code, body) = self.send(reqwest::Method::GET, &path, None).await;
        assert_eq!(code, 200, "{body}");
        body
    }
}

/// The rosters the generated files give: every enrollment and teacher roster row.
fn expected_rosters(csv: &Path) -> Rosters {
    let mut rosters = Rosters::new();
    for file in ["StudentEnrollment.csv", "TeacherRoster.csv"] {
        let text = std::fs::read_to_string(csv.join(file)).unwrap();
        for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
            let (class, person) = line.split_once(',').unwrap();
            rosters
                .entry(class.to_string())
                .or_default()
                .insert(person.to_string());
        }
    }
    rosters
}

async fn all(store: &dyn Store, tenant: &str, kind: EntityKind) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let query = ListQuery {
            kind,
            scope: Scope::All,
            filter: None,
            orderby: &[],
            skip: out.len() as u64,
            limit: 1_000,
            count: false,
        };
        let page = store.list(tenant, &query).await.unwrap();
        out.extend(
            page.items
                .iter()
                .map(|d| serde_json::from_str::<Value>(&d.json).unwrap()),
        );
        if !page.more {
            return out;
        }
    }
}

/// The stored class rosters by SIS ids (classes without members included, empty), and
/// how many users each SIS id names.
async fn stored_rosters(dir: &Path, tenant: &str) -> (Rosters, HashMap<String, usize>) {
    let (_, store) = cli_support::store(dir).await;
    let mut sis_of = HashMap::new();
    let mut users = HashMap::<String, usize>::new();
    for u in all(store.as_ref(), tenant, EntityKind::User).await {
        let sis = ["student", "teacher"]
            .iter()
            .find_map(|r| u[r]["externalId"].as_str())
            .map(str::to_string);
        if let Some(sis) = sis {
            *users.entry(sis.clone()).or_default() += 1;
            sis_of.insert(u["id"].as_str().unwrap().to_string(), sis);
        }
    }
    let mut class_sis = HashMap::new();
    let mut rosters = Rosters::new();
    for c in all(store.as_ref(), tenant, EntityKind::Class).await {
        if let Some(sis) = c["externalId"].as_str() {
            class_sis.insert(c["id"].as_str().unwrap().to_string(), sis.to_string());
            rosters.insert(sis.to_string(), BTreeSet::new());
        }
    }
    for (class, user) in store.links(tenant, Relation::ClassMembers).await.unwrap() {
        if let (Some(c), Some(u)) = (class_sis.get(&class), sis_of.get(&user)) {
            rosters.get_mut(c).unwrap().insert(u.clone());
        }
    }
    (rosters, users)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_midway_resumes_after_a_restart_and_leaves_no_class_half_done() {
    let dir = temp_dir();
    let created = ok(
        &dir,
        &[
            "tenant", "create", "--name", "District", "--domain", DOMAIN, "--json",
        ],
    );
    let tenant = cli_support::json(&created)["tenantId"]
        .as_str()
        .unwrap()
        .to_string();
    let csv = dir.join("csv");
    let out = Command::new(env!("CARGO_BIN_EXE_edugraph"))
        .args(["demo", "--csv"])
        .arg(&csv)
        .args(["--size", "medium", "--seed", "7"])
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = expected_rosters(&csv);
    let token = ok(
        &dir,
        &[
            "token",
            "--app",
            "--roles",
            "EduAdministration.ReadWrite.All,EduRoster.ReadWrite.All",
        ],
    );
    let port = free_port();
    let (mut server, base) = start_server(&dir, port).await;
    let client = Client {
        http: reqwest::Client::new(),
        base,
        token: token.trim().to_string(),
    };
    use reqwest::Method;
    // A school made by hand: the tenant is not empty, so the sync writes unit by unit
    // (a first import into an empty tenant is one transaction, all or nothing).
    let (code, _) = client
        .send(
            Method::POST,
            "/v1.0/education/schools",
            Some(json!({"displayName": "Hand-made school"})),
        )
        .await;
    assert_eq!(code, 201);
    let body = json!({
        "displayName": "District sync",
        "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
            "userDomains": [
                {"appliesTo": "student", "name": DOMAIN},
                {"appliesTo": "teacher", "name": DOMAIN}
            ]
        }
    });
    let profiles = "/beta/education/synchronizationProfiles";
    let (code, created) = client.send(Method::POST, profiles, Some(body)).await;
    assert_eq!(code, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let profile = format!("{profiles}/{id}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, doc) = client.send(Method::GET, &profile, None).await;
        if doc["state"] == "provisioned" {
            break;
        }
        assert!(Instant::now() < deadline, "not provisioned: {doc}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (code, url) = client
        .send(Method::GET, &format!("{profile}/uploadUrl()"), None)
        .await;
    assert_eq!(code, 200, "{url}");
    let url = url["value"].as_str().unwrap().to_string();
    let (at, query) = url.split_once('?').unwrap();
    for entry in std::fs::read_dir(&csv).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        let resp = client
            .http
            .put(format!("{at}/{name}?{query}"))
            .header("x-ms-blob-type", "BlockBlob")
            .body(std::fs::read(&path).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201, "{name}");
    }
    let (code, started) = client
        .send(Method::POST, &format!("{profile}/start"), None)
        .await;
    assert_eq!(code, 200, "{started}");

    // Killed in the middle of the roster links: the 4,728 entities are the first five
    // units of 1,000 writes, the class rosters come after them.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status = client.status(&id).await;
        assert_ne!(
            status["status"], "success",
            "the sync ended before the kill"
        );
        let progress = &status["@edugraph.progress"];
        if progress["unitsWritten"].as_u64() >= Some(8) {
            // Per kind: what is written of what is planned.
            assert_eq!(progress["users"]["total"], 4_240, "{progress}");
            assert_eq!(progress["users"]["processed"], 4_240, "{progress}");
            let links = &progress["links"];
            assert!(
                links["processed"].as_u64() < links["total"].as_u64(),
                "{progress}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no progress: {status}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();

    let (at_kill, _) = stored_rosters(&dir, &tenant).await;
    let mut whole = 0;
    for (class, members) in &at_kill {
        let want = &expected[class];
        assert!(
            members.is_empty() || members == want,
            "class {class} was left with {} of its {} members",
            members.len(),
            want.len()
        );
        whole += usize::from(members == want);
    }
    eprintln!("at the kill: {whole} of {} classes whole", expected.len());
    // The kill really came in the middle of the rosters.
    assert!(
        whole > 0 && whole < expected.len(),
        "{whole} of {} classes were complete at the kill",
        expected.len()
    );

    // Started again: the interrupted run is taken up at once and finishes.
    let (_server, base) = start_server(&dir, port).await;
    let client = Client { base, ..client };
    let status = client.status(&id).await;
    assert_eq!(status["status"], "inProgress", "{status}");
    // Well within the 5-minute lease: the restart takes the job up at once.
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        let status = client.status(&id).await;
        match status["status"].as_str() {
            Some("inProgress") => {}
            _ => break status,
        }
        assert!(Instant::now() < deadline, "still running: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status["status"], "success", "{status}");
    assert!(status["lastSynchronizationDateTime"].is_string());

    let (after, users) = stored_rosters(&dir, &tenant).await;
    assert_eq!(after.len(), expected.len());
    assert_eq!(after, expected);
    assert_eq!(users.len(), 4_240);
    let twice: Vec<_> = users.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "created more than once: {twice:?}");

    // The same files again plan nothing.
    let (code, dry) = client
        .send(Method::POST, &format!("{profile}/start?dryRun=true"), None)
        .await;
    assert_eq!(code, 200, "{dry}");
    let plan = &dry["@edugraph.plan"];
    assert!(plan.is_object(), "{dry}");
    let changes = plan["changes"].as_u64();
    assert_eq!(changes, Some(0), "{plan}");
    let _ = std::fs::remove_dir_all(&dir);
}
