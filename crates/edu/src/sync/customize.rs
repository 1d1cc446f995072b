//! What a synchronization profile's customizations change in the documents a sync
//! writes: `optionalPropertiesToSync` (the SDS v1 column names whose values are synced,
//! `null` for all), `allowDisplayNameUpdate` (whether a matched record's display name
//! follows the files) and `licensesToAssign` (the SKUs a new user of a role gets).
//!
//! The names are the SDS v1 header strings, whatever format the files are in: each one
//! names the document members it fills (`Grade Low` → `lowestGrade`, `Mailing City` →
//! `mailingAddress.city`). Names SDS accepted that fill nothing in Graph (`State ID`,
//! `Periods`, ...) are accepted and select nothing. A member no optional name covers
//! (the identity and the names that make a record) is always synced.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

/// An entity's optional names and the members (dotted paths) each fills.
type Table = &'static [(&'static str, &'static [&'static str])];

const SCHOOL: Table = &[
    ("School Number", &["schoolNumber"]),
    ("School NCES_ID", &[]),
    ("State ID", &[]),
    ("Grade Low", &["lowestGrade"]),
    ("Grade High", &["highestGrade"]),
    ("Principal SIS ID", &["externalPrincipalId"]),
    ("Principal Name", &["principalName"]),
    ("Principal Secondary Email", &["principalEmail"]),
    ("Address", &["address.street"]),
    ("City", &["address.city"]),
    ("State", &["address.state"]),
    ("Zip", &["address.postalCode"]),
    ("Country", &["address.countryOrRegion"]),
    ("Phone", &["phone"]),
    ("Zone", &[]),
];

const SECTION: Table = &[
    ("Section Number", &["classCode"]),
    ("Term SIS ID", &["term.externalId"]),
    ("Term Name", &["term.displayName"]),
    ("Term StartDate", &["term.startDate"]),
    ("Term EndDate", &["term.endDate"]),
    ("Course SIS ID", &["course.externalId"]),
    ("Course Name", &["course.displayName"]),
    ("Course Description", &["course.description", "description"]),
    ("Course Number", &["course.courseNumber"]),
    ("Course Subject", &["course.subject"]),
    ("Periods", &[]),
];

/// Address columns of a person: `{prefix} Address`, `{prefix} City`, ...
macro_rules! person_address {
    ($prefix:literal, $member:literal) => {
        [
            (
                concat!($prefix, " Address"),
                &[concat!($member, ".street")] as &[&str],
            ),
            (concat!($prefix, " City"), &[concat!($member, ".city")]),
            (concat!($prefix, " State"), &[concat!($member, ".state")]),
            (concat!($prefix, " Zip"), &[concat!($member, ".postalCode")]),
            (concat!($prefix, " Latitude"), &[]),
            (concat!($prefix, " Longitude"), &[]),
            (
                concat!($prefix, " Country"),
                &[concat!($member, ".countryOrRegion")],
            ),
        ]
    };
}

const MAILING: [(&str, &[&str]); 7] = person_address!("Mailing", "mailingAddress");
const RESIDENCE: [(&str, &[&str]); 7] = person_address!("Residence", "residenceAddress");

const STUDENT: Table = &[
    ("State ID", &[]),
    ("Secondary Email", &[]),
    ("Student Number", &["student.studentNumber"]),
    ("Gender", &["student.gender"]),
    ("Birthdate", &["student.birthDate"]),
    ("Grade", &["student.grade"]),
    ("ELL Status", &[]),
    ("FederalRace", &[]),
    ("Graduation Year", &["student.graduationYear"]),
    ("Status", &[]),
    ("Username", &[]),
    ("Middle Name", &["middleName"]),
    MAILING[0],
    MAILING[1],
    MAILING[2],
    MAILING[3],
    MAILING[4],
    MAILING[5],
    MAILING[6],
    RESIDENCE[0],
    RESIDENCE[1],
    RESIDENCE[2],
    RESIDENCE[3],
    RESIDENCE[4],
    RESIDENCE[5],
    RESIDENCE[6],
];

const TEACHER: Table = &[
    ("State ID", &[]),
    ("Teacher Number", &["teacher.teacherNumber"]),
    ("Status", &[]),
    ("Middle Name", &["middleName"]),
    ("Secondary Email", &[]),
    ("Username", &[]),
    ("Title", &[]),
    ("Qualification", &[]),
];

/// The optional names of a customization entity (`school`, `section`, `student`,
/// `teacher`); `None` for the link files, which have none.
pub fn optional_names(entity: &str) -> Option<Table> {
    match entity {
        "school" => Some(SCHOOL),
        "section" => Some(SECTION),
        "student" => Some(STUDENT),
        "teacher" => Some(TEACHER),
        _ => None,
    }
}

/// One entity's customization, as the sync applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Custom {
    /// Members the unselected optional names fill: never written by the sync.
    pub withheld: Vec<&'static str>,
    /// A matched record keeps its display name.
    pub keep_display_name: bool,
}

impl Default for Custom {
    /// Everything synced, display names follow the files (the CLI's import).
    fn default() -> Self {
        Custom {
            withheld: Vec::new(),
            keep_display_name: false,
        }
    }
}

