//! A class's assignment setup and a teacher's rubrics: assignment categories (CRUD, delta,
//! `$filter`/`$orderby`), the assignment defaults and settings singletons, grading
//! categories with their weights rule, grading schemes and the default scheme reference,
//! rubrics under `/me` and `/users/{id}`, containment (wrong class 404) and the cascade
//! of a class delete.

mod common;

use axum::http::Method;
use common::*;
use edugraph_store::EntityKind;
use serde_json::{json, Value};

const RW: &str = "EduAssignments.ReadWriteBasic";

/// A class with a teacher and a student, and their assignment tokens.
struct Class {
    t: TestApp,
    id: String,
    teacher: String,
    student: String,
    teacher_token: String,
    student_token: String,
}

impl Class {
    async fn new() -> Class {
        let t = TestApp::new().await;
        let id = t.class("setup").await;
        let teacher = t.user("setup-t", "teacher").await;
        let student = t.user("setup-s", "student").await;
        let base = format!("/v1.0/education/classes/{id}");
        t.link(
            &format!("{base}/teachers"),
            &format!("education/users/{teacher}"),
        )
        .await;
        t.link(
            &format!("{base}/members"),
            &format!("education/users/{teacher}"),
        )
        .await;
        t.link(
            &format!("{base}/members"),
            &format!("education/users/{student}"),
        )
        .await;
        let teacher_token = t.user_token(&teacher, &[RW]);
        let student_token = t.user_token(&student, &[RW]);
        Class {
            t,
            id,
            teacher,
            student,
            teacher_token,
            student_token,
        }
    }
    fn url(&self, rest: &str) -> String {
        format!("/v1.0/education/classes/{}/{rest}", self.id)
    }
    async fn as_teacher(&self, method: Method, uri: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string());
        self.t
            .call(method, uri, &self.teacher_token, body.as_deref())
            .await
    }
    async fn get(&self, uri: &str) -> Resp {
        self.as_teacher(Method::GET, uri, None).await
    }
    async fn post(&self, uri: &str, body: Value) -> Resp {
        self.as_teacher(Method::POST, uri, Some(body)).await
    }
    async fn patch(&self, uri: &str, body: Value) -> Resp {
        self.as_teacher(Method::PATCH, uri, Some(body)).await
    }
    async fn delete(&self, uri: &str) -> Resp {
        self.as_teacher(Method::DELETE, uri, None).await
    }
}

