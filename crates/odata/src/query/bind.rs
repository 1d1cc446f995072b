//! Binding: resolving property paths against the schema (through complex types and
//! lambda variables) and converting literals to the declared type of the property they
//! are compared with. Shared by `$filter`, `$orderby` and `$select`.

use crate::schema::{Schema, StructuredType, TypeRef};
use crate::shape::{normalize_datetime, normalize_guid, parse_date};
use crate::{CmpOp, EdmType, Literal, ODataError, PropertyPath};

/// What a (partial) path currently designates.
#[derive(Debug, Clone)]
pub(crate) enum Kind<'s> {
    Structured {
        ty: StructuredType<'s>,
        collection: bool,
    },
    Primitive {
        ty: TypeRef,
        collection: bool,
    },
}

impl Kind<'_> {
    pub fn collection(&self) -> bool {
        match self {
            Kind::Structured { collection, .. } | Kind::Primitive { collection, .. } => *collection,
        }
    }
    /// The declared type name, for messages.
    pub fn type_name(&self) -> String {
        match self {
            Kind::Structured { ty, .. } => ty.qualified_name(),
            Kind::Primitive { ty, .. } => ty.display_name(),
        }
    }
}

/// A path being resolved: `student/externalId`, or `a/skuId` inside `any(a: ...)`.
#[derive(Debug, Clone)]
pub(crate) struct PathBuilder<'s> {
    pub lambda: Option<String>,
    pub segments: Vec<String>,
    pub kind: Kind<'s>,
}

/// Where a path is used, for the wording of errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clause {
    Filter,
    OrderBy,
    Select,
}

impl Clause {
    fn option(self) -> &'static str {
        match self {
            Clause::Filter => "$filter",
            Clause::OrderBy => "$orderby",
            Clause::Select => "$select",
        }
    }
}

pub(crate) fn unknown_property(name: &str, on: &str) -> ODataError {
    ODataError::bad_request(format!(
        "Could not find a property named '{name}' on type '{on}'."
    ))
}

impl<'s> PathBuilder<'s> {
    pub fn root(ty: StructuredType<'s>) -> Self {
        PathBuilder {
            lambda: None,
            segments: Vec::new(),
            kind: Kind::Structured {
                ty,
                collection: false,
            },
        }
    }

    /// The display text of the path so far (`student/externalId`).
    pub fn text(&self) -> String {
        let mut parts: Vec<&str> = self.lambda.iter().map(String::as_str).collect();
        parts.extend(self.segments.iter().map(String::as_str));
        parts.join("/")
    }

    /// Steps into property `name`. Collections of complex values can only be stepped into
    /// by `$select`; `$filter` must go through `any()`/`all()`.
    pub fn step(
        &mut self,
        schema: &'s Schema,
        name: &str,
        clause: Clause,
    ) -> Result<(), ODataError> {
        let ty = match &self.kind {
            Kind::Structured { ty, collection } if !*collection || clause == Clause::Select => *ty,
            Kind::Structured { .. } => {
                return Err(ODataError::bad_request(format!(
                "The property '{}' is a collection; use any() or all() to reach '{name}' in {}.",
                self.text(),
                clause.option()
            )))
            }
            Kind::Primitive { ty, .. } => {
                return Err(ODataError::bad_request(format!(
                    "The property '{}' is of type '{}' and has no property '{name}'.",
                    self.text(),
                    ty.display_name()
                )))
            }
        };
        if let Some(prop) = ty.property(name) {
            self.kind = match &prop.ty {
                TypeRef::Complex(c) => {
                    let ct = schema
                        .structured_type(c)
                        .ok_or_else(|| unknown_property(name, &ty.qualified_name()))?;
                    Kind::Structured {
                        ty: ct,
                        collection: prop.collection,
                    }
                }
                other => Kind::Primitive {
                    ty: other.clone(),
                    collection: prop.collection,
                },
            };
            self.segments.push(name.to_string());
            return Ok(());
        }
        if ty.navigation(name).is_some() {
            let hint = if clause == Clause::Select {
                " Use $expand to include related entities."
            } else {
                ""
            };
            return Err(ODataError::unsupported(format!(
                "The navigation property '{name}' is not supported in {}.{hint}",
                clause.option()
            )));
        }
        Err(unknown_property(name, &ty.qualified_name()))
    }

