//! The catalog against a version's schema: every row's path is a navigation chain from
//! its home's type ending in the row's type, with the containment, cardinality and change
//! tracking the schema gives it, and the store containment the row's shape implies. Run
//! by the catalog's tests and at start-up (`serve` refuses to start on a mismatch), so a
//! row that contradicts the schema never serves a request.

use edugraph_odata::{ApiVersion, Schema};

use super::{Directory, Home, SetDef, Shape, SETS};

/// The schema type a home stands for.
pub(super) fn home_type(home: Home) -> &'static str {
    match home {
        Home::Root => "educationRoot",
        Home::School => "educationSchool",
        Home::Class => "educationClass",
        Home::User | Home::Me => "educationUser",
        Home::SyncProfile => "educationSynchronizationProfile",
    }
}

/// The schema's type of a row's entities: the directory objects are not education types.
fn target_type(def: &SetDef) -> &'static str {
    match def.shape {
        Shape::Directory(Directory::Group) => "group",
        Shape::Directory(Directory::User) => "user",
        _ => def.type_name(),
    }
}

/// Checks every row of the catalog against `schema`; the error names the row and what
/// differs.
pub fn against(schema: &Schema) -> Result<(), String> {
    SETS.iter().try_for_each(|def| row(schema, def))
}

fn row(schema: &Schema, def: &SetDef) -> Result<(), String> {
    let at = format!("{:?}", def.set);
    let fail = |what: &str| Err(format!("catalog row {at}: {what}"));
    if def.beta_only && schema.version != ApiVersion::Beta {
        return Ok(());
    }
    // `/me` is the root's `me` navigation; the rows below it start at the user.
    let (mut ty, path) = match def.shape {
        Shape::Caller => ("educationRoot".to_string(), &["me"][..]),
        _ => (home_type(def.home).to_string(), def.path),
    };
    let mut last = None;
    for seg in path {
        let Some(nav) = schema.entity_type(&ty).and_then(|t| t.navigation(seg)) else {
            return fail(&format!("{ty} has no navigation {seg}"));
        };
        ty = nav.target.clone();
        last = Some(nav);
    }
    let Some(nav) = last else {
        return fail("no path");
    };
    if ty != target_type(def) {
        return fail(&format!("the path leads to {ty}, not {}", target_type(def)));
    }
    let (many, contained) = match def.shape {
        Shape::Collection | Shape::Provisioned | Shape::Log => (true, true),
        Shape::Singleton | Shape::Caller | Shape::Report => (false, true),
        Shape::Reference(of) => {
            if SetDef::of(of).kind != def.kind {
                return fail("a reference to a set of another kind");
            }
            (false, false)
        }
        Shape::Links(_) => (true, false),
        Shape::Directory(_) => (false, false),
    };
    if nav.collection != many {
        return fail("cardinality differs from the schema");
    }
    if nav.contained != contained {
        return fail("containment differs from the schema");
    }
    if nav.change_tracking != def.delta {
        return fail("delta differs from the schema's change tracking");
    }
    // Contained kinds live in the store under the home (the singleton's collections are
    // stored under the class they belong to); the roster's are top-level.
    let container = if def.rules.is_some()
        || matches!(def.shape, Shape::Reference(_) | Shape::Log | Shape::Report)
    {
        def.home.kind()
    } else {
        None
    };
    if def.kind.container() != container {
        return fail("the store kind's container is not the row's home");
    }
    let rules_expected =
        def.home != Home::Root && matches!(def.shape, Shape::Collection | Shape::Singleton);
    if def.rules.is_some() != rules_expected {
        return fail("domain rules are missing or misplaced");
    }
    // Graph's bound operations are in the schema, bound to the row's type; edugraph's
    // own are not.
    for call in def.calls {
        let bound = schema.bound_operation(def.type_name(), false, call.name());
        if bound.is_some() != call.in_graph() {
            return fail(&format!(
                "bound operation {} differs from the schema",
                call.name()
            ));
        }
    }
    Ok(())
}
