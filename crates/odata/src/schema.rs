//! The schema model: entity, complex and enum types with their properties and
//! navigations, parsed once from the project's own CSDL files in `schema/`.
//! (Interface fixed; bodies filled in by the odata work.)

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    V1,
    Beta,
}

impl ApiVersion {
    /// The path segment: `v1.0` or `beta`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
    pub fn from_segment(s: &str) -> Option<Self> {
        match s {
            "v1.0" => Some(ApiVersion::V1),
            "beta" => Some(ApiVersion::Beta),
            _ => None,
        }
    }
}

/// The declared type of a property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// `Edm.String`, `Edm.Boolean`, ... (full name kept).
    Primitive(String),
    Complex(String),
    Enum(String),
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub ty: TypeRef,
    pub collection: bool,
    pub nullable: bool,
    /// Server-managed (`Org.OData.Core.V1.Computed`).
    pub computed: bool,
}

#[derive(Debug, Clone)]
pub struct Navigation {
    pub name: String,
    /// Target type name without namespace (`educationUser`).
    pub target: String,
    pub collection: bool,
    pub contained: bool,
    pub referenceable: bool,
}

#[derive(Debug, Clone)]
pub struct EntityType {
    pub name: String,
    pub base: Option<String>,
    pub is_abstract: bool,
    /// Own and inherited properties, `id` included.
    pub properties: Vec<Property>,
    /// Own and inherited navigations.
    pub navigations: Vec<Navigation>,
}

#[derive(Debug, Clone)]
pub struct ComplexType {
    pub name: String,
    pub base: Option<String>,
    pub is_abstract: bool,
    pub open: bool,
    /// Own and inherited properties.
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone)]
pub struct EnumType {
    pub name: String,
    /// Members in declaration order with their values.
    pub members: Vec<(String, i64)>,
}

#[derive(Debug)]
pub struct Schema {
    pub version: ApiVersion,
    // private maps filled by the loader
}

impl Schema {
    /// The schema of one API version, parsed on first use from `schema/<version>.xml`
    /// (embedded in the binary).
    pub fn get(version: ApiVersion) -> &'static Schema {
        let _ = version;
        todo!("odata: load schema")
    }
    /// The CSDL document served at `/{version}/$metadata`.
    pub fn metadata_xml(&self) -> &'static str {
        todo!("odata: metadata")
    }
    /// Type names are given without the `microsoft.graph.` namespace.
    pub fn entity_type(&self, name: &str) -> Option<&EntityType> {
        let _ = name;
        todo!("odata")
    }
    pub fn complex_type(&self, name: &str) -> Option<&ComplexType> {
        let _ = name;
        todo!("odata")
    }
    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        let _ = name;
        todo!("odata")
    }
}
