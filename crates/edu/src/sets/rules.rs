//! The domain rules of each contained type, as rows of functions over the rules in
//! `crate::grading`: what a create body becomes, how a PATCH merges, the document of a
//! singleton nobody wrote, and the rule a container's whole set must keep.

use edugraph_odata::Schema;
use serde_json::{Map, Value};

use crate::grading::{self, category, defaults, grading_category, grading_scheme, rubric};
use crate::roster::RuleError;

pub use grading::Stamp;

type Body = Map<String, Value>;

/// A rule over a container's whole set of one type.
pub type SetRule = fn(&[Value]) -> Result<(), RuleError>;

/// One type's rules.
pub struct Rules {
    /// A create body (validated) into the document to store, with the id given.
    pub create: fn(&Schema, &str, Body, Stamp<'_>) -> Result<Value, RuleError>,
    /// A PATCH body merged into the stored document.
    pub update: fn(&Schema, &Value, Body, Stamp<'_>) -> Result<Value, RuleError>,
    /// Singletons: the document of a container that never wrote one (its id is the
    /// container's).
    pub default: Option<fn(&str) -> Value>,
    /// A rule over all of one container's entities of the set, checked after every
    /// change before anything is written (grading category weights total 100).
    pub invariant: Option<SetRule>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn no_create(_: &Schema, _: &str, _: Body, _: Stamp<'_>) -> Result<Value, RuleError> {
    Err(RuleError::payload("This entity cannot be created."))
}

pub static CATEGORY: Rules = Rules {
    create: |schema, id, body, _| category::create(schema, id, body),
    update: |schema, doc, patch, _| category::update(schema, doc, patch),
    default: None,
    invariant: None,
};

pub static GRADING_CATEGORY: Rules = Rules {
    create: |schema, id, body, _| grading_category::create(schema, id, body),
    update: |schema, doc, patch, _| grading_category::update(schema, doc, patch),
    default: None,
    invariant: Some(grading_category::check_weights),
};

pub static GRADING_SCHEME: Rules = Rules {
    create: |schema, id, body, _| grading_scheme::create(schema, id, body),
    update: |schema, doc, patch, _| grading_scheme::update(schema, doc, patch),
    default: None,
    invariant: None,
};

pub static RUBRIC: Rules = Rules {
    create: |schema, id, body, stamp| rubric::create(schema, id, body, stamp, &mut new_id),
    update: |schema, doc, patch, stamp| rubric::update(schema, doc, patch, stamp, &mut new_id),
    default: None,
    invariant: None,
};

pub static ASSIGNMENT_DEFAULTS: Rules = Rules {
    create: no_create,
    update: |schema, doc, patch, _| defaults::update_assignment_defaults(schema, doc, patch),
    default: Some(defaults::assignment_defaults),
    invariant: None,
};

pub static ASSIGNMENT_SETTINGS: Rules = Rules {
    create: no_create,
    update: |schema, doc, patch, _| defaults::update_assignment_settings(schema, doc, patch),
    default: Some(defaults::assignment_settings),
    invariant: None,
};
