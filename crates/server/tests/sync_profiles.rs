//! Beta's synchronization profiles over HTTP: the documentation's create body as
//! written, provisioning and asynchronous deletion through the job runner, the signed
//! upload URL and its refusals, `start` with its verification messages (400 on errors,
//! a dry run that changes nothing), the sync run with `profileStatus` and `errors`,
//! re-sync idempotence, the safety threshold's quarantine and `confirm`, `pause`,
//! `resume`, `reset`, and the permissions of the surface.

mod common;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Method, Request};
use common::*;
use edugraph_rostering::{Format, Size};
use edugraph_server::jobs::{self, Runner, Settings};
use edugraph_store::EntityKind;
use serde_json::{json, Value};

const ADMIN_RW: &str = "EduAdministration.ReadWrite.All";
const ADMIN_R: &str = "EduAdministration.Read.All";
const PROFILES: &str = "/beta/education/synchronizationProfiles";

/// The request body of Graph's "Create educationSynchronizationProfile" example, as
/// written there (lower-case type names included).
fn seed_body() -> Value {
    json!({
        "displayName": "Test Profile",
        "dataProvider": {
            "@odata.type": "#microsoft.graph.educationcsvdataprovider",
            "customizations": {
                "student": {
                    "optionalPropertiesToSync": ["State ID", "Middle Name"]
                }
            }
        },
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationidentitycreationconfiguration",
            "userDomains": [
                {"appliesTo": "student", "name": "testschool.edu"},
                {"appliesTo": "teacher", "name": "testschool.edu"}
            ]
        },
        "licensesToAssign": [
            {"appliesTo": "teacher", "skuIds": ["6fd2c87f-b296-42f0-b197-1e91e994b900"]},
            {"appliesTo": "student", "skuIds": ["6fd2c87f-b296-42f0-b197-1e91e994b900"]}
        ]
    })
}

struct Sds {
    t: TestApp,
    token: String,
    runner: Runner,
    files: tempfile_dir::Dir,
}

/// A throwaway folder, removed on drop.
mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let p =
                std::env::temp_dir().join(format!("edugraph-sds-test-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Sds {
    async fn new() -> Sds {
        let t = TestApp::new().await;
        t.verify_domain("testschool.edu").await;
        let token = t.app_token(TENANT_A, &[ADMIN_RW, WRITE]);
        let runner = Runner::new(t.state.clone(), jobs::kinds(), Settings::default());
        Sds {
            t,
            token,
            runner,
            files: tempfile_dir::Dir::new(),
        }
    }

    async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string());
        let uri = uri.replace(' ', "%20");
        self.t
            .call(method, &uri, &self.token, body.as_deref())
            .await
    }

    /// Runs the due jobs until none is left.
    async fn work(&self) {
        while self.runner.tick().await.unwrap() > 0 {}
    }

    /// A provisioned profile made from `body`.
    async fn profile(&self, body: Value) -> String {
        let created = self
            .call(Method::POST, PROFILES, Some(body))
            .await
            .expect(201)
            .json();
        let id = created["id"].as_str().unwrap().to_string();
        self.work().await;
        id
    }

    async fn status(&self, id: &str) -> Value {
        self.call(Method::GET, &format!("{PROFILES}/{id}/profileStatus"), None)
            .await
            .expect(200)
            .json()
    }

    /// The profile's upload URL, as path and query.
    async fn upload_path(&self, id: &str) -> String {
        let v = self
            .call(Method::GET, &format!("{PROFILES}/{id}/uploadUrl()"), None)
            .await
            .expect(200)
            .json();
        let url = v["value"].as_str().unwrap().to_string();
        let at = url.find("/_edugraph/").unwrap();
        url[at..].to_string()
    }

    /// `PUT` of one file to an upload URL, as a blob client sends it.
    async fn put(&self, upload: &str, name: &str, bytes: Vec<u8>) -> Resp {
        let (path, query) = upload.split_once('?').unwrap();
        let req = Request::builder()
            .method(Method::PUT)
            .uri(format!("{path}/{name}?{query}"))
            .header("x-ms-blob-type", "BlockBlob")
            .body(Body::from(bytes))
            .unwrap();
        self.t.send(req).await
    }

    /// Uploads every file of `dir`.
    async fn upload_dir(&self, id: &str, dir: &Path) {
        let upload = self.upload_path(id).await;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            self.put(&upload, &name, std::fs::read(&path).unwrap())
                .await
                .expect(201);
        }
    }

    /// A generated small SDS v1 set (90 students, 12 teachers) in a folder of its own.
    fn small_set(&self, name: &str) -> PathBuf {
        let dir = self.files.0.join(name);
        edugraph_rostering::generate(&dir, Format::SdsV1, Size::Small, 3).unwrap();
        dir
    }

    async fn users(&self) -> u64 {
        self.t.stored(EntityKind::User).await
    }
}

