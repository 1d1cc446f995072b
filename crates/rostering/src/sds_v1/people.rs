//! Students, teachers, their enrollments, and the guardian files.

use super::*;

pub(super) fn address(r: &Row<'_>, cols: [&str; 5]) -> Option<Address> {
    Address {
        street: r.text(cols[0]),
        city: r.text(cols[1]),
        state: r.text(cols[2]),
        postal_code: r.text(cols[3]),
        country: r.text(cols[4]),
    }
    .non_empty()
}

pub(super) fn props(
    r: &mut Row<'_>,
    names: &[&'static str],
    decimals: &[&'static str],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for &n in names {
        if let Some(v) = r.text(n) {
            out.insert(n.to_string(), v);
        }
    }
    for &n in decimals {
        if let Some(v) = r.get(n) {
            if v.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                out.insert(n.to_string(), v.trim().to_string());
            } else {
                r.warn(
                    n,
                    code::INVALID_VALUE,
                    format!("\"{v}\" is not a decimal number; value ignored"),
                );
            }
        }
    }
    out
}

pub(super) fn person(
    r: &mut Row<'_>,
    role: PersonRole,
    ids: &mut Keys,
    names: &mut Keys,
) -> Option<(Person, Membership)> {
    let id = r.req_id("SIS ID");
    r.set_key(&id);
    let username = r.req_text("Username");
    if ids.first(r, "SIS ID", &id, code::DUPLICATE_ID) {
        names.first_folded(r, "Username", &username, code::DUPLICATE_USERNAME);
    }
    let student = role == PersonRole::Student;
    let gender = if student {
        r.enumerated("Gender", GENDERS).map(crate::vocab::gender)
    } else {
        None
    };
    let mut properties = if student {
        props(
            r,
            &["State ID", "Status", "ELL Status", "FederalRace"],
            &[
                "Mailing Latitude",
                "Mailing Longitude",
                "Residence Latitude",
                "Residence Longitude",
            ],
        )
    } else {
        props(r, &["State ID", "Status", "Title", "Qualification"], &[])
    };
    if let Some(e) = r.email("Secondary Email") {
        properties.insert("Secondary Email".into(), e);
    }
    let person = Person {
        role,
        username: Some(username),
        given_name: r.text("First Name"),
        family_name: r.text("Last Name"),
        middle_name: r.text("Middle Name"),
        email: None,
        password: r.text("Password"),
        number: r.text(if student {
            "Student Number"
        } else {
            "Teacher Number"
        }),
        grade: r.text("Grade"),
        birth_date: if student {
            r.date("Birthdate", DateStyle::SdsV1)
        } else {
            None
        },
        gender,
        graduation_year: if student {
            r.year("Graduation Year")
        } else {
            None
        },
        phone: None,
        sms: None,
        enabled: None,
        match_id: None,
        user_ids: Vec::new(),
        mailing_address: if student {
            address(
                r,
                [
                    "Mailing Address",
                    "Mailing City",
                    "Mailing State",
                    "Mailing Zip",
                    "Mailing Country",
                ],
            )
        } else {
            None
        },
        residence_address: if student {
            address(
                r,
                [
                    "Residence Address",
                    "Residence City",
                    "Residence State",
                    "Residence Zip",
                    "Residence Country",
                ],
            )
        } else {
            None
        },
        flags: Vec::new(),
        properties,
        change: Change::default(),
        origin: r.origin(),
        sis_id: id.clone(),
    };
    let membership = Membership {
        sis_id: None,
        person_id: id,
        person_role: role,
        school_id: r.req_id("School SIS ID"),
        role_name: if student { "student" } else { "teacher" }.into(),
        is_primary: Some(true),
        grade: person.grade.clone(),
        term_id: None,
        begin_date: None,
        end_date: None,
        change: Change::default(),
        origin: r.origin(),
    };
    Some((person, membership))
}

pub(super) fn enrollment(r: &mut Row<'_>, role: EnrollmentRole) -> Option<Enrollment> {
    Some(Enrollment {
        sis_id: None,
        section_id: r.req_id("Section SIS ID"),
        person_id: r.req_id("SIS ID"),
        role,
        role_name: if role == EnrollmentRole::Student {
            "student"
        } else {
            "teacher"
        }
        .into(),
        school_id: None,
        primary: None,
        begin_date: None,
        end_date: None,
        change: Change::default(),
        origin: r.origin(),
    })
}

pub(super) fn read_guardians(
    fs: &FileSet,
    roster: &mut Roster,
    dropped: &mut Dropped,
    diags: &mut Diagnostics,
) {
    if let Some(f) = fs.get("User.csv") {
        let cols = vec![
            req("Email"),
            req("First Name"),
            req("Last Name"),
            hdr("Phone"),
            hdr("SIS ID"),
        ];
        if let Some(t) = open_table(f, cols, TableOpts::default(), diags) {
            let mut keys = Keys::default();
            let (rows, lost) = t.rows(diags, |r| {
                let email = r.email("Email")?;
                r.set_key(&email);
                keys.first(r, "Email", &email, code::DUPLICATE_ID);
                let mut properties = BTreeMap::new();
                if let Some(own) = r.id("SIS ID") {
                    properties.insert("SIS ID".to_string(), own);
                }
                Some(Person {
                    sis_id: email.clone(),
                    role: PersonRole::Guardian,
                    username: None,
                    given_name: r.text("First Name"),
                    family_name: r.text("Last Name"),
                    middle_name: None,
                    email: Some(email),
                    password: None,
                    number: None,
                    grade: None,
                    birth_date: None,
                    gender: None,
                    graduation_year: None,
                    phone: r.get("Phone").map(values::phone),
                    sms: None,
                    enabled: None,
                    match_id: None,
                    user_ids: Vec::new(),
                    mailing_address: None,
                    residence_address: None,
                    flags: Vec::new(),
                    properties,
                    change: Change::default(),
                    origin: r.origin(),
                })
            });
            dropped.persons(PersonRole::Guardian, lost, true);
            roster.persons.extend(rows);
        }
    }
    if let Some(f) = fs.get("Guardianrelationship.csv") {
        let cols = vec![req("SIS ID"), req("Email"), hdr("Role")];
        if let Some(t) = open_table(f, cols, TableOpts::default(), diags) {
            let (rows, _) = t.rows(diags, |r| {
                let person_id = r.req_id("SIS ID");
                let contact_id = r.email("Email")?;
                let role = r.enumerated("Role", CONTACT_ROLES).unwrap_or("other");
                Some(Relationship {
                    person_id,
                    contact_id,
                    role: role.into(),
                    origin: r.origin(),
                })
            });
            roster.relationships.extend(rows);
        }
    }
}
