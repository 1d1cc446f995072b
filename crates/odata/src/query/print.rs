//! Canonical text of bound query trees (`Display`). Every `Expr` prints as a `$filter`
//! that parses back to the same tree: children of `and`/`or`/`not` are parenthesised and
//! literals are written in a form the parser converts back to the same value.

use std::fmt::{self, Display, Formatter};

use crate::{CmpOp, Expr, Literal, OrderBy, PropertyPath, StringFn};

impl Display for PropertyPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for part in self.lambda.iter().chain(self.segments.iter()) {
            if !first {
                f.write_str("/")?;
            }
            f.write_str(part)?;
            first = false;
        }
        Ok(())
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(n) => write!(f, "{n}"),
            // `{:?}` always keeps a decimal point or exponent, so it re-lexes as a float.
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
        }
    }
}

impl Display for CmpOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
        })
    }
}

impl Display for StringFn {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StringFn::StartsWith => "startswith",
            StringFn::EndsWith => "endswith",
            StringFn::Contains => "contains",
        })
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Compare { left, op, right } => write!(f, "{left} {op} {right}"),
            Expr::In { left, values } => {
                write!(f, "{left} in (")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str(")")
            }
            Expr::StringFn { func, prop, arg } => {
                write!(f, "{func}({prop},{})", Literal::String(arg.clone()))
            }
            Expr::And(a, b) => write!(f, "({a}) and ({b})"),
            Expr::Or(a, b) => write!(f, "({a}) or ({b})"),
            Expr::Not(e) => write!(f, "not ({e})"),
            Expr::Any {
                collection,
                var,
                predicate: Some(p),
            } => write!(f, "{collection}/any({var}:{p})"),
            Expr::Any {
                collection,
                predicate: None,
                ..
            } => write!(f, "{collection}/any()"),
            Expr::All {
                collection,
                var,
                predicate,
            } => write!(f, "{collection}/all({var}:{predicate})"),
        }
    }
}

impl Display for OrderBy {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.path,
            if self.desc { "desc" } else { "asc" }
        )
    }
}
