//! Containment: children listed and read under their container only, created only in an
//! existing container, deleted with it however deep (in one transaction), and reported
//! by the container's delta, deletions included.

use crate::support::{all, class, id, ids, parse, user};
use edugraph_store::{EntityKind, ListQuery, Scope, Store, StoreError, UnitOfWork};
use serde_json::{json, Value};

use EntityKind::{Assignment, Category, Class, Outcome, Rubric, Submission, User};

fn named(id: &str, name: &str) -> Value {
    json!({"id": id, "displayName": name})
}

fn children(kind: EntityKind, parent: &str) -> ListQuery<'static> {
    ListQuery {
        scope: Scope::Children(parent.to_string()),
        ..all(kind)
    }
}

async fn new_class(s: &dyn Store, t: &str) -> String {
    let c = id();
    s.create(t, Class, &class(&c, &format!("n{}", &c[..8]), json!({})))
        .await
        .unwrap();
    c
}

async fn create_in(s: &dyn Store, t: &str, kind: EntityKind, parent: &str, name: &str) -> String {
    let child = id();
    let work = UnitOfWork::new().create_in(kind, parent, named(&child, name));
    s.apply(t, &work).await.unwrap();
    child
}

pub async fn children_live_under_their_container(s: &dyn Store, t: &str) {
    let (c1, c2) = (new_class(s, t).await, new_class(s, t).await);
    let a = create_in(s, t, Category, &c1, "Homework").await;
    let b = create_in(s, t, Category, &c1, "Tests").await;
    let other = create_in(s, t, Category, &c2, "Labs").await;

    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(ids(s, t, &children(Category, &c1)).await, want);
    assert_eq!(
        ids(s, t, &children(Category, &c2)).await,
        vec![other.clone()]
    );
    assert!(ids(s, t, &children(Category, &id())).await.is_empty());

    // Under its own class a child is found, as written; under another it is not.
    let doc = s.get_in(t, Category, &c1, &a).await.unwrap().unwrap();
    assert_eq!(parse(&doc.json), named(&a, "Homework"));
    assert_eq!(doc.version, 1);
    assert!(s.get_in(t, Category, &c2, &a).await.unwrap().is_none());
    assert!(s.get_in(t, Category, &c1, &other).await.unwrap().is_none());
    // Another kind under the same container is another set.
    assert!(s.get_in(t, Rubric, &c1, &a).await.unwrap().is_none());

    // An update keeps the child where it was.
    let renamed = named(&a, "Homework 2");
    s.update(t, Category, &renamed, 1).await.unwrap();
    let doc = s.get_in(t, Category, &c1, &a).await.unwrap().unwrap();
    assert_eq!((parse(&doc.json), doc.version), (renamed, 2));
    assert_eq!(ids(s, t, &children(Category, &c1)).await, want);
}

pub async fn children_need_an_existing_container(s: &dyn Store, t: &str) {
    let c = new_class(s, t).await;
    let u = id();
    s.create(t, User, &user(&u, &format!("{u}@x.edu"), json!({})))
        .await
        .unwrap();
    // No such class; a user is not a class; a rubric belongs to a user.
    for (kind, parent) in [(Category, id()), (Category, u.clone()), (Rubric, c.clone())] {
        let work = UnitOfWork::new().create_in(kind, &parent, named(&id(), "x"));
        assert!(
            matches!(s.apply(t, &work).await, Err(StoreError::NotFound)),
            "{kind:?} in {parent}"
        );
    }
    // A contained kind without a container, and a top-level kind with one, are refused.
    let orphan = UnitOfWork::new().create(Category, named(&id(), "x"));
    assert!(s.apply(t, &orphan).await.is_err());
    let nested = UnitOfWork::new().create_in(Class, &c, class(&id(), "nested", json!({})));
    assert!(s.apply(t, &nested).await.is_err());
    assert!(ids(s, t, &all(Category)).await.is_empty());
    create_in(s, t, Rubric, &u, "Essay").await;
    assert_eq!(ids(s, t, &children(Rubric, &u)).await.len(), 1);
}

