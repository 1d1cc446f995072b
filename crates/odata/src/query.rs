//! Query-option parsing (`$filter`, `$select`, `$expand`, `$orderby`, `$top`, `$skip`,
//! `$skiptoken`, `$deltatoken`, `$count`, `$search`, `@id`) into `QueryOptions`, bound and
//! checked against an entity type of the schema.

use crate::{ODataError, QueryOptions, Schema};

/// Parses the raw (still percent-encoded) query string of a request addressed to a
/// collection or entity of `entity_type` (`educationUser`). Unknown `$`-options,
/// unknown properties, unsupported operators and bad literals are errors that name
/// the offending piece. Options without `$` (`filter=`) are accepted as Graph does.
pub fn parse(
    raw_query: Option<&str>,
    schema: &Schema,
    entity_type: &str,
) -> Result<QueryOptions, ODataError> {
    let _ = (raw_query, schema, entity_type);
    todo!("odata: parse query")
}
