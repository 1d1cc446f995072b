//! The generated demo tenant behind `edugraph serve --dev`: schools, teachers, students,
//! classes and memberships, deterministic for a seed.
//!
//! Every entity draws from its own random generator, seeded from `(seed, kind, index)`,
//! so an entity's document does not depend on generation order. That lets the large
//! `District` tenant be produced school by school ([`DemoPlan::batches`]) without ever
//! holding all of it in memory, while [`generate`] collects everything for small cases.

mod docs;
mod names;
mod plan;
#[cfg(test)]
mod tests;

use edugraph_store::{EntityKind, Relation, TenantRecord};
use serde_json::Value;
use std::ops::Range;
use std::str::FromStr;

pub use plan::DemoPlan;

/// How big a demo tenant to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoSize {
    /// A handful of each entity: enough to try every endpoint by hand.
    #[default]
    Small,
    /// The benchmark district: 239 schools, 8,400 teachers, 57,000 students, 26,000
    /// classes and about 460,000 class memberships.
    District,
}

impl DemoSize {
    pub fn as_str(self) -> &'static str {
        match self {
            DemoSize::Small => "small",
            DemoSize::District => "district",
        }
    }
}

impl std::fmt::Display for DemoSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DemoSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "small" => Ok(DemoSize::Small),
            "district" => Ok(DemoSize::District),
            other => Err(format!(
                "unknown demo size '{other}' (expected 'small' or 'district')"
            )),
        }
    }
}

/// A whole demo tenant in memory. Documents are stored-document shaped (first key
/// `@odata.type`, then `id`); passwords are never part of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Demo {
    pub tenant: TenantRecord,
    pub entities: Vec<(EntityKind, Value)>,
    pub links: Vec<(Relation, String, String)>,
    /// `(user id, plain password)` of the personas (teacher, student, admin).
    pub passwords: Vec<(String, String)>,
    pub teacher_id: String,
    pub teacher_upn: String,
    pub student_id: String,
    pub student_upn: String,
    pub admin_id: String,
    pub admin_upn: String,
}

/// One slice of a demo tenant, self-contained: every link in it joins entities of the
/// same batch, so batches can be loaded one after another.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DemoBatch {
    pub entities: Vec<(EntityKind, Value)>,
    pub links: Vec<(Relation, String, String)>,
}

/// Generates the whole tenant in memory. For `District` prefer [`DemoPlan::batches`],
/// which keeps only one school in memory at a time.
pub fn generate(seed: u64, size: DemoSize) -> Demo {
    let plan = DemoPlan::new(seed, size);
    let mut entities = Vec::new();
    let mut links = Vec::new();
    for batch in plan.batches() {
        entities.extend(batch.entities);
        links.extend(batch.links);
    }
    Demo {
        tenant: plan.tenant,
        entities,
        links,
        passwords: plan.passwords,
        teacher_id: plan.teacher_id,
        teacher_upn: plan.teacher_upn,
        student_id: plan.student_id,
        student_upn: plan.student_upn,
        admin_id: plan.admin_id,
        admin_upn: plan.admin_upn,
    }
}

/// Entity counts and roster parameters of a size.
#[derive(Debug, Clone, Copy)]
struct Shape {
    schools: usize,
    teachers: usize,
    students: usize,
    classes: usize,
    /// Inclusive range of students per class.
    class_students: (usize, usize),
    /// Share of classes (percent) with a second teacher.
    co_taught_percent: u32,
}

impl Shape {
    fn of(size: DemoSize) -> Shape {
        match size {
            DemoSize::Small => Shape {
                schools: 3,
                teachers: 6,
                students: 30,
                classes: 8,
                class_students: (4, 7),
                co_taught_percent: 25,
            },
            // 26,000 × (1.25 teachers + 16.5 students) ≈ 461,500 memberships.
            DemoSize::District => Shape {
                schools: 239,
                teachers: 8_400,
                students: 57_000,
                classes: 26_000,
                class_students: (12, 21),
                co_taught_percent: 25,
            },
        }
    }
}

/// The slice of `0..total` that belongs to part `k` of `parts` (contiguous, sizes differ
/// by at most one).
fn share(k: usize, total: usize, parts: usize) -> Range<usize> {
    (k * total / parts)..((k + 1) * total / parts)
}
