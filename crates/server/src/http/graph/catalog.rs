//! The operation catalog: every operation of the Graph SDK's education surface
//! (`schema/operations-{v1.0,beta}.txt`, written by `scripts/gen-schema.py`), and for each
//! whether edugraph serves it and with which [`Op`]. The route table stays the one source
//! of what is served; this module only compares the SDK's path templates with it.
//!
//! The dispatcher asks [`unserved`] about requests the route table does not serve, to tell
//! a Graph operation edugraph lacks (501) from a path Graph does not have (404).
//! [`doc`] renders `docs/OPERATIONS.md` and the README's "What works today" from it.

pub mod doc;

use std::sync::OnceLock;

use edugraph_edu::access::Op;
use edugraph_odata::path::Segment;
use edugraph_odata::ApiVersion;

use super::dispatch::{Pat, Verb, ROUTES};

static V1_TXT: &str = include_str!("../../../../../schema/operations-v1.0.txt");
static BETA_TXT: &str = include_str!("../../../../../schema/operations-beta.txt");

const VERBS: [Verb; 5] = [Verb::Get, Verb::Post, Verb::Patch, Verb::Put, Verb::Delete];

/// One segment of an SDK path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// A navigation, entity set or bound action, compared case-insensitively.
    Lit(&'static str),
    /// `{educationClass-id}` and the like.
    Key,
    Count,
    Ref,
    /// `name()`: a bound function; Graph accepts it with or without the parentheses.
    Call(&'static str),
}

/// One operation of the SDK list: a method on a path template.
#[derive(Debug)]
pub struct Operation {
    pub verb: Verb,
    /// As the SDK writes it: `/education/classes/{educationClass-id}/assignments`.
    pub template: &'static str,
    pub parts: Vec<Part>,
    /// The operation of the route table that serves it, if any.
    pub served: Option<Op>,
}

impl Operation {
    /// `POST /education/classes/{educationClass-id}/assignments`.
    pub fn name(&self) -> String {
        format!("{} {}", self.verb.as_str(), self.template)
    }
}

/// The SDK operations of one version, in file order (by template, then method).
pub fn operations(version: ApiVersion) -> &'static [Operation] {
    static V1: OnceLock<Vec<Operation>> = OnceLock::new();
    static BETA: OnceLock<Vec<Operation>> = OnceLock::new();
    let (cell, text) = match version {
        ApiVersion::V1 => (&V1, V1_TXT),
        ApiVersion::Beta => (&BETA, BETA_TXT),
    };
    // The embedded lists are checked by this module's tests: a failure here is a build
    // defect, never a reaction to a request.
    cell.get_or_init(|| parse(text).unwrap_or_else(|e| panic!("embedded operation list: {e}")))
}

/// Reads an operation list: `#` comments and blank lines aside, `METHOD /path` per line.
pub fn parse(text: &'static str) -> Result<Vec<Operation>, String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (method, template) = line
            .split_once(' ')
            .ok_or_else(|| format!("'{line}': expected METHOD /path"))?;
        let verb = VERBS
            .into_iter()
            .find(|v| v.as_str() == method)
            .ok_or_else(|| format!("'{line}': unknown method"))?;
        let parts = parts(template).ok_or_else(|| format!("'{line}': bad template"))?;
        let served = served_by(&parts, verb);
        out.push(Operation {
            verb,
            template,
            parts,
            served,
        });
    }
    Ok(out)
}

fn parts(template: &'static str) -> Option<Vec<Part>> {
    let rest = template.strip_prefix('/')?;
    rest.split('/')
        .map(|s| {
            Some(match s {
                "" => return None,
                "$count" => Part::Count,
                "$ref" => Part::Ref,
                _ if s.starts_with('{') && s.ends_with('}') => Part::Key,
                _ => match s.strip_suffix("()") {
                    Some(name) => Part::Call(name),
                    None if s.contains(['(', ')', '{', '}', '$']) => return None,
                    None => Part::Lit(s),
                },
            })
        })
        .collect()
}

/// True when a template and a route pattern name the same path.
pub fn same_shape(parts: &[Part], pattern: &[Pat]) -> bool {
    parts.len() == pattern.len()
        && parts
            .iter()
            .zip(pattern)
            .all(|(part, pat)| match (part, pat) {
                (Part::Lit(a), Pat::Lit(b)) => a.eq_ignore_ascii_case(b),
                (Part::Key, Pat::Key) | (Part::Count, Pat::Count) | (Part::Ref, Pat::Ref) => true,
                (Part::Call(n), Pat::Delta) => *n == "delta",
                (Part::Call(n), Pat::Func(f)) => n.eq_ignore_ascii_case(f),
                _ => false,
            })
}

/// The route table's operation for a template and method (the first route of that
/// shape, as the dispatcher takes the first match).
fn served_by(parts: &[Part], verb: Verb) -> Option<Op> {
    let route = ROUTES.iter().find(|r| same_shape(parts, r.pattern))?;
    route
        .methods
        .iter()
        .find(|(v, _)| *v == verb)
        .map(|(_, op)| *op)
}

/// What a request the route table does not serve is, on Graph's side.
#[derive(Debug)]
pub enum Unserved {
    /// A Graph operation edugraph does not serve yet.
    NotImplemented(&'static Operation),
    /// A Graph path, but not with this method: the methods Graph has for it.
    OtherMethods(Vec<&'static str>),
}

/// Looks a request up in the SDK list of its version. Of the templates the path matches,
/// the most literal one counts (`assignments/delta` is the function, not an id), as
/// Graph routes it. `None`: Graph has no such path either.
pub fn unserved(version: ApiVersion, segments: &[Segment], verb: Option<Verb>) -> Option<Unserved> {
    let matching: Vec<&'static Operation> = operations(version)
        .iter()
        .filter(|o| matches(&o.parts, segments))
        .collect();
    let keys = |o: &Operation| o.parts.iter().filter(|p| **p == Part::Key).count();
    let fewest = matching.iter().map(|o| keys(o)).min()?;
    let best: Vec<&'static Operation> =
        matching.into_iter().filter(|o| keys(o) == fewest).collect();
    match best.iter().find(|o| Some(o.verb) == verb) {
        Some(o) if o.served.is_none() => Some(Unserved::NotImplemented(o)),
        // Served, yet the route table did not match it: the dispatcher's answer stands.
        Some(_) => None,
        None => Some(Unserved::OtherMethods(
            VERBS
                .into_iter()
                .filter(|v| best.iter().any(|o| o.verb == *v))
                .map(Verb::as_str)
                .collect(),
        )),
    }
}

/// True when request segments fit a template, with the dispatcher's matching rules.
fn matches(parts: &[Part], segments: &[Segment]) -> bool {
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(part, seg)| match (part, seg) {
                (Part::Lit(l), Segment::Name(n)) => l.eq_ignore_ascii_case(n),
                (Part::Key, Segment::Name(_)) | (Part::Count, Segment::Count) => true,
                (Part::Ref, Segment::Ref) => true,
                (Part::Call(c), Segment::Name(n) | Segment::Call(n)) => c.eq_ignore_ascii_case(n),
                _ => false,
            })
}

#[cfg(test)]
mod tests;
