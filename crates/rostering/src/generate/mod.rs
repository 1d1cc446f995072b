//! A synthetic district written as a roster file set, for load tests and demos.
//!
//! Deterministic: every value is a function of the seed and the record's index (each record
//! draws from its own small generator), so the same seed gives byte-identical files and no
//! file needs another one held in memory. Rows are streamed through `BufWriter`s.
//!
//! Shape: schools own equal shares of teachers, students and sections; each section has one
//! teacher of its school and a run of distinct students of its school; a school has a fixed
//! catalogue of courses and the sections alternate between two semesters of one school year.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::Range;
use std::path::Path;

use crate::{Format, Summary};

mod oneroster;
mod sds;

use oneroster::oneroster12;
use sds::{sds_v1, sds_v21};

/// How big a district to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 3 schools, 12 teachers, 90 students, 18 sections, 288 enrollments: for tests.
    Small,
    /// 8 schools, 240 teachers, 4,000 students, 480 sections, 16,000 enrollments: a sync
    /// that takes seconds, long enough to interrupt (the restart test).
    Medium,
    /// 239 schools, 8,400 teachers, 57,000 students, 26,000 sections and 460,000 enrollments
    /// (one teacher per section, the rest students): a large US district.
    District,
}

struct Plan {
    seed: u64,
    schools: u64,
    teachers: u64,
    students: u64,
    sections: u64,
    /// Enrollments of students (teacher rows come on top, one per section).
    student_enrollments: u64,
    courses_per_school: u64,
}

impl Plan {
    fn new(size: Size, seed: u64) -> Plan {
        let (schools, teachers, students, sections, enrollments, courses_per_school) = match size {
            Size::Small => (3, 12, 90, 18, 288, 4),
            Size::Medium => (8, 240, 4_000, 480, 16_000, 10),
            Size::District => (239, 8_400, 57_000, 26_000, 460_000, 20),
        };
        Plan {
            seed,
            schools,
            teachers,
            students,
            sections,
            student_enrollments: enrollments - sections,
            courses_per_school,
        }
    }

    fn teachers_of(&self, school: u64) -> Range<u64> {
        share(self.teachers, self.schools, school)
    }

    fn students_of(&self, school: u64) -> Range<u64> {
        share(self.students, self.schools, school)
    }

    fn sections_of(&self, school: u64) -> Range<u64> {
        share(self.sections, self.schools, school)
    }

    /// The students of one section: a run of distinct students of its school.
    fn roster_of(&self, school: u64, section: u64) -> impl Iterator<Item = u64> {
        let pool = self.students_of(school);
        let size = pool.end - pool.start;
        let n = share(self.student_enrollments, self.sections, section).count() as u64;
        let start = Rng::new(self.seed, 3, section).below(size);
        (0..n.min(size)).map(move |i| pool.start + (start + i) % size)
    }

    fn teacher_of(&self, school: u64, section: u64) -> u64 {
        let t = self.teachers_of(school);
        let local = section - self.sections_of(school).start;
        t.start + local % (t.end - t.start)
    }

    fn course_of(&self, school: u64, section: u64) -> String {
        course_id(
            school,
            (section - self.sections_of(school).start) % self.courses_per_school,
        )
    }

    fn semester_of(&self, school: u64, section: u64) -> usize {
        ((section - self.sections_of(school).start) % 2) as usize
    }

    fn summary(&self, format: Format) -> Summary {
        let per_school = |k| self.sections_of(k).count() as u64;
        let (terms, courses) = if format == Format::SdsV1 {
            // v1 terms and courses exist only through the sections that name them.
            let terms = (0..self.schools)
                .map(|k| per_school(k).min(2))
                .max()
                .unwrap_or(0);
            let courses = (0..self.schools)
                .map(|k| per_school(k).min(self.courses_per_school))
                .sum();
            (terms, courses)
        } else {
            (3, self.schools * self.courses_per_school)
        };
        Summary {
            orgs: self.schools as usize,
            schools: self.schools as usize,
            terms: terms as usize,
            courses: courses as usize,
            sections: self.sections as usize,
            students: self.students as usize,
            teachers: self.teachers as usize,
            memberships: (self.students + self.teachers) as usize,
            enrollments: (self.student_enrollments + self.sections) as usize,
            ..Summary::default()
        }
    }
}

