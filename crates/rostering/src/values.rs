//! Parsers for the value formats the roster files use. Small and strict: they never guess
//! between day-first and month-first.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn ymd(y: u32, m: u32, d: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()
}

/// `YYYY-MM-DD`.
pub(crate) fn iso_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    ymd(digits(&s[0..4])?, digits(&s[5..7])?, digits(&s[8..10])?)
}

/// `YYYYMMDD`.
pub(crate) fn compact_date(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ymd(digits(&s[0..4])?, digits(&s[4..6])?, digits(&s[6..8])?)
}

/// US `M/D/YYYY` (one or two digits for month and day).
pub(crate) fn us_date(s: &str) -> Option<Date> {
    let mut parts = s.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || m.len() > 2 || d.len() > 2 || y.len() != 4 {
        return None;
    }
    ymd(digits(y)?, digits(m)?, digits(d)?)
}

/// ISO 8601 date-time as OneRoster writes it: `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`.
/// A bare date is read as midnight UTC; no zone means UTC. A space instead of `T` is not
/// ISO and is refused.
pub(crate) fn datetime(s: &str) -> Option<OffsetDateTime> {
    if let Some(d) = iso_date(s) {
        return Some(d.midnight().assume_utc());
    }
    if s.len() < 19 || s.as_bytes()[10] != b'T' {
        return None;
    }
    let date = iso_date(s.get(..10)?)?;
    let rest = s.get(11..)?;
    let (clock, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (clock, None),
    };
    let mut p = hms.split(':');
    let (h, m, sec) = (p.next()?, p.next()?, p.next()?);
    if p.next().is_some() || h.len() != 2 || m.len() != 2 || sec.len() != 2 {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
    };
    let time = Time::from_hms_nano(
        u8::try_from(digits(h)?).ok()?,
        u8::try_from(digits(m)?).ok()?,
        u8::try_from(digits(sec)?).ok()?,
        nanos,
    )
    .ok()?;
    let offset = match zone {
        "" | "Z" | "z" => UtcOffset::UTC,
        z => {
            let sign: i8 = if z.starts_with('-') { -1 } else { 1 };
            let (zh, zm) = z[1..]
                .split_once(':')
                .unwrap_or((z.get(1..3)?, z.get(3..).unwrap_or("00")));
            if zh.len() != 2 || zm.len() != 2 {
                return None;
            }
            let zh = i8::try_from(digits(zh)?).ok()?;
            let zm = i8::try_from(digits(zm)?).ok()?;
            UtcOffset::from_hms(sign * zh, sign * zm, 0).ok()?
        }
    };
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// A plain address shape: one `@`, something before it, a dotted domain after it, no spaces.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
}

/// Phone numbers are kept, minus the punctuation SDS strips (`( ) - .` and spaces).
pub(crate) fn phone(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '(' | ')' | '-' | '.' | ' '))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso_date("2021-08-24").unwrap().to_string(), "2021-08-24");
        assert!(iso_date("2021-02-30").is_none());
        assert_eq!(compact_date("20210824"), iso_date("2021-08-24"));
        assert_eq!(us_date("7/1/2017"), iso_date("2017-07-01"));
        assert_eq!(us_date("11/12/1999"), iso_date("1999-11-12"));
        assert!(us_date("15/06/2023").is_none(), "no month 15");
        assert!(us_date("1/05/23").is_none());
    }

    #[test]
    fn datetimes() {
        let z = datetime("2023-05-01T18:25:43.511Z").unwrap();
        assert_eq!(z.millisecond(), 511);
        assert_eq!(datetime("2023-05-01").unwrap().hour(), 0);
        assert_eq!(
            datetime("2023-05-01T10:00:00+02:00")
                .unwrap()
                .offset()
                .whole_hours(),
            2
        );
        assert!(datetime("2017-05-06 08:01:05").is_none());
        assert!(datetime("1/05/2023").is_none());
    }

    #[test]
    fn emails_and_phones() {
        assert!(is_email("jean.craig@outlook.com"));
        assert!(!is_email("davidw"));
        assert!(!is_email("a@b"));
        assert_eq!(phone("(555) 123-4567"), "5551234567");
    }
}
