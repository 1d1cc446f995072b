//! The use cases of contained sets, over the store and for every row of the catalog:
//! create in a container, update and delete under it (a child named under the wrong
//! container is not found), the singletons that exist with their defaults until written,
//! a rule over a container's whole set checked before anything is written, and the
//! assignment settings' PATCH that replaces or edits the grading categories with it, in
//! one unit of work. Handlers parse, authorize, call these and render.

use edugraph_odata::Schema;
use edugraph_store::{Doc, EntityKind, ListQuery, Relation, Scope, Store, StoreError, UnitOfWork};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::{Rules, Set, SetDef, Shape, Stamp};
use crate::roster::RuleError;
use crate::writes::{self, container_turn, IfMatch, WriteError, MAX_ATTEMPTS};
use crate::Caller;

/// The most entities one container's set may hold: a rule over the set reads it whole.
pub const MAX_IN_CONTAINER: u32 = 200;

/// A set below one container.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub def: &'static SetDef,
    pub tenant: &'a str,
    /// The id of the home entity (the class, or the user that owns the rubrics).
    pub parent: &'a str,
}

impl Place<'_> {
    /// The kind of the home entity; the contained sets' homes all have one (a class
    /// or a user), so the entity's own kind stands in only for a root row, which no use
    /// case here serves.
    fn home_kind(&self) -> EntityKind {
        self.def.home.kind().unwrap_or(self.def.kind)
    }
}

/// Who writes, and when.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    pub schema: &'static Schema,
    pub now: OffsetDateTime,
    pub caller: &'a Caller,
}

impl Writer<'_> {
    fn stamp(&self) -> Stamp<'_> {
        Stamp {
            now: self.now,
            caller: self.caller,
        }
    }
}

type Body = Map<String, Value>;

fn rules(def: &SetDef) -> Result<&'static Rules, WriteError> {
    def.rules
        .ok_or_else(|| store_error(format!("{:?} has no rules", def.set)))
}

fn store_error(message: String) -> WriteError {
    WriteError::Store(StoreError::Other(message.into()))
}

fn parse(json: &str) -> Result<Value, WriteError> {
    serde_json::from_str(json).map_err(|e| WriteError::Store(StoreError::Other(Box::new(e))))
}

fn one(mut docs: Vec<Doc>) -> Result<Doc, WriteError> {
    docs.pop()
        .ok_or_else(|| store_error("a write returned no document".into()))
}

/// The container's entities of the set, parsed (at most [`MAX_IN_CONTAINER`]).
pub async fn members_of(store: &dyn Store, place: &Place<'_>) -> Result<Vec<Doc>, WriteError> {
    let query = ListQuery {
        kind: place.def.kind,
        scope: Scope::Children(place.parent.to_string()),
        filter: None,
        orderby: &[],
        skip: 0,
        limit: MAX_IN_CONTAINER,
        count: false,
    };
    Ok(store.list(place.tenant, &query).await?.items)
}

/// Checks the set's rule (if it has one) over the container's set with `id` replaced by
/// `doc` (`None`: removed; an unknown id: added).
async fn check_set(
    store: &dyn Store,
    place: &Place<'_>,
    rules: &Rules,
    id: &str,
    doc: Option<&Value>,
) -> Result<(), WriteError> {
    let Some(rule) = rules.invariant else {
        return Ok(());
    };
    let mut all = Vec::new();
    for member in members_of(store, place).await? {
        if member.id != id {
            all.push(parse(&member.json)?);
        }
    }
    all.extend(doc.cloned());
    check_size(all.len())?;
    Ok(rule(&all)?)
}

/// A set checked whole holds at most [`MAX_IN_CONTAINER`] entities (a listing of that
/// many is what the check reads).
fn check_size(n: usize) -> Result<(), WriteError> {
    if n >= MAX_IN_CONTAINER as usize {
        return Err(RuleError::payload(format!(
            "A class holds fewer than {MAX_IN_CONTAINER} of these."
        ))
        .into());
    }
    Ok(())
}

