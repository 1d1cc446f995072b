//! The rules of a School Data Sync profile document (`educationSynchronizationProfile`,
//! beta only): what a create or replace body may say, and the document it becomes.
//!
//! The Graph documentation's own examples are the test of these rules, so they accept
//! the spellings those examples use: type names in any case
//! (`#microsoft.graph.educationcsvdataprovider`), with or without the namespace, and the
//! older `#Microsoft.Education.DataSync.educationCsvDataProvider`. The stored document
//! always carries the canonical names, so readers see one spelling.
//!
//! Choices where Graph says nothing ([inferred]):
//! - Only the CSV data provider is accepted. The PowerSchool and OneRoster API providers
//!   make the service call a student information system; edugraph never calls out, so a
//!   profile naming one is refused rather than accepted and never synced.
//! - `customizations` is filled in for all six entities (`school`, `section`, `student`,
//!   `teacher`, `studentEnrollment`, `teacherRoster`): a missing entity or member takes
//!   `optionalPropertiesToSync: null` (every optional property), `synchronizationStartDate:
//!   null`, `isSyncDeferred: false`, `allowDisplayNameUpdate: false`. Property selection
//!   does not apply to the two link files, so naming properties for them is refused; the
//!   names are the SDS v1 column names of `customize`'s tables, matched in any case and
//!   stored in theirs, and an unknown one is refused naming the known ones.
//! - Every domain the identity configuration names (`userDomains[].name`, a matching
//!   option's `targetDomain`) must be a verified domain of the tenant, as SDS requires;
//!   the refusal names the first one that is not.
//! - Unknown members are refused (a typo would otherwise silently drop a setting); the
//!   read-only `id` and `state` may be sent back as read and are ignored.

use serde_json::{json, Map, Value};

use crate::roster::RuleError;

/// The profile's entity type, as stored and listed.
pub const PROFILE_TYPE: &str = "#microsoft.graph.educationSynchronizationProfile";
const CSV_PROVIDER: &str = "#microsoft.graph.educationCsvDataProvider";
const CREATION: &str = "#microsoft.graph.educationIdentityCreationConfiguration";
const MATCHING: &str = "#microsoft.graph.educationIdentityMatchingConfiguration";

/// The entities of the CSV provider's customizations, one per SDS v1 file.
pub const ENTITIES: [&str; 6] = [
    "school",
    "section",
    "student",
    "teacher",
    "studentEnrollment",
    "teacherRoster",
];
/// The link files: property selection does not apply to them.
const LINK_ENTITIES: [&str; 2] = ["studentEnrollment", "teacherRoster"];
/// Roles a domain, a matching option or a licence applies to (`educationUserRole`).
const ROLES: [&str; 3] = ["student", "teacher", "faculty"];
const MAX_DISPLAY_NAME: usize = 256;
/// edugraph's safety threshold, an instance annotation on the profile (beyond Graph).
pub const THRESHOLD: &str = "@edugraph.maxDeactivationPercent";
const MAX_LIST: usize = 100;

/// A profile's provisioning `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileState {
    Provisioning,
    Provisioned,
    ProvisioningFailed,
    Deleting,
    DeletionFailed,
}

impl ProfileState {
    pub const ALL: [ProfileState; 5] = [
        ProfileState::Provisioning,
        ProfileState::Provisioned,
        ProfileState::ProvisioningFailed,
        ProfileState::Deleting,
        ProfileState::DeletionFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProfileState::Provisioning => "provisioning",
            ProfileState::Provisioned => "provisioned",
            ProfileState::ProvisioningFailed => "provisioningFailed",
            ProfileState::Deleting => "deleting",
            ProfileState::DeletionFailed => "deletionFailed",
        }
    }

    /// The state a stored document records.
    pub fn of(doc: &Value) -> Option<ProfileState> {
        let s = doc.get("state")?.as_str()?;
        ProfileState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the profile's configuration may be replaced: not while it is going away.
    pub fn replaceable(self) -> bool {
        !matches!(self, ProfileState::Deleting)
    }
}

