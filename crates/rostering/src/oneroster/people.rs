//! OneRoster users, their org roles (1.1: `orgSourcedIds` + `role` on the user row; 1.2:
//! `roles.csv`), guardians through `agentSourcedIds`, and `demographics.csv`.

use std::collections::HashMap;

use super::{closed_enum, key, Ctx};
use crate::diag::{code, Diagnostics};
use crate::format::Format;
use crate::keys::Keys;
use crate::model::*;
use crate::resolve::Dropped;
use crate::row::{DateStyle, Row};
use crate::table::{opt, req, Col};
use crate::vocab::{self, *};

const USER_TEXT_12: &[&str] = &[
    "userMasterIdentifier",
    "preferredGivenName",
    "preferredMiddleName",
    "preferredFamilyName",
    "pronouns",
];
const RACE_FLAGS: &[&str] = &[
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
];
const BIRTH_TEXT: &[&str] = &[
    "countryOfBirthCode",
    "stateOfBirthAbbreviation",
    "cityOfBirth",
    "publicSchoolResidenceStatus",
];

fn user_cols(v11: bool) -> Vec<Col> {
    let mut v = vec![req("sourcedId"), req("enabledUser")];
    if v11 {
        v.extend([req("orgSourcedIds"), req("role")]);
    }
    v.extend([
        req("username"),
        opt("userIds"),
        req("givenName"),
        req("familyName"),
    ]);
    v.extend(
        [
            "middleName",
            "identifier",
            "email",
            "sms",
            "phone",
            "agentSourcedIds",
            "grades",
            "password",
        ]
        .map(opt),
    );
    if !v11 {
        v.extend(USER_TEXT_12.iter().map(|&c| opt(c)));
        v.extend([opt("resourceSourcedIds"), opt("primaryOrgSourcedId")]);
    }
    v
}

fn role_cols() -> Vec<Col> {
    let mut v = ["sourcedId", "userSourcedId", "roleType", "role"]
        .map(req)
        .to_vec();
    v.extend([
        opt("beginDate"),
        opt("endDate"),
        req("orgSourcedId"),
        opt("userProfileSourcedId"),
    ]);
    v
}

fn demographic_cols() -> Vec<Col> {
    let mut v = vec![req("sourcedId"), opt("birthDate"), opt("sex")];
    v.extend(RACE_FLAGS.iter().chain(BIRTH_TEXT).map(|&c| opt(c)));
    v
}

pub(super) fn read(
    ctx: &Ctx<'_>,
    format: Format,
    roster: &mut Roster,
    dropped: &mut Dropped,
    diags: &mut Diagnostics,
) {
    let v11 = format == Format::OneRoster11;
    if let Some(t) = ctx.open("users", user_cols(v11), diags) {
        let (mut keys, mut names) = (Keys::default(), Keys::default());
        // Filed straight into the roster: no list of whole rows in between.
        roster.persons.reserve_exact(t.rows_hint());
        let lost = t.rows_into(
            diags,
            |r| user(r, v11, &mut keys, &mut names),
            |(p, memberships, links)| {
                roster.persons.push(p);
                roster.memberships.extend(memberships);
                roster.relationships.extend(links);
            },
        );
        dropped.persons(PersonRole::Other, lost, false);
    }
    if v11 {
        return;
    }
    if let Some(t) = ctx.open("roles", role_cols(), diags) {
        let mut keys = Keys::default();
        let (rows, _) = t.rows(diags, |r| {
            let id = key(r, &mut keys);
            let primary = closed_enum(r, "roleType", OR_ROLE_TYPES);
            let role = closed_enum(r, "role", OR12_ROLES);
            let begin_date = r.date("beginDate", DateStyle::Iso);
            let end_date = r.date("endDate", DateStyle::Iso);
            r.date_order(begin_date, end_date, "endDate");
            Some(Membership {
                sis_id: Some(id),
                person_id: r.req_id("userSourcedId"),
                person_role: vocab::person_role(&role),
                school_id: r.req_id("orgSourcedId"),
                role_name: role,
                is_primary: Some(primary == "primary"),
                grade: None,
                term_id: None,
                begin_date,
                end_date,
                change: r.change(),
                origin: r.origin(),
            })
        });
        roster.memberships.extend(rows);
    }
}

type UserRow = (Person, Vec<Membership>, Vec<Relationship>);

