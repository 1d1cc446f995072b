//! CSDL loader: reads the `Schema` element of an edmx document with roxmltree into raw
//! type declarations, applies the out-of-line `Annotations` (Computed, navigation
//! restrictions, change tracking), resolves every type reference and flattens
//! inheritance. Any dangling name is an error, so a loaded schema is self-consistent.

use std::collections::HashMap;

use roxmltree::Node;

use super::{
    strip_namespace, ComplexType, EntityType, EnumType, Navigation, Operation, OperationKind,
    Property, TypeRef,
};

const COMPUTED: &str = "Org.OData.Core.V1.Computed";
const NAV_RESTRICTIONS: &str = "Org.OData.Capabilities.V1.NavigationRestrictions";
const CHANGE_TRACKING: &str = "Org.OData.Capabilities.V1.ChangeTracking";

pub(super) struct Loaded {
    pub entities: HashMap<String, EntityType>,
    pub complexes: HashMap<String, ComplexType>,
    pub enums: HashMap<String, EnumType>,
    pub operations: Vec<Operation>,
}

/// A structured type as declared, before resolution and flattening.
struct Raw<'a> {
    node: Node<'a, 'a>,
    name: String,
    base: Option<String>,
}

/// The boolean flags an annotation target (`type/member`) collected.
#[derive(Default, Clone, Copy)]
struct Flags {
    computed: bool,
    referenceable: bool,
    change_tracking: bool,
}

pub(super) fn load(xml: &str) -> Result<Loaded, String> {
    let doc =
        roxmltree::Document::parse(xml).map_err(|e| format!("CSDL is not well-formed XML: {e}"))?;
    let schema = doc
        .descendants()
        .find(|n| n.has_tag_name("Schema"))
        .ok_or("CSDL has no Schema element")?;
    let elements = || schema.children().filter(Node::is_element);

    let mut enums = HashMap::new();
    for node in elements().filter(|n| n.has_tag_name("EnumType")) {
        let en = parse_enum(node)?;
        enums.insert(en.name.clone(), en);
    }
    let raw = |tag: &str| -> Result<Vec<Raw<'_>>, String> {
        elements()
            .filter(|n| n.has_tag_name(tag))
            .map(|node| {
                Ok(Raw {
                    node,
                    name: attr(node, "Name")?.to_string(),
                    base: node
                        .attribute("BaseType")
                        .map(|b| strip_namespace(b).to_string()),
                })
            })
            .collect()
    };
    let raw_complex = raw("ComplexType")?;
    let raw_entity = raw("EntityType")?;
    let complex_names: Vec<&str> = raw_complex.iter().map(|r| r.name.as_str()).collect();
    let entity_names: Vec<&str> = raw_entity.iter().map(|r| r.name.as_str()).collect();

    // Out-of-line annotations, keyed by `type/member` without namespace.
    let mut flags: HashMap<String, Flags> = HashMap::new();
    for node in elements().filter(|n| n.has_tag_name("Annotations")) {
        let target = strip_namespace(attr(node, "Target")?).to_string();
        let f = flags.entry(target).or_default();
        apply_annotations(node, f);
    }

    let resolve = |ty: &str| -> Result<(TypeRef, bool), String> {
        let (inner, collection) = split_collection(ty);
        let name = strip_namespace(inner);
        let r = if inner.starts_with("Edm.") {
            TypeRef::Primitive(inner.to_string())
        } else if enums.contains_key(name) {
            TypeRef::Enum(name.to_string())
        } else if complex_names.contains(&name) {
            TypeRef::Complex(name.to_string())
        } else {
            return Err(format!("unknown property type '{ty}'"));
        };
        Ok((r, collection))
    };
    let own_properties = |r: &Raw<'_>| -> Result<Vec<Property>, String> {
        let mut out = Vec::new();
        for node in r.node.children().filter(|n| n.has_tag_name("Property")) {
            let name = attr(node, "Name")?;
            let (ty, collection) =
                resolve(attr(node, "Type")?).map_err(|e| format!("{}.{name}: {e}", r.name))?;
            let mut f = flags
                .get(&format!("{}/{name}", r.name))
                .copied()
                .unwrap_or_default();
            apply_annotations(node, &mut f);
            out.push(Property {
                name: name.to_string(),
                ty,
                collection,
                nullable: node.attribute("Nullable") != Some("false"),
                computed: f.computed,
            });
        }
        Ok(out)
    };

    let mut complexes = HashMap::new();
    for r in &raw_complex {
        let props = flatten(&raw_complex, r, &own_properties, 0)?;
        complexes.insert(
            r.name.clone(),
            ComplexType {
                name: r.name.clone(),
                base: r.base.clone(),
                is_abstract: r.node.attribute("Abstract") == Some("true"),
                open: inherited_flag(&raw_complex, r, "OpenType"),
                properties: props,
            },
        );
    }

    let own_navigations = |r: &Raw<'_>| -> Result<Vec<Navigation>, String> {
        let mut out = Vec::new();
        for node in r
            .node
            .children()
            .filter(|n| n.has_tag_name("NavigationProperty"))
        {
            let name = attr(node, "Name")?;
            let (inner, collection) = split_collection(attr(node, "Type")?);
            let target = strip_namespace(inner);
            if !entity_names.contains(&target) {
                return Err(format!(
                    "{}.{name}: unknown navigation target '{inner}'",
                    r.name
                ));
            }
            let mut f = flags
                .get(&format!("{}/{name}", r.name))
                .copied()
                .unwrap_or_default();
            apply_annotations(node, &mut f);
            out.push(Navigation {
                name: name.to_string(),
                target: target.to_string(),
                collection,
                contained: node.attribute("ContainsTarget") == Some("true"),
                referenceable: f.referenceable,
                change_tracking: f.change_tracking,
            });
        }
        Ok(out)
    };

    let mut entities = HashMap::new();
    for r in &raw_entity {
        let properties = flatten(&raw_entity, r, &own_properties, 0)?;
        let navigations = flatten(&raw_entity, r, &own_navigations, 0)?;
        entities.insert(
            r.name.clone(),
            EntityType {
                name: r.name.clone(),
                base: r.base.clone(),
                is_abstract: r.node.attribute("Abstract") == Some("true"),
                properties,
                navigations,
                open: inherited_flag(&raw_entity, r, "OpenType"),
            },
        );
    }

    let mut operations = Vec::new();
    for node in elements().filter(|n| n.has_tag_name("Action") || n.has_tag_name("Function")) {
        operations.push(parse_operation(node, &entities)?);
    }
    Ok(Loaded {
        entities,
        complexes,
        enums,
        operations,
    })
}

