//! `$filter` parser: recursive descent over the tokens, binding every path and literal
//! against the schema as it goes, so the result is a checked `Expr`.
//!
//! ```text
//! or      := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | primary
//! primary := "(" or ")"
//!          | call [("eq"|"ne") bool]             startswith/endswith/contains
//!          | path "/" ("any"|"all") "(" [var ":" or] ")" [("eq"|"ne") bool]
//!          | path cmp literal | literal cmp path | path "in" "(" literal ("," literal)* ")"
//!          | path                                a Boolean property on its own
//! ```
//! Operators and keywords are matched case-insensitively. The size limits of `limits.rs`
//! (characters, terms, nesting, `in` values) are checked before or while parsing, so an
//! oversized filter is refused before any tree is built for it.

mod calls;

use super::bind::{bind_compare, Clause, Kind, PathBuilder, RawLit};
use super::lexer::{char_pos, lex, Tok, Token};
use super::limits::{self, MAX_FILTER_CHARS, MAX_FILTER_DEPTH, MAX_FILTER_TERMS, MAX_IN_VALUES};
use crate::schema::{Schema, StructuredType};
use crate::{CmpOp, EdmType, Expr, Literal, ODataError};

const ARITHMETIC: [&str; 6] = ["add", "sub", "mul", "div", "divby", "mod"];

pub(crate) fn parse_filter(
    text: &str,
    schema: &Schema,
    root: StructuredType<'_>,
) -> Result<Expr, ODataError> {
    // Lexing is linear (and the URI limit bounds the text), so the terms are counted
    // first: their number is the more telling limit for a filter that exceeds both.
    let toks = lex(text)?;
    if toks.is_empty() {
        return Err(ODataError::bad_request("The $filter expression is empty."));
    }
    limits::check("$filter", term_count(&toks), "terms", MAX_FILTER_TERMS)?;
    let chars = text.chars().count();
    limits::check("$filter", chars, "characters", MAX_FILTER_CHARS)?;
    let mut p = Parser {
        text,
        toks,
        pos: 0,
        schema,
        root,
        scopes: Vec::new(),
        depth: 0,
    };
    let expr = p.or()?;
    if let Some(t) = p.peek_token() {
        return Err(p.syntax_at(t.start, &format!("unexpected '{}'", &text[t.start..t.end])));
    }
    Ok(expr)
}

