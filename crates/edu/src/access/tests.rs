//! Policy checks for the three kinds of caller the roster surface sees.

use super::*;

fn app(roles: &[&str]) -> Caller {
    Caller::App {
        tenant: "t".into(),
        app_id: "a".into(),
        roles: roles.iter().map(|s| s.to_string()).collect(),
    }
}
fn user(scopes: &[&str]) -> Caller {
    Caller::User {
        tenant: "t".into(),
        app_id: "a".into(),
        user_id: "u".into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn roster_writes_need_the_application_permission() {
    let g = authorize(Op::CreateUser, &app(&["EduRoster.ReadWrite.All"])).unwrap();
    assert_eq!(g.user_view, UserView::Full);
    assert!(authorize(Op::AddClassMember, &app(&["EduRoster.WriteWrite.All"])).is_ok());
    match authorize(Op::CreateClass, &app(&["EduRoster.Read.All"])) {
        Err(Denied::Forbidden(m)) => assert!(m.contains("EduRoster.ReadWrite.All"), "{m}"),
        other => panic!("{other:?}"),
    }
    match authorize(Op::DeleteSchool, &user(&["EduRoster.ReadWrite"])) {
        Err(Denied::Forbidden(m)) => {
            assert!(
                m.contains("application permission EduRoster.ReadWrite.All"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn delegated_reads_get_the_reduced_view() {
    let g = authorize(Op::GetUser, &user(&["EduRoster.ReadBasic"])).unwrap();
    assert_eq!(g.user_view, UserView::Reduced);
    assert!(
        matches!(authorize(Op::GetUser, &user(&["User.Read"])), Err(Denied::Forbidden(m)) if m.contains("EduRoster.ReadBasic"))
    );
    // Names compare case-insensitively.
    assert!(authorize(Op::ListClasses, &user(&["eduroster.readbasic"])).is_ok());
}

#[test]
fn user_listing_is_app_only() {
    assert!(matches!(
        authorize(Op::ListUsers, &user(&["EduRoster.ReadWrite"])),
        Err(Denied::Forbidden(_))
    ));
    assert!(matches!(
        authorize(Op::ListSchoolUsers, &user(&["EduRoster.Read"])),
        Err(Denied::Forbidden(_))
    ));
    assert_eq!(
        authorize(Op::ListUsers, &app(&["EduRoster.ReadBasic.All"]))
            .unwrap()
            .user_view,
        UserView::Reduced
    );
    assert_eq!(
        authorize(Op::ListUsers, &app(&["EduRoster.Read.All"]))
            .unwrap()
            .user_view,
        UserView::Full
    );
}

#[test]
fn class_members_carry_the_membership_rule() {
    let g = authorize(Op::ListClassMembers, &user(&["EduRoster.ReadBasic"])).unwrap();
    assert_eq!(g.rule, Rule::DelegatedClassMembersOnly);
    assert_eq!(
        authorize(Op::ListClassTeachers, &user(&["EduRoster.ReadBasic"]))
            .unwrap()
            .rule,
        Rule::None
    );
}

#[test]
fn me_needs_a_signed_in_user() {
    assert_eq!(
        authorize(Op::GetMe, &app(&["EduRoster.ReadWrite.All"])),
        Err(Denied::BadRequest(ME_NEEDS_USER.to_string()))
    );
    assert!(authorize(Op::ListMeClasses, &user(&["EduRoster.ReadBasic"])).is_ok());
    assert!(matches!(
        authorize(Op::UpdateMe, &user(&["EduRoster.ReadWrite"])),
        Err(Denied::Forbidden(_))
    ));
}

#[test]
fn delegated_style_names_in_an_app_token_grant_nothing() {
    assert!(matches!(
        authorize(Op::ListClasses, &app(&["EduRoster.Read"])),
        Err(Denied::Forbidden(_))
    ));
}

#[test]
fn metadata_is_public() {
    assert_eq!(
        authorize(Op::Metadata, &app(&[])).unwrap().rule,
        Rule::Public
    );
}