fn attr<'a>(node: Node<'a, '_>, name: &str) -> Result<&'a str, String> {
    node.attribute(name)
        .ok_or_else(|| format!("<{}> without {name} attribute", node.tag_name().name()))
}

fn split_collection(ty: &str) -> (&str, bool) {
    match ty
        .strip_prefix("Collection(")
        .and_then(|t| t.strip_suffix(')'))
    {
        Some(inner) => (inner, true),
        None => (ty, false),
    }
}

fn parse_enum(node: Node<'_, '_>) -> Result<EnumType, String> {
    let name = attr(node, "Name")?.to_string();
    let mut members = Vec::new();
    for (i, m) in node
        .children()
        .filter(|n| n.has_tag_name("Member"))
        .enumerate()
    {
        let value = match m.attribute("Value") {
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| format!("{name}: bad member value '{v}'"))?,
            None => i as i64,
        };
        members.push((attr(m, "Name")?.to_string(), value));
    }
    Ok(EnumType { name, members })
}

/// Reads the annotations directly below `node` (a property, navigation or `Annotations`
/// block) into `f`.
fn apply_annotations(node: Node<'_, '_>, f: &mut Flags) {
    for ann in node.children().filter(|n| n.has_tag_name("Annotation")) {
        match ann.attribute("Term") {
            Some(COMPUTED) => f.computed = ann.attribute("Bool") != Some("false"),
            Some(NAV_RESTRICTIONS) => f.referenceable |= record_bool(ann, "Referenceable"),
            Some(CHANGE_TRACKING) => f.change_tracking |= record_bool(ann, "Supported"),
            _ => {}
        }
    }
}

/// `<Record><PropertyValue Property="{name}" Bool="true"/></Record>`.
fn record_bool(ann: Node<'_, '_>, name: &str) -> bool {
    ann.descendants()
        .filter(|n| n.has_tag_name("PropertyValue"))
        .any(|pv| pv.attribute("Property") == Some(name) && pv.attribute("Bool") == Some("true"))
}

/// Base members first, then own ones; a bounded depth catches inheritance cycles.
fn flatten<T>(
    all: &[Raw<'_>],
    r: &Raw<'_>,
    own: &dyn Fn(&Raw<'_>) -> Result<Vec<T>, String>,
    depth: usize,
) -> Result<Vec<T>, String> {
    if depth > 32 {
        return Err(format!("inheritance cycle through '{}'", r.name));
    }
    let mut out = match &r.base {
        Some(base) => {
            let parent = all
                .iter()
                .find(|p| &p.name == base)
                .ok_or_else(|| format!("{}: unknown base type '{base}'", r.name))?;
            flatten(all, parent, own, depth + 1)?
        }
        None => Vec::new(),
    };
    out.extend(own(r)?);
    Ok(out)
}

/// `OpenType` is inherited: a type deriving from an open type is open.
fn inherited_flag(all: &[Raw<'_>], r: &Raw<'_>, attr_name: &str) -> bool {
    let mut current = Some(r);
    for _ in 0..32 {
        let Some(t) = current else { break };
        if t.node.attribute(attr_name) == Some("true") {
            return true;
        }
        current = t
            .base
            .as_ref()
            .and_then(|b| all.iter().find(|p| &p.name == b));
    }
    false
}

fn parse_operation(
    node: Node<'_, '_>,
    entities: &HashMap<String, EntityType>,
) -> Result<Operation, String> {
    let name = attr(node, "Name")?.to_string();
    let kind = if node.has_tag_name("Action") {
        OperationKind::Action
    } else {
        OperationKind::Function
    };
    let binding = node
        .children()
        .find(|n| n.has_tag_name("Parameter"))
        .ok_or_else(|| format!("operation {name} has no binding parameter"))?;
    let (ty, binding_collection) = split_collection(attr(binding, "Type")?);
    let binding = strip_namespace(ty).to_string();
    if !entities.contains_key(&binding) {
        return Err(format!("operation {name}: unknown binding type '{ty}'"));
    }
    let returns = match node.children().find(|n| n.has_tag_name("ReturnType")) {
        Some(rt) => {
            let (ty, coll) = split_collection(attr(rt, "Type")?);
            Some((strip_namespace(ty).to_string(), coll))
        }
        None => None,
    };
    Ok(Operation {
        name,
        kind,
        binding,
        binding_collection,
        returns,
    })
}
