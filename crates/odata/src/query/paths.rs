//! Which properties a parsed query reads: every property path named by `$filter`
//! (comparisons, `in`, string functions, and the collections and predicates of
//! `any`/`all`, with lambda variables resolved to the paths they range over), `$orderby`,
//! `$select` and the nested options of each `$expand`. The server checks the list against
//! the caller's readable-property rule before it runs anything, so that a query cannot
//! test or sort by a value the caller may not see.

use std::fmt::{self, Display, Formatter};

use crate::{Expr, PropertyPath, QueryOptions};

/// The query option a path appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathUse {
    Filter,
    OrderBy,
    Select,
}

impl PathUse {
    /// The option's name as written in a URL (`$filter`).
    pub fn option(self) -> &'static str {
        match self {
            PathUse::Filter => "$filter",
            PathUse::OrderBy => "$orderby",
            PathUse::Select => "$select",
        }
    }
}

/// One property path a query reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathRef {
    /// The navigations expanded to reach the entity the path belongs to (`["members"]`
    /// for `$expand=members($select=mail)`); empty for the addressed entity itself.
    pub via: Vec<String>,
    pub used_in: PathUse,
    /// Absolute from the entity: `student/birthDate`, or `relatedContacts/emailAddress`
    /// for `relatedContacts/any(c: c/emailAddress eq '...')`.
    pub segments: Vec<String>,
}

impl Display for PathRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

/// Every property path `opts` reads, in the order the options list them (filter,
/// orderby, select, then each expansion). `$select=*` names no property and is left out:
/// it means "whatever the caller may see".
pub fn referenced_paths(opts: &QueryOptions) -> Vec<PathRef> {
    let mut out = Vec::new();
    let mut push = |via: &[String], used_in: PathUse, segments: Vec<String>| {
        let r = PathRef {
            via: via.to_vec(),
            used_in,
            segments,
        };
        if !out.contains(&r) {
            out.push(r);
        }
    };
    let top: &[String] = &[];
    if let Some(filter) = &opts.filter {
        let mut found = Vec::new();
        filter_paths(filter, &mut Vec::new(), &mut found);
        for segments in found {
            push(top, PathUse::Filter, segments);
        }
    }
    for o in &opts.orderby {
        push(top, PathUse::OrderBy, o.path.segments.clone());
    }
    for item in opts.select.iter().flatten() {
        if item.0.iter().any(|s| s == "*") {
            continue;
        }
        push(top, PathUse::Select, item.0.clone());
    }
    for e in &opts.expand {
        let via = [e.nav.clone()];
        for item in e.select.iter().flatten() {
            if item.0.iter().any(|s| s == "*") {
                continue;
            }
            push(&via, PathUse::Select, item.0.clone());
        }
    }
    out
}

/// A lambda variable in scope and the absolute path of the collection it ranges over.
type Scopes = Vec<(String, Vec<String>)>;

fn absolute(path: &PropertyPath, scopes: &Scopes) -> Vec<String> {
    let mut out = match &path.lambda {
        // The innermost variable of that name wins, as in the parser.
        Some(var) => scopes
            .iter()
            .rev()
            .find(|(v, _)| v == var)
            .map(|(_, p)| p.clone())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    out.extend(path.segments.iter().cloned());
    out
}

fn filter_paths(expr: &Expr, scopes: &mut Scopes, out: &mut Vec<Vec<String>>) {
    match expr {
        Expr::Compare { left, .. } | Expr::In { left, .. } => out.push(absolute(left, scopes)),
        Expr::StringFn { prop, .. } => out.push(absolute(prop, scopes)),
        Expr::And(a, b) | Expr::Or(a, b) => {
            filter_paths(a, scopes, out);
            filter_paths(b, scopes, out);
        }
        Expr::Not(e) => filter_paths(e, scopes, out),
        Expr::Any {
            collection,
            var,
            predicate,
        } => {
            lambda(collection, var, predicate.as_deref(), scopes, out);
        }
        Expr::All {
            collection,
            var,
            predicate,
        } => lambda(collection, var, Some(predicate), scopes, out),
    }
}

/// `coll/any(v: pred)`: the collection itself is read (whether it is empty shows), and
/// the predicate's paths through `v` are paths inside it.
fn lambda(
    collection: &PropertyPath,
    var: &str,
    predicate: Option<&Expr>,
    scopes: &mut Scopes,
    out: &mut Vec<Vec<String>>,
) {
    let coll = absolute(collection, scopes);
    out.push(coll.clone());
    if let Some(pred) = predicate {
        scopes.push((var.to_string(), coll));
        filter_paths(pred, scopes, out);
        scopes.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiVersion, Schema};

    fn paths(query: &str, ty: &str) -> Vec<(PathUse, String, String)> {
        let schema = Schema::get(ApiVersion::V1);
        let opts = crate::query::parse(Some(query), schema, ty).expect(query);
        referenced_paths(&opts)
            .into_iter()
            .map(|r| (r.used_in, r.via.join("/"), r.to_string()))
            .collect()
    }

    fn filter_paths_of(filter: &str) -> Vec<String> {
        paths(&format!("$filter={filter}"), "educationUser")
            .into_iter()
            .map(|(u, _, p)| {
                assert_eq!(u, PathUse::Filter);
                p
            })
            .collect()
    }

    #[test]
    fn comparisons_functions_and_in_lists() {
        assert_eq!(
            filter_paths_of("student/birthDate eq 2016-05-28 and (startswith(mail,'r') or not (mobilePhone in ('1','2')))"),
            ["student/birthDate", "mail", "mobilePhone"]
        );
        assert_eq!(filter_paths_of("accountEnabled"), ["accountEnabled"]);
        assert_eq!(
            filter_paths_of("contains(student/studentNumber,'7') eq false"),
            ["student/studentNumber"]
        );
    }

    #[test]
    fn lambda_variables_resolve_to_the_collection_they_range_over() {
        assert_eq!(
            filter_paths_of(
                "relatedContacts/any(c: c/emailAddress eq 'x' and c/relationship eq 'parent')"
            ),
            [
                "relatedContacts",
                "relatedContacts/emailAddress",
                "relatedContacts/relationship"
            ]
        );
        assert_eq!(
            filter_paths_of("businessPhones/all(p: startswith(p,'0'))"),
            ["businessPhones"]
        );
        assert_eq!(
            filter_paths_of("assignedLicenses/any(l: l/disabledPlans/any(d: d eq 00000000-0000-0000-0000-000000000000))"),
            ["assignedLicenses", "assignedLicenses/disabledPlans"]
        );
        assert_eq!(filter_paths_of("assignedPlans/any()"), ["assignedPlans"]);
    }

    #[test]
    fn orderby_select_and_nested_expand() {
        let got = paths(
            "$orderby=displayName desc,createdBy/user/id&$select=id,description,*&$expand=members($select=mobilePhone,student/gender),schools",
            "educationClass",
        );
        assert_eq!(
            got,
            [
                (PathUse::OrderBy, String::new(), "displayName".to_string()),
                (
                    PathUse::OrderBy,
                    String::new(),
                    "createdBy/user/id".to_string()
                ),
                (PathUse::Select, String::new(), "id".to_string()),
                (PathUse::Select, String::new(), "description".to_string()),
                (
                    PathUse::Select,
                    "members".to_string(),
                    "mobilePhone".to_string()
                ),
                (
                    PathUse::Select,
                    "members".to_string(),
                    "student/gender".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_path_used_twice_is_listed_once() {
        assert_eq!(filter_paths_of("mail eq 'a' or mail eq 'b'"), ["mail"]);
    }
}