#[tokio::test]
async fn the_documented_body_creates_a_profile_that_provisions_and_deletes() {
    let s = Sds::new().await;
    let resp = s
        .call(Method::POST, PROFILES, Some(seed_body()))
        .await
        .expect(201);
    let created = resp.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["state"], "provisioning");
    assert_eq!(
        created["@odata.context"],
        "https://graph.microsoft.com/beta/$metadata#education/synchronizationProfiles/$entity"
            .replace(
                "https://graph.microsoft.com",
                &s.t.state.config().issuer_base()
            )
    );
    assert!(resp
        .header("location")
        .ends_with(&format!("/beta/education/synchronizationProfiles/{id}")));
    let provider = &created["dataProvider"];
    assert_eq!(
        provider["@odata.type"],
        "#microsoft.graph.educationCsvDataProvider"
    );
    for entity in [
        "school",
        "section",
        "student",
        "teacher",
        "studentEnrollment",
        "teacherRoster",
    ] {
        assert!(
            provider["customizations"][entity].is_object(),
            "{entity}: {provider}"
        );
    }
    assert_eq!(
        provider["customizations"]["student"]["optionalPropertiesToSync"],
        json!(["State ID", "Middle Name"])
    );

    // The job runner provisions it; the paths without `/education` answer too.
    s.work().await;
    let got = s
        .call(
            Method::GET,
            &format!("/beta/synchronizationProfiles/{id}"),
            None,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(got["state"], "provisioned");
    // v1.0 has no such set.
    s.call(Method::GET, "/v1.0/education/synchronizationProfiles", None)
        .await
        .expect(404);

    // List with the query options.
    s.profile(json!({"displayName": "Other", "dataProvider": seed_body()["dataProvider"], "identitySynchronizationConfiguration": seed_body()["identitySynchronizationConfiguration"]})).await;
    let list = s
        .call(
            Method::GET,
            &format!("{PROFILES}?$filter=displayName eq 'Test Profile'&$count=true"),
            None,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(list["@odata.count"], 1);
    assert_eq!(ids(&list), std::slice::from_ref(&id));
    let list = s
        .call(
            Method::GET,
            &format!("{PROFILES}?$orderby=displayName desc&$top=1"),
            None,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(values(&list)[0]["displayName"], "Test Profile");
    let count = s
        .call(Method::GET, &format!("{PROFILES}/$count"), None)
        .await
        .expect(200);
    assert_eq!(count.text(), "2");

    // PUT replaces the configuration (202), PATCH changes members (200).
    let mut body = seed_body();
    body["displayName"] = json!("Renamed");
    let put = s
        .call(Method::PUT, &format!("{PROFILES}/{id}"), Some(body))
        .await
        .expect(202)
        .json();
    assert_eq!(put["displayName"], "Renamed");
    assert_eq!(put["state"], "provisioned");
    let patched = s
        .call(
            Method::PATCH,
            &format!("{PROFILES}/{id}"),
            Some(json!({"displayName": "Patched"})),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(patched["displayName"], "Patched");
    assert_eq!(patched["licensesToAssign"], put["licensesToAssign"]);

    // Delete is asynchronous: `deleting`, then gone.
    s.call(Method::DELETE, &format!("{PROFILES}/{id}"), None)
        .await
        .expect(202);
    let deleting = s
        .call(Method::GET, &format!("{PROFILES}/{id}"), None)
        .await
        .expect(200)
        .json();
    assert_eq!(deleting["state"], "deleting");
    s.work().await;
    s.call(Method::GET, &format!("{PROFILES}/{id}"), None)
        .await
        .expect(404);
    s.call(Method::GET, &format!("{PROFILES}/{id}/profileStatus"), None)
        .await
        .expect(404);
}

#[tokio::test]
async fn bad_profiles_are_refused_and_change_nothing() {
    let s = Sds::new().await;
    let mut body = seed_body();
    body["identitySynchronizationConfiguration"]["userDomains"][0]["name"] = json!("elsewhere.edu");
    let (_, message) = s
        .call(Method::POST, PROFILES, Some(body))
        .await
        .expect(400)
        .error();
    assert!(message.contains("elsewhere.edu"), "{message}");
    let mut body = seed_body();
    body["dataProvider"]["@odata.type"] =
        json!("#microsoft.graph.educationPowerSchoolDataProvider");
    s.call(Method::POST, PROFILES, Some(body)).await.expect(400);
    s.call(
        Method::POST,
        PROFILES,
        Some(json!({"displayName": "x", "colour": 1})),
    )
    .await
    .expect(400);
    assert_eq!(s.t.stored(EntityKind::SyncProfile).await, 0);
    // The older examples' type name is accepted.
    let mut body = seed_body();
    body["dataProvider"]["@odata.type"] =
        json!("#Microsoft.Education.DataSync.educationCsvDataProvider");
    s.call(Method::POST, PROFILES, Some(body)).await.expect(201);
}

#[tokio::test]
async fn permissions_are_edu_administration() {
    let s = Sds::new().await;
    let id = s.profile(seed_body()).await;
    let reader = s.t.app_token(TENANT_A, &[ADMIN_R]);
    s.t.get_as(PROFILES, &reader).await.expect(200);
    s.t.get_as(&format!("{PROFILES}/{id}/profileStatus"), &reader)
        .await
        .expect(200);
    let (_, message) =
        s.t.call(
            Method::POST,
            PROFILES,
            &reader,
            Some(&seed_body().to_string()),
        )
        .await
        .expect(403)
        .error();
    assert!(message.contains("EduAdministration.ReadWrite"), "{message}");
    s.t.get_as(&format!("{PROFILES}/{id}/uploadUrl()"), &reader)
        .await
        .expect(403);
    let roster = s.t.app_token(TENANT_A, &[WRITE]);
    s.t.get_as(PROFILES, &roster).await.expect(403);
    // Another tenant sees nothing of it.
    let other = s.t.app_token(TENANT_B, &[ADMIN_RW]);
    s.t.get_as(&format!("{PROFILES}/{id}"), &other)
        .await
        .expect(404);
    // A delegated administrator reads with EduAdministration.Read.
    let admin_user = s.t.user("sds-admin", "teacher").await;
    let delegated = s.t.user_token(&admin_user, &["EduAdministration.Read"]);
    s.t.get_as(PROFILES, &delegated).await.expect(200);
}

#[tokio::test]
async fn the_upload_url_is_signed_for_one_profile_and_expires() {
    let s = Sds::new().await;
    let id = s.profile(seed_body()).await;
    let other = s.profile(seed_body()).await;
    let upload = s.upload_path(&id).await;
    assert!(
        upload.starts_with(&format!("/_edugraph/sds/{id}?")),
        "{upload}"
    );
    s.put(&upload, "School.csv", b"SIS ID,Name\n1,North\n".to_vec())
        .await
        .expect(201);

    // The same signature for another profile, a forged one, none, and an expired one.
    let (_, query) = upload.split_once('?').unwrap();
    let elsewhere = format!("/_edugraph/sds/{other}?{query}");
    s.put(&elsewhere, "School.csv", b"x".to_vec())
        .await
        .expect(403);
    let forged = upload.replace("sig=", "sig=x");
    s.put(&forged, "School.csv", b"x".to_vec())
        .await
        .expect(403);
    s.put(
        &format!("/_edugraph/sds/{id}?sv=1"),
        "School.csv",
        b"x".to_vec(),
    )
    .await
    .expect(403);
    let old = time::OffsetDateTime::now_utc() - time::Duration::hours(2);
    let expired = edugraph_server::auth::upload_grant::sign(
        s.t.state.keys(),
        TENANT_A,
        &id,
        old,
        time::Duration::hours(1),
    );
    s.put(
        &format!("/_edugraph/sds/{id}?sig={expired}"),
        "School.csv",
        b"x".to_vec(),
    )
    .await
    .expect(403);

    // Names must be CSV files; other blob types are refused.
    s.put(&upload, "notes.txt", b"x".to_vec()).await.expect(400);
    let (path, query) = upload.split_once('?').unwrap();
    let req = Request::builder()
        .method(Method::PUT)
        .uri(format!("{path}/Student.csv?{query}"))
        .header("x-ms-blob-type", "AppendBlob")
        .body(Body::from("x"))
        .unwrap();
    s.t.send(req).await.expect(400);

    // The stored file is the one uploaded, outside the database.
    let dir = edugraph_server::sds::dir(s.t.state.config(), TENANT_A, &id).unwrap();
    assert_eq!(
        std::fs::read(dir.join("School.csv")).unwrap(),
        b"SIS ID,Name\n1,North\n"
    );
    assert_eq!(edugraph_server::sds::files(&dir), ["School.csv"]);
}

#[tokio::test]
async fn start_refuses_files_with_errors_and_starts_nothing() {
    let s = Sds::new().await;
    let id = s.profile(seed_body()).await;
    // Nothing uploaded yet.
    s.call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(400);
    let set = s.small_set("broken");
    let student = set.join("Student.csv");
    let text = std::fs::read_to_string(&student).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // The second student loses its SIS ID.
    let cols: Vec<&str> = lines[2].splitn(2, ',').collect();
    lines[2] = format!(",{}", cols[1]);
    std::fs::write(&student, lines.join("\n") + "\n").unwrap();
    s.upload_dir(&id, &set).await;
    let resp = s
        .call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(400);
    let details = resp.json()["error"]["details"].as_array().cloned().unwrap();
    assert!(
        details
            .iter()
            .any(|d| d["code"] == "error" && d["target"] == "Student.csv"),
        "{details:?}"
    );
    // Refused: the status is as it was.
    assert_eq!(s.status(&id).await["status"], "paused");
    s.work().await;
    assert_eq!(s.users().await, 0);
}

#[tokio::test]
async fn a_sync_runs_reports_and_runs_again_without_changes() {
    let s = Sds::new().await;
    let id = s.profile(seed_body()).await;
    let status = s.status(&id).await;
    assert_eq!(status["status"], "paused");
    assert_eq!(status["lastSynchronizationDateTime"], Value::Null);
    s.upload_dir(&id, &s.small_set("full")).await;

    // A dry run returns the plan and changes nothing.
    let dry = s
        .call(
            Method::POST,
            &format!("{PROFILES}/{id}/start?dryRun=true"),
            None,
        )
        .await
        .expect(200)
        .json();
    let rows = dry["@edugraph.plan"]["rows"].as_array().unwrap();
    let users = rows.iter().find(|r| r["name"] == "users").unwrap();
    assert_eq!(users["create"], 102);
    s.work().await;
    assert_eq!(s.users().await, 0);
    assert_eq!(s.status(&id).await["status"], "paused");

    let started = s
        .call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(200)
        .json();
    assert!(started["value"].is_array());
    assert!(started["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("Collection(microsoft.graph.educationFileSynchronizationVerificationMessage)"));
    assert_eq!(s.status(&id).await["status"], "inProgress");
    // Files cannot change while it runs.
    s.call(Method::GET, &format!("{PROFILES}/{id}/uploadUrl()"), None)
        .await
        .expect(409);
    s.work().await;
    let status = s.status(&id).await;
    assert_eq!(status["status"], "success", "{status}");
    assert!(status["lastSynchronizationDateTime"].is_string());
    assert_eq!(status["errorCount"], 0);
    assert_eq!(s.users().await, 102);
    assert_eq!(s.t.stored(EntityKind::Class).await, 18);
    // Beyond Graph: what was written of what was planned, per kind.
    let progress = &status["@edugraph.progress"];
    assert_eq!(progress["users"], json!({"processed": 102, "total": 102}));
    assert_eq!(progress["classes"], json!({"processed": 18, "total": 18}));
    assert_eq!(progress["schools"], json!({"processed": 3, "total": 3}));
    assert_eq!(progress["changes"], dry["@edugraph.plan"]["changes"]);
    // Users take the profile's domain and `sis` as their source.
    let list =
        s.t.get("/v1.0/education/users?$top=200")
            .await
            .expect(200)
            .json();
    for u in values(&list) {
        assert!(
            u["userPrincipalName"]
                .as_str()
                .unwrap()
                .ends_with("@testschool.edu"),
            "{u}"
        );
        assert_eq!(u["externalSource"], "sis");
        // licensesToAssign, per role.
        assert_eq!(
            u["assignedLicenses"],
            json!([{"disabledPlans": [], "skuId": "6fd2c87f-b296-42f0-b197-1e91e994b900"}]),
            "{u}"
        );
        // The students' customization selects only State ID and Middle Name: the
        // files' grades, numbers and birth dates are not synced; the teachers' (none
        // given) syncs all.
        match u["primaryRole"].as_str() {
            Some("student") => {
                assert_eq!(u["student"]["grade"], Value::Null, "{u}");
                assert_eq!(u["student"]["studentNumber"], Value::Null, "{u}");
                assert!(u["student"]["externalId"].is_string(), "{u}");
            }
            _ => assert!(u["teacher"]["teacherNumber"].is_string(), "{u}"),
        }
    }
    let errors = s
        .call(Method::GET, &format!("{PROFILES}/{id}/errors"), None)
        .await
        .expect(200)
        .json();
    assert!(values(&errors).is_empty());

    // The same files again: no entity changes version.
    let before =
        s.t.get("/v1.0/education/users?$top=200")
            .await
            .expect(200)
            .json();
    s.call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(200);
    s.work().await;
    assert_eq!(s.status(&id).await["status"], "success");
    let after =
        s.t.get("/v1.0/education/users?$top=200")
            .await
            .expect(200)
            .json();
    let tags = |v: &Value| {
        values(v)
            .iter()
            .map(|u| u["@odata.etag"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(tags(&before), tags(&after));

    // Deleting the profile keeps what it synced.
    s.call(Method::DELETE, &format!("{PROFILES}/{id}"), None)
        .await
        .expect(202);
    s.work().await;
    assert_eq!(s.users().await, 102);
    assert!(edugraph_server::sds::files(
        &edugraph_server::sds::dir(s.t.state.config(), TENANT_A, &id).unwrap()
    )
    .is_empty());
}

/// Rewrites a column of one row of a CSV file: `key` names the row by its first field.
fn set_field(file: &Path, key: &str, column: &str, value: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines[0].split(',').position(|c| c == column).unwrap();
    let row = lines
        .iter_mut()
        .find(|l| l.split(',').next() == Some(key))
        .unwrap();
    let mut fields: Vec<&str> = row.split(',').collect();
    fields[at] = value;
    *row = fields.join(",");
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

#[tokio::test]
async fn display_names_follow_the_files_only_where_the_profile_allows() {
    let s = Sds::new().await;
    let mut body = seed_body();
    body["dataProvider"]["customizations"] = json!({
        "student": {"allowDisplayNameUpdate": false},
        "teacher": {"allowDisplayNameUpdate": true}
    });
    let id = s.profile(body).await;
    let set = s.small_set("names");
    s.upload_dir(&id, &set).await;
    s.call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(200);
    s.work().await;
    let user = |upn: &'static str| {
        let t = &s.t;
        async move {
            let list = t
                .get(&format!(
                    "/v1.0/education/users?$filter=userPrincipalName%20eq%20'{upn}'"
                ))
                .await
                .expect(200)
                .json();
            values(&list).remove(0)
        }
    };
    let student = user("s000000@testschool.edu").await;
    let teacher = user("t00000@testschool.edu").await;
    // Every optional property syncs when none are named.
    assert!(student["student"]["grade"].is_string(), "{student}");

    set_field(&set.join("Student.csv"), "P000000", "First Name", "Renamed");
    set_field(&set.join("Teacher.csv"), "T00000", "First Name", "Renamed");
    s.upload_dir(&id, &set).await;
    s.call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(200);
    s.work().await;
    assert_eq!(s.status(&id).await["status"], "success");
    let student_after = user("s000000@testschool.edu").await;
    let teacher_after = user("t00000@testschool.edu").await;
    // The student keeps the display name it was created with; its given name follows.
    assert_eq!(student_after["displayName"], student["displayName"]);
    assert_eq!(student_after["givenName"], "Renamed");
    let renamed = format!("Renamed {}", teacher["surname"].as_str().unwrap());
    assert_eq!(teacher_after["displayName"], renamed.as_str());
    assert_ne!(teacher["displayName"], teacher_after["displayName"]);
}

#[tokio::test]
async fn a_threshold_quarantines_until_an_operator_confirms() {
    let s = Sds::new().await;
    let mut body = seed_body();
    body["@edugraph.maxDeactivationPercent"] = json!(10);
    let id = s.profile(body).await;
    s.upload_dir(&id, &s.small_set("full")).await;
    s.call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(200);
    s.work().await;
    assert_eq!(s.status(&id).await["status"], "success");

    // A set missing 30 of 90 students would deactivate a third of them.
    let smaller = s.small_set("smaller");
    let student = smaller.join("Student.csv");
    let text = std::fs::read_to_string(&student).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i > 30)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&student, kept.join("\n") + "\n").unwrap();
    let enrollment = smaller.join("StudentEnrollment.csv");
    let gone: Vec<String> = text
        .lines()
        .skip(1)
        .take(30)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let text = std::fs::read_to_string(&enrollment).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !gone.iter().any(|g| l.split(',').nth(1) == Some(g)))
        .collect();
    std::fs::write(&enrollment, kept.join("\n") + "\n").unwrap();
    s.upload_dir(&id, &smaller).await;
    s.call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(200);
    s.work().await;
    let status = s.status(&id).await;
    assert_eq!(status["status"], "quarantined", "{status}");
    assert!(status["@edugraph.plan"].is_array());
    let disabled =
        s.t.get("/v1.0/education/users?$filter=accountEnabled%20eq%20false&$count=true")
            .await
            .expect(200)
            .json();
    assert_eq!(disabled["@odata.count"], 0);

    // Confirm applies it.
    s.call(Method::POST, &format!("{PROFILES}/{id}/confirm"), None)
        .await
        .expect(200);
    s.work().await;
    assert_eq!(s.status(&id).await["status"], "success");
    let disabled =
        s.t.get("/v1.0/education/users?$filter=accountEnabled%20eq%20false&$count=true")
            .await
            .expect(200)
            .json();
    assert_eq!(disabled["@odata.count"], 30);
    // Nothing is quarantined now: confirm is a conflict.
    s.call(Method::POST, &format!("{PROFILES}/{id}/confirm"), None)
        .await
        .expect(409);
}

#[tokio::test]
async fn pause_resume_and_reset() {
    let s = Sds::new().await;
    let id = s.profile(seed_body()).await;
    // Nothing runs: nothing to pause or resume.
    s.call(Method::POST, &format!("{PROFILES}/{id}/pause"), None)
        .await
        .expect(409);
    s.call(Method::POST, &format!("{PROFILES}/{id}/resume"), None)
        .await
        .expect(409);
    s.upload_dir(&id, &s.small_set("full")).await;
    s.call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(200);
    s.call(Method::POST, &format!("{PROFILES}/{id}/pause"), None)
        .await
        .expect(200);
    assert_eq!(s.status(&id).await["status"], "paused");
    // The paused run's job ends without syncing.
    s.work().await;
    assert_eq!(s.users().await, 0);
    s.call(Method::POST, &format!("{PROFILES}/{id}/resume"), None)
        .await
        .expect(200);
    s.work().await;
    assert_eq!(s.status(&id).await["status"], "success");
    assert_eq!(s.users().await, 102);
    s.call(Method::POST, &format!("{PROFILES}/{id}/reset"), None)
        .await
        .expect(200);
    let status = s.status(&id).await;
    assert_eq!(status["status"], "paused");
    assert_eq!(status["errorCount"], 0);
    assert_eq!(s.users().await, 102);
    // Reset is the not-started state again: nothing to resume.
    s.call(Method::POST, &format!("{PROFILES}/{id}/resume"), None)
        .await
        .expect(409);
}

#[tokio::test]
async fn identity_matching_never_creates_accounts_and_records_each_record() {
    let s = Sds::new().await;
    let body = json!({
        "displayName": "Matching",
        "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationIdentityMatchingConfiguration",
            "matchingOptions": [
                {"appliesTo": "student", "sourcePropertyName": "Username", "targetPropertyName": "userPrincipalName", "targetDomain": "testschool.edu"},
                {"appliesTo": "teacher", "sourcePropertyName": "Username", "targetPropertyName": "userPrincipalName", "targetDomain": "testschool.edu"}
            ]
        }
    });
    let id = s.profile(body).await;
    s.upload_dir(&id, &s.small_set("full")).await;
    s.call(Method::POST, &format!("{PROFILES}/{id}/start"), None)
        .await
        .expect(200);
    s.work().await;
    let status = s.status(&id).await;
    assert_eq!(status["status"], "success", "{status}");
    assert_eq!(s.users().await, 0);
    assert_eq!(status["errorCount"], 102);
    let errors = s
        .call(
            Method::GET,
            &format!("{PROFILES}/{id}/errors?$filter=entryType eq 'teacher'&$count=true&$top=5"),
            None,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(errors["@odata.count"], 12);
    assert_eq!(values(&errors).len(), 5);
    let first = &values(&errors)[0];
    assert!(
        first["errorMessage"]
            .as_str()
            .unwrap()
            .contains("never creates"),
        "{first}"
    );
    assert!(
        first["reportableIdentifier"]
            .as_str()
            .unwrap()
            .starts_with("Teacher.csv:"),
        "{first}"
    );
    let one = first["id"].as_str().unwrap();
    s.call(Method::GET, &format!("{PROFILES}/{id}/errors/{one}"), None)
        .await
        .expect(200);
    let count = s
        .call(Method::GET, &format!("{PROFILES}/{id}/errors/$count"), None)
        .await
        .expect(200);
    assert_eq!(count.text(), "102");
    // Reset clears them.
    s.call(Method::POST, &format!("{PROFILES}/{id}/reset"), None)
        .await
        .expect(200);
    let count = s
        .call(Method::GET, &format!("{PROFILES}/{id}/errors/$count"), None)
        .await
        .expect(200);
    assert_eq!(count.text(), "0");
}
