//! `demographics.csv` and `userFlags.csv`, folded into the persons they name.

use super::*;

/// Each row names one user, who gets the values.
pub(super) fn read_user_extras(
    fs: &FileSet,
    roster: &mut Roster,
    dropped: &Dropped,
    diags: &mut Diagnostics,
) {
    let index: HashMap<String, usize> = roster
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| (p.sis_id.clone(), i))
        .collect();
    let find = |r: &mut Row<'_>, id: &str| -> Option<usize> {
        let found = index.get(id).copied();
        if found.is_none() {
            let (code, why) = if dropped.persons.contains(0, id) {
                (code::DROPPED_REFERENCE, "was dropped for its own error")
            } else {
                (code::UNKNOWN_REFERENCE, "is not in users.csv")
            };
            r.error(
                "userSourcedId",
                code,
                format!("user \"{id}\" {why}; row ignored"),
            );
        }
        found
    };
    let opts = TableOpts::default();
    if let Some(t) = fs
        .get("demographics.csv")
        .and_then(|f| open_table(f, demographic_cols(), opts, diags))
    {
        let mut keys = Keys::default();
        let (rows, _) = t.rows(diags, |r| {
            let id = r.req_id("userSourcedId");
            keys.first(r, "userSourcedId", &id, code::DUPLICATE_ID);
            let i = find(r, &id)?;
            let sex = r.enumerated("sex", SEXES).map(vocab::gender);
            let birth = r.date("birthDate", DateStyle::Iso);
            let mut props = Vec::new();
            for c in [
                "birthCity",
                "birthState",
                "birthCountry",
                "ethnicityCodes",
                "raceCodes",
            ] {
                if let Some(v) = r.text(c) {
                    props.push((c.to_string(), v));
                }
            }
            Some((i, sex, birth, props))
        });
        for (i, sex, birth, props) in rows {
            let p = &mut roster.persons[i];
            p.gender = sex;
            p.birth_date = birth;
            p.properties.extend(props);
        }
    }
    if let Some(t) = fs
        .get("userFlags.csv")
        .and_then(|f| open_table(f, vec![req("userSourcedId"), req("flag")], opts, diags))
    {
        let (rows, _) = t.rows(diags, |r| {
            let id = r.req_id("userSourcedId");
            let i = find(r, &id)?;
            Some((i, r.req_text("flag"), r.origin()))
        });
        for (i, flag, origin) in rows {
            let p = &mut roster.persons[i];
            if p.flags.contains(&flag) {
                diags.warn(
                    &origin.file,
                    origin.line,
                    Some("flag"),
                    code::DUPLICATE_ROW,
                    format!("flag \"{flag}\" repeated; collapsed"),
                );
            } else {
                p.flags.push(flag);
            }
        }
    }
}
