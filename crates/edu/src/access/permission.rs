//! The permission catalogue: the education permission families, their levels and how
//! the levels order, the delegated names and their application (`.All`) twins, the
//! aliases Graph's own tables carry, and the few directory permissions some education
//! routes need in addition.
//!
//! Levels order as a lattice, not a line: a level grants another when it writes at least
//! as much and sees at least as much (`Basic` = without grades and feedback). So
//! `ReadBasic < Read < ReadWrite` and `ReadBasic < ReadWriteBasic < ReadWrite`, while
//! `Read` and `ReadWriteBasic` do not grant each other. A family has only the levels Graph
//! publishes for it (`EduRoster` has no `ReadWriteBasic`).

/// A permission family of the education API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    EduRoster,
    EduAssignments,
    EduCurricula,
    EduAdministration,
}

/// Every family, in catalogue order.
pub const FAMILIES: &[Family] = &[
    Family::EduRoster,
    Family::EduAssignments,
    Family::EduCurricula,
    Family::EduAdministration,
];

/// A level within a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    ReadBasic,
    Read,
    ReadWriteBasic,
    ReadWrite,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::ReadBasic => "ReadBasic",
            Level::Read => "Read",
            Level::ReadWriteBasic => "ReadWriteBasic",
            Level::ReadWrite => "ReadWrite",
        }
    }
    /// Changes data, not only reads it.
    pub fn writes(self) -> bool {
        matches!(self, Level::ReadWriteBasic | Level::ReadWrite)
    }
    /// Limited to the basic view (no grades or feedback; the reduced educationUser).
    pub fn basic(self) -> bool {
        matches!(self, Level::ReadBasic | Level::ReadWriteBasic)
    }
    /// True when holding `self` grants whatever `needed` grants.
    pub fn covers(self, needed: Level) -> bool {
        (self.writes() || !needed.writes()) && (!self.basic() || needed.basic())
    }
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::EduRoster => "EduRoster",
            Family::EduAssignments => "EduAssignments",
            Family::EduCurricula => "EduCurricula",
            Family::EduAdministration => "EduAdministration",
        }
    }
    /// The levels Graph publishes for the family, least privileged first (a linear
    /// extension of the lattice: reads before writes).
    pub fn levels(self) -> &'static [Level] {
        use Level::*;
        match self {
            Family::EduRoster => &[ReadBasic, Read, ReadWrite],
            Family::EduAssignments => &[ReadBasic, Read, ReadWriteBasic, ReadWrite],
            Family::EduCurricula | Family::EduAdministration => &[Read, ReadWrite],
        }
    }
    /// What the family's data is called in refusals ("cannot change the roster").
    pub fn subject(self) -> &'static str {
        match self {
            Family::EduRoster => "the roster",
            Family::EduAssignments => "assignments",
            Family::EduCurricula => "class modules",
            Family::EduAdministration => "School Data Sync",
        }
    }
}

/// Delegated permissions go in a user token's `scp`; application permissions in an app
/// token's `roles` and always end in `.All`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Delegated,
    Application,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Delegated => "delegated",
            Kind::Application => "application",
        }
    }
}

/// One education permission: family, level and kind. Its canonical name is
/// `{family}.{level}` (delegated) or `{family}.{level}.All` (application).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission {
    pub family: Family,
    pub level: Level,
    pub kind: Kind,
}

/// Names Graph's generated tables carry for existing permissions, accepted as those:
/// the typo `EduRoster.WriteWrite.All` and a delegated `EduRoster.Write`.
pub const ALIASES: &[(&str, Permission)] = &[
    (
        "EduRoster.WriteWrite.All",
        Permission {
            family: Family::EduRoster,
            level: Level::ReadWrite,
            kind: Kind::Application,
        },
    ),
    (
        "EduRoster.Write",
        Permission {
            family: Family::EduRoster,
            level: Level::ReadWrite,
            kind: Kind::Delegated,
        },
    ),
];

/// Permissions outside the education families that some education routes need in
/// addition (the directory object behind a class or user), or that Graph lists beside
/// them. Named so refusals and the route checks can tell them from unknown names.
pub const DIRECTORY_PERMISSIONS: &[&str] = &[
    "Directory.Read.All",
    "User.Read",
    "Member.Read.Hidden",
    "Notes.ReadWrite.All",
];

impl Permission {
    pub const fn new(family: Family, level: Level, kind: Kind) -> Permission {
        Permission {
            family,
            level,
            kind,
        }
    }

    /// The canonical name (`EduRoster.Read`, `EduRoster.Read.All`).
    pub fn name(self) -> String {
        let suffix = match self.kind {
            Kind::Delegated => "",
            Kind::Application => ".All",
        };
        format!("{}.{}{suffix}", self.family.as_str(), self.level.as_str())
    }

    /// Reads a permission name, case-insensitively as Entra compares them; aliases map to
    /// the permission they stand for. `None` for anything outside the education families
    /// (including a level the family does not publish, such as `EduRoster.ReadWriteBasic`).
    pub fn parse(name: &str) -> Option<Permission> {
        if let Some((_, p)) = ALIASES.iter().find(|(a, _)| a.eq_ignore_ascii_case(name)) {
            return Some(*p);
        }
        let (base, kind) = match name.len().checked_sub(4) {
            Some(i) if name.is_char_boundary(i) && name[i..].eq_ignore_ascii_case(".All") => {
                (&name[..i], Kind::Application)
            }
            _ => (name, Kind::Delegated),
        };
        let (family, level) = base.split_once('.')?;
        let family = *FAMILIES
            .iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(family))?;
        let level = *family
            .levels()
            .iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(level))?;
        Some(Permission::new(family, level, kind))
    }

    /// Every permission of the catalogue (canonical names only), family by family, least
    /// privileged first, delegated before application.
    pub fn all() -> Vec<Permission> {
        let mut out = Vec::new();
        for family in FAMILIES {
            for kind in [Kind::Delegated, Kind::Application] {
                for level in family.levels() {
                    out.push(Permission::new(*family, *level, kind));
                }
            }
        }
        out
    }
}

/// True when `name` is a permission the server knows: an education permission, an alias
/// or one of [`DIRECTORY_PERMISSIONS`]. Other names are carried but grant nothing.
pub fn is_known(name: &str) -> bool {
    Permission::parse(name).is_some()
        || DIRECTORY_PERMISSIONS
            .iter()
            .any(|d| d.eq_ignore_ascii_case(name))
}

/// The minimum permission an operation needs from one kind of caller: a family and the
/// least level that grants it; every level of the family that covers it grants it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub family: Family,
    pub level: Level,
}

impl Need {
    pub const fn new(family: Family, level: Level) -> Need {
        Need { family, level }
    }

    /// True when `p` (of `kind`) satisfies this need.
    pub fn satisfied_by(self, p: Permission, kind: Kind) -> bool {
        p.kind == kind && p.family == self.family && p.level.covers(self.level)
    }

    /// The canonical names that grant this need for `kind`, least privileged first (what
    /// refusals list).
    pub fn canonical_names(self, kind: Kind) -> Vec<String> {
        self.family
            .levels()
            .iter()
            .filter(|l| l.covers(self.level))
            .map(|l| Permission::new(self.family, *l, kind).name())
            .collect()
    }

    /// Every name that grants this need for `kind`: the canonical names, least
    /// privileged first, then the aliases that stand for one of them.
    pub fn names(self, kind: Kind) -> Vec<String> {
        let mut out = self.canonical_names(kind);
        for (alias, p) in ALIASES {
            if self.satisfied_by(*p, kind) {
                out.push(alias.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
