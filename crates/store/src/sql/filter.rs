//! `$filter` → SQL. Compiles a bound `Expr` into a boolean SQL expression over the entity
//! row `e`, writing values as parameters.
//!
//! Semantics:
//! - a missing property and JSON `null` are both null: `eq null` / `ne null` test for it;
//!   `ne` is null-safe (a null differs from every value); ordering comparisons with null
//!   are false;
//! - strings: `eq`/`ne`/`in` are exact; `startswith`/`endswith`/`contains` ignore case
//!   (Graph directory semantics; on SQLite `lower()` folds ASCII letters only);
//! - SQL's third truth value never leaks: under `not` and `all` an unknown counts as false,
//!   as OData's two-valued logic expects.

use super::dialect::{Dialect, SELECTIVE_PATHS};
use super::{escape_like, Bind, Sink};
use crate::conflict::other;
use crate::Result;
use edugraph_odata::ast::StringFn;
use edugraph_odata::{CmpOp, Expr, Literal, PropertyPath};

/// Writes `expr` as an SQL condition on the document column `root` (e.g. `e.doc`).
pub(crate) fn compile(d: &dyn Dialect, root: &str, expr: &Expr, out: &mut dyn Sink) -> Result<()> {
    Compiler {
        d,
        root,
        lambdas: Vec::new(),
        next_alias: 0,
    }
    .expr(expr, out)
}

/// The selective index (see `SELECTIVE_PATHS`) of a path that `expr` requires, at its top
/// level (through `and`s only), to equal a value: the matches are a handful of rows, best
/// found through that index.
pub(crate) fn selective_index(expr: &Expr) -> Option<&'static str> {
    let index_of = |p: &PropertyPath| {
        if p.lambda.is_some() {
            return None;
        }
        SELECTIVE_PATHS
            .iter()
            .find(|(path, _)| {
                path.iter()
                    .copied()
                    .eq(p.segments.iter().map(String::as_str))
            })
            .map(|(_, index)| *index)
    };
    match expr {
        Expr::And(a, b) => selective_index(a).or_else(|| selective_index(b)),
        Expr::Compare {
            left,
            op: CmpOp::Eq,
            right,
        } if *right != Literal::Null => index_of(left),
        Expr::In { left, values } if !values.is_empty() && !values.contains(&Literal::Null) => {
            index_of(left)
        }
        _ => None,
    }
}

struct Compiler<'a> {
    d: &'a dyn Dialect,
    root: &'a str,
    /// Lambda variables in scope, innermost last, with the SQL standing for their element.
    lambdas: Vec<(String, String)>,
    next_alias: usize,
}

const FALSE: &str = "(1 = 0)";

