//! The policy table and `authorize` for the kinds of caller the roster surface sees.

use super::*;
use crate::sets::{Action, Set};

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
use crate::Caller;

#[track_caller]
fn forbidden(op: Op, caller: &Caller) -> String {
    match authorize(op, caller) {
        Err(Denied::Forbidden(m)) => m,
        other => panic!("{op:?} for {caller:?}: {other:?}"),
    }
}

#[test]
fn every_row_is_well_formed() {
    for op in Op::all() {
        let p = policy(op);
        if p.access == Access::Public {
            assert_eq!(op, Op::Metadata, "only $metadata is public");
            continue;
        }
        assert!(
            p.delegated.is_some() || p.application.is_some(),
            "{op:?} grants nobody"
        );
        for name in p.delegated_also.iter().chain(p.application_also) {
            assert!(permission::is_known(name), "{op:?}: unknown {name}");
        }
        if p.delegated.is_none() {
            assert!(p.delegated_also.is_empty() && p.class_rule == ClassRule::Anyone);
        }
        if p.application.is_none() {
            assert!(p.application_also.is_empty());
        }
    }
}

#[test]
fn roster_writes_need_the_application_permission() {
    let g = authorize(
        Op::Set(Set::Users, Action::Create),
        &app(&["EduRoster.ReadWrite.All"]),
    )
    .unwrap();
    assert_eq!(g.user_view, UserView::Full);
    assert!(authorize(
        Op::Set(Set::ClassMembers, Action::AddRef),
        &app(&["EduRoster.WriteWrite.All"])
    )
    .is_ok());
    let m = forbidden(
        Op::Set(Set::Classes, Action::Create),
        &app(&["EduRoster.Read.All"]),
    );
    assert_eq!(
        m,
        "Requires one of the application permissions EduRoster.ReadWrite.All."
    );
    let m = forbidden(
        Op::Set(Set::Schools, Action::Delete),
        &user(&["EduRoster.ReadWrite"]),
    );
    assert_eq!(
        m,
        "Requires one of the application permissions EduRoster.ReadWrite.All; delegated (user) tokens cannot change the roster."
    );
}

#[test]
fn delegated_reads_take_any_roster_level_and_get_the_reduced_view() {
    for scope in [
        "EduRoster.ReadBasic",
        "EduRoster.Read",
        "EduRoster.ReadWrite",
        "EduRoster.Write",
        "eduroster.readbasic",
    ] {
        let g = authorize(Op::Set(Set::Users, Action::Get), &user(&[scope])).unwrap();
        assert_eq!(g.user_view, UserView::Reduced, "{scope}");
    }
    let m = forbidden(Op::Set(Set::Users, Action::Get), &user(&["User.Read"]));
    assert!(
        m.starts_with("Requires one of the delegated permissions EduRoster.ReadBasic,"),
        "{m}"
    );
    // Another family's scopes never grant roster reads.
    forbidden(
        Op::Set(Set::Classes, Action::List),
        &user(&["EduAssignments.ReadWrite"]),
    );
}

#[test]
fn application_read_basic_grants_only_the_delta_functions() {
    let basic = app(&["EduRoster.ReadBasic.All"]);
    for op in [
        Op::Set(Set::Classes, Action::Delta),
        Op::Set(Set::Schools, Action::Delta),
        Op::Set(Set::Users, Action::Delta),
    ] {
        assert_eq!(authorize(op, &basic).unwrap().user_view, UserView::Reduced);
    }
    let m = forbidden(Op::Set(Set::Classes, Action::List), &basic);
    assert!(m.contains("EduRoster.Read.All"), "{m}");
    forbidden(Op::Set(Set::Users, Action::Get), &basic);
    // A higher level on the same call sees everything.
    let both = app(&["EduRoster.ReadBasic.All", "EduRoster.Read.All"]);
    assert_eq!(
        authorize(Op::Set(Set::Users, Action::Delta), &both)
            .unwrap()
            .user_view,
        UserView::Full
    );
}

#[test]
fn user_listing_is_app_only() {
    let m = forbidden(
        Op::Set(Set::Users, Action::List),
        &user(&["EduRoster.ReadWrite"]),
    );
    assert!(
        m.contains("EduRoster.Read.All") && m.contains("cannot call this operation"),
        "{m}"
    );
    forbidden(
        Op::Set(Set::SchoolUsers, Action::List),
        &user(&["EduRoster.Read"]),
    );
    forbidden(
        Op::Set(Set::Users, Action::List),
        &app(&["EduRoster.ReadBasic.All"]),
    );
    assert_eq!(
        authorize(
            Op::Set(Set::Users, Action::List),
            &app(&["EduRoster.Read.All"])
        )
        .unwrap()
        .user_view,
        UserView::Full
    );
}

