//! The demo tenant's layout: which users and classes belong to which school, who is in
//! each class, and the per-entity random streams that make every document a pure function
//! of `(seed, kind, index)`.

use super::docs::{self, ClassSpec, Level, Role, SchoolSpec, TenantInfo, UserSpec};
use super::{names, share, DemoBatch, DemoSize, Shape};
use crate::roster::new_document;
use crate::Caller;
use edugraph_odata::shape::format_datetime;
use edugraph_odata::{ApiVersion, Schema};
use edugraph_store::{EntityKind, Relation, TenantRecord};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};
use time::macros::datetime;
use time::OffsetDateTime;

/// Everything about a demo tenant except its bulk, which [`DemoPlan::batches`] produces.
#[derive(Debug, Clone)]
pub struct DemoPlan {
    pub tenant: TenantRecord,
    pub passwords: Vec<(String, String)>,
    pub teacher_id: String,
    pub teacher_upn: String,
    pub student_id: String,
    pub student_upn: String,
    pub admin_id: String,
    pub admin_upn: String,
    seed: u64,
    shape: Shape,
    info: TenantInfo,
    /// Never a signed-in creator: documents carry their own `createdBy`.
    creator: Caller,
    valid_from: String,
}

/// Random-stream tags: one per use, so that streams never overlap.
#[derive(Clone, Copy)]
enum Tag {
    Tenant = 1,
    SchoolId,
    SchoolDoc,
    TeacherId,
    StudentId,
    AdminId,
    UserDoc,
    ClassId,
    ClassDoc,
    Roster,
}

/// The moment the demo's documents claim to have been synchronised: fixed, so that
/// documents are identical between runs.
const SYNCED_AT: OffsetDateTime = datetime!(2024-08-01 00:00 UTC);

/// The application id standing for the SIS synchronisation that "created" the demo.
const DEMO_SYNC_APP_ID: &str = "5c2f0e8a-6d1b-4a57-9b1e-d3e000000001";

/// SplitMix64 finaliser: spreads nearby inputs over the whole 64-bit space.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn rng_for(seed: u64, tag: Tag, index: usize) -> StdRng {
    StdRng::seed_from_u64(mix(mix(seed ^ ((tag as u64) << 56)) ^ index as u64))
}

