//! The per-request context every Graph handler receives: who is calling and with what
//! grant, which API version and schema, the caller's origin for absolute links, the raw
//! query string, the `Prefer` preferences and the body.

use axum::body::Bytes;
use axum::http::HeaderMap;
use edugraph_edu::access::{self, ClassRule, Denied, Grant, Op};
use edugraph_edu::sets::SetDef;
use edugraph_edu::writes::IfMatch;
use edugraph_edu::Caller;
use edugraph_odata::query::referenced_paths;
use edugraph_odata::{ApiVersion, QueryOptions, Schema};
use edugraph_store::{EntityKind, Store};

use super::expand::expansion;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Graph's hard maximum page size for the directory-backed roster collections.
pub const MAX_PAGE: u32 = 999;
/// Page size when neither `$top` nor `Prefer: odata.maxpagesize` says otherwise.
pub const DEFAULT_PAGE: u32 = 100;

/// What the `Prefer` request headers asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefs {
    pub include_unknown_enum_members: bool,
    /// `odata.maxpagesize=N`, capped at [`MAX_PAGE`].
    pub max_page_size: Option<u32>,
}

impl Prefs {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut prefs = Prefs::default();
        let values = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok());
        for pref in values.flat_map(|v| v.split(',')).map(str::trim) {
            let (name, value) = pref
                .split_once('=')
                .map_or((pref, ""), |(n, v)| (n.trim(), v.trim()));
            if name.eq_ignore_ascii_case("include-unknown-enum-members") {
                prefs.include_unknown_enum_members = true;
            } else if name.eq_ignore_ascii_case("odata.maxpagesize")
                || name.eq_ignore_ascii_case("maxpagesize")
            {
                if let Ok(n) = value.trim_matches('"').parse::<u32>() {
                    if n > 0 {
                        prefs.max_page_size = Some(n.min(MAX_PAGE));
                    }
                }
            }
        }
        prefs
    }
}

pub struct Ctx {
    pub state: AppState,
    pub version: ApiVersion,
    pub schema: &'static Schema,
    pub caller: Caller,
    pub grant: Grant,
    /// The client's origin (`https://host:port`), no trailing slash.
    pub base: String,
    /// The request path with `//` collapsed, still percent-encoded (`/v1.0/education/users`).
    pub path: String,
    pub raw_query: Option<String>,
    pub prefs: Prefs,
    /// The `If-Match` condition of a PATCH or DELETE.
    pub if_match: Option<IfMatch>,
    pub body: Bytes,
}

impl Ctx {
    pub fn tenant(&self) -> &str {
        self.caller.tenant()
    }
    pub fn store(&self) -> &dyn Store {
        self.state.store()
    }
    /// `{base}/{version}/$metadata#{fragment}`.
    pub fn context(&self, fragment: &str) -> String {
        edugraph_odata::shape::context_url(&self.base, self.version, fragment)
    }
    /// The canonical absolute URL of an entity (`$ref` values, `Location`).
    pub fn entity_url(&self, kind: EntityKind, id: &str) -> String {
        let path = SetDef::top_level(kind).map_or_else(String::new, |d| d.entity_path("", id));
        format!("{}/{}/{path}", self.base, self.version.as_str())
    }
    /// Parses the query string against `kind`'s type and checks it against what the
    /// caller may read; `$search` is refused here because no roster collection supports
    /// it. Handlers call this before their first store query, so a refusal depends on
    /// the grant and the query alone, never on stored data (nor does its timing).
    pub fn query(&self, kind: EntityKind) -> ApiResult<QueryOptions> {
        let opts =
            edugraph_odata::query::parse(self.raw_query.as_deref(), self.schema, kind.type_name())?;
        if opts.search.is_some() {
            return Err(ApiError::bad_request(
                "$search is not supported on the education roster collections; use $filter instead.",
            ));
        }
        self.check_readable(kind, &opts)?;
        Ok(opts)
    }

