//! Typed trees for the OData query options. The parser builds them and binds every
//! property against the schema, so the store can compile them to SQL without knowing
//! the schema: each `PropertyPath` carries the primitive type of its leaf.

/// The primitive kind of a value, as far as comparisons and SQL casts care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdmType {
    String,
    Boolean,
    /// Edm.Int32 / Edm.Int64 / Edm.Byte.
    Integer,
    /// Edm.Double / Edm.Single / Edm.Decimal.
    Float,
    /// Stored as a UTC ISO-8601 string with `Z`, so text order is time order.
    DateTimeOffset,
    /// Stored as `YYYY-MM-DD`.
    Date,
    Guid,
    /// An enum, stored as its member name; the string is the enum type name.
    Enum(String),
    /// A complex type (only valid as the target of `any()` or `eq null`).
    Complex(String),
}

/// A path to a property of the entity (`student/externalId`), or, inside a lambda,
/// relative to the lambda variable (`a/skuId` → `lambda = Some("a")`, `segments = ["skuId"]`;
/// the bare variable `p` of a primitive collection has empty `segments`).
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyPath {
    pub lambda: Option<String>,
    pub segments: Vec<String>,
    /// Type of the leaf; for a collection property, the type of its elements.
    pub ty: EdmType,
    /// True when the leaf is a collection (`businessPhones`, `assignedLicenses`).
    pub collection: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Strings, enum members, GUIDs, dates and date-times (dates normalised to UTC `Z`
    /// form with 7 fractional digits trimmed as stored, see `shape::format_datetime`).
    String(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringFn {
    StartsWith,
    EndsWith,
    Contains,
}

/// A bound `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Compare {
        left: PropertyPath,
        op: CmpOp,
        right: Literal,
    },
    In {
        left: PropertyPath,
        values: Vec<Literal>,
    },
    StringFn {
        func: StringFn,
        prop: PropertyPath,
        arg: String,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `coll/any(v: pred)`; `pred = None` for `coll/any()` (non-empty test).
    Any {
        collection: PropertyPath,
        var: String,
        predicate: Option<Box<Expr>>,
    },
    /// `coll/all(v: pred)`.
    All {
        collection: PropertyPath,
        var: String,
        predicate: Box<Expr>,
    },
}

/// One `$select` item: a top-level property name, or a nested path (`student/externalId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectItem(pub Vec<String>);

#[derive(Debug, Clone, PartialEq)]
pub struct ExpandItem {
    /// Navigation property name (`members`, `schools`, ...), or `*` for `$expand=*`
    /// (every navigation; the server expands the ones it supports).
    pub nav: String,
    /// Nested `$select` inside `$expand=members($select=id,displayName)`.
    pub select: Option<Vec<SelectItem>>,
    /// Nested `$top` inside the expand, if any.
    pub top: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub path: PropertyPath,
    pub desc: bool,
}

/// Everything the query string said, parsed and checked by `query::parse`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOptions {
    pub filter: Option<Expr>,
    pub select: Option<Vec<SelectItem>>,
    pub expand: Vec<ExpandItem>,
    pub orderby: Vec<OrderBy>,
    pub top: Option<u32>,
    pub skip: Option<u64>,
    pub skiptoken: Option<String>,
    pub deltatoken: Option<String>,
    pub count: bool,
    pub search: Option<String>,
    /// `@id` (or `$id`) of a `DELETE .../$ref?@id=...`.
    pub ref_id: Option<String>,
}