/// The document of a new profile `id` from a create body, in state `provisioning`.
/// `verified` are the tenant's verified domains.
pub fn new_profile(
    body: &Map<String, Value>,
    id: &str,
    verified: &[String],
) -> Result<Value, RuleError> {
    document(body, id, ProfileState::Provisioning, verified)
}

/// The document that replaces `current` (a `PUT`): the body's configuration with the
/// current id and state.
pub fn replaced_profile(
    current: &Value,
    body: &Map<String, Value>,
    verified: &[String],
) -> Result<Value, RuleError> {
    let id = current
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let state = ProfileState::of(current).unwrap_or(ProfileState::Provisioned);
    if !state.replaceable() {
        return Err(RuleError::payload(format!(
            "The synchronization profile {id} is being deleted and cannot be changed."
        )));
    }
    document(body, id, state, verified)
}

/// `doc` in `state`, everything else kept.
pub fn with_state(doc: &Value, state: ProfileState) -> Value {
    let mut doc = doc.clone();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("state".into(), json!(state.as_str()));
    }
    doc
}

fn document(
    body: &Map<String, Value>,
    id: &str,
    state: ProfileState,
    verified: &[String],
) -> Result<Value, RuleError> {
    const MEMBERS: [&str; 10] = [
        "@odata.type",
        "id",
        "state",
        "displayName",
        "dataProvider",
        "identitySynchronizationConfiguration",
        "licensesToAssign",
        "expirationDate",
        "handleSpecialCharacterConstraint",
        THRESHOLD,
    ];
    only_members(body, &MEMBERS, "educationSynchronizationProfile")?;
    if let Some(t) = body.get("@odata.type") {
        type_named(t, &["educationSynchronizationProfile"], "@odata.type")?;
    }
    let display_name = display_name(body.get("displayName"))?;
    let provider = data_provider(body.get("dataProvider"))?;
    let identity = identity(body.get("identitySynchronizationConfiguration"), verified)?;
    let licenses = licenses(body)?;
    let expiration = expiration_date(body.get("expirationDate"))?;
    let special = match body.get("handleSpecialCharacterConstraint") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Bool(b)) => json!(b),
        Some(_) => {
            return Err(invalid(
                "The property 'handleSpecialCharacterConstraint' must be a boolean.".into(),
            ))
        }
    };
    let threshold = match body.get(THRESHOLD) {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(p) if (0.0..=100.0).contains(&p) => Some(v.clone()),
            _ => {
                return Err(invalid(format!(
                    "The annotation '{THRESHOLD}' must be a percentage from 0 to 100."
                )))
            }
        },
    };
    let mut doc = json!({
        "@odata.type": PROFILE_TYPE,
        "id": id,
        "displayName": display_name,
        "state": state.as_str(),
        "expirationDate": expiration,
        "dataProvider": provider,
        "identitySynchronizationConfiguration": identity,
        "licensesToAssign": licenses,
        "handleSpecialCharacterConstraint": special,
    });
    if let (Some(t), Some(obj)) = (threshold, doc.as_object_mut()) {
        obj.insert(THRESHOLD.into(), t);
    }
    Ok(doc)
}

/// The profile's safety threshold, if it sets one: the sync is quarantined when it would
/// deactivate or unlink more than this percentage of any kind or relation.
pub fn threshold(doc: &Value) -> Option<f64> {
    doc.get(THRESHOLD).and_then(Value::as_f64)
}

fn invalid(message: String) -> RuleError {
    RuleError::payload(message)
}

fn only_members(obj: &Map<String, Value>, allowed: &[&str], of: &str) -> Result<(), RuleError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(invalid(format!(
            "Property '{k}' does not exist on type 'microsoft.graph.{of}'."
        ))),
        None => Ok(()),
    }
}