/// A new entity in the container; `NotFound` when the container does not exist.
pub async fn create(
    store: &dyn Store,
    w: Writer<'_>,
    place: &Place<'_>,
    body: Body,
) -> Result<Doc, WriteError> {
    let rules = rules(place.def)?;
    let id = uuid::Uuid::new_v4().to_string();
    let doc = (rules.create)(w.schema, &id, body, w.stamp())?;
    let turn = container_turn(place.tenant, place.home_kind(), place.parent);
    let _turn = turn.lock().await;
    check_set(store, place, rules, &id, Some(&doc)).await?;
    let work = UnitOfWork::new().create_in(place.def.kind, place.parent, doc);
    one(store.apply(place.tenant, &work).await?)
}

/// The entity `id` when it is in this container.
pub async fn get(
    store: &dyn Store,
    place: &Place<'_>,
    id: &str,
) -> Result<Option<Doc>, StoreError> {
    store
        .get_in(place.tenant, place.def.kind, place.parent, id)
        .await
}

/// A PATCH of an entity of the container: merged by the type's rules, the set's rule
/// checked, written as a compare-and-swap (`writes::update`).
pub async fn update(
    store: &dyn Store,
    w: Writer<'_>,
    place: &Place<'_>,
    id: &str,
    patch: Body,
    if_match: Option<&IfMatch>,
) -> Result<Doc, WriteError> {
    let rules = rules(place.def)?;
    let turn = container_turn(place.tenant, place.home_kind(), place.parent);
    let _turn = turn.lock().await;
    let current = get(store, place, id).await?.ok_or(WriteError::NotFound)?;
    if rules.invariant.is_some() {
        let merged = (rules.update)(w.schema, &parse(&current.json)?, patch.clone(), w.stamp())?;
        check_set(store, place, rules, id, Some(&merged)).await?;
    }
    writes::update(
        store,
        place.tenant,
        place.def.kind,
        id,
        if_match,
        None,
        |existing| (rules.update)(w.schema, existing, patch.clone(), w.stamp()),
    )
    .await
}

/// Deletes an entity of the container with everything it contains.
pub async fn delete(
    store: &dyn Store,
    place: &Place<'_>,
    id: &str,
    if_match: Option<&IfMatch>,
) -> Result<(), WriteError> {
    let rules = rules(place.def)?;
    let turn = container_turn(place.tenant, place.home_kind(), place.parent);
    let _turn = turn.lock().await;
    get(store, place, id).await?.ok_or(WriteError::NotFound)?;
    check_set(store, place, rules, id, None).await?;
    writes::delete(store, place.tenant, place.def.kind, id, if_match).await
}

/// A singleton: what was written, or its defaults (version 0) when nothing was. The
/// container's existence is the caller's to check.
pub async fn singleton(store: &dyn Store, place: &Place<'_>) -> Result<Doc, WriteError> {
    if let Some(doc) = get(store, place, place.parent).await? {
        return Ok(doc);
    }
    let default = rules(place.def)?
        .default
        .ok_or_else(|| store_error(format!("{:?} has no defaults", place.def.set)))?;
    Ok(Doc {
        id: place.parent.to_string(),
        json: default(place.parent).to_string(),
        version: 0,
    })
}

