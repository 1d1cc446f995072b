//! What the tenant holds, read once per plan: the synced entities keyed by their external
//! ids, the names already taken (principal names and mail nicknames are unique per
//! tenant, whoever created the entity), and the links between synced entities.

use std::collections::{HashMap, HashSet};

use edugraph_odata::{CmpOp, EdmType, Expr, Literal, PropertyPath};
use edugraph_store::{EntityKind, ListQuery, Relation, Scope, Store, StoreError};
use serde_json::Value;

use super::documents::SIS;

/// Rows per listing page: large enough that a district takes few round trips, small
/// enough that one page of documents stays a few megabytes.
const PAGE: u32 = 2_000;

/// A stored entity the sync owns.
#[derive(Debug, Clone)]
pub(super) struct Held {
    pub id: String,
    pub version: i64,
    pub doc: Value,
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
    pub links: HashMap<Relation, HashSet<(String, String)>>,
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
        for doc in list(store, tenant, EntityKind::School, Scope::All, Some(&sis)).await? {
            if let Some(key) = text(&doc.doc, &["externalId"]) {
                ex.schools.insert(key, doc);
            }
        }
        for doc in list(store, tenant, EntityKind::Class, Scope::All, None).await? {
            if let Some(n) = text(&doc.doc, &["mailNickname"]) {
                ex.nicknames.insert(n.to_lowercase());
            }
            if let (true, Some(key)) = (is_sis(&doc.doc), text(&doc.doc, &["externalId"])) {
                ex.classes.insert(key, doc);
            }
        }
        for doc in list(store, tenant, EntityKind::User, Scope::All, None).await? {
            if let Some(n) = text(&doc.doc, &["mailNickname"]) {
                ex.nicknames.insert(n.to_lowercase());
            }
            if let Some(upn) = text(&doc.doc, &["userPrincipalName"]) {
                ex.upns.insert(upn.to_lowercase(), doc.id.clone());
            }
            if !is_sis(&doc.doc) {
                continue;
            }
            let role = text(&doc.doc, &["primaryRole"]);
            let (map, path) = match role.as_deref() {
                Some("student") => (&mut ex.students, ["student", "externalId"]),
                Some("teacher") => (&mut ex.teachers, ["teacher", "externalId"]),
                _ => continue,
            };
            if let Some(key) = text(&doc.doc, &path) {
                map.insert(key, doc);
            }
        }
        ex.links = ex.read_links(store, tenant).await?;
        Ok(ex)
    }

    /// The links from each synced class and school to synced entities.
    async fn read_links(
        &self,
        store: &dyn Store,
        tenant: &str,
    ) -> Result<HashMap<Relation, HashSet<(String, String)>>, StoreError> {
        let users: HashSet<&str> = self
            .students
            .values()
            .chain(self.teachers.values())
            .map(|h| h.id.as_str())
            .collect();
        let classes: HashSet<&str> = self.classes.values().map(|h| h.id.as_str()).collect();
        let mut links: HashMap<Relation, HashSet<(String, String)>> = HashMap::new();
        for relation in Relation::ALL {
            let (from, owned): (Vec<&str>, &HashSet<&str>) = match relation {
                Relation::ClassMembers | Relation::ClassTeachers => {
                    (classes.iter().copied().collect(), &users)
                }
                Relation::SchoolClasses => (self.school_ids(), &classes),
                Relation::SchoolUsers => (self.school_ids(), &users),
                // Not a roster link: a sync never reads or writes it.
                Relation::DefaultGradingScheme => continue,
            };
            let set = links.entry(relation).or_default();
            let (_, to_kind) = relation.ends();
            for id in from {
                let scope = Scope::Outgoing(relation, id.to_string());
                for to in list_ids(store, tenant, to_kind, scope).await? {
                    if owned.contains(to.as_str()) {
                        set.insert((id.to_string(), to));
                    }
                }
            }
        }
        Ok(links)
    }

    fn school_ids(&self) -> Vec<&str> {
        self.schools.values().map(|h| h.id.as_str()).collect()
    }
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

/// The ids of a listing, page by page (the documents are not parsed: a district has
/// half a million memberships).
async fn list_ids(
    store: &dyn Store,
    tenant: &str,
    kind: EntityKind,
    scope: Scope,
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    loop {
        let query = ListQuery {
            kind,
            scope: scope.clone(),
            filter: None,
            orderby: &[],
            skip: out.len() as u64,
            limit: PAGE,
            count: false,
        };
        let page = store.list(tenant, &query).await?;
        out.extend(page.items.into_iter().map(|d| d.id));
        if !page.more {
            return Ok(out);
        }
    }
}

/// Every entity of a listing, page by page.
async fn list(
    store: &dyn Store,
    tenant: &str,
    kind: EntityKind,
    scope: Scope,
    filter: Option<&Expr>,
) -> Result<Vec<Held>, StoreError> {
    let mut out = Vec::new();
    loop {
        let query = ListQuery {
            kind,
            scope: scope.clone(),
            filter,
            orderby: &[],
            skip: out.len() as u64,
            limit: PAGE,
            count: false,
        };
        let page = store.list(tenant, &query).await?;
        for d in page.items {
            let doc = serde_json::from_str(&d.json).map_err(|e| {
                StoreError::Other(format!("stored {} {}: {e}", kind.type_name(), d.id).into())
            })?;
            out.push(Held {
                id: d.id,
                version: d.version,
                doc,
            });
        }
        if !page.more {
            return Ok(out);
        }
    }
}