fn object<'a>(v: Option<&'a Value>, what: &str) -> Result<&'a Map<String, Value>, RuleError> {
    match v {
        Some(Value::Object(o)) => Ok(o),
        None | Some(Value::Null) => Err(invalid(format!("The property '{what}' is required."))),
        Some(_) => Err(invalid(format!("The property '{what}' must be an object."))),
    }
}

/// The type an `@odata.type` names, matched case-insensitively against `names` (without
/// namespace); the `microsoft.graph.` and `Microsoft.Education.DataSync.` namespaces are
/// accepted. Returns the position in `names`.
fn type_named(v: &Value, names: &[&str], what: &str) -> Result<usize, RuleError> {
    let raw = v.as_str().unwrap_or_default();
    let bare = raw.strip_prefix('#').unwrap_or(raw);
    let lower = bare.to_ascii_lowercase();
    let local = [
        "microsoft.graph.",
        "microsoft.education.datasync.",
        "graph.",
    ]
    .iter()
    .find_map(|ns| lower.strip_prefix(ns))
    .unwrap_or(&lower);
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(local))
        .ok_or_else(|| {
            invalid(format!(
                "{what} {raw:?} is not supported here; use {}.",
                names
                    .iter()
                    .map(|n| format!("#microsoft.graph.{n}"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))
        })
}

fn display_name(v: Option<&Value>) -> Result<String, RuleError> {
    match v.and_then(Value::as_str).map(str::trim) {
        Some(s) if !s.is_empty() && s.chars().count() <= MAX_DISPLAY_NAME => Ok(s.to_string()),
        _ => Err(invalid(format!(
            "The property 'displayName' is required: a string of 1 to {MAX_DISPLAY_NAME} characters."
        ))),
    }
}

fn data_provider(v: Option<&Value>) -> Result<Value, RuleError> {
    let obj = object(v, "dataProvider")?;
    let Some(t) = obj.get("@odata.type") else {
        return Err(invalid(
            "The property 'dataProvider' needs an '@odata.type': #microsoft.graph.educationCsvDataProvider."
                .into(),
        ));
    };
    type_named(t, &["educationCsvDataProvider"], "dataProvider @odata.type")?;
    only_members(
        obj,
        &["@odata.type", "customizations"],
        "educationCsvDataProvider",
    )?;
    let given = match obj.get("customizations") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => {
            return Err(invalid(
                "The property 'customizations' must be an object.".into(),
            ))
        }
    };
    let mut given = given;
    // The SDK models send the declared type's name (and that alone is accepted).
    match given.remove("@odata.type") {
        None => {}
        Some(Value::String(t))
            if t.to_ascii_lowercase()
                .ends_with("educationsynchronizationcustomizations") => {}
        Some(other) => {
            return Err(invalid(format!(
                "customizations has the type educationSynchronizationCustomizations, not {other}."
            )))
        }
    }
    only_members(&given, &ENTITIES, "educationSynchronizationCustomizations")?;
    let mut customizations = Map::new();
    for entity in ENTITIES {
        customizations.insert(entity.into(), customization(entity, given.get(entity))?);
    }
    Ok(json!({"@odata.type": CSV_PROVIDER, "customizations": customizations}))
}

/// One entity's customization, every member present.
fn customization(entity: &str, v: Option<&Value>) -> Result<Value, RuleError> {
    let empty = Map::new();
    let obj = match v {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(invalid(format!(
                "The customization of '{entity}' must be an object."
            )))
        }
    };
    const MEMBERS: [&str; 5] = [
        "@odata.type",
        "optionalPropertiesToSync",
        "synchronizationStartDate",
        "isSyncDeferred",
        "allowDisplayNameUpdate",
    ];
    only_members(obj, &MEMBERS, "educationSynchronizationCustomization")?;
    let properties = match obj.get("optionalPropertiesToSync") {
        None | Some(Value::Null) => Value::Null,
        Some(_) if LINK_ENTITIES.contains(&entity) => {
            return Err(invalid(format!(
            "optionalPropertiesToSync does not apply to '{entity}': its file only links records."
        )))
        }
        Some(v) => {
            let names = strings(v, &format!("{entity}.optionalPropertiesToSync"))?;
            Value::Array(
                names
                    .iter()
                    .map(|n| optional_name(entity, n))
                    .collect::<Result<_, _>>()?,
            )
        }
    };
    let start = match obj.get("synchronizationStartDate") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) if date_time(s) => Value::String(s.clone()),
        Some(_) => {
            return Err(invalid(format!(
                "{entity}.synchronizationStartDate must be a date and time (2024-09-01T00:00:00Z)."
            )))
        }
    };
    let flag = |name: &str| match obj.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(format!("{entity}.{name} must be true or false."))),
    };
    Ok(json!({
        "optionalPropertiesToSync": properties,
        "synchronizationStartDate": start,
        "isSyncDeferred": flag("isSyncDeferred")?,
        "allowDisplayNameUpdate": flag("allowDisplayNameUpdate")?,
    }))
}

