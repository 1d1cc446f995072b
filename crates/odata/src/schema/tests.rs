use super::*;

fn both() -> [&'static Schema; 2] {
    [Schema::get(ApiVersion::V1), Schema::get(ApiVersion::Beta)]
}

#[test]
fn get_is_a_static_singleton() {
    let a = Schema::get(ApiVersion::V1) as *const Schema;
    let b = Schema::get(ApiVersion::V1) as *const Schema;
    assert_eq!(a, b);
    assert_eq!(Schema::get(ApiVersion::Beta).version, ApiVersion::Beta);
}

#[test]
fn every_name_resolves_in_both_documents() {
    for s in both() {
        assert!(s.entity_types().count() >= 32, "{:?}", s.version);
        for e in s.entity_types() {
            if let Some(base) = &e.base {
                assert!(s.entity_type(base).is_some(), "{}: base {base}", e.name);
            }
            for p in &e.properties {
                match &p.ty {
                    TypeRef::Primitive(t) => {
                        assert!(t.starts_with("Edm."), "{}.{}", e.name, p.name)
                    }
                    TypeRef::Complex(c) => {
                        assert!(s.complex_type(c).is_some(), "{}.{}", e.name, p.name)
                    }
                    TypeRef::Enum(n) => assert!(s.enum_type(n).is_some(), "{}.{}", e.name, p.name),
                }
            }
            for n in &e.navigations {
                assert!(
                    s.entity_type(&n.target).is_some(),
                    "{}.{} -> {}",
                    e.name,
                    n.name,
                    n.target
                );
            }
            if e.name != "educationRoot" {
                assert!(e.property("id").is_some(), "{} lacks id", e.name);
            }
        }
        for c in s.complex_types() {
            if let Some(base) = &c.base {
                assert!(s.complex_type(base).is_some(), "{}: base {base}", c.name);
            }
        }
    }
}

#[test]
fn schema_files_carry_no_descriptions_or_foreign_comments() {
    for s in both() {
        let xml = s.metadata_xml();
        assert!(!xml.contains("Core.V1.Description"));
        assert!(!xml.contains("LongDescription"));
        assert_eq!(
            xml.matches("<!--").count(),
            1,
            "only our generated-by header"
        );
        assert!(xml.contains("scripts/gen-schema.py"));
    }
}

#[test]
fn inheritance_is_flattened_base_first() {
    let s = Schema::get(ApiVersion::V1);
    let school = s.entity_type("educationSchool").unwrap();
    assert_eq!(school.properties[0].name, "id");
    assert!(
        school.property("displayName").is_some(),
        "from educationOrganization"
    );
    assert!(school.property("schoolNumber").is_some());
    assert_eq!(school.base.as_deref(), Some("educationOrganization"));
    let user = s.entity_type("user").unwrap();
    assert!(
        user.property("deletedDateTime").is_some(),
        "from directoryObject"
    );
    assert!(user.property("userPrincipalName").is_some());
    let file = s.complex_type("educationFileResource").unwrap();
    assert!(
        file.property("displayName").is_some(),
        "from educationResource"
    );
}

#[test]
fn property_shapes_follow_the_csdl() {
    let s = Schema::get(ApiVersion::V1);
    let u = s.entity_type("educationUser").unwrap();
    let phones = u.property("businessPhones").unwrap();
    assert!(phones.collection && !phones.nullable);
    assert_eq!(phones.ty, TypeRef::Primitive("Edm.String".into()));
    assert_eq!(
        u.property("primaryRole").unwrap().ty,
        TypeRef::Enum("educationUserRole".into())
    );
    assert_eq!(
        u.property("student").unwrap().ty.edm_type(),
        EdmType::Complex("educationStudent".into())
    );
    assert_eq!(
        u.property("accountEnabled").unwrap().ty.edm_type(),
        EdmType::Boolean
    );
    assert!(u.property("nope").is_none());
}

#[test]
fn computed_comes_from_out_of_line_annotations_and_is_inherited() {
    let s = Schema::get(ApiVersion::V1);
    let a = s.entity_type("educationAssignment").unwrap();
    assert!(a.property("createdDateTime").unwrap().computed);
    assert!(a.property("status").unwrap().computed);
    assert!(!a.property("displayName").unwrap().computed);
    let link = s.complex_type("educationLinkResource").unwrap();
    assert!(link.property("createdBy").unwrap().computed);
    assert!(!link.property("link").unwrap().computed);
}

#[test]
fn navigation_flags() {
    let s = Schema::get(ApiVersion::V1);
    let class = s.entity_type("educationClass").unwrap();
    let members = class.navigation("members").unwrap();
    assert!(members.referenceable && !members.contained && members.collection);
    assert_eq!(members.target, "educationUser");
    let group = class.navigation("group").unwrap();
    assert!(!group.collection && !group.referenceable);
    assert!(class.navigation("assignments").unwrap().contained);
    let root = s.entity_type("educationRoot").unwrap();
    let users = root.navigation("users").unwrap();
    assert!(users.contained && users.change_tracking);
    assert!(!root.navigation("me").unwrap().change_tracking);
}