#[test]
fn directory_objects_need_a_directory_permission_as_well() {
    let m = forbidden(
        Op::Set(Set::ClassGroup, Action::Get),
        &app(&["EduRoster.ReadWrite.All"]),
    );
    assert!(
        m.contains("application permissions Directory.Read.All"),
        "{m}"
    );
    assert!(authorize(
        Op::Set(Set::ClassGroup, Action::Get),
        &app(&["EduRoster.Read.All", "Directory.Read.All"])
    )
    .is_ok());
    let m = forbidden(
        Op::Set(Set::ClassGroup, Action::Get),
        &user(&["EduRoster.ReadBasic", "User.Read"]),
    );
    assert!(
        m.contains("delegated permissions Directory.Read.All"),
        "{m}"
    );
    // User objects: User.Read or Directory.Read.All (delegated), the directory role (app).
    assert!(authorize(
        Op::Set(Set::MeDirectoryUser, Action::Get),
        &user(&["EduRoster.ReadBasic", "user.read"])
    )
    .is_ok());
    assert!(authorize(
        Op::Set(Set::UserDirectoryUser, Action::Get),
        &user(&["EduRoster.Read", "Directory.Read.All"])
    )
    .is_ok());
    forbidden(
        Op::Set(Set::UserDirectoryUser, Action::Get),
        &user(&["EduRoster.ReadBasic"]),
    );
    forbidden(
        Op::Set(Set::UserDirectoryUser, Action::Get),
        &app(&["EduRoster.Read.All", "User.Read"]),
    );
    // The extra permission alone grants nothing.
    forbidden(
        Op::Set(Set::ClassGroup, Action::Get),
        &user(&["Directory.Read.All"]),
    );
}

#[test]
fn class_members_carry_the_membership_rule() {
    let g = authorize(
        Op::Set(Set::ClassMembers, Action::List),
        &user(&["EduRoster.ReadBasic"]),
    )
    .unwrap();
    assert_eq!(g.class_rule, ClassRule::Members);
    // Applications see every class.
    let g = authorize(
        Op::Set(Set::ClassMembers, Action::List),
        &app(&["EduRoster.Read.All"]),
    )
    .unwrap();
    assert_eq!(g.class_rule, ClassRule::Anyone);
    assert_eq!(
        authorize(
            Op::Set(Set::ClassTeachers, Action::List),
            &user(&["EduRoster.ReadBasic"])
        )
        .unwrap()
        .class_rule,
        ClassRule::Anyone
    );
}

#[test]
fn class_roles() {
    use ClassRole::*;
    let table = [
        (ClassRule::Anyone, [true, true, true]),
        (ClassRule::Members, [true, true, false]),
        (ClassRule::Teachers, [true, false, false]),
        (ClassRule::Students, [false, true, false]),
    ];
    for (rule, allowed) in table {
        for (role, ok) in [Teacher, Student, Other].into_iter().zip(allowed) {
            assert_eq!(rule.allows(role), ok, "{rule:?} {role:?}");
            assert_eq!(check_class_role(rule, role, "c1").is_ok(), ok);
        }
    }
    assert_eq!(
        check_class_role(ClassRule::Members, Other, "c-9"),
        Err(Denied::Forbidden(
            "The caller is not a member of class c-9.".into()
        ))
    );
    assert_eq!(
        check_class_role(ClassRule::Teachers, Student, "c-9"),
        Err(Denied::Forbidden(
            "The caller is not a teacher of class c-9.".into()
        ))
    );
}

#[test]
fn me_needs_a_signed_in_user() {
    assert_eq!(
        authorize(
            Op::Set(Set::Me, Action::Get),
            &app(&["EduRoster.ReadWrite.All"])
        ),
        Err(Denied::BadRequest(ME_NEEDS_USER.to_string()))
    );
    assert!(authorize(
        Op::Set(Set::MeClasses, Action::List),
        &user(&["EduRoster.ReadBasic"])
    )
    .is_ok());
    let m = forbidden(
        Op::Set(Set::Me, Action::Update),
        &user(&["EduRoster.ReadWrite"]),
    );
    assert!(m.contains("EduRoster.ReadWrite.All"), "{m}");
}

#[test]
fn names_of_the_wrong_kind_grant_nothing_and_are_named() {
    let m = forbidden(
        Op::Set(Set::Classes, Action::List),
        &app(&["EduRoster.Read", "EduRoster.ReadWrite"]),
    );
    assert!(
        m.ends_with("The token's roles EduRoster.Read, EduRoster.ReadWrite are delegated permission names: application permissions must end in '.All'."),
        "{m}"
    );
    let m = forbidden(
        Op::Set(Set::Classes, Action::List),
        &user(&["EduRoster.ReadWrite.All"]),
    );
    assert!(
        m.contains("EduRoster.ReadWrite.All in a delegated (user) token grants nothing"),
        "{m}"
    );
    // No roles at all: the app has not been consented to.
    let m = forbidden(Op::Set(Set::Classes, Action::List), &app(&[]));
    assert!(m.contains("carries no roles"), "{m}");
    // Unrelated names are neither.
    let m = forbidden(
        Op::Set(Set::Classes, Action::List),
        &app(&["User.Read.All"]),
    );
    assert_eq!(
        m,
        "Requires one of the application permissions EduRoster.Read.All, EduRoster.ReadWrite.All."
    );
}

#[test]
fn metadata_is_public() {
    assert_eq!(
        authorize(Op::Metadata, &app(&[])).unwrap().class_rule,
        ClassRule::Anyone
    );
    assert_eq!(policy(Op::Metadata).access, Access::Public);
}