pub async fn deleting_a_container_deletes_everything_under_it(s: &dyn Store, t: &str) {
    let (c, keep) = (new_class(s, t).await, new_class(s, t).await);
    let cat = create_in(s, t, Category, &c, "Homework").await;
    let asg = create_in(s, t, Assignment, &c, "Essay").await;
    let sub = create_in(s, t, Submission, &asg, "sub").await;
    let out = create_in(s, t, Outcome, &sub, "points").await;
    let kept = create_in(s, t, Assignment, &keep, "Other").await;
    let kept_sub = create_in(s, t, Submission, &kept, "sub").await;
    let before = s.latest_seq(t).await.unwrap();

    s.delete(t, Class, &c).await.unwrap();
    for (kind, gone) in [
        (Class, &c),
        (Category, &cat),
        (Assignment, &asg),
        (Submission, &sub),
        (Outcome, &out),
    ] {
        assert!(s.get(t, kind, gone).await.unwrap().is_none(), "{kind:?}");
    }
    assert_eq!(ids(s, t, &all(Assignment)).await, vec![kept.clone()]);
    assert_eq!(ids(s, t, &all(Submission)).await, [kept_sub]);
    assert!(ids(s, t, &all(Outcome)).await.is_empty());

    // Every deletion is in the log, each under its own container.
    let upto = s.latest_seq(t).await.unwrap();
    let deleted = |kind, parent: &str| {
        let parent = parent.to_string();
        async move {
            s.changes(t, kind, Some(&parent), before, upto, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|i| (i.id, i.doc.is_none()))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(deleted(Category, &c).await, [(cat, true)]);
    assert_eq!(deleted(Assignment, &c).await, [(asg.clone(), true)]);
    assert_eq!(deleted(Submission, &asg).await, [(sub.clone(), true)]);
    assert_eq!(deleted(Outcome, &sub).await, [(out, true)]);
    assert!(deleted(Assignment, &keep).await.is_empty());

    // Deleting a middle level takes only what is under it.
    s.delete(t, Assignment, &kept).await.unwrap();
    assert!(ids(s, t, &all(Submission)).await.is_empty());
    assert!(s.get(t, Class, &keep).await.unwrap().is_some());
}

pub async fn a_cascade_is_one_transaction(s: &dyn Store, t: &str) {
    let c = new_class(s, t).await;
    let cat = create_in(s, t, Category, &c, "Homework").await;
    // The class goes with its category, then the unit fails on a missing entity: the
    // whole unit is undone, the category included.
    let work = UnitOfWork::new()
        .delete(Class, &c, None)
        .delete(Class, &id(), None);
    assert!(matches!(s.apply(t, &work).await, Err(StoreError::NotFound)));
    assert!(s.get(t, Class, &c).await.unwrap().is_some());
    assert!(s.get_in(t, Category, &c, &cat).await.unwrap().is_some());
    assert_eq!(ids(s, t, &children(Category, &c)).await, [cat]);
}

pub async fn delta_of_one_container(s: &dyn Store, t: &str) {
    let (c1, c2) = (new_class(s, t).await, new_class(s, t).await);
    let start = s.latest_seq(t).await.unwrap();
    let a = create_in(s, t, Category, &c1, "A").await;
    let b = create_in(s, t, Category, &c1, "B").await;
    create_in(s, t, Category, &c2, "C").await;
    s.update(t, Category, &named(&a, "A2"), 1).await.unwrap();
    s.delete(t, Category, &b).await.unwrap();
    let upto = s.latest_seq(t).await.unwrap();
    let items = s
        .changes(t, Category, Some(&c1), start, upto, 100)
        .await
        .unwrap();
    let seen: Vec<_> = items
        .iter()
        .map(|i| (i.id.clone(), i.doc.as_deref().map(parse)))
        .collect();
    assert_eq!(seen, [(a.clone(), Some(named(&a, "A2"))), (b, None)]);
    // Without a container: every category of the tenant.
    let every = s
        .changes(t, Category, None, start, upto, 100)
        .await
        .unwrap();
    assert_eq!(every.len(), 3);
}
