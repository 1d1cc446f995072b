//! [`apply`]: writes a plan. The module doc of `sync` says what a crash midway leaves and
//! why running the import again converges.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use edugraph_store::{BulkDoc, EntityKind, Op, Relation, Store, StoreError, UnitOfWork};

use super::{Plan, StoreId, SyncError};

/// Operations per unit of work: one transaction stays short (the server's writers wait
/// for SQLite's single writer), while a district still needs only a few hundred.
pub const BATCH: usize = 1_000;
/// Entities and links per batch of a first import's bulk load.
const BULK_ENTITIES: usize = 5_000;
const BULK_LINKS: usize = 50_000;

/// What [`apply`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub created: usize,
    pub updated: usize,
    pub deactivated: usize,
    pub linked: usize,
    pub unlinked: usize,
    /// Transactions committed (units of work, or 1 for a bulk load).
    pub transactions: usize,
    /// The first import went through `Store::bulk_load`.
    pub bulk: bool,
    /// The plan was a dry run: nothing was written.
    pub dry_run: bool,
    /// [`apply_paced`] was told to stop before the last unit: the counts above are the
    /// plan's, only `transactions` of its units were written.
    pub stopped: bool,
}

/// Writes `plan` to `tenant`, the tenant it was computed for. A held plan is refused; a
/// dry run writes nothing.
pub async fn apply(store: &dyn Store, tenant: &str, plan: &Plan) -> Result<Applied, SyncError> {
    apply_paced(store, tenant, plan, &Unpaced).await
}

/// How much of a plan [`apply_paced`] has written: units of work, and the changes in
/// them per kind of entity and for links.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub units: usize,
    pub schools: usize,
    pub classes: usize,
    pub users: usize,
    pub links: usize,
}

impl Written {
    /// Counts a unit's operations in.
    fn add(&mut self, unit: &UnitOfWork) {
        self.units += 1;
        for op in &unit.ops {
            match op {
                Op::Create { kind, .. } | Op::Update { kind, .. } => match kind {
                    EntityKind::School => self.schools += 1,
                    EntityKind::Class => self.classes += 1,
                    _ => self.users += 1,
                },
                Op::Link { .. } | Op::Unlink { .. } => self.links += 1,
                _ => {}
            }
        }
    }

    /// Everything the plan changes, as if written.
    pub fn total(plan: &Plan) -> Written {
        let kind =
            |k: &super::EntityChanges| k.creates.len() + k.updates.len() + k.deactivations.len();
        Written {
            units: 0,
            schools: kind(&plan.schools),
            classes: kind(&plan.classes),
            users: kind(&plan.users),
            links: plan
                .links
                .iter()
                .map(|l| l.add.len() + l.remove.len())
                .sum(),
        }
    }
}

/// Asked between two units of work of [`apply_paced`] whether to go on.
pub trait Pace: Send + Sync {
    /// `written` is what has been written so far; `false` stops before the next unit.
    fn go_on<'a>(
        &'a self,
        written: &'a Written,
    ) -> Pin<Box<dyn Future<Output = Result<bool, StoreError>> + Send + 'a>>;
}

/// Never stops.
struct Unpaced;

impl Pace for Unpaced {
    fn go_on<'a>(
        &'a self,
        _: &'a Written,
    ) -> Pin<Box<dyn Future<Output = Result<bool, StoreError>> + Send + 'a>> {
        Box::pin(async { Ok(true) })
    }
}