fn names(v: &Value) -> Vec<String> {
    values(v)
        .iter()
        .map(|x| x["displayName"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn assignment_categories() {
    let c = Class::new().await;
    let cats = c.url("assignmentCategories");
    let mut ids = Vec::new();
    for name in ["Homework", "Tests", "Labs"] {
        let resp = c
            .post(&cats, json!({"displayName": name}))
            .await
            .expect(201);
        let body = resp.json();
        assert_eq!(body["@odata.type"], "#microsoft.graph.educationCategory");
        assert_eq!(body["displayName"], name);
        assert!(body["@odata.context"].as_str().unwrap().ends_with(&format!(
            "$metadata#education/classes('{}')/assignmentCategories/$entity",
            c.id
        )));
        assert_eq!(body["@odata.etag"], "W/\"1\"");
        let id = body["id"].as_str().unwrap().to_string();
        assert!(
            resp.header("location").ends_with(&format!("{cats}/{id}")),
            "{}",
            resp.header("location")
        );
        ids.push(id);
    }
    let list = c
        .get(&format!("{cats}?$orderby=displayName%20desc"))
        .await
        .expect(200)
        .json();
    assert_eq!(names(&list), ["Tests", "Labs", "Homework"]);
    let filtered = c
        .get(&format!("{cats}?$filter=displayName%20eq%20'Labs'"))
        .await
        .expect(200)
        .json();
    assert_eq!(names(&filtered), ["Labs"]);
    assert_eq!(
        c.get(&format!("{cats}/$count")).await.expect(200).text(),
        "3"
    );
    // Students read them; only teachers write.
    c.t.get_as(&cats, &c.student_token).await.expect(200);
    let (_, msg) =
        c.t.call(
            Method::POST,
            &cats,
            &c.student_token,
            Some(r#"{"displayName":"x"}"#),
        )
        .await
        .expect(403)
        .error();
    assert!(msg.contains("teacher"), "{msg}");
    // Bad bodies change nothing.
    for bad in [
        json!({}),
        json!({"displayName": 5}),
        json!({"displayName": "x", "color": "red"}),
        json!({"id": "mine", "displayName": "x"}),
    ] {
        c.post(&cats, bad).await.expect(400);
    }
    assert_eq!(
        c.get(&format!("{cats}/$count")).await.expect(200).text(),
        "3"
    );

    // Get, rename, and the same id under another class is not found.
    let one = format!("{cats}/{}", ids[0]);
    assert_eq!(
        c.get(&one).await.expect(200).json()["displayName"],
        "Homework"
    );
    let renamed = c
        .patch(&one, json!({"displayName": "Homework 2"}))
        .await
        .expect(200)
        .json();
    assert_eq!(
        (
            renamed["displayName"].as_str(),
            renamed["@odata.etag"].as_str()
        ),
        (Some("Homework 2"), Some("W/\"2\""))
    );
    let other = c.t.class("other").await;
    let app = c.t.app_token(TENANT_A, &["EduAssignments.ReadBasic.All"]);
    c.t.get_as(
        &format!(
            "/v1.0/education/classes/{other}/assignmentCategories/{}",
            ids[0]
        ),
        &app,
    )
    .await
    .expect(404);
    c.t.get_as(&one, &app).await.expect(200);
    c.t.get_as(
        &format!(
            "/v1.0/education/classes/{}/assignmentCategories",
            uuid::Uuid::new_v4()
        ),
        &app,
    )
    .await
    .expect(404);
    // A teacher of another class is refused by role, after the class is known to exist.
    let (_, msg) =
        c.t.get_as(
            &format!("/v1.0/education/classes/{other}/assignmentCategories"),
            &c.teacher_token,
        )
        .await
        .expect(403)
        .error();
    assert!(msg.contains("member"), "{msg}");

    // Delta: a first round lists all, the next reports the change and the deletion.
    let first = c.get(&format!("{cats}/delta")).await.expect(200).json();
    assert_eq!(values(&first).len(), 3);
    let next = path_of(first["@odata.deltaLink"].as_str().unwrap());
    c.delete(&format!("{cats}/{}", ids[1])).await.expect(204);
    c.patch(
        &format!("{cats}/{}", ids[2]),
        json!({"displayName": "Labs 2"}),
    )
    .await
    .expect(200);
    let round = c.get(&next).await.expect(200).json();
    let seen: Vec<(String, bool)> = values(&round)
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_string(),
                v.get("@removed").is_some(),
            )
        })
        .collect();
    assert_eq!(seen, [(ids[1].clone(), true), (ids[2].clone(), false)]);
    c.get(&format!("{cats}/{}", ids[1])).await.expect(404);
}

#[tokio::test]
async fn assignment_defaults_exist_until_written_and_reset_on_delete() {
    let c = Class::new().await;
    let url = c.url("assignmentDefaults");
    let defaults = c.get(&url).await.expect(200).json();
    assert_eq!(
        defaults["@odata.type"],
        "#microsoft.graph.educationAssignmentDefaults"
    );
    assert_eq!(defaults["id"], c.id.as_str());
    assert_eq!(defaults["addedStudentAction"], "none");
    assert_eq!(defaults["addToCalendarAction"], "none");
    assert_eq!(defaults["dueTime"], "23:59:00");
    assert_eq!(defaults["notificationChannelUrl"], Value::Null);
    assert_eq!(c.t.stored(EntityKind::AssignmentDefaults).await, 0);

    let patched = c
        .patch(
            &url,
            json!({"addedStudentAction": "assignIfOpen", "dueTime": "17:00:00"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(patched["addedStudentAction"], "assignIfOpen");
    assert_eq!(patched["dueTime"], "17:00:00");
    assert_eq!(patched["addToCalendarAction"], "none");
    assert_eq!(c.get(&url).await.expect(200).json()["dueTime"], "17:00:00");
    // A bad value changes nothing.
    c.patch(&url, json!({"addedStudentAction": "sometimes"}))
        .await
        .expect(400);
    c.patch(&url, json!({"dueTime": "25:00"})).await.expect(400);
    assert_eq!(
        c.get(&url).await.expect(200).json()["addedStudentAction"],
        "assignIfOpen"
    );
    // Students read, apps read, only teachers write.
    c.t.get_as(&url, &c.student_token).await.expect(200);
    let app = c.t.app_token(TENANT_A, &["EduAssignments.ReadBasic.All"]);
    c.t.get_as(&url, &app).await.expect(200);
    c.t.call(Method::PATCH, &url, &c.student_token, Some("{}"))
        .await
        .expect(403);

    c.delete(&url).await.expect(204);
    assert_eq!(c.get(&url).await.expect(200).json()["dueTime"], "23:59:00");
    c.delete(&url).await.expect(204);
}

#[tokio::test]
async fn grading_categories_total_100() {
    let c = Class::new().await;
    let settings = c.url("assignmentSettings");
    let cats = c.url("assignmentSettings/gradingCategories");
    let got = c.get(&settings).await.expect(200).json();
    assert_eq!(got["submissionAnimationDisabled"], false);
    assert_eq!(got["gradingCategories"], json!([]));
    assert!(got["gradingCategories@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/assignmentSettings/gradingCategories"));

    // Weights that do not total 100: 400, nothing stored.
    let (_, msg) = c
        .patch(
            &settings,
            json!({"gradingCategories": [
                {"displayName": "Homework", "percentageWeight": 60},
                {"displayName": "Tests", "percentageWeight": 30}
            ]}),
        )
        .await
        .expect(400)
        .error();
    assert!(msg.contains("sum to 100"), "{msg}");
    assert_eq!(c.t.stored(EntityKind::GradingCategory).await, 0);

    let body = c
        .patch(
            &settings,
            json!({"submissionAnimationDisabled": true, "gradingCategories": [
                {"displayName": "Homework", "percentageWeight": 60},
                {"displayName": "Tests", "percentageWeight": 40}
            ]}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(body["submissionAnimationDisabled"], true);
    let listed = body["gradingCategories"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    let id_of = |name: &str| {
        listed.iter().find(|v| v["displayName"] == name).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (homework, tests) = (id_of("Homework"), id_of("Tests"));

    // One category alone cannot break the total, by PATCH, POST or DELETE.
    c.patch(
        &format!("{cats}/{homework}"),
        json!({"percentageWeight": 50}),
    )
    .await
    .expect(400);
    c.post(
        &cats,
        json!({"displayName": "Extra", "percentageWeight": 10}),
    )
    .await
    .expect(400);
    c.delete(&format!("{cats}/{tests}")).await.expect(400);
    c.patch(
        &format!("{cats}/{homework}"),
        json!({"displayName": "Home"}),
    )
    .await
    .expect(200);
    c.post(
        &cats,
        json!({"displayName": "Bonus", "percentageWeight": 0}),
    )
    .await
    .expect(201);
    assert_eq!(
        c.get(&format!("{cats}/$count")).await.expect(200).text(),
        "3"
    );

    // Entry by entry: change one, delete one, add one.
    let bonus = c
        .get(&format!("{cats}?$filter=displayName%20eq%20'Bonus'"))
        .await
        .expect(200)
        .json();
    let bonus = values(&bonus)[0]["id"].as_str().unwrap().to_string();
    let body = c
        .patch(&settings, json!({"gradingCategories@delta": [
            {"id": homework, "percentageWeight": 30},
            {"@odata.context": "#gradingCategories/$deletedEntity", "id": bonus, "reason": "deleted"},
            {"displayName": "Projects", "percentageWeight": 30}
        ]}))
        .await
        .expect(200)
        .json();
    let mut got: Vec<(String, i64)> = body["gradingCategories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["displayName"].as_str().unwrap().to_string(),
                v["percentageWeight"].as_i64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("Home".to_string(), 30),
            ("Projects".to_string(), 30),
            ("Tests".to_string(), 40)
        ]
    );
    // Replaced whole by an empty set.
    c.patch(&settings, json!({"gradingCategories": []}))
        .await
        .expect(200);
    assert_eq!(c.t.stored(EntityKind::GradingCategory).await, 0);
}

#[tokio::test]
async fn grading_schemes_and_the_default() {
    let c = Class::new().await;
    let schemes = c.url("assignmentSettings/gradingSchemes");
    let default = c.url("assignmentSettings/defaultGradingScheme");
    let scheme = json!({"displayName": "Pass/Fail", "grades": [
        {"displayName": "Pass", "minPercentage": 60, "defaultPercentage": 100},
        {"displayName": "Fail", "minPercentage": 0, "defaultPercentage": 0}
    ]});
    let created = c.post(&schemes, scheme).await.expect(201).json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["grades"][0]["minPercentage"], 60);
    c.patch(
        &format!("{schemes}/{id}"),
        json!({"hidePointsDuringGrading": true}),
    )
    .await
    .expect(200);
    c.post(&schemes, json!({"displayName": "No grades", "grades": []}))
        .await
        .expect(400);

    c.get(&default).await.expect(404);
    let url = format!("https://graph.microsoft.com/v1.0/education/classes/{}/assignmentSettings/gradingSchemes/{id}", c.id);
    c.as_teacher(
        Method::PUT,
        &format!("{default}/$ref"),
        Some(json!({"@odata.id": url})),
    )
    .await
    .expect(204);
    let got = c.get(&default).await.expect(200).json();
    assert_eq!(
        (got["id"].as_str(), got["hidePointsDuringGrading"].as_bool()),
        (Some(id.as_str()), Some(true))
    );
    // Another class's scheme cannot be this class's default.
    let other = c.t.class("other").await;
    let foreign = format!("https://graph.microsoft.com/v1.0/education/classes/{other}/assignmentSettings/gradingSchemes/{}", uuid::Uuid::new_v4());
    c.as_teacher(
        Method::PUT,
        &format!("{default}/$ref"),
        Some(json!({"@odata.id": foreign})),
    )
    .await
    .expect(404);
    c.as_teacher(Method::DELETE, &format!("{default}/$ref"), None)
        .await
        .expect(204);
    c.get(&default).await.expect(404);
    c.as_teacher(Method::DELETE, &format!("{default}/$ref"), None)
        .await
        .expect(404);
    // Deleting the scheme clears the reference too.
    c.as_teacher(
        Method::PUT,
        &format!("{default}/$ref"),
        Some(json!({"@odata.id": url})),
    )
    .await
    .expect(204);
    c.delete(&format!("{schemes}/{id}")).await.expect(204);
    c.get(&default).await.expect(404);
}

fn rubric() -> Value {
    let text = |s: &str| json!({"content": s, "contentType": "text"});
    let points = |n: u32| json!({"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType", "maxPoints": n});
    json!({
        "displayName": "Essay",
        "description": text("How essays are graded"),
        "grading": {"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType"},
        "levels": [
            {"displayName": "Good", "description": text("good"), "grading": points(2)},
            {"displayName": "Poor", "description": text("poor"), "grading": points(1)}
        ],
        "qualities": [
            {"description": text("Argument"), "weight": 50, "criteria": [{"description": text("Clear")}, {"description": text("Unclear")}]},
            {"description": text("Spelling"), "weight": 50, "criteria": [{"description": text("Few errors")}, {"description": text("Many errors")}]}
        ]
    })
}

#[tokio::test]
async fn rubrics_belong_to_their_teacher() {
    let c = Class::new().await;
    let mine = "/v1.0/education/me/rubrics";
    let created = c.post(mine, rubric()).await.expect(201).json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["grading"]["maxPoints"], 100);
    assert!(created["levels"][0]["levelId"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(created["qualities"][1]["qualityId"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert_eq!(created["createdBy"]["user"]["id"], c.teacher.as_str());
    // One criterion per level; weights total 100.
    let mut bad = rubric();
    bad["qualities"][0]["criteria"] =
        json!([{"description": {"content": "x", "contentType": "text"}}]);
    c.post(mine, bad).await.expect(400);
    let mut bad = rubric();
    bad["qualities"][0]["weight"] = json!(40);
    c.post(mine, bad).await.expect(400);
    assert_eq!(c.t.stored(EntityKind::Rubric).await, 1);

    assert_eq!(
        c.get(&format!("{mine}/{id}")).await.expect(200).json()["displayName"],
        "Essay"
    );
    let by_id = format!("/v1.0/education/users/{}/rubrics", c.teacher);
    assert_eq!(
        ids(&c.get(&by_id).await.expect(200).json()),
        vec![id.clone()]
    );
    c.patch(&format!("{mine}/{id}"), json!({"displayName": "Essay 2"}))
        .await
        .expect(200);
    // Another user sees none of them, by /me or by id.
    assert!(ids(&c.t.get_as(mine, &c.student_token).await.expect(200).json()).is_empty());
    c.t.get_as(&format!("{mine}/{id}"), &c.student_token)
        .await
        .expect(404);
    let (_, msg) =
        c.t.get_as(&by_id, &c.student_token)
            .await
            .expect(403)
            .error();
    assert!(msg.contains("own data"), "{msg}");
    // An application reads any user's rubrics.
    let app = c.t.app_token(TENANT_A, &["EduAssignments.ReadBasic.All"]);
    assert_eq!(
        ids(&c.t.get_as(&by_id, &app).await.expect(200).json()),
        vec![id.clone()]
    );
    c.t.get_as(mine, &app).await.expect(400);
    // The student's own rubric is theirs alone: the teacher cannot reach it by id.
    c.t.call(
        Method::POST,
        mine,
        &c.student_token,
        Some(&rubric().to_string()),
    )
    .await
    .expect(201);
    let theirs = format!("/v1.0/education/users/{}/rubrics", c.student);
    c.get(&theirs).await.expect(403);
    assert_eq!(
        ids(&c.t.get_as(&theirs, &app).await.expect(200).json()).len(),
        1
    );
    c.delete(&format!("{mine}/{id}")).await.expect(204);
    c.get(&format!("{mine}/{id}")).await.expect(404);
}

#[tokio::test]
async fn deleting_a_class_deletes_its_setup() {
    let c = Class::new().await;
    let cat = c
        .post(
            &c.url("assignmentCategories"),
            json!({"displayName": "Homework"}),
        )
        .await
        .expect(201)
        .json();
    c.patch(&c.url("assignmentDefaults"), json!({"dueTime": "08:00:00"}))
        .await
        .expect(200);
    c.patch(
        &c.url("assignmentSettings"),
        json!({"gradingCategories": [{"displayName": "All", "percentageWeight": 100}]}),
    )
    .await
    .expect(200);
    let scheme =
        json!({"displayName": "P/F", "grades": [{"displayName": "Pass", "minPercentage": 50}]});
    c.post(&c.url("assignmentSettings/gradingSchemes"), scheme)
        .await
        .expect(201);
    c.post("/v1.0/education/me/rubrics", rubric())
        .await
        .expect(201);
    for kind in [
        EntityKind::Category,
        EntityKind::AssignmentDefaults,
        EntityKind::AssignmentSettings,
        EntityKind::GradingCategory,
        EntityKind::GradingScheme,
    ] {
        assert_eq!(c.t.stored(kind).await, 1, "{kind:?}");
    }
    c.t.delete(&format!("/v1.0/education/classes/{}", c.id))
        .await
        .expect(204);
    for kind in [
        EntityKind::Category,
        EntityKind::AssignmentDefaults,
        EntityKind::AssignmentSettings,
        EntityKind::GradingCategory,
        EntityKind::GradingScheme,
    ] {
        assert_eq!(c.t.stored(kind).await, 0, "{kind:?}");
    }
    // The teacher's rubric is the teacher's, not the class's.
    assert_eq!(c.t.stored(EntityKind::Rubric).await, 1);
    c.get(&format!(
        "{}/{}",
        c.url("assignmentCategories"),
        cat["id"].as_str().unwrap()
    ))
    .await
    .expect(404);
}
