//! Store micro benchmarks over a generated district (239 schools, 8,400 teachers, 57,000
//! students, 26,000 classes, ~460,000 links). Ignored by default and never asserting on
//! time; they print numbers:
//!
//!     cargo test --release -p edugraph-store --test bench -- --ignored --nocapture
//!
//! `EDUGRAPH_BENCH_URL` picks the database (default: a temporary SQLite file).

use edugraph_odata::{CmpOp, EdmType, Expr, Literal, PropertyPath};
use edugraph_store::{open, EntityKind, ListQuery, Relation, Scope, Store};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TENANT: &str = "bench-tenant";
const SCHOOLS: usize = 239;
const TEACHERS: usize = 8_400;
const STUDENTS: usize = 57_000;
const CLASSES: usize = 26_000;
const CLIENTS: usize = 32;

fn uid(prefix: char, i: usize) -> String {
    format!("{prefix}{i:07x}-0000-4000-8000-000000000000")
}

fn person(id: &str, i: usize, role: &str) -> Value {
    let (key, ext) = if role == "student" {
        ("student", format!("S{i:06}"))
    } else {
        ("teacher", format!("T{i:06}"))
    };
    let mut doc = json!({
        "id": id, "displayName": format!("Person {i}"), "givenName": "Person", "surname": format!("{i}"),
        "userPrincipalName": format!("{role}{i}@district.edu"), "mailNickname": format!("{role}{i}"),
        "mail": format!("{role}{i}@district.edu"), "accountEnabled": true, "primaryRole": role,
        "externalSource": "sis", "externalSourceDetail": "bench", "usageLocation": "US",
        "preferredLanguage": "en-US", "businessPhones": [], "mobilePhone": null, "department": null,
        "officeLocation": null, "showInAddressList": true, "passwordPolicies": "DisablePasswordExpiration",
        "assignedLicenses": [], "assignedPlans": [], "provisionedPlans": [],
        "createdBy": {"user": {"id": "00000000-0000-0000-0000-000000000001", "displayName": "SIS sync"}},
        "residenceAddress": {"city": "Springfield", "countryOrRegion": "US", "postalCode": "12345", "state": "IL", "street": format!("{i} Main St")},
        "mailingAddress": {"city": "Springfield", "countryOrRegion": "US", "postalCode": "12345", "state": "IL", "street": format!("{i} Main St")},
        "student": null, "teacher": null,
    });
    doc[key] = if role == "student" {
        json!({"externalId": ext, "birthDate": "2010-04-01", "grade": "9", "graduationYear": "2028", "gender": "female", "studentNumber": format!("{i}")})
    } else {
        json!({"externalId": ext, "teacherNumber": format!("{i}")})
    };
    doc
}

type Entities = Vec<(EntityKind, Value)>;
type Links = Vec<(Relation, String, String)>;

/// The district as bulk-load input.
fn district() -> (Entities, Links) {
    let mut entities = Vec::with_capacity(SCHOOLS + TEACHERS + STUDENTS + CLASSES);
    let mut links = Vec::new();
    for s in 0..SCHOOLS {
        entities.push((EntityKind::School, json!({"id": uid('a', s), "displayName": format!("School {s}"), "externalId": format!("SCH{s}"), "externalSource": "sis"})));
    }
    for t in 0..TEACHERS {
        entities.push((EntityKind::User, person(&uid('b', t), t, "teacher")));
        links.push((Relation::SchoolUsers, uid('a', t % SCHOOLS), uid('b', t)));
    }
    for s in 0..STUDENTS {
        entities.push((EntityKind::User, person(&uid('c', s), s, "student")));
        links.push((Relation::SchoolUsers, uid('a', s % SCHOOLS), uid('c', s)));
    }
    for c in 0..CLASSES {
        let id = uid('d', c);
        entities.push((EntityKind::Class, json!({"id": id, "displayName": format!("Class {c}"), "mailNickname": format!("class{c}"), "externalId": format!("C{c}"), "externalSource": "sis", "classCode": format!("CODE{c}"), "description": null})));
        links.push((Relation::SchoolClasses, uid('a', c % SCHOOLS), id.clone()));
        let teacher = uid('b', c % TEACHERS);
        links.push((Relation::ClassTeachers, id.clone(), teacher.clone()));
        links.push((Relation::ClassMembers, id.clone(), teacher));
        // ~13 students per class: 26,000 × 13 + the rest ≈ 460,000 links in all.
        for k in 0..13 {
            links.push((
                Relation::ClassMembers,
                id.clone(),
                uid('c', (c * 13 + k) % STUDENTS),
            ));
        }
    }
    (entities, links)
}

