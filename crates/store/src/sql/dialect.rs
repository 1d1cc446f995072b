//! How each backend reads values out of a JSON document. The filter, order and listing
//! compilers ask a `Dialect` for SQL text and never branch on the backend themselves.
//!
//! The forms produced here must match the expression indexes of the migrations character
//! for character (SQLite: `json_extract(doc, '$.a.b')`; PostgreSQL: `doc->'a'->>'b'`),
//! otherwise the planners ignore the indexes.

use super::check_segment;
use crate::Result;
use edugraph_odata::EdmType;

/// A `FROM` item that yields the elements of a JSON array, one row each.
pub(crate) struct Elements {
    pub from: String,
    /// A condition the rows must also meet (SQLite: the value really is an array).
    pub guard: Option<String>,
    /// The expression that stands for one element, a base for further paths.
    pub element: String,
}

/// Paths with an expression index (named as in the migrations) whose values are (nearly)
/// unique, so that an equality on one picks out a handful of rows. `primaryRole` is left
/// out: each of its few values matches many rows.
pub(crate) const SELECTIVE_PATHS: &[(&[&str], &str)] = &[
    (&["externalId"], "entities_external_id"),
    (&["student", "externalId"], "entities_student_external_id"),
    (&["teacher", "externalId"], "entities_teacher_external_id"),
    (&["userPrincipalName"], "entities_user_principal_name"),
    (&["mailNickname"], "entities_mail_nickname"),
    (&["displayName"], "entities_display_name"),
];

pub(crate) trait Dialect: Sync {
    /// The document column as the store returns it (always text).
    fn doc_column(&self) -> &'static str;
    /// The value at `path` below `base` (a document column or a lambda element), as an SQL
    /// value that compares correctly with bound values of type `ty`. Missing and JSON
    /// `null` both give SQL `NULL`.
    fn scalar(&self, base: &str, path: &[String], ty: &EdmType) -> Result<String>;
    /// The value at `path` as text (string functions, case-insensitive keys).
    fn text(&self, base: &str, path: &[String]) -> Result<String>;
    /// A sort key for the value at `path`: like `scalar`, with text in byte order.
    fn order_key(&self, base: &str, path: &[String], ty: &EdmType) -> Result<String>;
    /// The elements of the array at `path` below `base`, as a `FROM` item named `alias`.
    /// Missing, `null` and non-array values give no rows.
    fn elements(&self, base: &str, path: &[String], alias: &str) -> Result<Elements>;
    /// The null-safe "is different from" operator (`NULL` differs from any value).
    fn distinct_op(&self) -> &'static str;
    /// A bound parameter holding document text, as the value of the document column.
    fn doc_param(&self, param: &str) -> String;
    /// The current time, as `modified_at` stores it.
    fn now(&self) -> &'static str;
    /// The entities table as the `FROM` item `e`. `index` names a selective index (see
    /// [`SELECTIVE_PATHS`]) that the filter pins with an equality.
    fn entities(&self, index: Option<&str>) -> String {
        let _ = index;
        "entities e".to_string()
    }
}

/// SQLite with its built-in JSON functions over a `TEXT` document.
pub(crate) struct SqliteDialect;

/// PostgreSQL over a `json` document (kept as written; the operators parse it).
pub(crate) struct PgDialect;

/// `$.a.b` for SQLite's JSON functions.
fn sqlite_json_path(path: &[String]) -> Result<String> {
    let mut out = String::from("$");
    for seg in path {
        out.push('.');
        out.push_str(check_segment(seg)?);
    }
    Ok(out)
}

impl Dialect for SqliteDialect {
    fn doc_column(&self) -> &'static str {
        "e.doc"
    }

    fn scalar(&self, base: &str, path: &[String], _ty: &EdmType) -> Result<String> {
        // json_extract already yields typed SQL values (text, integer, real; booleans as
        // 0/1, which is how booleans are bound), so no cast is needed.
        self.text(base, path)
    }

    fn text(&self, base: &str, path: &[String]) -> Result<String> {
        if path.is_empty() {
            return Ok(base.to_string());
        }
        Ok(format!(
            "json_extract({base}, '{}')",
            sqlite_json_path(path)?
        ))
    }

    fn order_key(&self, base: &str, path: &[String], ty: &EdmType) -> Result<String> {
        // SQLite compares text bytewise already.
        self.scalar(base, path, ty)
    }

    fn elements(&self, base: &str, path: &[String], alias: &str) -> Result<Elements> {
        let (from, guard) = if path.is_empty() {
            (
                format!("json_each({base}) AS {alias}"),
                format!("json_type({base}) = 'array'"),
            )
        } else {
            let p = sqlite_json_path(path)?;
            (
                format!("json_each({base}, '{p}') AS {alias}"),
                format!("json_type({base}, '{p}') = 'array'"),
            )
        };
        // json_each walks the members of an object too, hence the guard.
        Ok(Elements {
            from,
            guard: Some(guard),
            element: format!("{alias}.value"),
        })
    }

    fn distinct_op(&self) -> &'static str {
        "IS NOT"
    }

    fn doc_param(&self, param: &str) -> String {
        param.to_string()
    }

    fn now(&self) -> &'static str {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    }

    fn entities(&self, index: Option<&str>) -> String {
        // SQLite's planner would rather walk the primary key, already in id order, than
        // look up a selective expression index and sort the few rows it finds; without
        // statistics it cannot tell a unique index from `primaryRole` either. The filter
        // pins the index's expression at its top level, so forcing it always works.
        match index {
            Some(index) => format!("entities e INDEXED BY {index}"),
            None => "entities e".to_string(),
        }
    }
}