    pub fn finish(&self) -> PropertyPath {
        let ty = match &self.kind {
            Kind::Structured { ty, .. } => EdmType::Complex(ty.name().to_string()),
            Kind::Primitive { ty, .. } => ty.edm_type(),
        };
        PropertyPath {
            lambda: self.lambda.clone(),
            segments: self.segments.clone(),
            ty,
            collection: self.kind.collection(),
        }
    }
}

/// A literal as written, before it is converted to a property's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawLit {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// `microsoft.graph.educationUserRole'student'`
    Typed(String, String),
    /// Unquoted date, date-time or GUID.
    Raw(String),
}

/// Checks a single-valued comparison `path op lit` and converts the literal.
pub(crate) fn bind_compare(
    schema: &Schema,
    path: &PathBuilder<'_>,
    op: CmpOp,
    lit: &RawLit,
    lit_text: &str,
) -> Result<Literal, ODataError> {
    let text = path.text();
    if path.kind.collection() {
        return Err(ODataError::bad_request(format!(
            "The property '{text}' is a collection; use any() or all() to filter on its elements."
        )));
    }
    let ordering = !matches!(op, CmpOp::Eq | CmpOp::Ne);
    if *lit == RawLit::Null {
        if ordering {
            return Err(ODataError::bad_request(format!(
                "null can only be compared with eq or ne (property '{text}')."
            )));
        }
        return Ok(Literal::Null);
    }
    match &path.kind {
        Kind::Structured { ty, .. } => Err(ODataError::bad_request(format!(
            "The property '{text}' is of complex type '{}' and can only be compared with null.",
            ty.qualified_name()
        ))),
        Kind::Primitive { ty, .. } => {
            if ordering && matches!(ty, TypeRef::Enum(_)) {
                return Err(ODataError::unsupported(format!(
                    "Ordering comparisons on the enum property '{text}' are not supported; use eq, ne or in."
                )));
            }
            convert(schema, ty, lit, lit_text, &text)
        }
    }
}

/// Converts a literal to the declared type `ty` of `prop` (named in errors).
pub(crate) fn convert(
    schema: &Schema,
    ty: &TypeRef,
    lit: &RawLit,
    lit_text: &str,
    prop: &str,
) -> Result<Literal, ODataError> {
    let mismatch = || {
        ODataError::bad_request(format!(
            "The literal {lit_text} cannot be compared with property '{prop}' of type '{}'.",
            ty.display_name()
        ))
    };
    let text = match lit {
        RawLit::Str(s) | RawLit::Raw(s) => Some(s.as_str()),
        _ => None,
    };
    Ok(match (ty.edm_type(), lit) {
        (_, RawLit::Null) => Literal::Null,
        (EdmType::Boolean, RawLit::Bool(b)) => Literal::Bool(*b),
        (EdmType::Integer, RawLit::Int(n)) => Literal::Int(*n),
        (EdmType::Float, RawLit::Int(n)) => Literal::Float(*n as f64),
        (EdmType::Float, RawLit::Float(f)) => Literal::Float(*f),
        (EdmType::String, RawLit::Str(s)) => Literal::String(s.clone()),
        (EdmType::DateTimeOffset, _) => {
            Literal::String(text.and_then(normalize_datetime).ok_or_else(mismatch)?)
        }
        (EdmType::Date, _) => {
            let d = text
                .filter(|t| parse_date(t).is_some())
                .ok_or_else(mismatch)?;
            Literal::String(d.to_string())
        }
        (EdmType::Guid, _) => Literal::String(text.and_then(normalize_guid).ok_or_else(mismatch)?),
        (EdmType::Enum(name), RawLit::Str(member) | RawLit::Typed(_, member)) => {
            if let RawLit::Typed(t, _) = lit {
                if crate::schema::strip_namespace(t) != name {
                    return Err(ODataError::bad_request(format!(
                        "The literal {lit_text} is of type '{t}', but property '{prop}' is of type '{}'.",
                        ty.display_name()
                    )));
                }
            }
            let en = schema.enum_type(&name).ok_or_else(mismatch)?;
            if !en.has_member(member) {
                return Err(ODataError::bad_request(format!(
                    "The value '{member}' is not a member of enum type '{}' (property '{prop}'). Valid members: {}.",
                    en.qualified_name(),
                    en.member_list()
                )));
            }
            Literal::String(member.clone())
        }
        _ => return Err(mismatch()),
    })
}