async fn store() -> (Arc<dyn Store>, Option<std::path::PathBuf>) {
    if let Ok(url) = std::env::var("EDUGRAPH_BENCH_URL") {
        let s = open(&url).await.unwrap();
        s.clear_tenant(TENANT).await.unwrap();
        return (s, None);
    }
    let path = std::env::temp_dir().join(format!("edugraph-bench-{}.db", uuid::Uuid::new_v4()));
    (
        open(&format!("sqlite://{}", path.display())).await.unwrap(),
        Some(path),
    )
}

/// Runs `op` from CLIENTS concurrent tasks, `per_client` times each; prints throughput and
/// latency percentiles.
async fn load<F, Fut>(name: &str, per_client: usize, op: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_client);
                for i in 0..per_client {
                    let t = Instant::now();
                    op(c * 1_000_003 + i * 7_919).await;
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let wall = start.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{name:<28} {:>8.0} ops/s   p50 {:>7.2?}   p99 {:>7.2?}   max {:>7.2?}   ({} ops, {CLIENTS} clients)",
        lat.len() as f64 / wall.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        lat[lat.len() - 1],
        lat.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn district_benchmark() {
    let (entities, links) = district();
    println!(
        "district: {} entities, {} links",
        entities.len(),
        links.len()
    );
    let (store, file) = store().await;

    let t = Instant::now();
    store.bulk_load(TENANT, &entities, &links).await.unwrap();
    println!("bulk_load                    {:.2?}", t.elapsed());
    drop((entities, links));

    let s = store.clone();
    load("get one user, repeatedly", 5_000, move |_| {
        let s = s.clone();
        async move {
            assert!(s
                .get(TENANT, EntityKind::User, &uid('c', 42))
                .await
                .unwrap()
                .is_some());
        }
    })
    .await;

    let s = store.clone();
    load("get random users", 5_000, move |i| {
        let s = s.clone();
        async move {
            let id = uid('c', i % STUDENTS);
            assert!(s
                .get(TENANT, EntityKind::User, &id)
                .await
                .unwrap()
                .is_some());
        }
    })
    .await;

    let s = store.clone();
    load("classes/{id}/members", 500, move |i| {
        let s = s.clone();
        async move {
            let q = ListQuery {
                kind: EntityKind::User,
                scope: Scope::Outgoing(Relation::ClassMembers, uid('d', i % CLASSES)),
                filter: None,
                orderby: &[],
                skip: 0,
                limit: 100,
                count: false,
            };
            assert!(!s.list(TENANT, &q).await.unwrap().items.is_empty());
        }
    })
    .await;

    let s = store.clone();
    load("users?$filter=student/extId", 1_000, move |i| {
        let s = s.clone();
        async move {
            let f = Expr::Compare {
                left: PropertyPath {
                    lambda: None,
                    segments: vec!["student".into(), "externalId".into()],
                    ty: EdmType::String,
                    collection: false,
                },
                op: CmpOp::Eq,
                right: Literal::String(format!("S{:06}", i % STUDENTS)),
            };
            let q = ListQuery {
                kind: EntityKind::User,
                scope: Scope::All,
                filter: Some(&f),
                orderby: &[],
                skip: 0,
                limit: 100,
                count: false,
            };
            assert_eq!(s.list(TENANT, &q).await.unwrap().items.len(), 1);
        }
    })
    .await;

    let s = store.clone();
    load("users?$top=100", 100, move |_| {
        let s = s.clone();
        async move {
            let q = ListQuery {
                kind: EntityKind::User,
                scope: Scope::All,
                filter: None,
                orderby: &[],
                skip: 0,
                limit: 100,
                count: false,
            };
            assert_eq!(s.list(TENANT, &q).await.unwrap().items.len(), 100);
        }
    })
    .await;

    let s = store.clone();
    let t = Instant::now();
    let upto = s.latest_seq(TENANT).await.unwrap();
    let (mut after, mut n) = (0, 0);
    loop {
        let page = s
            .changes(TENANT, EntityKind::User, None, after, upto, 999)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        n += page.len();
    }
    println!(
        "full users delta walk        {:.2?} ({n} items, pages of 999)",
        t.elapsed()
    );

    drop(store);
    if let Some(path) = file {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
