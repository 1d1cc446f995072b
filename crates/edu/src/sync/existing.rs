//! What the tenant holds, read once per plan: the synced entities keyed by their external
//! ids, the names already taken (principal names and mail nicknames are unique per
//! tenant, whoever created the entity), and the links between synced entities.

use std::collections::{HashMap, HashSet};

use edugraph_odata::{CmpOp, EdmType, Expr, Literal, PropertyPath};
use edugraph_store::{EntityKind, ListQuery, Relation, Scope, Store, StoreError};
use serde_json::Value;

use super::documents::SIS;
use super::StoreId;

/// Rows per listing page: large enough that a district takes few round trips, small
/// enough that one page of documents stays a few megabytes.
const PAGE: u32 = 2_000;

/// A stored entity the sync owns, kept as its stored text (parsed again when the plan
/// needs it: once per entity).
#[derive(Debug, Clone)]
pub(super) struct Held {
    pub id: String,
    pub version: i64,
    pub json: String,
}

impl Held {
    /// The stored document (`Null` if the text is not JSON: it was parsed when read).
    pub fn doc(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Default)]
pub(super) struct Existing {
    pub empty: bool,
    pub schools: HashMap<String, Held>,
    pub classes: HashMap<String, Held>,
    pub students: HashMap<String, Held>,
    pub teachers: HashMap<String, Held>,
    /// Lower-cased principal names of every user, with the user's id.
    pub upns: HashMap<String, String>,
    /// Lower-cased mail nicknames of every user and class.
    pub nicknames: HashSet<String>,
    /// Links whose two ends are synced entities, per relation.
    pub links: HashMap<Relation, HashSet<(StoreId, StoreId)>>,
}

impl Existing {
    pub async fn read(store: &dyn Store, tenant: &str) -> Result<Existing, StoreError> {
        let mut ex = Existing {
            empty: store.tenant_is_empty(tenant).await?,
            ..Existing::default()
        };
        if ex.empty {
            return Ok(ex);
        }
        // Schools carry no unique names, so only the synced ones are read.
        let sis = Expr::Compare {
            left: PropertyPath {
                lambda: None,
                segments: vec!["externalSource".into()],
                ty: EdmType::Enum("educationExternalSource".into()),
                collection: false,
            },
            op: CmpOp::Eq,
            right: Literal::String(SIS.into()),
        };
        let schools = &mut ex.schools;
        each(
            store,
            tenant,
            EntityKind::School,
            Some(&sis),
            |doc, held| {
                if let Some(key) = text(doc, &["externalId"]) {
                    schools.insert(key, held);
                }
            },
        )
        .await?;
        let (nicknames, classes) = (&mut ex.nicknames, &mut ex.classes);
        each(store, tenant, EntityKind::Class, None, |doc, held| {
            if let Some(n) = text(doc, &["mailNickname"]) {
                nicknames.insert(n.to_lowercase());
            }
            if let (true, Some(key)) = (is_sis(doc), text(doc, &["externalId"])) {
                classes.insert(key, held);
            }
        })
        .await?;
        let (nicknames, upns) = (&mut ex.nicknames, &mut ex.upns);
        let (students, teachers) = (&mut ex.students, &mut ex.teachers);
        each(store, tenant, EntityKind::User, None, |doc, held| {
            if let Some(n) = text(doc, &["mailNickname"]) {
                nicknames.insert(n.to_lowercase());
            }
            if let Some(upn) = text(doc, &["userPrincipalName"]) {
                upns.insert(upn.to_lowercase(), held.id.clone());
            }
            if !is_sis(doc) {
                return;
            }
            let role = text(doc, &["primaryRole"]);
            let (map, path) = match role.as_deref() {
                Some("student") => (&mut *students, ["student", "externalId"]),
                Some("teacher") => (&mut *teachers, ["teacher", "externalId"]),
                _ => return,
            };
            if let Some(key) = text(doc, &path) {
                map.insert(key, held);
            }
        })
        .await?;
        ex.links = ex.read_links(store, tenant).await?;
        Ok(ex)
    }

    /// The links from each synced class and school to synced entities: one listing of
    /// the tenant's links per relation, kept where both ends are the sync's.
    async fn read_links(
        &self,
        store: &dyn Store,
        tenant: &str,
    ) -> Result<HashMap<Relation, HashSet<(StoreId, StoreId)>>, StoreError> {
        let users = ids(&[&self.students, &self.teachers]);
        let classes = ids(&[&self.classes]);
        let schools = ids(&[&self.schools]);
        let mut links: HashMap<Relation, HashSet<(StoreId, StoreId)>> = HashMap::new();
        for relation in Relation::ALL {
            let (from, to) = match relation {
                Relation::ClassMembers | Relation::ClassTeachers => (&classes, &users),
                Relation::SchoolClasses => (&schools, &classes),
                Relation::SchoolUsers => (&schools, &users),
                // Not a roster link: a sync never reads or writes it.
                Relation::DefaultGradingScheme => continue,
            };
            let set = links.entry(relation).or_default();
            // Each end is the id set's own shared copy: a district's links name each of
            // its users and classes hundreds of thousands of times.
            store
                .each_link(tenant, relation, &mut |f, t| {
                    if let (Some(f), Some(t)) = (from.get(f), to.get(t)) {
                        set.insert((f.clone(), t.clone()));
                    }
                })
                .await?;
        }
        Ok(links)
    }
}

/// The ids of the held entities of `maps`.
fn ids(maps: &[&HashMap<String, Held>]) -> HashSet<StoreId> {
    maps.iter()
        .flat_map(|m| m.values().map(|h| StoreId::from(h.id.as_str())))
        .collect()
}

fn is_sis(doc: &Value) -> bool {
    doc.get("externalSource").and_then(Value::as_str) == Some(SIS)
}

/// The string at `path` in `doc`.
pub(super) fn text(doc: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(doc, |v, k| v.get(*k))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Every entity of `kind` (matching `filter`), page by page, handed to `f` parsed and as
/// the [`Held`] that keeps only its text: a district's parsed documents would take
/// several times the memory of their JSON.
async fn each(
    store: &dyn Store,
    tenant: &str,
    kind: EntityKind,
    filter: Option<&Expr>,
    mut f: impl FnMut(&Value, Held),
) -> Result<(), StoreError> {
    let mut seen = 0;
    loop {
        let query = ListQuery {
            kind,
            scope: Scope::All,
            filter,
            orderby: &[],
            skip: seen,
            limit: PAGE,
            count: false,
        };
        let page = store.list(tenant, &query).await?;
        seen += page.items.len() as u64;
        for d in page.items {
            let doc: Value = serde_json::from_str(&d.json).map_err(|e| {
                StoreError::Other(format!("stored {} {}: {e}", kind.type_name(), d.id).into())
            })?;
            let held = Held {
                id: d.id,
                version: d.version,
                json: d.json,
            };
            f(&doc, held);
        }
        if !page.more {
            return Ok(());
        }
    }
}
