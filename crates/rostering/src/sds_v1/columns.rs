//! Column lists of the SDS v1 files, US spellings first and UK ones as aliases.

use super::*;

pub(super) const GENDERS: &[&str] = &[
    "M",
    "F",
    "male",
    "female",
    "other",
    "unspecified",
    "notSelected",
];
pub(super) const CONTACT_ROLES: &[&str] = &[
    "parent",
    "relative",
    "aide",
    "doctor",
    "guardian",
    "child",
    "administrator",
    "other",
];

pub(super) fn sis_id() -> Col {
    req("SIS ID").alias(&["ID"])
}

pub(super) fn school_ref() -> Col {
    req("School SIS ID").alias(&["School DfE Number"])
}

pub(super) fn school_cols() -> Vec<Col> {
    let mut v = vec![req("SIS ID").alias(&["DfE Number"]), req("Name")];
    v.extend(
        [
            "School Number",
            "School NCES_ID",
            "State ID",
            "Grade Low",
            "Grade High",
            "Principal SIS ID",
            "Principal Name",
            "Principal Secondary Email",
            "Address",
            "City",
            "State",
            "Country",
            "Phone",
            "Zone",
        ]
        .map(opt),
    );
    v.push(opt("Zip").alias(&["Postal Code"]));
    v
}

pub(super) fn section_cols() -> Vec<Col> {
    let mut v = vec![sis_id(), school_ref(), req("Section Name")];
    v.extend(
        [
            "Section Number",
            "Term SIS ID",
            "Term Name",
            "Term StartDate",
            "Term EndDate",
            "Course SIS ID",
            "Course Name",
            "Course Number",
            "Course Description",
            "Course Subject",
            "Periods",
            "Status",
        ]
        .map(opt),
    );
    v
}

pub(super) fn person_cols(student: bool) -> Vec<Col> {
    let mut v = vec![sis_id(), school_ref(), req("Username")];
    v.extend(
        [
            "First Name",
            "Last Name",
            "Password",
            "State ID",
            "Secondary Email",
            "Middle Name",
            "Grade",
            "Status",
        ]
        .map(opt),
    );
    if student {
        v.extend(
            [
                "Student Number",
                "Birthdate",
                "Graduation Year",
                "Gender",
                "ELL Status",
                "FederalRace",
                "Mailing Address",
                "Mailing City",
                "Mailing State",
                "Mailing Zip",
                "Mailing Country",
                "Mailing Latitude",
                "Mailing Longitude",
            ]
            .map(opt),
        );
        // SDS's own export script writes "Resident …"; both are read.
        v.push(opt("Residence Address").alias(&["Resident Address"]));
        v.push(opt("Residence City").alias(&["Resident City"]));
        v.push(opt("Residence State").alias(&["Resident State"]));
        v.push(opt("Residence Zip").alias(&["Resident Zip"]));
        v.push(opt("Residence Country").alias(&["Resident Country"]));
        v.push(opt("Residence Latitude").alias(&["Resident Latitude"]));
        v.push(opt("Residence Longitude").alias(&["Resident Longitude"]));
    } else {
        v.extend(["Teacher Number", "Title", "Qualification"].map(opt));
    }
    v
}

pub(super) fn link_cols() -> Vec<Col> {
    vec![req("Section SIS ID").alias(&["Section ID"]), sis_id()]
}
