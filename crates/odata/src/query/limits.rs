//! Size limits on query options, so that no query string can make the parser, the SQL it
//! compiles to or the database work without bound. Each refusal is a 400 that names the
//! limit and the measured size (`$filter has 1001 terms; at most 100 are allowed.`).
//!
//! Why these numbers: `$filter` compiles to one SQL expression whose `and`/`or` chain is as
//! deep as the filter has terms; SQLite refuses expressions deeper than 1,000
//! (`SQLITE_MAX_EXPR_DEPTH`), which is what turned a 1,000-term filter into a 500. 100
//! terms plus 48 levels of nesting stays far below that on both SQLite and PostgreSQL,
//! and bind parameters (at most one per literal, so at most a few thousand within the
//! character limit) stay far below SQLite's 32,766 and PostgreSQL's 65,535. Graph itself
//! is stricter (directory filters take 15 `in` values), so real clients never meet these.
//! docs/limits.md lists them for users.

use crate::ODataError;

/// Characters of one (decoded) `$filter` expression.
pub const MAX_FILTER_CHARS: usize = 8_192;
/// Terms of one `$filter`: the operands joined by `and`/`or` (a comparison, an `in` list,
/// a function call, a lambda, a Boolean property), counted at every nesting level.
pub const MAX_FILTER_TERMS: usize = 100;
/// Nesting of parentheses, `not` and lambdas in one `$filter`.
pub const MAX_FILTER_DEPTH: usize = 48;
/// Values of one `in` list.
pub const MAX_IN_VALUES: usize = 100;
/// Items of `$orderby`.
pub const MAX_ORDERBY_ITEMS: usize = 16;
/// Items of one `$select` (at the top level or inside an `$expand` item).
pub const MAX_SELECT_ITEMS: usize = 128;
/// Items of `$expand`. Nested `$expand` is refused, so the depth is one level; each
/// navigation may also appear only once.
pub const MAX_EXPAND_ITEMS: usize = 16;

/// The 400 for a query option larger than its limit.
pub(crate) fn exceeded(what: &str, count: usize, unit: &str, max: usize) -> ODataError {
    ODataError::bad_request(format!(
        "{what} has {count} {unit}; at most {max} are allowed."
    ))
}

/// Refuses `count` items of `what` when more than `max`.
pub(crate) fn check(what: &str, count: usize, unit: &str, max: usize) -> Result<(), ODataError> {
    if count > max {
        Err(exceeded(what, count, unit, max))
    } else {
        Ok(())
    }
}