#[test]
fn namespaced_lookups() {
    let s = Schema::get(ApiVersion::V1);
    assert!(s.entity_type("microsoft.graph.educationUser").is_some());
    assert!(s.entity_type("#microsoft.graph.educationUser").is_some());
    assert!(s.enum_type("microsoft.graph.educationUserRole").is_some());
    assert!(s.complex_type("microsoft.graph.physicalAddress").is_some());
    assert!(s.entity_type("microsoft.graph.physicalAddress").is_none());
    assert!(s.structured_type("identitySet").unwrap().is_open());
}

#[test]
fn beta_differences() {
    let v1 = Schema::get(ApiVersion::V1);
    let beta = Schema::get(ApiVersion::Beta);
    assert!(!v1
        .enum_type("educationUserRole")
        .unwrap()
        .has_member("faculty"));
    assert!(beta
        .enum_type("educationUserRole")
        .unwrap()
        .has_member("faculty"));
    assert!(beta
        .enum_type("educationExternalSource")
        .unwrap()
        .has_member("lms"));
    assert!(v1
        .complex_type("physicalAddress")
        .unwrap()
        .property("postOfficeBox")
        .is_none());
    let addr = beta.complex_type("physicalAddress").unwrap();
    assert_eq!(
        addr.property("type").unwrap().ty,
        TypeRef::Enum("physicalAddressType".into())
    );
    assert!(beta
        .complex_type("relatedContact")
        .unwrap()
        .property("id")
        .is_some());
    assert!(v1
        .complex_type("relatedContact")
        .unwrap()
        .property("id")
        .is_none());
    assert!(beta
        .entity_type("educationModule")
        .unwrap()
        .property("languageTag")
        .is_some());
}

#[test]
fn hidden_enum_members() {
    let s = Schema::get(ApiVersion::V1);
    let st = s.enum_type("educationSubmissionStatus").unwrap();
    assert_eq!(
        st.hidden_members().collect::<Vec<_>>(),
        ["reassigned", "excused"]
    );
    assert_eq!(
        s.enum_type("educationUserRole")
            .unwrap()
            .hidden_members()
            .count(),
        0
    );
    assert_eq!(s.enum_type("bodyType").unwrap().hidden_members().count(), 0);
}

#[test]
fn derivation_helpers() {
    let s = Schema::get(ApiVersion::V1);
    assert_eq!(
        s.derived_types("educationOutcome"),
        [
            "educationFeedbackOutcome",
            "educationFeedbackResourceOutcome",
            "educationPointsOutcome",
            "educationRubricOutcome"
        ]
    );
    assert_eq!(s.derived_types("educationResource").len(), 11);
    assert!(s.derived_types("directoryObject").contains(&"user"));
    assert!(s.is_derived_from("educationSchool", "entity"));
    assert!(s.is_derived_from("microsoft.graph.educationSchool", "educationOrganization"));
    assert!(s.is_derived_from("educationUser", "educationUser"));
    assert!(!s.is_derived_from("educationUser", "educationOrganization"));
    assert!(!s.is_derived_from("nothing", "entity"));
}

#[test]
fn bound_operations() {
    let s = Schema::get(ApiVersion::V1);
    let delta = s.bound_operation("educationUser", true, "delta").unwrap();
    assert_eq!(delta.kind, OperationKind::Function);
    assert_eq!(delta.returns, Some(("educationUser".into(), true)));
    assert!(s.bound_operation("educationUser", false, "delta").is_none());
    assert_eq!(
        s.bound_operation("educationAssignment", false, "publish")
            .unwrap()
            .kind,
        OperationKind::Action
    );
    assert!(s
        .bound_operation("educationClass", false, "publish")
        .is_none());
}

#[test]
fn loader_rejects_dangling_names() {
    let bad = r#"<Edmx><DataServices><Schema>
        <EntityType Name="a" BaseType="graph.missing"><Property Name="x" Type="Edm.String"/></EntityType>
    </Schema></DataServices></Edmx>"#;
    assert!(Schema::parse(ApiVersion::V1, bad)
        .unwrap_err()
        .contains("missing"));
    let bad_prop = r#"<Edmx><DataServices><Schema>
        <EntityType Name="a"><Property Name="x" Type="graph.nothing"/></EntityType>
    </Schema></DataServices></Edmx>"#;
    assert!(Schema::parse(ApiVersion::V1, bad_prop)
        .unwrap_err()
        .contains("nothing"));
    let bad_nav = r#"<Edmx><DataServices><Schema>
        <EntityType Name="a"><NavigationProperty Name="x" Type="graph.b"/></EntityType>
    </Schema></DataServices></Edmx>"#;
    assert!(Schema::parse(ApiVersion::V1, bad_nav)
        .unwrap_err()
        .contains("graph.b"));
    assert!(Schema::parse(ApiVersion::V1, "<not xml").is_err());
}
