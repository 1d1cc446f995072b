//! The SDS v1 and v2.1 writers.

use std::io;
use std::path::Path;

use super::*;

pub(super) fn sds_v1(dir: &Path, plan: &Plan) -> io::Result<()> {
    let eol = "\r\n";
    let mut f = Csv::create(
        dir,
        "School.csv",
        eol,
        "SIS ID,Name,School Number,Address,City,State,Zip,Country",
    )?;
    for k in 0..plan.schools {
        let (id, name, num) = (school_id(k), format!("School {k}"), format!("{}", 1000 + k));
        f.row(&[
            &id,
            &name,
            &num,
            &format!("{} Main Street", k + 1),
            "Springfield",
            "WA",
            "98052",
            "US",
        ])?;
    }
    f.finish()?;

    let header = "SIS ID,School SIS ID,Section Name,Section Number,Term SIS ID,Term Name,Term StartDate,Term EndDate,Course SIS ID,Course Name,Course Number,Course Subject,Periods";
    let mut f = Csv::create(dir, "Section.csv", eol, header)?;
    for k in 0..plan.schools {
        for s in plan.sections_of(k) {
            let (tid, tname, start, end) = SEMESTERS[plan.semester_of(k, s)];
            let c = (s - plan.sections_of(k).start) % plan.courses_per_school;
            let (id, school, course, title) = (
                section_id(s),
                school_id(k),
                plan.course_of(k, s),
                course_title(c),
            );
            let (number, subject) = (
                format!("{}", 100 + c),
                SUBJECTS[(c as usize) % SUBJECTS.len()],
            );
            let name = format!("{title} ({id})");
            let period = format!("{}", 1 + s % 7);
            f.row(&[
                &id, &school, &name, &id, tid, tname, start, end, &course, &title, &number,
                subject, &period,
            ])?;
        }
    }
    f.finish()?;

    let header =
        "SIS ID,School SIS ID,Username,First Name,Last Name,Student Number,Grade,Birthdate,Gender";
    let mut f = Csv::create(dir, "Student.csv", eol, header)?;
    for k in 0..plan.schools {
        for p in plan.students_of(k) {
            let w = who(plan, true, p);
            let (id, school, user, grade) = (
                student_id(p),
                school_id(k),
                format!("s{p:06}"),
                w.grade.to_string(),
            );
            f.row(&[
                &id,
                &school,
                &user,
                w.given,
                w.family,
                &id,
                &grade,
                &w.birth,
                if w.female { "F" } else { "M" },
            ])?;
        }
    }
    f.finish()?;

    let mut f = Csv::create(
        dir,
        "Teacher.csv",
        eol,
        "SIS ID,School SIS ID,Username,First Name,Last Name,Teacher Number",
    )?;
    for k in 0..plan.schools {
        for t in plan.teachers_of(k) {
            let w = who(plan, false, t);
            let (id, school, user) = (teacher_id(t), school_id(k), format!("t{t:05}"));
            f.row(&[&id, &school, &user, w.given, w.family, &id])?;
        }
    }
    f.finish()?;

    let mut se = Csv::create(dir, "StudentEnrollment.csv", eol, "Section SIS ID,SIS ID")?;
    let mut tr = Csv::create(dir, "TeacherRoster.csv", eol, "Section SIS ID,SIS ID")?;
    for k in 0..plan.schools {
        for s in plan.sections_of(k) {
            let sec = section_id(s);
            tr.row(&[&sec, &teacher_id(plan.teacher_of(k, s))])?;
            for p in plan.roster_of(k, s) {
                se.row(&[&sec, &student_id(p)])?;
            }
        }
    }
    se.finish()?;
    tr.finish()
}

pub(super) fn sds_v21(dir: &Path, plan: &Plan) -> io::Result<()> {
    let eol = "\r\n";
    let mut f = Csv::create(dir, "orgs.csv", eol, "sourcedId,name,type,parentSourcedId")?;
    for k in 0..plan.schools {
        f.row(&[&school_id(k), &format!("School {k}"), "school", ""])?;
    }
    f.finish()?;

    let mut f = Csv::create(
        dir,
        "academicSessions.csv",
        eol,
        "sourcedId,title,type,schoolYear,startDate,endDate",
    )?;
    f.row(&[YEAR.0, YEAR.1, "schoolYear", "2026", YEAR.2, YEAR.3])?;
    for (id, title, start, end) in SEMESTERS {
        f.row(&[id, title, "semester", "2026", start, end])?;
    }
    f.finish()?;

    let mut f = Csv::create(
        dir,
        "courses.csv",
        eol,
        "sourcedId,orgSourcedId,title,code,schoolYearSourcedId,subject,grade",
    )?;
    for k in 0..plan.schools {
        for c in 0..plan.courses_per_school {
            let (id, school, title, code) = (
                course_id(k, c),
                school_id(k),
                course_title(c),
                format!("{}", 100 + c),
            );
            f.row(&[&id, &school, &title, &code, YEAR.0, "", ""])?;
        }
    }
    f.finish()?;

    let mut f = Csv::create(
        dir,
        "classes.csv",
        eol,
        "sourcedId,orgSourcedId,title,sessionSourcedIds,courseSourcedId",
    )?;
    for k in 0..plan.schools {
        for s in plan.sections_of(k) {
            let c = (s - plan.sections_of(k).start) % plan.courses_per_school;
            let (id, school, course) = (section_id(s), school_id(k), plan.course_of(k, s));
            let title = format!("{} ({id})", course_title(c));
            f.row(&[
                &id,
                &school,
                &title,
                SEMESTERS[plan.semester_of(k, s)].0,
                &course,
            ])?;
        }
    }
    f.finish()?;

    let mut users = Csv::create(
        dir,
        "users.csv",
        eol,
        "sourcedId,username,givenName,familyName,email",
    )?;
    let mut roles = Csv::create(
        dir,
        "roles.csv",
        eol,
        "userSourcedId,orgSourcedId,role,sessionSourcedId,grade,isPrimary",
    )?;
    let mut demo = Csv::create(dir, "demographics.csv", eol, "userSourcedId,sex,birthDate")?;
    for k in 0..plan.schools {
        let school = school_id(k);
        for p in plan.students_of(k) {
            let w = who(plan, true, p);
            let (id, user) = (student_id(p), format!("s{p:06}@{DOMAIN}"));
            users.row(&[&id, &user, w.given, w.family, &user])?;
            roles.row(&[
                &id,
                &school,
                "student",
                YEAR.0,
                &w.grade.to_string(),
                "TRUE",
            ])?;
            demo.row(&[&id, if w.female { "female" } else { "male" }, &w.birth])?;
        }
        for t in plan.teachers_of(k) {
            let w = who(plan, false, t);
            let (id, user) = (teacher_id(t), format!("t{t:05}@{DOMAIN}"));
            users.row(&[&id, &user, w.given, w.family, &user])?;
            roles.row(&[&id, &school, "teacher", YEAR.0, "", "TRUE"])?;
        }
    }
    users.finish()?;
    roles.finish()?;
    demo.finish()?;

    let mut f = Csv::create(
        dir,
        "enrollments.csv",
        eol,
        "classSourcedId,userSourcedId,role",
    )?;
    for k in 0..plan.schools {
        for s in plan.sections_of(k) {
            let sec = section_id(s);
            f.row(&[&sec, &teacher_id(plan.teacher_of(k, s)), "teacher"])?;
            for p in plan.roster_of(k, s) {
                f.row(&[&sec, &student_id(p), "student"])?;
            }
        }
    }
    f.finish()
}