impl PgDialect {
    /// `base->'a'->'b'`: the JSON node at `path`.
    fn node(base: &str, path: &[String]) -> Result<String> {
        let mut out = base.to_string();
        for seg in path {
            out.push_str(&format!("->'{}'", check_segment(seg)?));
        }
        Ok(out)
    }
}

impl Dialect for PgDialect {
    fn doc_column(&self) -> &'static str {
        "e.doc::text"
    }

    fn scalar(&self, base: &str, path: &[String], ty: &EdmType) -> Result<String> {
        let text = self.text(base, path)?;
        Ok(match ty {
            EdmType::Boolean => format!("({text})::boolean"),
            EdmType::Integer => format!("({text})::numeric"),
            EdmType::Float => format!("({text})::double precision"),
            // Dates and date-times are stored normalised, so text order is time order.
            _ => text,
        })
    }

    fn text(&self, base: &str, path: &[String]) -> Result<String> {
        match path.split_last() {
            // A primitive array element: its value as text.
            None => Ok(format!("({base} #>> '{{}}')")),
            Some((last, init)) => Ok(format!(
                "({}->>'{}')",
                Self::node(base, init)?,
                check_segment(last)?
            )),
        }
    }

    fn order_key(&self, base: &str, path: &[String], ty: &EdmType) -> Result<String> {
        let key = self.scalar(base, path, ty)?;
        Ok(match ty {
            EdmType::Boolean | EdmType::Integer | EdmType::Float => key,
            // Byte order, like SQLite, whatever the database's locale.
            _ => format!("{key} COLLATE \"C\""),
        })
    }

    fn elements(&self, base: &str, path: &[String], alias: &str) -> Result<Elements> {
        let node = Self::node(base, path)?;
        // json_array_elements fails on non-arrays, so anything else becomes an empty array.
        let from = format!(
            "json_array_elements(CASE WHEN json_typeof({node}) = 'array' THEN {node} ELSE '[]'::json END) AS {alias}(v)"
        );
        Ok(Elements {
            from,
            guard: None,
            element: format!("{alias}.v"),
        })
    }

    fn distinct_op(&self) -> &'static str {
        "IS DISTINCT FROM"
    }

    fn doc_param(&self, param: &str) -> String {
        // `json` keeps the text exactly as written (key order, spacing).
        format!("{param}::json")
    }

    fn now(&self) -> &'static str {
        "now()"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(segs: &[&str]) -> Vec<String> {
        segs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sqlite_forms_match_the_index_expressions() {
        let d = SqliteDialect;
        assert_eq!(
            d.scalar("doc", &p(&["student", "externalId"]), &EdmType::String)
                .unwrap(),
            "json_extract(doc, '$.student.externalId')"
        );
        assert_eq!(d.text("j1.value", &[]).unwrap(), "j1.value");
    }

    #[test]
    fn pg_forms_match_the_index_expressions() {
        let d = PgDialect;
        assert_eq!(
            d.scalar("doc", &p(&["student", "externalId"]), &EdmType::String)
                .unwrap(),
            "(doc->'student'->>'externalId')"
        );
        assert_eq!(
            d.scalar("e.doc", &p(&["accountEnabled"]), &EdmType::Boolean)
                .unwrap(),
            "((e.doc->>'accountEnabled'))::boolean"
        );
        assert_eq!(d.text("j1.v", &[]).unwrap(), "(j1.v #>> '{}')");
    }

    #[test]
    fn selective_paths_name_indexes_on_the_same_expressions() {
        let sqlite = include_str!("../../migrations/sqlite/0001_initial_schema.sql");
        let pg = include_str!("../../migrations/postgres/0001_initial_schema.sql");
        for (path, index) in SELECTIVE_PATHS {
            let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            let want = |expr: String| {
                format!("CREATE INDEX {index} ON entities (tenant_id, entity_type, {expr});")
            };
            let s = want(
                SqliteDialect
                    .scalar("doc", &path, &EdmType::String)
                    .unwrap(),
            );
            assert!(sqlite.contains(&s), "sqlite migration lacks {s}");
            let p = want(PgDialect.scalar("doc", &path, &EdmType::String).unwrap());
            assert!(pg.contains(&p), "postgres migration lacks {p}");
        }
    }

    #[test]
    fn hostile_segments_are_refused() {
        assert!(SqliteDialect.text("doc", &p(&["a') OR 1=1 --"])).is_err());
        assert!(PgDialect.text("doc", &p(&["a'"])).is_err());
        assert!(PgDialect.elements("doc", &p(&["x y"]), "j1").is_err());
    }
}