fn user(r: &mut Row<'_>, v11: bool, keys: &mut Keys, names: &mut Keys) -> Option<UserRow> {
    let id = key(r, keys);
    let username = r.req_text("username");
    names.first_folded(r, "username", &username, code::DUPLICATE_USERNAME);
    let role = if v11 {
        closed_enum(r, "role", OR11_ROLES)
    } else {
        String::new()
    };
    let mut p = Person::new(id.clone(), vocab::person_role(&role), r.origin());
    p.username = Some(username);
    p.enabled = r.boolean("enabledUser");
    p.given_name = r.text("givenName");
    p.family_name = r.text("familyName");
    p.middle_name = r.text("middleName");
    p.number = r.text("identifier");
    p.email = r.email("email");
    p.sms = r.text("sms");
    p.phone = r.text("phone");
    p.password = r.text("password");
    p.grade = r.list("grades").into_iter().next();
    p.change = r.change();
    for item in r.list("userIds") {
        match item
            .trim_start_matches('{')
            .trim_end_matches('}')
            .split_once(':')
        {
            Some((t, i)) if !t.is_empty() && !i.is_empty() => {
                p.user_ids.push((t.to_string(), i.to_string()))
            }
            _ => r.warn(
                "userIds",
                code::INVALID_VALUE,
                format!("\"{item}\" is not of the form {{type:id}}; value ignored"),
            ),
        }
    }
    if !v11 {
        for &c in USER_TEXT_12 {
            if let Some(v) = r.text(c) {
                p.properties.insert(c.to_string(), v);
            }
        }
        if let Some(org) = r.id("primaryOrgSourcedId") {
            p.properties.insert("primaryOrgSourcedId".into(), org);
        }
    }
    let memberships = if v11 {
        r.id_list("orgSourcedIds")
            .into_iter()
            .map(|org| Membership {
                sis_id: None,
                person_id: id.clone(),
                person_role: p.role,
                school_id: org,
                role_name: role.clone(),
                is_primary: None,
                grade: p.grade.clone(),
                term_id: None,
                begin_date: None,
                end_date: None,
                change: p.change.clone(),
                origin: r.origin(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let links = r
        .id_list("agentSourcedIds")
        .into_iter()
        .map(|agent| Relationship {
            person_id: id.clone(),
            contact_id: agent,
            role: "other".into(),
            origin: r.origin(),
        })
        .collect();
    Some((p, memberships, links))
}

/// Work that needs the resolved roster: roles onto 1.2 users, the primary org check,
/// relationship roles, and demographics folded into persons.
pub(super) fn after_resolve(
    ctx: &Ctx<'_>,
    format: Format,
    roster: &mut Roster,
    dropped: &Dropped,
    diags: &mut Diagnostics,
) {
    if format == Format::OneRoster12 {
        roster.roles_from_memberships();
        let orgs: std::collections::HashSet<&str> =
            roster.schools.iter().map(|s| s.sis_id.as_str()).collect();
        for p in &mut roster.persons {
            if let Some(org) = p.properties.get("primaryOrgSourcedId") {
                if !orgs.contains(org.as_str()) {
                    diags.warn(
                        &p.origin.file,
                        p.origin.line,
                        Some("primaryOrgSourcedId"),
                        code::UNKNOWN_REFERENCE,
                        format!("org \"{org}\" is not in the file set; reference ignored"),
                    );
                    p.properties.remove("primaryOrgSourcedId");
                }
            }
        }
    }
    let role_of: HashMap<&str, &str> = roster
        .memberships
        .iter()
        .map(|m| (m.person_id.as_str(), m.role_name.as_str()))
        .collect();
    for link in &mut roster.relationships {
        if let Some(&role) = role_of.get(link.contact_id.as_str()) {
            if matches!(role, "parent" | "guardian" | "relative") {
                link.role = role.to_string();
            }
        }
    }

    let index: HashMap<String, usize> = roster
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| (p.sis_id.clone(), i))
        .collect();
    let Some(t) = ctx.open("demographics", demographic_cols(), diags) else {
        return;
    };
    let mut keys = Keys::default();
    let (rows, _) = t.rows(diags, |r| {
        let id = key(r, &mut keys);
        let Some(&i) = index.get(&id) else {
            let (code, why) = if dropped.persons.contains(0, &id) {
                (code::DROPPED_REFERENCE, "was dropped for its own error")
            } else {
                (code::UNKNOWN_REFERENCE, "is not in users.csv")
            };
            r.error(
                "sourcedId",
                code,
                format!("user \"{id}\" {why}; row ignored"),
            );
            return None;
        };
        let sex = r.enumerated("sex", SEXES).map(vocab::gender);
        let birth = r.date("birthDate", DateStyle::Iso);
        let mut props = Vec::new();
        for &c in RACE_FLAGS {
            if let Some(b) = r.boolean(c) {
                props.push((c.to_string(), b.to_string()));
            }
        }
        for &c in BIRTH_TEXT {
            if let Some(v) = r.text(c) {
                props.push((c.to_string(), v));
            }
        }
        let change = r.change();
        Some((i, sex, birth, props, change))
    });
    for (i, sex, birth, props, _change) in rows {
        let p = &mut roster.persons[i];
        p.gender = sex;
        p.birth_date = birth;
        p.properties.extend(props);
    }
}