/// A v4-shaped UUID drawn from the entity's own stream.
fn uuid_for(seed: u64, tag: Tag, index: usize) -> String {
    let bytes: [u8; 16] = rng_for(seed, tag, index).gen();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Who is in a class.
struct Roster {
    grade: u32,
    /// Global teacher indexes; the first is the class's main teacher.
    teachers: Vec<usize>,
    /// Global student indexes, ascending.
    students: Vec<usize>,
}

impl DemoPlan {
    pub fn new(seed: u64, size: DemoSize) -> DemoPlan {
        let shape = Shape::of(size);
        let mut rng = rng_for(seed, Tag::Tenant, 0);
        let (district, city, state) = names::DISTRICTS[rng.gen_range(0..names::DISTRICTS.len())];
        let tenant_id = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("edugraph/demo/{seed}").as_bytes(),
        );
        let domain = format!("{}.example", docs::slug(district));
        let info = TenantInfo {
            domain: domain.clone(),
            city,
            state,
            zip_prefix: rng.gen_range(100..1000),
        };
        let tenant = TenantRecord {
            id: tenant_id.to_string(),
            display_name: format!("{district} School District"),
            domain,
        };
        let admin_upn = format!("{}@{}", docs::ADMIN_NICKNAME, tenant.domain);
        // A readable password, shared by the personas, that only the seed determines.
        const WORDS: &[&str] = &[
            "Maple", "River", "Falcon", "Comet", "Harbor", "Summit", "Meadow", "Cedar",
        ];
        let password = format!(
            "{}-{}-{:04}!",
            WORDS[rng.gen_range(0..WORDS.len())],
            WORDS[rng.gen_range(0..WORDS.len())],
            rng.gen_range(0..10_000)
        );
        let mut plan = DemoPlan {
            tenant,
            passwords: Vec::new(),
            teacher_id: String::new(),
            teacher_upn: String::new(),
            student_id: String::new(),
            student_upn: String::new(),
            admin_id: uuid_for(seed, Tag::AdminId, 0),
            admin_upn,
            seed,
            shape,
            info,
            creator: Caller::App {
                tenant: tenant_id.to_string(),
                app_id: DEMO_SYNC_APP_ID.into(),
                roles: Vec::new(),
            },
            valid_from: format_datetime(SYNCED_AT),
        };
        // Personas: the main teacher of the first class and its first student, so the
        // teacher teaches the student.
        let roster = plan.roster(0, 0);
        let t = roster.teachers[0];
        let s = roster.students[0];
        plan.teacher_id = uuid_for(seed, Tag::TeacherId, t);
        plan.teacher_upn = plan.teacher(t).1;
        plan.student_id = uuid_for(seed, Tag::StudentId, s);
        plan.student_upn = plan.student(0, s).1;
        plan.passwords = vec![
            (plan.teacher_id.clone(), password.clone()),
            (plan.student_id.clone(), password.clone()),
            (plan.admin_id.clone(), password),
        ];
        plan
    }

    /// The tenant in self-contained batches: the admin first, then one batch per school
    /// (the school, its users, its classes and every link among them).
    pub fn batches(&self) -> impl Iterator<Item = DemoBatch> + '_ {
        std::iter::once(self.admin_batch())
            .chain((0..self.shape.schools).map(|k| self.school_batch(k)))
    }

    /// The stored document: the roster rules' key order and defaults, with the demo's
    /// own values (createdBy, externalSource, dates) taking precedence.
    fn document(
        &self,
        kind: EntityKind,
        id: &str,
        props: Map<String, Value>,
    ) -> (EntityKind, Value) {
        (
            kind,
            new_document(
                Schema::get(ApiVersion::V1),
                kind,
                id,
                props,
                &self.creator,
                SYNCED_AT,
            ),
        )
    }

    fn admin_batch(&self) -> DemoBatch {
        let spec = UserSpec {
            number: 0,
            role: Role::Admin,
        };
        let rng = &mut rng_for(self.seed, Tag::UserDoc, usize::MAX);
        let (props, _) = docs::user(&self.info, &spec, &self.valid_from, rng);
        DemoBatch {
            entities: vec![self.document(EntityKind::User, &self.admin_id, props)],
            links: Vec::new(),
        }
    }

    fn level(&self, school: usize) -> Level {
        // Three in five schools are elementary; small tenants still get one of each level.
        match school % 5 {
            1 => Level::Middle,
            2 => Level::High,
            _ => Level::Elementary,
        }
    }

    /// Teacher `t` (global index): properties and user principal name.
    fn teacher(&self, t: usize) -> (Map<String, Value>, String) {
        let spec = UserSpec {
            number: t + 1,
            role: Role::Teacher { number: t + 1 },
        };
        docs::user(
            &self.info,
            &spec,
            &self.valid_from,
            &mut rng_for(self.seed, Tag::UserDoc, t),
        )
    }

    /// Students of a school are spread over its grades in contiguous blocks.
    fn student_grade(&self, school: usize, s: usize) -> u32 {
        let range = share(school, self.shape.students, self.shape.schools);
        let (lo, hi) = self.level(school).grades();
        let grades = (hi - lo + 1) as usize;
        lo + ((s - range.start) * grades / range.len()) as u32
    }

    /// Student `s` (global index) of `school`: properties and user principal name.
    fn student(&self, school: usize, s: usize) -> (Map<String, Value>, String) {
        let number = self.shape.teachers + s + 1;
        let grade = self.student_grade(school, s);
        let spec = UserSpec {
            number,
            role: Role::Student {
                number: s + 1,
                grade,
            },
        };
        docs::user(
            &self.info,
            &spec,
            &self.valid_from,
            &mut rng_for(self.seed, Tag::UserDoc, number - 1),
        )
    }

    /// Class `c` (global index) of school `school`: its grade, teachers and students,
    /// all drawn from that school.
    fn roster(&self, school: usize, c: usize) -> Roster {
        let sh = &self.shape;
        let mut rng = rng_for(self.seed, Tag::Roster, c);
        let teachers = share(school, sh.teachers, sh.schools);
        let students = share(school, sh.students, sh.schools);
        let local = c - share(school, sh.classes, sh.schools).start;
        // Teachers take classes in turn so that every teacher teaches something.
        let main = teachers.start + local % teachers.len();
        let mut class_teachers = vec![main];
        if teachers.len() > 1 && rng.gen_range(0..100) < sh.co_taught_percent {
            let offset = 1 + rng.gen_range(0..teachers.len() - 1);
            class_teachers.push(teachers.start + (local + offset) % teachers.len());
        }
        let (lo, hi) = self.level(school).grades();
        let grade = rng.gen_range(lo..=hi);
        let wanted = rng
            .gen_range(sh.class_students.0..=sh.class_students.1)
            .min(students.len());
        // Prefer students of the class's grade; fall back to the whole school when that
        // grade has too few.
        let same_grade: Vec<usize> = students
            .clone()
            .filter(|&s| self.student_grade(school, s) == grade)
            .collect();
        let pool: Vec<usize> = if same_grade.len() >= wanted {
            same_grade
        } else {
            students.collect()
        };
        let mut picked: Vec<usize> = rand::seq::index::sample(&mut rng, pool.len(), wanted)
            .into_iter()
            .map(|i| pool[i])
            .collect();
        picked.sort_unstable();
        Roster {
            grade,
            teachers: class_teachers,
            students: picked,
        }
    }

    fn school_batch(&self, k: usize) -> DemoBatch {
        let sh = &self.shape;
        let seed = self.seed;
        let school_id = uuid_for(seed, Tag::SchoolId, k);
        let prefix = names::SCHOOL_PREFIX[k % 16];
        let suffix = names::SCHOOL_SUFFIX[(k / 16 + (k % 16) * 7 + seed as usize % 16) % 16];
        let spec = SchoolSpec {
            number: k + 1,
            name: format!("{prefix} {suffix}"),
            level: self.level(k),
        };
        let mut batch = DemoBatch::default();
        let props = docs::school(&self.info, &spec, &mut rng_for(seed, Tag::SchoolDoc, k));
        batch
            .entities
            .push(self.document(EntityKind::School, &school_id, props));
        let teacher_ids: Vec<String> = share(k, sh.teachers, sh.schools)
            .map(|t| uuid_for(seed, Tag::TeacherId, t))
            .collect();
        let student_ids: Vec<String> = share(k, sh.students, sh.schools)
            .map(|s| uuid_for(seed, Tag::StudentId, s))
            .collect();
        let first_teacher = share(k, sh.teachers, sh.schools).start;
        let first_student = share(k, sh.students, sh.schools).start;
        for (i, id) in teacher_ids.iter().enumerate() {
            batch.entities.push(self.document(
                EntityKind::User,
                id,
                self.teacher(first_teacher + i).0,
            ));
            batch
                .links
                .push((Relation::SchoolUsers, school_id.clone(), id.clone()));
        }
        for (i, id) in student_ids.iter().enumerate() {
            batch.entities.push(self.document(
                EntityKind::User,
                id,
                self.student(k, first_student + i).0,
            ));
            batch
                .links
                .push((Relation::SchoolUsers, school_id.clone(), id.clone()));
        }
        let classes = share(k, sh.classes, sh.schools);
        let first_class = classes.start;
        for c in classes {
            let class_id = uuid_for(seed, Tag::ClassId, c);
            let roster = self.roster(k, c);
            let spec = ClassSpec {
                number: c + 1,
                section: c - first_class,
                school_number: k + 1,
                level: self.level(k),
                grade: roster.grade,
            };
            let props = docs::class(&spec, &mut rng_for(seed, Tag::ClassDoc, c));
            batch
                .entities
                .push(self.document(EntityKind::Class, &class_id, props));
            batch
                .links
                .push((Relation::SchoolClasses, school_id.clone(), class_id.clone()));
            for &t in &roster.teachers {
                let tid = &teacher_ids[t - first_teacher];
                batch
                    .links
                    .push((Relation::ClassTeachers, class_id.clone(), tid.clone()));
                batch
                    .links
                    .push((Relation::ClassMembers, class_id.clone(), tid.clone()));
            }
            for &s in &roster.students {
                batch.links.push((
                    Relation::ClassMembers,
                    class_id.clone(),
                    student_ids[s - first_student].clone(),
                ));
            }
        }
        batch
    }
}