    /// Refuses (400 naming the property) a query whose `$filter`, `$orderby`, `$select`
    /// or nested `$expand` options name a property the caller may not read, by the rule
    /// that also masks the payload (`access::readable`). Each `$expand`ed navigation is
    /// authorized here too (its own policy, 403), and its nested options are judged by
    /// the rule of its target type under that navigation's grant.
    fn check_readable(&self, kind: EntityKind, opts: &QueryOptions) -> ApiResult<()> {
        let mut expanded = Vec::with_capacity(opts.expand.len());
        for item in &opts.expand {
            if let Some((op, target)) = expansion(kind, &item.nav) {
                expanded.push((item.nav.as_str(), self.authorize(op)?, target));
            }
        }
        for path in referenced_paths(opts) {
            let (grant, target) = match path.via.first() {
                None => (self.grant, Some(kind)),
                Some(nav) => match expanded.iter().find(|(n, ..)| n == nav) {
                    Some((_, grant, target)) => (*grant, *target),
                    // Not expandable: `expand::validate` refuses the request.
                    None => continue,
                },
            };
            // Directory objects (`group`, `user`) are not education types; no row.
            let Some(target) = target else { continue };
            access::readable(&grant, target.type_name()).check(target.type_name(), &path)?;
        }
        Ok(())
    }

    /// Enforces the store-backed part of a grant: a delegated caller's role in class
    /// `class_id` (teacher, student or neither) against the grant's class rule.
    pub async fn check_rule(&self, rule: ClassRule, class_id: &str) -> ApiResult<()> {
        let Some(user) = self.caller.user_id() else {
            return Ok(());
        };
        if !self.rule_reads_store(rule) {
            return Ok(());
        }
        let role = access::class_role(self.store(), self.tenant(), class_id, user).await?;
        access::check_class_role(rule, role, class_id).map_err(denied)
    }

    /// Whether [`Ctx::check_rule`] has anything to check: only delegated callers under a
    /// rule other than `Anyone` are judged by their role in the class.
    pub fn rule_reads_store(&self, rule: ClassRule) -> bool {
        self.caller.user_id().is_some() && rule != ClassRule::Anyone
    }

    /// Authorizes a second operation within this request (an `$expand`).
    pub fn authorize(&self, op: Op) -> ApiResult<Grant> {
        access::authorize(op, &self.caller).map_err(denied)
    }

    /// The signed-in user of a delegated call (`/me`).
    pub fn me(&self) -> ApiResult<&str> {
        self.caller
            .user_id()
            .ok_or_else(|| ApiError::bad_request(access::ME_NEEDS_USER))
    }
}

/// The `@odata.context` fragment of a top-level kind's entity set, from its catalog
/// row (`education/users`). Contained kinds have no top-level set; their contexts come
/// from their own rows.
pub fn set_fragment(kind: EntityKind) -> String {
    SetDef::top_level(kind).map_or_else(|| kind.type_name().to_string(), |d| d.fragment(""))
}

pub fn denied(d: Denied) -> ApiError {
    match d {
        Denied::Forbidden(m) => ApiError::forbidden(m),
        Denied::BadRequest(m) => ApiError::bad_request(m),
    }
}

/// Graph's 404 for an unknown id of an entity.
pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
    ))
}

/// An id quoted for an `@odata.context` key segment (`'` doubled, as OData literals do).
pub fn key_literal(id: &str) -> String {
    format!("'{}'", id.replace('\'', "''"))
}

/// Checks a `$top` and combines it with `Prefer: odata.maxpagesize`. Returns the page size
/// and whether the preference decided it (to be echoed in `Preference-Applied`).
pub fn page_size(top: Option<u32>, prefs: &Prefs) -> ApiResult<(u32, bool)> {
    if let Some(t) = top {
        if t == 0 || t > MAX_PAGE {
            return Err(ApiError::bad_request(format!(
                "Invalid page size specified: '{t}'. Must be between 1 and {MAX_PAGE} inclusive."
            )));
        }
    }
    Ok(match (top, prefs.max_page_size) {
        (Some(t), Some(p)) if p < t => (p, true),
        (Some(t), _) => (t, false),
        (None, Some(p)) => (p, true),
        (None, None) => (DEFAULT_PAGE, false),
    })
}