/// The operands of the `and`/`or` chains at every level: one more than the connectives.
/// Counted on the tokens (quoted text is one token), so the whole filter is measured and
/// the message can say how many terms it has.
fn term_count(toks: &[Token]) -> usize {
    let connectives = toks
        .iter()
        .filter(|t| matches!(&t.tok, Tok::Ident(w) if w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or")))
        .count();
    connectives + 1
}

/// A lambda variable in scope and what it ranges over.
struct Scope<'s> {
    var: String,
    elem: Kind<'s>,
}

enum Operand<'s> {
    Path(PathBuilder<'s>),
    Lit(RawLit, String),
    /// A Boolean-valued call or lambda.
    Bool(Expr),
}

struct Parser<'t, 's> {
    text: &'t str,
    toks: Vec<Token>,
    pos: usize,
    schema: &'s Schema,
    root: StructuredType<'s>,
    scopes: Vec<Scope<'s>>,
    depth: usize,
}

impl<'s> Parser<'_, 's> {
    fn peek_token(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }
    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }
    fn keyword(&self) -> Option<String> {
        match self.peek() {
            Some(Tok::Ident(s)) => Some(s.to_ascii_lowercase()),
            _ => None,
        }
    }
    fn syntax_at(&self, at: usize, what: &str) -> ODataError {
        ODataError::bad_request(format!(
            "Syntax error at position {} in $filter '{}': {what}.",
            char_pos(self.text, at),
            self.text
        ))
    }
    fn here(&self) -> usize {
        self.peek_token().map_or(self.text.len(), |t| t.start)
    }
    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ODataError> {
        if self.peek() == Some(&want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax_at(self.here(), &format!("expected {what}")))
        }
    }
    fn enter(&mut self) -> Result<(), ODataError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(ODataError::bad_request(format!(
                "$filter is nested too deeply: more than {MAX_FILTER_DEPTH} levels of parentheses, 'not' and lambdas; at most {MAX_FILTER_DEPTH} are allowed."
            )));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ODataError> {
        let mut left = self.and()?;
        while self.keyword().as_deref() == Some("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ODataError> {
        let mut left = self.unary()?;
        while self.keyword().as_deref() == Some("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ODataError> {
        self.enter()?;
        let e = if self.keyword().as_deref() == Some("not") && self.peek_at(1).is_some() {
            self.pos += 1;
            Expr::Not(Box::new(self.unary()?))
        } else {
            self.primary()?
        };
        self.depth -= 1;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, ODataError> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen, "')'")?;
            return Ok(e);
        }
        let start = self.here();
        match self.operand()? {
            Operand::Bool(e) => self.bool_suffix(e),
            Operand::Path(path) => self.after_path(path, start),
            Operand::Lit(lit, lit_text) => {
                let op = self
                    .cmp_op()?
                    .ok_or_else(|| self.syntax_at(self.here(), "expected a comparison operator"))?;
                match self.operand()? {
                    Operand::Path(path) => {
                        let right = bind_compare(self.schema, &path, flip(op), &lit, &lit_text)?;
                        Ok(Expr::Compare {
                            left: path.finish(),
                            op: flip(op),
                            right,
                        })
                    }
                    _ => Err(self.syntax_at(start, "a comparison needs a property on one side")),
                }
            }
        }
    }

    /// After a Boolean call or lambda: an optional `eq true`, `ne false`, ...
    fn bool_suffix(&mut self, e: Expr) -> Result<Expr, ODataError> {
        let Some(op) = self.cmp_op()? else {
            return Ok(e);
        };
        let value = match (op, self.peek()) {
            (CmpOp::Eq | CmpOp::Ne, Some(Tok::Ident(s))) if s.eq_ignore_ascii_case("true") => true,
            (CmpOp::Eq | CmpOp::Ne, Some(Tok::Ident(s))) if s.eq_ignore_ascii_case("false") => {
                false
            }
            _ => {
                return Err(self.syntax_at(
                    self.here(),
                    "a Boolean function can only be compared with true or false",
                ))
            }
        };
        self.pos += 1;
        Ok(if value == (op == CmpOp::Eq) {
            e
        } else {
            Expr::Not(Box::new(e))
        })
    }

    fn after_path(&mut self, path: PathBuilder<'s>, start: usize) -> Result<Expr, ODataError> {
        if let Some(op) = self.cmp_op()? {
            let lit_start = self.here();
            return match self.operand()? {
                Operand::Lit(lit, text) => {
                    let right = bind_compare(self.schema, &path, op, &lit, &text)?;
                    Ok(Expr::Compare {
                        left: path.finish(),
                        op,
                        right,
                    })
                }
                Operand::Path(_) => Err(ODataError::unsupported(
                    "Comparing two properties with each other is not supported.",
                )),
                Operand::Bool(_) => Err(self.syntax_at(lit_start, "expected a literal value")),
            };
        }
        match self.keyword().as_deref() {
            Some("in") => {
                self.pos += 1;
                self.in_list(path)
            }
            Some("has") => Err(ODataError::unsupported(
                "The operator 'has' is not supported.",
            )),
            Some(k) if ARITHMETIC.contains(&k) => Err(ODataError::unsupported(format!(
                "The arithmetic operator '{k}' is not supported."
            ))),
            None | Some("and" | "or") => {
                // A Boolean property on its own means `prop eq true`.
                let is_bool = matches!(&path.kind, Kind::Primitive { ty, collection: false } if ty.edm_type() == EdmType::Boolean);
                if !is_bool {
                    return Err(self.syntax_at(
                        start,
                        &format!("'{}' is not a Boolean expression", path.text()),
                    ));
                }
                Ok(Expr::Compare {
                    left: path.finish(),
                    op: CmpOp::Eq,
                    right: Literal::Bool(true),
                })
            }
            Some(other) => Err(self.syntax_at(self.here(), &format!("unknown operator '{other}'"))),
        }
    }

    fn cmp_op(&mut self) -> Result<Option<CmpOp>, ODataError> {
        let op = match self.keyword().as_deref() {
            Some("eq") => CmpOp::Eq,
            Some("ne") => CmpOp::Ne,
            Some("gt") => CmpOp::Gt,
            Some("ge") => CmpOp::Ge,
            Some("lt") => CmpOp::Lt,
            Some("le") => CmpOp::Le,
            _ => return Ok(None),
        };
        self.pos += 1;
        Ok(Some(op))
    }

    fn in_list(&mut self, path: PathBuilder<'s>) -> Result<Expr, ODataError> {
        let close = match self.peek() {
            Some(Tok::LParen) => Tok::RParen,
            Some(Tok::LBracket) => Tok::RBracket,
            _ => return Err(self.syntax_at(self.here(), "expected '(' after 'in'")),
        };
        self.pos += 1;
        let mut values = Vec::new();
        loop {
            let at = self.here();
            match self.operand()? {
                Operand::Lit(lit, text) => {
                    values.push(bind_compare(self.schema, &path, CmpOp::Eq, &lit, &text)?)
                }
                _ => return Err(self.syntax_at(at, "expected a literal in the 'in' list")),
            }
            if self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
                continue;
            }
            self.expect(close, "',' or the end of the 'in' list")?;
            limits::check(
                &format!("The 'in' list of '{}'", path.text()),
                values.len(),
                "values",
                MAX_IN_VALUES,
            )?;
            return Ok(Expr::In {
                left: path.finish(),
                values,
            });
        }
    }

    fn operand(&mut self) -> Result<Operand<'s>, ODataError> {
        let Some(tok) = self.peek_token().cloned() else {
            return Err(self.syntax_at(self.text.len(), "unexpected end of expression"));
        };
        let text = self.text[tok.start..tok.end].to_string();
        self.pos += 1;
        let lit = match tok.tok {
            Tok::Str(s) => RawLit::Str(s),
            Tok::Typed(t, v) => RawLit::Typed(t, v),
            Tok::Int(n) => RawLit::Int(n),
            Tok::Float(f) => RawLit::Float(f),
            Tok::Raw(r) => RawLit::Raw(r),
            Tok::Ident(name) => return self.ident_operand(name, tok.start),
            _ => return Err(self.syntax_at(tok.start, &format!("unexpected '{text}'"))),
        };
        Ok(Operand::Lit(lit, text))
    }

    fn ident_operand(&mut self, name: String, start: usize) -> Result<Operand<'s>, ODataError> {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "true" => return Ok(Operand::Lit(RawLit::Bool(true), name)),
            "false" => return Ok(Operand::Lit(RawLit::Bool(false), name)),
            "null" => return Ok(Operand::Lit(RawLit::Null, name)),
            _ => {}
        }
        if self.peek() == Some(&Tok::LParen) {
            return self.call(&name, &lower, start).map(Operand::Bool);
        }
        let mut path = self.path_start(&name)?;
        while self.peek() == Some(&Tok::Slash) {
            let Some(Tok::Ident(seg)) = self.peek_at(1).cloned() else {
                return Err(self.syntax_at(self.here(), "expected a property name after '/'"));
            };
            self.pos += 2;
            let lambda = seg.to_ascii_lowercase();
            if (lambda == "any" || lambda == "all") && self.peek() == Some(&Tok::LParen) {
                return self.lambda(path, lambda == "any").map(Operand::Bool);
            }
            path.step(self.schema, &seg, Clause::Filter)?;
        }
        Ok(Operand::Path(path))
    }

    /// The first segment: a lambda variable in scope, or a property of the entity.
    fn path_start(&self, name: &str) -> Result<PathBuilder<'s>, ODataError> {
        if let Some(scope) = self.scopes.iter().rev().find(|s| s.var == name) {
            return Ok(PathBuilder {
                lambda: Some(name.to_string()),
                segments: Vec::new(),
                kind: scope.elem.clone(),
            });
        }
        if name.contains('.') {
            return Err(ODataError::unsupported(format!(
                "Type casts ('{name}') are not supported in $filter."
            )));
        }
        let mut path = PathBuilder::root(self.root);
        path.step(self.schema, name, Clause::Filter)?;
        Ok(path)
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        same => same,
    }
}