/// A PATCH of a singleton: merged into what was written or into its defaults (the
/// first write creates the row; a racing first write is merged into instead).
pub async fn update_singleton(
    store: &dyn Store,
    w: Writer<'_>,
    place: &Place<'_>,
    patch: Body,
    if_match: Option<&IfMatch>,
) -> Result<Doc, WriteError> {
    let rules = rules(place.def)?;
    for _ in 0..MAX_ATTEMPTS {
        let current = singleton(store, place).await?;
        if current.version > 0 {
            let merge =
                |existing: &Value| (rules.update)(w.schema, existing, patch.clone(), w.stamp());
            return writes::update(
                store,
                place.tenant,
                place.def.kind,
                place.parent,
                if_match,
                None,
                merge,
            )
            .await;
        }
        if if_match.is_some_and(|m| !m.matches(0)) {
            return Err(WriteError::PreconditionFailed);
        }
        let doc = (rules.update)(w.schema, &parse(&current.json)?, patch.clone(), w.stamp())?;
        let work = UnitOfWork::new().create_in(place.def.kind, place.parent, doc);
        match store.apply(place.tenant, &work).await {
            Ok(docs) => return one(docs),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(WriteError::Contended)
}

/// A DELETE of a singleton: back to its defaults (nothing to do when nothing was written).
pub async fn reset_singleton(
    store: &dyn Store,
    place: &Place<'_>,
    if_match: Option<&IfMatch>,
) -> Result<(), WriteError> {
    match writes::delete(store, place.tenant, place.def.kind, place.parent, if_match).await {
        Err(WriteError::NotFound) => match if_match {
            Some(m) if !m.matches(0) => Err(WriteError::PreconditionFailed),
            _ => Ok(()),
        },
        other => other,
    }
}

/// The entity a single-valued reference of the container points at, if any.
pub async fn referenced(store: &dyn Store, place: &Place<'_>) -> Result<Option<Doc>, WriteError> {
    let relation = reference_relation(place.def)?;
    let query = ListQuery {
        kind: place.def.kind,
        scope: Scope::Outgoing(relation, place.parent.to_string()),
        filter: None,
        orderby: &[],
        skip: 0,
        limit: 1,
        count: false,
    };
    Ok(store.list(place.tenant, &query).await?.items.pop())
}

/// Points the reference at `target`, which must be an entity of the set the reference
/// ranges over in the same container (`NotFound` otherwise); replaces what it pointed at.
pub async fn set_reference(
    store: &dyn Store,
    place: &Place<'_>,
    target: &str,
) -> Result<(), WriteError> {
    let relation = reference_relation(place.def)?;
    let Shape::Reference(of) = place.def.shape else {
        return Err(store_error("not a reference".into()));
    };
    let range = Place {
        def: SetDef::of(of),
        ..*place
    };
    let turn = container_turn(place.tenant, place.home_kind(), place.parent);
    let _turn = turn.lock().await;
    get(store, &range, target)
        .await?
        .ok_or(WriteError::NotFound)?;
    let mut work = UnitOfWork::new();
    if let Some(old) = referenced(store, place).await? {
        if old.id == target {
            return Ok(());
        }
        work = work.unlink(relation, place.parent, &old.id);
    }
    store
        .apply(place.tenant, &work.link(relation, place.parent, target))
        .await?;
    Ok(())
}

/// Clears the reference (`NotFound` when it points nowhere).
pub async fn clear_reference(store: &dyn Store, place: &Place<'_>) -> Result<(), WriteError> {
    let relation = reference_relation(place.def)?;
    let turn = container_turn(place.tenant, place.home_kind(), place.parent);
    let _turn = turn.lock().await;
    let old = referenced(store, place)
        .await?
        .ok_or(WriteError::NotFound)?;
    store
        .apply(
            place.tenant,
            &UnitOfWork::new().unlink(relation, place.parent, &old.id),
        )
        .await?;
    Ok(())
}

fn reference_relation(def: &SetDef) -> Result<Relation, WriteError> {
    match def.set {
        Set::DefaultGradingScheme => Ok(Relation::DefaultGradingScheme),
        other => Err(store_error(format!("{other:?} is not a reference"))),
    }
}

/// `PATCH .../assignmentSettings`: the settings' own properties, and the class's grading
/// categories replaced whole (`gradingCategories`) or edited entry by entry
/// (`gradingCategories@delta`: an entry with an id updates that category, one marked
/// deleted removes it, one without an id creates a category). The categories' weights
/// rule is checked over the result, and everything is written in one unit of work.
pub async fn patch_settings(
    store: &dyn Store,
    w: Writer<'_>,
    tenant: &str,
    class: &str,
    mut body: Body,
    if_match: Option<&IfMatch>,
) -> Result<(), WriteError> {
    let settings = Place {
        def: SetDef::of(Set::AssignmentSettings),
        tenant,
        parent: class,
    };
    let categories = Place {
        def: SetDef::of(Set::GradingCategories),
        ..settings
    };
    let whole = body.remove("gradingCategories");
    let by_entry = body.remove("gradingCategories@delta");
    // Annotations of the collection (`gradingCategories@odata.context`) carry nothing.
    body.retain(|k, _| !k.starts_with("gradingCategories@"));
    let edits = match (whole, by_entry) {
        (Some(_), Some(_)) => {
            return Err(RuleError::payload(
                "Send gradingCategories or gradingCategories@delta, not both.",
            )
            .into())
        }
        (Some(Value::Array(items)), None) => Some((items, true)),
        (None, Some(Value::Array(items))) => Some((items, false)),
        (None, None) => None,
        _ => {
            return Err(RuleError::payload("gradingCategories must be an array.").into());
        }
    };
    let turn = container_turn(tenant, EntityKind::Class, class);
    let _turn = turn.lock().await;
    let mut work = UnitOfWork::new();
    if let Some((items, whole)) = edits {
        work = edit_categories(store, w, &categories, items, whole, work).await?;
    }
    let current = singleton(store, &settings).await?;
    if if_match.is_some_and(|m| !m.matches(current.version)) {
        return Err(WriteError::PreconditionFailed);
    }
    let settings_rules = rules(settings.def)?;
    let merged = (settings_rules.update)(w.schema, &parse(&current.json)?, body, w.stamp())?;
    work = match current.version {
        0 => work.create_in(settings.def.kind, class, merged),
        v => work.update(settings.def.kind, merged, v),
    };
    match store.apply(tenant, &work).await {
        Ok(_) => Ok(()),
        Err(StoreError::Stale | StoreError::Conflict(_)) => Err(WriteError::Contended),
        Err(e) => Err(e.into()),
    }
}

/// Adds the category edits of a settings PATCH to `work`, after checking the weights
/// rule over the set they leave.
async fn edit_categories(
    store: &dyn Store,
    w: Writer<'_>,
    place: &Place<'_>,
    items: Vec<Value>,
    whole: bool,
    mut work: UnitOfWork,
) -> Result<UnitOfWork, WriteError> {
    let rules = rules(place.def)?;
    let existing = members_of(store, place).await?;
    // Each category as it will be: (id, version read or None when new, document or None
    // when deleted, whether this PATCH changes it). Replaced whole, the categories the
    // body does not name are deleted.
    let mut next: Vec<(String, Option<i64>, Option<Value>, bool)> = Vec::new();
    for doc in &existing {
        let keep = (!whole).then(|| parse(&doc.json)).transpose()?;
        next.push((doc.id.clone(), Some(doc.version), keep, whole));
    }
    for item in items {
        let Value::Object(mut entry) = item else {
            return Err(RuleError::payload("Each grading category must be an object.").into());
        };
        let removed = entry.contains_key("@removed")
            || entry
                .get("@odata.context")
                .and_then(Value::as_str)
                .is_some_and(|c| c.contains("$deletedEntity"));
        entry.retain(|k, _| !k.starts_with('@'));
        let id = match entry.remove("id") {
            Some(Value::String(id)) => Some(id),
            None | Some(Value::Null) => None,
            Some(_) => {
                return Err(RuleError::payload("A grading category id must be a string.").into())
            }
        };
        entry.remove("reason");
        match id {
            None if removed => {
                return Err(RuleError::payload("A deleted grading category needs its id.").into())
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                let doc = (rules.create)(w.schema, &id, entry, w.stamp())?;
                next.push((id, None, Some(doc), true));
            }
            Some(id) => {
                let Some(slot) = next.iter_mut().find(|(i, ..)| *i == id) else {
                    return Err(RuleError::payload(format!(
                        "The grading category '{id}' does not exist in this class."
                    ))
                    .into());
                };
                slot.3 = true;
                slot.2 = if removed {
                    None
                } else {
                    let base = existing
                        .iter()
                        .find(|d| d.id == id)
                        .map(|d| parse(&d.json))
                        .transpose()?
                        .unwrap_or(Value::Null);
                    Some((rules.update)(w.schema, &base, entry, w.stamp())?)
                };
            }
        }
    }
    check_size(next.iter().filter(|e| e.2.is_some()).count())?;
    if let Some(rule) = rules.invariant {
        let all: Vec<Value> = next.iter().filter_map(|(_, _, d, _)| d.clone()).collect();
        rule(&all)?;
    }
    for (id, version, doc, _) in next.into_iter().filter(|e| e.3) {
        work = match (version, doc) {
            (None, Some(doc)) => work.create_in(place.def.kind, place.parent, doc),
            (Some(v), Some(doc)) => work.update(place.def.kind, doc, v),
            (Some(v), None) => work.delete(place.def.kind, &id, Some(v)),
            (None, None) => work,
        };
    }
    Ok(work)
}
