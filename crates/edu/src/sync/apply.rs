//! [`apply`]: writes a plan. The module doc of `sync` says what a crash midway leaves and
//! why running the import again converges.

use edugraph_store::{EntityKind, Op, Relation, Store, UnitOfWork};

use super::{Plan, SyncError};

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
}

/// Writes `plan` to `tenant`, the tenant it was computed for. A held plan is refused; a
/// dry run writes nothing.
pub async fn apply(store: &dyn Store, tenant: &str, plan: &Plan) -> Result<Applied, SyncError> {
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
    let creates = kinds
        .iter()
        .flat_map(|k| k.creates.iter().map(|d| (k.kind, d)));
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
        let entities: Vec<(EntityKind, &String)> = creates.collect();
        let links: Vec<(Relation, &String, &String)> = plan
            .links
            .iter()
            .flat_map(|l| l.add.iter().map(|(f, t)| (l.relation, f, t)))
            .collect();
        let entity_batches = entities.chunks(BULK_ENTITIES).map(|chunk| {
            let docs = chunk.iter().map(|(k, d)| (*k, parse(d))).collect();
            (docs, Vec::new())
        });
        let link_batches = links.chunks(BULK_LINKS).map(|chunk| {
            let pairs = chunk
                .iter()
                .map(|(r, f, t)| (*r, (*f).clone(), (*t).clone()))
                .collect();
            (Vec::new(), pairs)
        });
        let mut batches = entity_batches.chain(link_batches);
        store.bulk_load_batches(tenant, &mut batches).await?;
        done.bulk = true;
        done.transactions = 1;
        return Ok(done);
    }
    // Entities before links (a link needs both ends), additions before removals.
    let entity_ops = creates
        .map(|(kind, doc)| Op::Create {
            kind,
            doc: parse(doc),
            parent: None,
        })
        .chain(kinds.iter().flat_map(|k| {
            k.updates
                .iter()
                .chain(&k.deactivations)
                .map(|w| Op::Update {
                    kind: k.kind,
                    doc: w.doc.clone(),
                    version: w.version,
                })
        }));
    let link_ops = plan.links.iter().flat_map(|l| {
        l.add.iter().map(|(f, t)| Op::Link {
            relation: l.relation,
            from: f.clone(),
            to: t.clone(),
        })
    });
    let unlink_ops = plan.links.iter().flat_map(|l| {
        l.remove.iter().map(|(f, t)| Op::Unlink {
            relation: l.relation,
            from: f.clone(),
            to: t.clone(),
        })
    });
    let mut unit = UnitOfWork::new();
    for op in entity_ops.chain(link_ops).chain(unlink_ops) {
        unit.ops.push(op);
        if unit.ops.len() == BATCH {
            store.apply(tenant, &unit).await?;
            done.transactions += 1;
            unit.ops.clear();
        }
    }
    if !unit.ops.is_empty() {
        store.apply(tenant, &unit).await?;
        done.transactions += 1;
    }
    Ok(done)
}

/// A planned document back to JSON (the planner wrote it: it parses).
fn parse(doc: &str) -> serde_json::Value {
    serde_json::from_str(doc).unwrap_or_default()
}
