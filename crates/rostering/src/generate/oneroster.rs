//! The OneRoster 1.2 writer.

use std::io;
use std::path::Path;

use super::*;

pub(super) fn oneroster12(dir: &Path, plan: &Plan) -> io::Result<()> {
    let eol = "\n";
    const FILES: [&str; 8] = [
        "academicSessions",
        "classes",
        "courses",
        "demographics",
        "enrollments",
        "orgs",
        "roles",
        "users",
    ];
    let mut f = Csv::create(dir, "manifest.csv", eol, "propertyName,value")?;
    f.row(&["manifest.version", "1.0"])?;
    f.row(&["oneroster.version", "1.2"])?;
    for key in FILES {
        f.row(&[&format!("file.{key}"), "bulk"])?;
    }
    for key in [
        "categories",
        "classResources",
        "courseResources",
        "lineItems",
        "resources",
        "results",
        "userProfiles",
        "userResources",
    ] {
        f.row(&[&format!("file.{key}"), "absent"])?;
    }
    f.row(&["source.systemName", "edugraph generator"])?;
    f.finish()?;

    let mut f = Csv::create(
        dir,
        "orgs.csv",
        eol,
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    )?;
    for k in 0..plan.schools {
        f.row(&[
            &school_id(k),
            "",
            "",
            &format!("School {k}"),
            "school",
            &format!("{}", 1000 + k),
            "",
        ])?;
    }
    f.finish()?;

    let header =
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear";
    let mut f = Csv::create(dir, "academicSessions.csv", eol, header)?;
    f.row(&[
        YEAR.0,
        "",
        "",
        YEAR.1,
        "schoolYear",
        YEAR.2,
        YEAR.3,
        "",
        "2026",
    ])?;
    for (id, title, start, end) in SEMESTERS {
        f.row(&[id, "", "", title, "semester", start, end, YEAR.0, "2026"])?;
    }
    f.finish()?;

    let header = "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes";
    let mut f = Csv::create(dir, "courses.csv", eol, header)?;
    for k in 0..plan.schools {
        for c in 0..plan.courses_per_school {
            let (id, school, title, code) = (
                course_id(k, c),
                school_id(k),
                course_title(c),
                format!("{}", 100 + c),
            );
            f.row(&[
                &id,
                "",
                "",
                YEAR.0,
                &title,
                &code,
                "09,10,11,12",
                &school,
                SUBJECTS[(c as usize) % SUBJECTS.len()],
                "",
            ])?;
        }
    }
    f.finish()?;

    let header = "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods";
    let mut f = Csv::create(dir, "classes.csv", eol, header)?;
    for k in 0..plan.schools {
        for s in plan.sections_of(k) {
            let c = (s - plan.sections_of(k).start) % plan.courses_per_school;
            let (id, school, course) = (section_id(s), school_id(k), plan.course_of(k, s));
            let (title, room, period) = (
                format!("{} ({id})", course_title(c)),
                format!("Room {}", 1 + s % 40),
                format!("{}", 1 + s % 7),
            );
            let term = SEMESTERS[plan.semester_of(k, s)].0;
            f.row(&[
                &id,
                "",
                "",
                &title,
                "",
                &course,
                &id,
                "scheduled",
                &room,
                &school,
                term,
                "",
                "",
                &period,
            ])?;
        }
    }
    f.finish()?;

    let header = "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns";
    let mut users = Csv::create(dir, "users.csv", eol, header)?;
    let header = "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId";
    let mut roles = Csv::create(dir, "roles.csv", eol, header)?;
    let header = "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus";
    let mut demo = Csv::create(dir, "demographics.csv", eol, header)?;
    for k in 0..plan.schools {
        let school = school_id(k);
        let people = plan
            .students_of(k)
            .map(|p| (true, p))
            .chain(plan.teachers_of(k).map(|t| (false, t)));
        for (student, n) in people {
            let w = who(plan, student, n);
            let (id, user) = if student {
                (student_id(n), format!("s{n:06}@{DOMAIN}"))
            } else {
                (teacher_id(n), format!("t{n:05}@{DOMAIN}"))
            };
            let grade = if student {
                w.grade.to_string()
            } else {
                String::new()
            };
            users.row(&[
                &id, "", "", "true", &user, "", w.given, w.family, "", &id, &user, "", "", "",
                &grade, "", "", "", "", "", "", &school, "",
            ])?;
            let role = if student { "student" } else { "teacher" };
            roles.row(&[
                &format!("R-{id}"),
                "",
                "",
                &id,
                "primary",
                role,
                "",
                "",
                &school,
                "",
            ])?;
            if student {
                let sex = if w.female { "female" } else { "male" };
                demo.row(&[
                    &id, "", "", &w.birth, sex, "", "", "", "", "", "", "", "", "", "", "",
                ])?;
            }
        }
    }
    users.finish()?;
    roles.finish()?;
    demo.finish()?;

    let header = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate";
    let mut f = Csv::create(dir, "enrollments.csv", eol, header)?;
    let mut n = 0u64;
    for k in 0..plan.schools {
        let school = school_id(k);
        for s in plan.sections_of(k) {
            let sec = section_id(s);
            f.row(&[
                &format!("E{n:07}"),
                "",
                "",
                &sec,
                &school,
                &teacher_id(plan.teacher_of(k, s)),
                "teacher",
                "true",
                "",
                "",
            ])?;
            n += 1;
            for p in plan.roster_of(k, s) {
                f.row(&[
                    &format!("E{n:07}"),
                    "",
                    "",
                    &sec,
                    &school,
                    &student_id(p),
                    "student",
                    "",
                    "",
                    "",
                ])?;
                n += 1;
            }
        }
    }
    f.finish()
}