/// The `k`-th of `parts` near-equal slices of `0..total`.
fn share(total: u64, parts: u64, k: u64) -> Range<u64> {
    (total * k / parts)..(total * (k + 1) / parts)
}

/// SplitMix64: tiny, fast, and fixed forever, so generated files never change with a
/// dependency upgrade.
struct Rng(u64);

impl Rng {
    /// A generator for one record: `stream` separates kinds of records.
    fn new(seed: u64, stream: u64, index: u64) -> Rng {
        let mut r = Rng(seed
            ^ stream.wrapping_mul(0xA076_1D64_78BD_642F)
            ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }
}

const GIVEN: &[&str] = &[
    "Ava", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jamal", "Kira",
    "Liam", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Samuel", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe",
];
const FAMILY: &[&str] = &[
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones",
    "Kowalski", "Lopez", "Martin", "Nguyen", "Okafor", "Patel", "Quint", "Rossi", "Smith",
    "Tanaka", "Ueda", "Volkov", "Walsh", "Young",
];
const SUBJECTS: &[&str] = &[
    "Mathematics",
    "English",
    "Science",
    "History",
    "Art",
    "Music",
    "Physical Education",
    "Computer Science",
];
const SEMESTERS: [(&str, &str, &str, &str); 2] = [
    ("Y2026-S1", "Fall 2025", "2025-08-25", "2025-12-19"),
    ("Y2026-S2", "Spring 2026", "2026-01-05", "2026-06-12"),
];
const YEAR: (&str, &str, &str, &str) = ("Y2026", "School Year 2025-26", "2025-08-25", "2026-06-12");
const DOMAIN: &str = "district.example";

fn school_id(k: u64) -> String {
    format!("S{k:04}")
}
fn teacher_id(t: u64) -> String {
    format!("T{t:05}")
}
fn student_id(s: u64) -> String {
    format!("P{s:06}")
}
fn section_id(s: u64) -> String {
    format!("C{s:06}")
}
fn course_id(k: u64, c: u64) -> String {
    format!("K{k:04}-{c:02}")
}
fn course_title(c: u64) -> String {
    format!("{} {}", SUBJECTS[(c as usize) % SUBJECTS.len()], 100 + c)
}

/// What is invented about one person.
struct Who {
    given: &'static str,
    family: &'static str,
    grade: u64,
    birth: String,
    female: bool,
}

fn who(plan: &Plan, student: bool, index: u64) -> Who {
    let mut r = Rng::new(plan.seed, if student { 1 } else { 2 }, index);
    let given = r.pick(GIVEN);
    let family = r.pick(FAMILY);
    let grade = 9 + r.below(4);
    let year = if student {
        2016 - grade
    } else {
        1960 + r.below(40)
    };
    let birth = format!("{year}-{:02}-{:02}", 1 + r.below(12), 1 + r.below(28));
    Who {
        given,
        family,
        grade,
        birth,
        female: r.below(2) == 0,
    }
}

/// A CSV file written row by row.
struct Csv {
    out: BufWriter<File>,
    eol: &'static str,
}

impl Csv {
    fn create(dir: &Path, name: &str, eol: &'static str, header: &str) -> io::Result<Csv> {
        let mut csv = Csv {
            out: BufWriter::with_capacity(1 << 16, File::create(dir.join(name))?),
            eol,
        };
        write!(csv.out, "{header}{eol}")?;
        Ok(csv)
    }

    fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            if c.contains([',', '"']) {
                write!(self.out, "\"{}\"", c.replace('"', "\"\""))?;
            } else {
                self.out.write_all(c.as_bytes())?;
            }
        }
        self.out.write_all(self.eol.as_bytes())
    }

    fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes a district in `format` into `dir` (created if needed) and returns what a reader
/// will find in it. SDS v1, SDS v2.1 and OneRoster 1.2 are written; other formats are refused.
pub fn generate(dir: &Path, format: Format, size: Size, seed: u64) -> io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let plan = Plan::new(size, seed);
    match format {
        Format::SdsV1 => sds_v1(dir, &plan)?,
        Format::SdsV21 => sds_v21(dir, &plan)?,
        Format::OneRoster12 => oneroster12(dir, &plan)?,
        other => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("the generator does not write {other}"),
            ));
        }
    }
    Ok(plan.summary(format))
}