/// An optional property name of `entity` (an SDS v1 column), in its canonical spelling
/// whatever the case it was sent in; an unknown name is refused with the known ones.
fn optional_name(entity: &str, name: &Value) -> Result<Value, RuleError> {
    let table = super::customize::optional_names(entity).unwrap_or(&[]);
    let given = name.as_str().unwrap_or_default();
    match table.iter().find(|(n, _)| n.eq_ignore_ascii_case(given)) {
        Some((n, _)) => Ok(json!(n)),
        None => {
            let known: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            Err(invalid(format!(
                "'{given}' is not an optional property of '{entity}'; it has: {}.",
                known.join(", ")
            )))
        }
    }
}

/// A list of at most [`MAX_LIST`] non-empty strings, duplicates refused.
fn strings(v: &Value, what: &str) -> Result<Vec<Value>, RuleError> {
    let bad = || {
        invalid(format!(
            "{what} must be a list of at most {MAX_LIST} distinct, non-empty strings."
        ))
    };
    let items = v.as_array().ok_or_else(bad)?;
    if items.len() > MAX_LIST {
        return Err(bad());
    }
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        let s = item
            .as_str()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(bad)?;
        if seen.iter().any(|x| x.eq_ignore_ascii_case(s)) {
            return Err(bad());
        }
        seen.push(s);
    }
    Ok(items.clone())
}

fn role(v: Option<&Value>, what: &str) -> Result<&'static str, RuleError> {
    let s = v.and_then(Value::as_str).unwrap_or_default();
    ROLES
        .into_iter()
        .find(|r| r.eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            invalid(format!(
                "{what}.appliesTo must be one of {}.",
                ROLES.join(", ")
            ))
        })
}

/// The verified domain `name` names (as the tenant spells it), or a refusal naming it.
fn verified_domain(
    v: Option<&Value>,
    what: &str,
    verified: &[String],
) -> Result<String, RuleError> {
    let name = v.and_then(Value::as_str).map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(invalid(format!("{what} is required: a domain name.")));
    }
    verified
        .iter()
        .find(|d| d.eq_ignore_ascii_case(name))
        .cloned()
        .ok_or_else(|| {
            invalid(format!(
                "The domain '{name}' is not a verified domain of this tenant; verify it first (edugraph tenant domain add {name})."
            ))
        })
}

/// The items of the list member `name` of `obj`, each an object of type `of` with only
/// `members` and a role (`appliesTo`), turned into its stored form by `build`. `required`
/// explains an empty list's refusal; without it an absent or empty list is fine.
fn each(
    obj: &Map<String, Value>,
    name: &str,
    (of, members): (&str, &[&str]),
    required: Option<&str>,
    mut build: impl FnMut(&str, &Map<String, Value>, &'static str) -> Result<Value, RuleError>,
) -> Result<Vec<Value>, RuleError> {
    let items: &[Value] = match obj.get(name) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) if items.len() <= MAX_LIST => items,
        Some(_) => {
            return Err(invalid(format!(
                "{name} must be a list of at most {MAX_LIST} items."
            )))
        }
    };
    if let (true, Some(why)) = (items.is_empty(), required) {
        return Err(invalid(format!("{name} is required: {why}.")));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{name}[{i}]");
        let item = item
            .as_object()
            .ok_or_else(|| invalid(format!("{at} must be an object.")))?;
        only_members(item, members, of)?;
        let role = role(item.get("appliesTo"), &at)?;
        out.push(build(&at, item, role)?);
    }
    Ok(out)
}

