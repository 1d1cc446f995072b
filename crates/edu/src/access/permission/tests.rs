//! The catalogue against BEHAVIOR §0.2: names, aliases, the lattice of levels and the
//! grant lists Appendix A prints (least privileged first).

use super::*;

fn p(name: &str) -> Permission {
    Permission::parse(name).unwrap_or_else(|| panic!("{name} should parse"))
}

#[test]
fn names_round_trip_and_compare_case_insensitively() {
    for perm in Permission::all() {
        assert_eq!(
            Permission::parse(&perm.name()),
            Some(perm),
            "{}",
            perm.name()
        );
        assert_eq!(
            Permission::parse(&perm.name().to_ascii_lowercase()),
            Some(perm)
        );
    }
    // 4 families: roster 3 levels, assignments 4, curricula 2, administration 2; each
    // delegated and application.
    assert_eq!(Permission::all().len(), 2 * (3 + 4 + 2 + 2));
    assert_eq!(p("EduRoster.ReadBasic.All").kind, Kind::Application);
    assert_eq!(p("eduroster.readbasic").kind, Kind::Delegated);
}

#[test]
fn aliases_stand_for_read_write() {
    assert_eq!(
        p("EduRoster.WriteWrite.All"),
        Permission::new(Family::EduRoster, Level::ReadWrite, Kind::Application)
    );
    assert_eq!(
        p("EduRoster.Write"),
        Permission::new(Family::EduRoster, Level::ReadWrite, Kind::Delegated)
    );
}

#[test]
fn unknown_and_unpublished_names_do_not_parse() {
    for name in [
        "",
        ".All",
        "EduRoster",
        "EduRoster.",
        "EduRoster.ReadWriteBasic",
        "EduRoster.ReadWriteBasic.All",
        "EduCurricula.ReadBasic",
        "EduAdministration.ReadWriteBasic.All",
        "EduRoster.Read.All.All",
        "Directory.Read.All",
        "User.Read",
        "EduRoster.Read.Al",
        "EduRosterX.Read",
        "Ed\u{e9}.Read",
    ] {
        assert_eq!(Permission::parse(name), None, "{name:?}");
    }
    assert!(is_known("Directory.Read.All") && is_known("user.read"));
    assert!(is_known("EduRoster.WriteWrite.All"));
    assert!(!is_known("Mail.Read") && !is_known("EduRoster.ReadWriteBasic"));
}

#[test]
fn levels_form_a_lattice() {
    use Level::*;
    let all = [ReadBasic, Read, ReadWriteBasic, ReadWrite];
    for l in all {
        assert!(l.covers(l), "{l:?} covers itself");
        assert!(ReadWrite.covers(l), "ReadWrite covers {l:?}");
        assert!(l.covers(ReadBasic), "{l:?} covers ReadBasic");
    }
    assert!(Read.covers(ReadBasic) && !ReadBasic.covers(Read));
    assert!(ReadWriteBasic.covers(ReadBasic) && !ReadBasic.covers(ReadWriteBasic));
    // "Basic" writes do not see grades, and plain reads do not write.
    assert!(!ReadWriteBasic.covers(Read));
    assert!(!Read.covers(ReadWriteBasic));
    assert!(!Read.covers(ReadWrite) && !ReadWriteBasic.covers(ReadWrite));
}

#[test]
fn family_levels_are_least_privileged_first() {
    for family in FAMILIES {
        let levels = family.levels();
        for (i, a) in levels.iter().enumerate() {
            for b in &levels[i + 1..] {
                assert!(
                    !a.covers(*b),
                    "{family:?}: {a:?} listed before {b:?} but covers it"
                );
            }
        }
    }
}

fn names(family: Family, level: Level, kind: Kind) -> Vec<String> {
    Need::new(family, level).names(kind)
}

#[test]
fn grant_lists_match_appendix_a() {
    use Family::*;
    use Kind::*;
    use Level::*;
    // GET /education/classes/delta.
    assert_eq!(
        names(EduRoster, ReadBasic, Delegated),
        [
            "EduRoster.ReadBasic",
            "EduRoster.Read",
            "EduRoster.ReadWrite",
            "EduRoster.Write"
        ]
    );
    assert_eq!(
        names(EduRoster, ReadBasic, Application),
        [
            "EduRoster.ReadBasic.All",
            "EduRoster.Read.All",
            "EduRoster.ReadWrite.All",
            "EduRoster.WriteWrite.All"
        ]
    );
    // GET /education/classes (application) and every roster write.
    assert_eq!(
        names(EduRoster, Read, Application),
        [
            "EduRoster.Read.All",
            "EduRoster.ReadWrite.All",
            "EduRoster.WriteWrite.All"
        ]
    );
    assert_eq!(
        names(EduRoster, ReadWrite, Application),
        ["EduRoster.ReadWrite.All", "EduRoster.WriteWrite.All"]
    );
    // Assignments: GET .../assignments, POST .../assignments, GET .../outcomes, return.
    assert_eq!(
        names(EduAssignments, ReadBasic, Delegated),
        [
            "EduAssignments.ReadBasic",
            "EduAssignments.Read",
            "EduAssignments.ReadWriteBasic",
            "EduAssignments.ReadWrite"
        ]
    );
    assert_eq!(
        names(EduAssignments, ReadWriteBasic, Application),
        [
            "EduAssignments.ReadWriteBasic.All",
            "EduAssignments.ReadWrite.All"
        ]
    );
    assert_eq!(
        names(EduAssignments, Read, Delegated),
        ["EduAssignments.Read", "EduAssignments.ReadWrite"]
    );
    assert_eq!(
        names(EduAssignments, ReadWrite, Application),
        ["EduAssignments.ReadWrite.All"]
    );
    // Modules and School Data Sync.
    assert_eq!(
        names(EduCurricula, Read, Application),
        ["EduCurricula.Read.All", "EduCurricula.ReadWrite.All"]
    );
    assert_eq!(
        names(EduAdministration, ReadWrite, Delegated),
        ["EduAdministration.ReadWrite"]
    );
}

#[test]
fn a_need_is_met_only_by_the_same_kind_and_family() {
    let need = Need::new(Family::EduAssignments, Level::Read);
    assert!(need.satisfied_by(p("EduAssignments.ReadWrite.All"), Kind::Application));
    // A delegated name in an app token, or an application name in a user token.
    assert!(!need.satisfied_by(p("EduAssignments.ReadWrite"), Kind::Application));
    assert!(!need.satisfied_by(p("EduAssignments.ReadWrite.All"), Kind::Delegated));
    // Basic scopes never reach grades; another family never counts.
    assert!(!need.satisfied_by(p("EduAssignments.ReadWriteBasic"), Kind::Delegated));
    assert!(!need.satisfied_by(p("EduRoster.ReadWrite"), Kind::Delegated));
    assert!(!need.satisfied_by(p("EduCurricula.ReadWrite"), Kind::Delegated));
}
