//! The OData layer of edugraph: the schema model loaded from the project's own CSDL
//! files, request-path parsing, query-option parsing into typed trees checked against
//! the schema, and the small helpers that shape Graph payloads (`$select` projection,
//! `@odata.context`), and the schema check of request bodies. Pure code: no I/O, no clock, no store.

pub mod ast;
pub mod body;
pub mod error;
pub mod path;
pub mod query;
pub mod schema;
pub mod shape;

pub use ast::{
    CmpOp, EdmType, ExpandItem, Expr, Literal, OrderBy, PropertyPath, QueryOptions, SelectItem,
    StringFn,
};
pub use error::ODataError;
pub use schema::{ApiVersion, Schema};