/// [`apply`], asking `pace` before each unit of work after the first: `false` stops
/// there (a paused sync), with every written unit whole. A first import's bulk load is
/// one transaction and is not asked.
pub async fn apply_paced(
    store: &dyn Store,
    tenant: &str,
    plan: &Plan,
    pace: &dyn Pace,
) -> Result<Applied, SyncError> {
    if tenant != plan.tenant {
        return Err(SyncError::OtherTenant(plan.tenant.clone()));
    }
    if let Some(reason) = &plan.held {
        return Err(SyncError::Held(reason.clone()));
    }
    if plan.dry_run {
        return Ok(Applied {
            dry_run: true,
            ..Applied::default()
        });
    }
    let kinds = [&plan.schools, &plan.classes, &plan.users];
    let mut done = Applied {
        created: kinds.iter().map(|k| k.creates.len()).sum(),
        updated: kinds.iter().map(|k| k.updates.len()).sum(),
        deactivated: kinds.iter().map(|k| k.deactivations.len()).sum(),
        linked: plan.links.iter().map(|l| l.add.len()).sum(),
        unlinked: plan.links.iter().map(|l| l.remove.len()).sum(),
        ..Applied::default()
    };
    // A first import has nothing to compare-and-swap against; one bulk transaction is
    // several times faster than units of work. The plan said "empty" when it was read;
    // if something was written since, the units below still apply it correctly.
    if plan.first_import
        && done.updated + done.deactivated + done.unlinked == 0
        && store.tenant_is_empty(tenant).await?
    {
        // In batches, so that only one batch of documents is copied (and serialized) at
        // a time; the store still loads them all in one transaction.
        // Built after the await above: an iterator of closures held across it would
        // keep the future from being `Send`.
        let entities: Vec<(EntityKind, &String)> = kinds
            .iter()
            .flat_map(|k| k.creates.iter().map(|d| (k.kind, d)))
            .collect();
        // In the links table's key order: each row then goes at the end of its B-tree
        // instead of onto a random page (a district's 577,000 links: 0.6 s instead of
        // 6 s in SQLite, whose page cache cannot hold the tree). Each relation's links
        // are planned in that order; the relations go by name.
        let mut relations: Vec<&super::LinkChanges> = plan.links.iter().collect();
        relations.sort_by_key(|l| l.relation.name());
        let links: Vec<(Relation, &StoreId, &StoreId)> = relations
            .into_iter()
            .flat_map(|l| l.add.iter().map(|(f, t)| (l.relation, f, t)))
            .collect();
        let entity_batches = entities.chunks(BULK_ENTITIES).map(|chunk| {
            let docs = chunk.iter().map(|(k, d)| (*k, bulk_doc(d))).collect();
            (docs, Vec::new())
        });
        let link_batches = links.chunks(BULK_LINKS).map(|chunk| {
            let pairs = chunk
                .iter()
                .map(|(r, f, t)| (*r, f.to_string(), t.to_string()))
                .collect();
            (Vec::new(), pairs)
        });
        let mut batches = entity_batches.chain(link_batches);
        store.bulk_load_batches(tenant, &mut batches).await?;
        done.bulk = true;
        done.transactions = 1;
        return Ok(done);
    }
    let mut written = Written::default();
    for unit in units(plan, BATCH) {
        if written.units > 0 && !pace.go_on(&written).await? {
            done.stopped = true;
            break;
        }
        store.apply(tenant, &unit).await?;
        written.add(&unit);
    }
    done.transactions = written.units;
    Ok(done)
}

/// The units of work of a plan, in order: entity creates and updates first (a link needs
/// both ends), at most `batch` to a unit and parsed only as their unit comes, then the
/// link changes grouped by the class or school they start from (see [`link_units`]).
pub(super) fn units(plan: &Plan, batch: usize) -> impl Iterator<Item = UnitOfWork> + '_ {
    let kinds = [&plan.schools, &plan.classes, &plan.users];
    let creates = kinds.into_iter().flat_map(|k| {
        k.creates.iter().map(|doc| Op::Create {
            kind: k.kind,
            doc: parse(doc),
            parent: None,
        })
    });
    let writes = kinds.into_iter().flat_map(|k| {
        k.updates
            .iter()
            .chain(&k.deactivations)
            .map(|w| Op::Update {
                kind: k.kind,
                doc: w.doc.clone(),
                version: w.version,
            })
    });
    let mut ops = creates.chain(writes);
    let entity_units = std::iter::from_fn(move || {
        let mut unit = UnitOfWork::new();
        unit.ops.extend(ops.by_ref().take(batch));
        (!unit.ops.is_empty()).then_some(unit)
    });
    entity_units.chain(link_units(plan, batch))
}

/// A plan's link changes in units of at most `batch` operations, except that one
/// container's changes (a class's new members and teachers, and the ones it loses) are
/// never split: a unit is cut only between containers, so a crash leaves every class
/// with its old roster or its new one, never half of each.
fn link_units(plan: &Plan, batch: usize) -> Vec<UnitOfWork> {
    // Each container's changes, additions before removals, in a stable order.
    let mut groups: BTreeMap<&str, Vec<Op>> = BTreeMap::new();
    for l in &plan.links {
        for (f, t) in &l.add {
            groups.entry(f).or_default().push(Op::Link {
                relation: l.relation,
                from: f.to_string(),
                to: t.to_string(),
            });
        }
    }
    for l in &plan.links {
        for (f, t) in &l.remove {
            groups.entry(f).or_default().push(Op::Unlink {
                relation: l.relation,
                from: f.to_string(),
                to: t.to_string(),
            });
        }
    }
    let mut out = Vec::new();
    let mut unit = UnitOfWork::new();
    for (_, ops) in groups {
        if !unit.ops.is_empty() && unit.ops.len() + ops.len() > batch {
            out.push(std::mem::take(&mut unit));
        }
        unit.ops.extend(ops);
    }
    if !unit.ops.is_empty() {
        out.push(unit);
    }
    out
}

/// A planned document for a bulk load, as the text the planner wrote, with its id.
fn bulk_doc(doc: &str) -> BulkDoc {
    /// Only the id is read: the rest of the text goes to the store as it is.
    #[derive(serde::Deserialize)]
    struct Id<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
    }
    match serde_json::from_str::<Id>(doc) {
        Ok(Id { id }) => BulkDoc::Text {
            id: id.into_owned(),
            json: doc.to_string(),
        },
        // Not reached for the planner's documents; a parsed value makes the store say
        // what is wrong with it.
        Err(_) => BulkDoc::Parsed(parse(doc)),
    }
}

/// A planned document back to JSON (the planner wrote it: it parses).
fn parse(doc: &str) -> serde_json::Value {
    serde_json::from_str(doc).unwrap_or_default()
}