impl Compiler<'_> {
    fn expr(&mut self, expr: &Expr, out: &mut dyn Sink) -> Result<()> {
        match expr {
            Expr::Compare { left, op, right } => self.compare(left, *op, right, out),
            Expr::In { left, values } => self.in_list(left, values, out),
            Expr::StringFn { func, prop, arg } => {
                let text = self.d.text(&self.base(prop)?, &prop.segments)?;
                let escaped = escape_like(arg);
                let pattern = match func {
                    StringFn::StartsWith => format!("{escaped}%"),
                    StringFn::EndsWith => format!("%{escaped}"),
                    StringFn::Contains => format!("%{escaped}%"),
                };
                out.sql(&format!("(lower({text}) LIKE lower("));
                out.bind(Bind::Text(pattern));
                out.sql(") ESCAPE '\\')");
                Ok(())
            }
            Expr::And(a, b) => self.binary(a, "AND", b, out),
            Expr::Or(a, b) => self.binary(a, "OR", b, out),
            Expr::Not(inner) => {
                out.sql("(NOT COALESCE(");
                self.expr(inner, out)?;
                out.sql(", FALSE))");
                Ok(())
            }
            Expr::Any {
                collection,
                var,
                predicate,
            } => {
                out.sql("EXISTS (");
                self.lambda(collection, var, predicate.as_deref(), false, out)?;
                out.sql(")");
                Ok(())
            }
            Expr::All {
                collection,
                var,
                predicate,
            } => {
                // all(v: p) ⇔ no element for which p is not true.
                out.sql("NOT EXISTS (");
                self.lambda(collection, var, Some(predicate), true, out)?;
                out.sql(")");
                Ok(())
            }
        }
    }

    fn binary(&mut self, a: &Expr, op: &str, b: &Expr, out: &mut dyn Sink) -> Result<()> {
        out.sql("(");
        self.expr(a, out)?;
        out.sql(&format!(" {op} "));
        self.expr(b, out)?;
        out.sql(")");
        Ok(())
    }

    /// `SELECT 1 FROM <elements> WHERE <guard> AND [NOT] <pred>` for any/all.
    fn lambda(
        &mut self,
        collection: &PropertyPath,
        var: &str,
        predicate: Option<&Expr>,
        negate: bool,
        out: &mut dyn Sink,
    ) -> Result<()> {
        self.next_alias += 1;
        let alias = format!("j{}", self.next_alias);
        let elems = self
            .d
            .elements(&self.base(collection)?, &collection.segments, &alias)?;
        out.sql(&format!("SELECT 1 FROM {}", elems.from));
        let mut conds = 0;
        let mut and = |out: &mut dyn Sink| {
            out.sql(if conds == 0 { " WHERE " } else { " AND " });
            conds += 1;
        };
        if let Some(guard) = &elems.guard {
            and(out);
            out.sql(guard);
        }
        if let Some(pred) = predicate {
            and(out);
            out.sql(if negate { "NOT COALESCE(" } else { "(" });
            self.lambdas.push((var.to_string(), elems.element));
            let res = self.expr(pred, out);
            self.lambdas.pop();
            res?;
            out.sql(if negate { ", FALSE)" } else { ")" });
        }
        Ok(())
    }

    /// The SQL a path starts from: the document, or the element of its lambda variable.
    fn base(&self, path: &PropertyPath) -> Result<String> {
        match &path.lambda {
            None => Ok(self.root.to_string()),
            Some(var) => self
                .lambdas
                .iter()
                .rev()
                .find(|(v, _)| v == var)
                .map(|(_, element)| element.clone())
                .ok_or_else(|| other(format!("lambda variable {var:?} is not in scope"))),
        }
    }

    fn scalar(&self, path: &PropertyPath) -> Result<String> {
        self.d.scalar(&self.base(path)?, &path.segments, &path.ty)
    }

    fn compare(
        &mut self,
        left: &PropertyPath,
        op: CmpOp,
        right: &Literal,
        out: &mut dyn Sink,
    ) -> Result<()> {
        let lhs = self.scalar(left)?;
        let Some(value) = bind_value(right) else {
            out.sql(&match op {
                CmpOp::Eq => format!("({lhs} IS NULL)"),
                CmpOp::Ne => format!("({lhs} IS NOT NULL)"),
                // Ordering against null is never true.
                _ => FALSE.to_string(),
            });
            return Ok(());
        };
        let sql_op = match op {
            CmpOp::Eq => "=",
            CmpOp::Ne => self.d.distinct_op(),
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
        };
        out.sql(&format!("({lhs} {sql_op} "));
        out.bind(value);
        out.sql(")");
        Ok(())
    }

    fn in_list(
        &mut self,
        left: &PropertyPath,
        values: &[Literal],
        out: &mut dyn Sink,
    ) -> Result<()> {
        let lhs = self.scalar(left)?;
        let binds: Vec<Bind> = values.iter().filter_map(bind_value).collect();
        let has_null = binds.len() < values.len();
        if binds.is_empty() && !has_null {
            out.sql(FALSE);
            return Ok(());
        }
        out.sql("(");
        if !binds.is_empty() {
            out.sql(&format!("{lhs} IN ("));
            for (i, b) in binds.into_iter().enumerate() {
                if i > 0 {
                    out.sql(", ");
                }
                out.bind(b);
            }
            out.sql(")");
            if has_null {
                out.sql(" OR ");
            }
        }
        if has_null {
            out.sql(&format!("{lhs} IS NULL"));
        }
        out.sql(")");
        Ok(())
    }
}

/// The bound form of a literal; `None` for null. An integer literal against a floating
/// property (and the reverse) still compares as numbers: both backends promote.
fn bind_value(lit: &Literal) -> Option<Bind> {
    Some(match lit {
        Literal::Null => return None,
        Literal::Bool(b) => Bind::Bool(*b),
        Literal::Int(i) => Bind::Int(*i),
        Literal::Float(f) => Bind::Float(*f),
        Literal::String(s) => Bind::Text(s.clone()),
    })
}

#[cfg(test)]
mod tests;