fn identity(v: Option<&Value>, verified: &[String]) -> Result<Value, RuleError> {
    let what = "identitySynchronizationConfiguration";
    let obj = object(v, what)?;
    let t = obj.get("@odata.type").ok_or_else(|| {
        invalid(format!(
            "The property '{what}' needs an '@odata.type': {CREATION} or {MATCHING}."
        ))
    })?;
    let kind = type_named(
        t,
        &[
            "educationIdentityCreationConfiguration",
            "educationIdentityMatchingConfiguration",
        ],
        &format!("{what} @odata.type"),
    )?;
    if kind == 0 {
        let of = "educationIdentityCreationConfiguration";
        only_members(obj, &["@odata.type", "userDomains"], of)?;
        let domain = (
            "educationIdentityDomain",
            &["@odata.type", "appliesTo", "name"][..],
        );
        let why = Some("the domain of each role's new accounts");
        let domains = each(obj, "userDomains", domain, why, |at, d, role| {
            let name = verified_domain(d.get("name"), &format!("{at}.name"), verified)?;
            Ok(json!({"appliesTo": role, "name": name}))
        })?;
        return Ok(json!({"@odata.type": CREATION, "userDomains": domains}));
    }
    let of = "educationIdentityMatchingConfiguration";
    only_members(obj, &["@odata.type", "matchingOptions"], of)?;
    const MEMBERS: [&str; 5] = [
        "@odata.type",
        "appliesTo",
        "sourcePropertyName",
        "targetPropertyName",
        "targetDomain",
    ];
    let option = ("educationIdentityMatchingOptions", &MEMBERS[..]);
    let why = Some("how each role's records find their accounts");
    let options = each(obj, "matchingOptions", option, why, |at, o, role| {
        let name = |m: &str| {
            o.get(m)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
                .ok_or_else(|| invalid(format!("{at}.{m} is required: a property name.")))
        };
        let target = format!("{at}.targetDomain");
        let domain = verified_domain(o.get("targetDomain"), &target, verified)?;
        Ok(json!({
            "appliesTo": role,
            "sourcePropertyName": name("sourcePropertyName")?,
            "targetPropertyName": name("targetPropertyName")?,
            "targetDomain": domain,
        }))
    })?;
    Ok(json!({"@odata.type": MATCHING, "matchingOptions": options}))
}

fn licenses(body: &Map<String, Value>) -> Result<Value, RuleError> {
    let of = (
        "educationSynchronizationLicenseAssignment",
        &["@odata.type", "appliesTo", "skuIds"][..],
    );
    let out = each(body, "licensesToAssign", of, None, |at, l, role| {
        let skus = strings(
            l.get("skuIds").unwrap_or(&Value::Null),
            &format!("{at}.skuIds"),
        )?;
        if let Some(bad) = skus
            .iter()
            .filter_map(Value::as_str)
            .find(|s| uuid::Uuid::parse_str(s).is_err())
        {
            return Err(invalid(format!("{at}.skuIds: {bad:?} is not a GUID.")));
        }
        Ok(json!({"appliesTo": role, "skuIds": skus}))
    })?;
    Ok(Value::Array(out))
}

/// `expirationDate` (`Edm.Date`, `2025-06-30`), optional.
fn expiration_date(v: Option<&Value>) -> Result<Value, RuleError> {
    match v {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(Value::String(s))
            if time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                .is_ok() =>
        {
            Ok(Value::String(s.clone()))
        }
        Some(_) => Err(invalid(
            "expirationDate must be a date (2025-06-30).".into(),
        )),
    }
}

fn date_time(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

#[cfg(test)]
mod tests;
