//! A plan as rows of a table, one per kind and relation, for the CLI's summary and for
//! anyone reviewing a dry run.

use serde_json::Value;

use super::planner::external_id;
use super::{EntityChanges, Plan};

/// Samples shown per entity row.
const SAMPLES: usize = 3;

/// One line of a plan's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `schools`, `classes`, `users`, or a relation name (`classMembers`, …).
    pub name: &'static str,
    /// Synced entities or links between them before the sync.
    pub existing: usize,
    pub create: usize,
    pub update: usize,
    /// Users deactivated, links removed.
    pub remove: usize,
    pub unchanged: usize,
    /// A few of the changes, by external id (`+` create or link, `~` update, `-`
    /// deactivate or unlink).
    pub samples: Vec<String>,
}

fn label(doc: &Value) -> String {
    let ext = external_id(doc).unwrap_or_default();
    match doc.get("displayName").and_then(Value::as_str) {
        Some(name) => format!("{ext} ({name})"),
        None => ext,
    }
}

fn entity_row(name: &'static str, e: &EntityChanges) -> Row {
    let creates = e
        .creates
        .iter()
        .take(SAMPLES)
        .map(|d| format!("+ {}", label(&serde_json::from_str(d).unwrap_or_default())));
    let updates = e
        .updates
        .iter()
        .take(SAMPLES)
        .map(|w| format!("~ {}", label(&w.doc)));
    let gone = e
        .deactivations
        .iter()
        .take(SAMPLES)
        .map(|w| format!("- {}", label(&w.doc)));
    Row {
        name,
        existing: e.existing,
        create: e.creates.len(),
        update: e.updates.len(),
        remove: e.deactivations.len(),
        unchanged: e.unchanged,
        samples: creates.chain(updates).chain(gone).collect(),
    }
}

impl Plan {
    /// Schools, classes and users, then the relations.
    pub fn rows(&self) -> Vec<Row> {
        let entities = [
            entity_row("schools", &self.schools),
            entity_row("classes", &self.classes),
            entity_row("users", &self.users),
        ];
        let links = self.links.iter().map(|l| Row {
            name: l.relation.name(),
            existing: l.existing,
            create: l.add.len(),
            update: 0,
            remove: l.remove.len(),
            unchanged: l.unchanged,
            samples: l.samples.clone(),
        });
        entities.into_iter().chain(links).collect()
    }
}
