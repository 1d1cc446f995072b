//! The Boolean-valued forms of `$filter`: lambdas (`coll/any(v: ...)`, `coll/all(...)`)
//! and the string functions, plus the list of OData functions refused by name.

use super::{Operand, Parser, Scope};
use crate::query::bind::{Kind, PathBuilder};
use crate::query::lexer::Tok;
use crate::schema::TypeRef;
use crate::{Expr, ODataError, StringFn};

/// OData functions that exist but are not evaluated here (`substringof` is OData v3's).
const UNSUPPORTED_FUNCTIONS: [&str; 30] = [
    "length",
    "indexof",
    "substring",
    "tolower",
    "toupper",
    "trim",
    "concat",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "fractionalseconds",
    "totalseconds",
    "date",
    "time",
    "now",
    "maxdatetime",
    "mindatetime",
    "totaloffsetminutes",
    "round",
    "floor",
    "ceiling",
    "isof",
    "cast",
    "matchespattern",
    "substringof",
    "hassubset",
    "hassubsequence",
];

impl<'s> Parser<'_, 's> {
    pub(super) fn lambda(&mut self, coll: PathBuilder<'s>, any: bool) -> Result<Expr, ODataError> {
        let fname = if any { "any" } else { "all" };
        let elem = match &coll.kind {
            Kind::Structured {
                ty,
                collection: true,
            } => Kind::Structured {
                ty: *ty,
                collection: false,
            },
            Kind::Primitive {
                ty,
                collection: true,
            } => Kind::Primitive {
                ty: ty.clone(),
                collection: false,
            },
            _ => {
                return Err(ODataError::bad_request(format!(
                    "{fname}() can only be applied to a collection, and '{}' is not one.",
                    coll.text()
                )))
            }
        };
        self.expect(Tok::LParen, "'('")?;
        if self.peek() == Some(&Tok::RParen) {
            self.pos += 1;
            if !any {
                return Err(ODataError::bad_request(
                    "all() needs a predicate: all(x: ...).",
                ));
            }
            return Ok(Expr::Any {
                collection: coll.finish(),
                var: String::new(),
                predicate: None,
            });
        }
        let var = match self.peek() {
            Some(Tok::Ident(v)) if !v.contains('.') => v.clone(),
            _ => return Err(self.syntax_at(self.here(), "expected a lambda variable name")),
        };
        if self.scopes.iter().any(|s| s.var == var) {
            return Err(ODataError::bad_request(format!(
                "The lambda variable '{var}' is already in use."
            )));
        }
        self.pos += 1;
        self.expect(Tok::Colon, "':' after the lambda variable")?;
        self.enter()?;
        self.scopes.push(Scope {
            var: var.clone(),
            elem,
        });
        let pred = self.or();
        self.scopes.pop();
        self.depth -= 1;
        let pred = Box::new(pred?);
        self.expect(Tok::RParen, "')' closing the lambda")?;
        let collection = coll.finish();
        Ok(if any {
            Expr::Any {
                collection,
                var,
                predicate: Some(pred),
            }
        } else {
            Expr::All {
                collection,
                var,
                predicate: pred,
            }
        })
    }

    pub(super) fn call(
        &mut self,
        name: &str,
        lower: &str,
        start: usize,
    ) -> Result<Expr, ODataError> {
        let func = match lower {
            "startswith" => StringFn::StartsWith,
            "endswith" => StringFn::EndsWith,
            "contains" => StringFn::Contains,
            "any" | "all" => {
                return Err(self.syntax_at(
                    start,
                    &format!("{lower}() must follow a collection property"),
                ))
            }
            f if UNSUPPORTED_FUNCTIONS.contains(&f) || f.starts_with("geo.") => {
                return Err(ODataError::unsupported(format!(
                    "The function '{name}' is not supported."
                )))
            }
            _ => {
                return Err(ODataError::bad_request(format!(
                    "An unknown function with name '{name}' was found."
                )))
            }
        };
        self.expect(Tok::LParen, "'('")?;
        let at = self.here();
        let path = match self.operand()? {
            Operand::Path(p) => p,
            _ => {
                return Err(self.syntax_at(
                    at,
                    &format!("the first argument of {lower}() must be a property"),
                ))
            }
        };
        let is_string = matches!(&path.kind, Kind::Primitive { ty: TypeRef::Primitive(t), collection: false } if t == "Edm.String");
        if !is_string {
            return Err(ODataError::bad_request(format!(
                "{lower}() needs a single-valued string property, but '{}' is of type '{}'{}.",
                path.text(),
                path.kind.type_name(),
                if path.kind.collection() {
                    " (a collection)"
                } else {
                    ""
                }
            )));
        }
        self.expect(Tok::Comma, "','")?;
        let arg = match self.peek() {
            Some(Tok::Str(s)) => s.clone(),
            _ => {
                return Err(self.syntax_at(
                    self.here(),
                    &format!("the second argument of {lower}() must be a string literal"),
                ))
            }
        };
        self.pos += 1;
        self.expect(Tok::RParen, "')'")?;
        Ok(Expr::StringFn {
            func,
            prop: path.finish(),
            arg,
        })
    }
}