impl Custom {
    /// The customization of `entity` in a stored profile's `customizations`.
    fn of(entity: &str, customizations: &Value) -> Custom {
        let c = &customizations[entity];
        let selected: Option<HashSet<&str>> = c["optionalPropertiesToSync"]
            .as_array()
            .map(|names| names.iter().filter_map(Value::as_str).collect());
        let withheld = match (selected, optional_names(entity)) {
            (Some(selected), Some(table)) => table
                .iter()
                .filter(|(name, _)| !selected.contains(name))
                .flat_map(|(_, paths)| paths.iter().copied())
                .collect(),
            _ => Vec::new(),
        };
        Custom {
            withheld,
            keep_display_name: !c["allowDisplayNameUpdate"].as_bool().unwrap_or(false),
        }
    }

    /// `props` (the members the files fill) without the withheld ones, and without
    /// `displayName` when a matched record (`update`) keeps its own.
    pub fn apply(&self, mut props: Map<String, Value>, update: bool) -> Map<String, Value> {
        for path in &self.withheld {
            remove(&mut props, path);
        }
        if update && self.keep_display_name {
            props.remove("displayName");
        }
        props
    }
}

fn remove(props: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            props.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(inner)) = props.get_mut(head) {
                remove(inner, rest);
            }
        }
    }
}

/// A profile's customizations and licenses, per entity and role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customizations {
    pub school: Custom,
    pub section: Custom,
    pub student: Custom,
    pub teacher: Custom,
    /// SKU ids a new student (teacher) gets in `assignedLicenses`.
    pub student_licenses: Vec<String>,
    pub teacher_licenses: Vec<String>,
}

impl Customizations {
    /// The customizations of a stored profile document.
    pub fn of_profile(profile: &Value) -> Customizations {
        let c = &profile["dataProvider"]["customizations"];
        let skus = |role: &str| -> Vec<String> {
            profile["licensesToAssign"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|l| l["appliesTo"] == role)
                .flat_map(|l| l["skuIds"].as_array().cloned().unwrap_or_default())
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        Customizations {
            school: Custom::of("school", c),
            section: Custom::of("section", c),
            student: Custom::of("student", c),
            teacher: Custom::of("teacher", c),
            student_licenses: skus("student"),
            teacher_licenses: skus("teacher"),
        }
    }

    /// `assignedLicenses` of a new user of the role, when the profile assigns any.
    pub fn licenses(&self, teacher: bool) -> Option<Value> {
        let skus = match teacher {
            true => &self.teacher_licenses,
            false => &self.student_licenses,
        };
        (!skus.is_empty()).then(|| {
            Value::Array(
                skus.iter()
                    .map(|s| json!({"disabledPlans": [], "skuId": s}))
                    .collect(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(customizations: Value) -> Value {
        json!({
            "dataProvider": {"customizations": customizations},
            "licensesToAssign": [
                {"appliesTo": "teacher", "skuIds": ["sku-t"]},
                {"appliesTo": "student", "skuIds": ["sku-s1", "sku-s2"]}
            ]
        })
    }

    fn student_props() -> Map<String, Value> {
        json!({
            "displayName": "Ada Lovelace",
            "middleName": "Augusta",
            "student": {"externalId": "S1", "grade": "9", "studentNumber": "17"},
            "mailingAddress": {"city": "Leeds", "street": "1 Road"}
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    #[test]
    fn null_selects_every_optional_property_and_display_names_stay() {
        let c = Customizations::of_profile(&profile(json!({"student": {
            "optionalPropertiesToSync": null, "allowDisplayNameUpdate": false
        }})));
        let new = c.student.apply(student_props(), false);
        assert_eq!(new, student_props());
        let matched = c.student.apply(student_props(), true);
        assert!(!matched.contains_key("displayName"));
        assert_eq!(matched["middleName"], "Augusta");
    }

    #[test]
    fn a_list_withholds_the_optional_members_it_does_not_name() {
        let c = Customizations::of_profile(&profile(json!({"student": {
            "optionalPropertiesToSync": ["State ID", "Middle Name", "Mailing City"],
            "allowDisplayNameUpdate": true
        }})));
        let props = c.student.apply(student_props(), true);
        assert_eq!(props["displayName"], "Ada Lovelace");
        assert_eq!(props["middleName"], "Augusta");
        // The identity always syncs; the unnamed optional members do not.
        assert_eq!(props["student"], json!({"externalId": "S1"}));
        assert_eq!(props["mailingAddress"], json!({"city": "Leeds"}));
    }

    #[test]
    fn licenses_go_by_role() {
        let c = Customizations::of_profile(&profile(json!({})));
        assert_eq!(
            c.licenses(false),
            Some(json!([
                {"disabledPlans": [], "skuId": "sku-s1"},
                {"disabledPlans": [], "skuId": "sku-s2"}
            ]))
        );
        assert_eq!(
            c.licenses(true),
            Some(json!([{"disabledPlans": [], "skuId": "sku-t"}]))
        );
        assert_eq!(Customizations::default().licenses(true), None);
    }

    #[test]
    fn every_table_names_members_once() {
        for entity in ["school", "section", "student", "teacher"] {
            let table = optional_names(entity).unwrap();
            let names: HashSet<&str> = table.iter().map(|(n, _)| *n).collect();
            assert_eq!(names.len(), table.len(), "{entity}");
        }
        assert!(optional_names("teacherRoster").is_none());
    }
}
