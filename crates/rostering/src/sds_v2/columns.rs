//! Column lists of the SDS v2.1 files (and the v2 subset), and the reference rules.

use super::*;

pub(super) fn org_cols() -> Vec<Col> {
    vec![
        req("sourcedId"),
        req("name"),
        req("type"),
        opt("parentSourcedId"),
    ]
}

pub(super) fn user_cols(legacy: bool) -> Vec<Col> {
    let mut v = vec![
        req("sourcedId"),
        req("username"),
        opt("givenName"),
        opt("familyName"),
        opt("password"),
    ];
    if legacy {
        v.extend([req("orgSourcedIds"), req("role"), opt("grade")]);
    } else {
        v.extend(
            [
                "activeDirectoryMatchId",
                "email",
                "phone",
                "sms",
                "userNumber",
            ]
            .map(opt),
        );
    }
    v
}

pub(super) fn role_cols() -> Vec<Col> {
    let mut v = vec![req("userSourcedId"), req("orgSourcedId"), req("role")];
    // Singular in Microsoft's sample, plural in one converter: both read.
    v.push(opt("sessionSourcedId").alias(&["sessionSourcedIds"]));
    v.extend(["grade", "isPrimary", "roleStartDate", "roleEndDate"].map(opt));
    v
}

pub(super) fn session_cols() -> Vec<Col> {
    [
        "sourcedId",
        "title",
        "type",
        "schoolYear",
        "startDate",
        "endDate",
    ]
    .map(req)
    .to_vec()
}

pub(super) fn course_cols() -> Vec<Col> {
    let mut v = vec![req("sourcedId"), req("orgSourcedId"), req("title")];
    v.extend(["code", "schoolYearSourcedId", "subject", "grade"].map(opt));
    v
}

pub(super) fn class_cols(legacy: bool) -> Vec<Col> {
    let mut v = vec![req("sourcedId"), req("orgSourcedId"), req("title")];
    if !legacy {
        v.push(opt("sessionSourcedIds").alias(&["sessionSourcedId"]));
        v.extend(["courseSourcedId", "code"].map(opt));
    }
    v
}

pub(super) fn enrollment_cols() -> Vec<Col> {
    vec![req("classSourcedId"), req("userSourcedId"), req("role")]
}

pub(super) fn relationship_cols() -> Vec<Col> {
    vec![
        req("userSourcedId"),
        req("relationshipUserSourcedId"),
        req("relationshipRole"),
    ]
}

pub(super) fn demographic_cols() -> Vec<Col> {
    let mut v = vec![req("userSourcedId")];
    v.extend(
        [
            "sex",
            "birthDate",
            "birthCity",
            "birthState",
            "birthCountry",
            "ethnicityCodes",
            "raceCodes",
        ]
        .map(opt),
    );
    v
}

pub(super) fn rules(legacy: bool) -> Rules {
    Rules {
        labels: Labels {
            school_parent: "parentSourcedId",
            term_parent: "",
            course_school: "orgSourcedId",
            course_year: "schoolYearSourcedId",
            membership_person: "userSourcedId",
            membership_school: if legacy {
                "orgSourcedIds"
            } else {
                "orgSourcedId"
            },
            membership_term: "sessionSourcedId",
            section_school: "orgSourcedId",
            section_course: "courseSourcedId",
            section_terms: "sessionSourcedIds",
            enrollment_section: "classSourcedId",
            enrollment_person: "userSourcedId",
            enrollment_school: "",
            relationship_person: "userSourcedId",
            relationship_contact: "relationshipUserSourcedId",
        },
        person_namespaces: false,
        memberships_from_person_rows: legacy,
        course_required: false,
        terms_required: false,
        section_school_is_school: false,
        relationships_optional: false,
    }
}
