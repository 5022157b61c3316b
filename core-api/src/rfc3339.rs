//! RFC 3339 timestamps as used by the contract, converted to and from Unix milliseconds.
//!
//! The contract keeps times as strings; this small module saves both sides a date crate.
//! Output is always UTC (`2026-11-21T10:00:01Z`, with `.mmm` when the milliseconds are not zero);
//! input may carry any offset and any number of fraction digits (beyond milliseconds they are
//! truncated).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Why a timestamp was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeParseError(&'static str);

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an RFC 3339 time: {}", self.0)
    }
}

impl std::error::Error for TimeParseError {}

const MS_PER_DAY: i64 = 86_400_000;

/// The current time in Unix milliseconds (0 if the clock is before 1970).
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Formats Unix milliseconds as an RFC 3339 UTC timestamp.
pub fn format_millis(unix_ms: i64) -> String {
    let days = unix_ms.div_euclid(MS_PER_DAY);
    let ms_of_day = unix_ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    let (hour, minute, second, millis) = (secs / 3600, secs / 60 % 60, secs % 60, ms_of_day % 1000);
    if millis == 0 {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
    }
}

/// Parses an RFC 3339 timestamp into Unix milliseconds.
pub fn parse_millis(text: &str) -> Result<i64, TimeParseError> {
    let mut cur = Cursor {
        bytes: text.trim().as_bytes(),
        pos: 0,
    };
    let year = cur.digits(4, "year")?;
    cur.expect(b'-', "'-' after the year")?;
    let month = cur.digits(2, "month")?;
    cur.expect(b'-', "'-' after the month")?;
    let day = cur.digits(2, "day")?;
    match cur.next() {
        Some(b'T' | b't' | b' ') => {}
        _ => return Err(TimeParseError("'T' between date and time")),
    }
    let hour = cur.digits(2, "hour")?;
    cur.expect(b':', "':' after the hour")?;
    let minute = cur.digits(2, "minute")?;
    cur.expect(b':', "':' after the minute")?;
    let second = cur.digits(2, "second")?;
    if !(1..=12).contains(&month) {
        return Err(TimeParseError("month out of range"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(TimeParseError("day out of range"));
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(TimeParseError("time of day out of range"));
    }
    let mut millis = 0;
    if cur.peek() == Some(b'.') {
        cur.pos += 1;
        let mut digits = 0;
        while let Some(d) = cur.peek().filter(u8::is_ascii_digit) {
            if digits < 3 {
                millis = millis * 10 + i64::from(d - b'0');
            }
            digits += 1;
            cur.pos += 1;
        }
        if digits == 0 {
            return Err(TimeParseError("digits after '.'"));
        }
        for _ in digits..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match cur.next() {
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = cur.digits(2, "offset hours")?;
            cur.expect(b':', "':' in the offset")?;
            let om = cur.digits(2, "offset minutes")?;
            if oh > 23 || om > 59 {
                return Err(TimeParseError("offset out of range"));
            }
            let total = oh * 60 + om;
            if sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return Err(TimeParseError("'Z' or an offset at the end")),
    };
    if cur.peek().is_some() {
        return Err(TimeParseError("trailing characters"));
    }
    let days = days_from_civil(year, month, day);
    let secs = ((days * 24 + hour) * 60 + minute - offset_minutes) * 60 + second;
    Ok(secs * 1000 + millis)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8, what: &'static str) -> Result<(), TimeParseError> {
        match self.next() {
            Some(b) if b == want => Ok(()),
            _ => Err(TimeParseError(what)),
        }
    }

    fn digits(&mut self, count: usize, what: &'static str) -> Result<i64, TimeParseError> {
        let mut value = 0;
        for _ in 0..count {
            match self.next() {
                Some(d) if d.is_ascii_digit() => value = value * 10 + i64::from(d - b'0'),
                _ => return Err(TimeParseError(what)),
            }
        }
        Ok(value)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1-12) of `year`, Gregorian.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the era-based method: 400-year eras of
/// 146097 days, years counted from March so the leap day falls last).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        // 2026-11-21T10:00:01Z: 20778 days after 1970-01-01 (checked with `date -u -d`).
        assert_eq!(parse_millis("2026-11-21T10:00:01Z"), Ok(1_795_255_201_000));
        assert_eq!(format_millis(1_795_255_201_000), "2026-11-21T10:00:01Z");
        assert_eq!(parse_millis("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(format_millis(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_millis("2000-02-29T23:59:59.5Z"), Ok(951_868_799_500));
        assert_eq!(format_millis(951_868_799_500), "2000-02-29T23:59:59.500Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn offsets_and_fractions() {
        let utc = parse_millis("2026-11-21T10:00:01Z");
        assert_eq!(parse_millis("2026-11-21T12:30:01+02:30"), utc);
        assert_eq!(parse_millis("2026-11-21t05:00:01-05:00"), utc);
        assert_eq!(
            parse_millis("2026-11-21T10:00:01.123456789Z"),
            utc.map(|v| v + 123)
        );
    }

    #[test]
    fn round_trip_over_many_days() {
        let mut ms = -86_400_000 * 800;
        while ms < 86_400_000 * 40_000 {
            assert_eq!(parse_millis(&format_millis(ms)), Ok(ms));
            ms += 86_400_000 * 7 + 3_601_001;
        }
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "2026-11-21",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-21T24:00:00Z",
            "2026-11-21T10:00:01",
            "2026-11-21T10:00:01.Z",
            "2026-11-21T10:00:01Zjunk",
            "2026-11-21T10:00:01+2:00",
            "２０２６-11-21T10:00:01Z",
        ] {
            assert!(parse_millis(bad).is_err(), "{bad:?} parsed");
        }
    }
}
