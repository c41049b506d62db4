//! RFC 3339 timestamps: parsed for Python's `datetime`, formatted by the test server.
//! Hand-written because the API needs only this much, not a date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// A parsed RFC 3339 date-time, as Python's `datetime` wants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
    /// Offset east of UTC, in seconds.
    pub offset_seconds: i32,
}

/// Parses `2023-11-07T05:31:56Z`, `2023-11-07T05:31:56.123456+02:00` and the like.
pub fn parse_rfc3339(s: &str) -> Option<DateTime> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied();
    if b.len() < 20 || !matches!(at(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        })
    };
    if at(4) != Some(b'-') || at(7) != Some(b'-') || at(13) != Some(b':') || at(16) != Some(b':') {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut microsecond = 0u32;
    if at(i) == Some(b'.') {
        let start = i + 1;
        i = start;
        while at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        let digits = b.get(start..i).unwrap_or_default();
        if digits.is_empty() {
            return None;
        }
        // Python keeps microseconds: pad or truncate the fraction to six digits.
        for pos in 0..6 {
            let d = digits.get(pos).map_or(0, |d| u32::from(d - b'0'));
            microsecond = microsecond * 10 + d;
        }
    }
    let offset_seconds = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let hours = i32::from(h1 - b'0') * 10 + i32::from(h2 - b'0');
            let minutes = i32::from(m1 - b'0') * 10 + i32::from(m2 - b'0');
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 3600 + minutes * 60;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    // Year 0 parses, but Python's `datetime` starts at year 1.
    let valid = year >= 1
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year as i32, month)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    valid.then_some(DateTime {
        year: year as i32,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        // A leap second has no place in Python's datetime: keep it inside the minute.
        second: second.min(59) as u8,
        microsecond,
        offset_seconds,
    })
}

impl DateTime {
    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        );
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_seconds);
        secs * 1000 + i64::from(self.microsecond / 1000)
    }

    /// Microseconds since the Unix epoch: the full precision Python's `datetime` has.
    pub fn unix_micros(&self) -> i64 {
        (self.unix_millis() - i64::from(self.microsecond / 1000)) * 1000
            + i64::from(self.microsecond)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date (the inverse of `civil_from_days`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, the IMF-fixdate form) as Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    let day: u32 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    // Four-digit years only: anything else is garbage, and would overflow the arithmetic.
    let valid = (1..=9999).contains(&year)
        && (1..=31).contains(&day)
        && day <= days_in_month(year as i32, month)
        && (0..24).contains(&h)
        && (0..60).contains(&m)
        && (0..61).contains(&sec);
    valid.then(|| days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + sec)
}

/// Formats a Unix time in milliseconds as `2023-11-07T05:31:56.123Z`, as Exa does.
pub fn format_millis(unix_millis: i64) -> String {
    let secs = unix_millis.div_euclid(1000);
    let millis = unix_millis.rem_euclid(1000);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Formats a Unix time in microseconds in UTC: as `format_millis` when it is a whole
/// millisecond (Exa's own precision), else with six fraction digits, so nothing is lost.
pub fn format_micros(unix_micros: i64) -> String {
    let millis = unix_micros.div_euclid(1000);
    let rest = unix_micros.rem_euclid(1000);
    let text = format_millis(millis);
    if rest == 0 {
        return text;
    }
    // `...56.123Z` becomes `...56.123456Z`.
    let head = text.trim_end_matches('Z');
    format!("{head}{rest:03}Z")
}

pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The Unix time now, in whole seconds.
pub fn now_secs() -> i64 {
    now_millis().div_euclid(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets() {
        let dt = parse_rfc3339("2023-11-07T05:31:56Z").unwrap();
        assert_eq!((dt.year, dt.month, dt.day), (2023, 11, 7));
        assert_eq!(
            (dt.hour, dt.minute, dt.second, dt.microsecond),
            (5, 31, 56, 0)
        );
        assert_eq!(dt.offset_seconds, 0);

        let dt = parse_rfc3339("2024-02-29T23:59:59.1234567-05:30").unwrap();
        assert_eq!(dt.microsecond, 123_456);
        assert_eq!(dt.offset_seconds, -(5 * 3600 + 30 * 60));
        assert_eq!(
            parse_rfc3339("2024-01-01T00:00:00.5+00:00")
                .unwrap()
                .microsecond,
            500_000
        );
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        for bad in [
            "",
            "2023-11-07",
            "2023-11-07T05:31:56",
            "2023-13-07T05:31:56Z",
            "2023-02-29T05:31:56Z",
            "2023-11-07T24:00:00Z",
            "2023-11-07T05:31:56.Z",
            "2023-11-07T05:31:56+2:00",
            "2023-11-07T05:31:56Zjunk",
            "2023-11-O7T05:31:56Z",
            "２０２３-11-07T05:31:56Z",
            "0000-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
        assert_eq!(parse_http_date("tomorrow"), None);
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
        // A year that would overflow the arithmetic (a panic in debug builds).
        assert_eq!(
            parse_http_date("Sun, 06 Nov 99999999999999 08:49:37 GMT"),
            None
        );
    }

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(1_699_335_116_123), "2023-11-07T05:31:56.123Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        let now = now_millis();
        assert_eq!(
            parse_rfc3339(&format_millis(now)).unwrap().unix_millis(),
            now
        );
        let shifted = parse_rfc3339("2023-11-07T07:31:56.123+02:00").unwrap();
        assert_eq!(shifted.unix_millis(), 1_699_335_116_123);
        let parsed = parse_rfc3339(&format_millis(now)).unwrap();
        assert_eq!(parsed.microsecond, (now.rem_euclid(1000) as u32) * 1000);
    }

    #[test]
    fn micros_keep_what_millis_would_lose() {
        let dt = parse_rfc3339("2023-11-07T07:31:56.123456+02:00").unwrap();
        assert_eq!(dt.unix_micros(), 1_699_335_116_123_456);
        assert_eq!(
            format_micros(dt.unix_micros()),
            "2023-11-07T05:31:56.123456Z"
        );
        assert_eq!(
            format_micros(1_699_335_116_123_000),
            "2023-11-07T05:31:56.123Z"
        );
        assert_eq!(format_micros(-1), "1969-12-31T23:59:59.999999Z");
        let before_1970 = parse_rfc3339("1969-12-31T23:59:59.999999Z").unwrap();
        assert_eq!(before_1970.unix_micros(), -1);
    }
}
