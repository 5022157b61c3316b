//! SMPP times (`YYMMDDhhmmsstnnp`, SMPP 3.4 section 7.1.1) to and from the contract's RFC 3339
//! UTC strings.
//!
//! * Absolute (`p` = `+`/`-`): local time with its offset from UTC in quarter hours `nn`;
//!   `YY` is 20YY. Sent as `YYMMDDhhmmss000+` (UTC, tenths 0).
//! * Relative (`p` = `R`): years, months, days, hours, minutes, seconds after `now`; months and
//!   years move the calendar date (a day past the new month's end becomes its last day).
//!
//! Time values are Unix milliseconds (`i64`) internally, as in `core_api::rfc3339`.

use std::time::{SystemTime, UNIX_EPOCH};

use core_api::rfc3339::{civil_from_days, days_from_civil, days_in_month};

use crate::proto::SmppTime;

const MS_PER_DAY: i64 = 86_400_000;

/// Unix milliseconds of `time` (negative before 1970, saturating far outside).
pub fn unix_ms(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

/// `time` as the contract's RFC 3339 UTC string. Every status update carries the current time,
/// so the last string formatted on this thread is kept and copied while the millisecond lasts.
pub fn rfc3339(time: SystemTime) -> String {
    let ms = unix_ms(time);
    LAST_RFC3339.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((at, text)) if *at == ms => text.clone(),
            _ => {
                let text = core_api::rfc3339::format_millis(ms);
                *last = Some((ms, text.clone()));
                text
            }
        }
    })
}

thread_local! {
    /// The last time [`rfc3339`] formatted on this thread, with its text.
    static LAST_RFC3339: std::cell::RefCell<Option<(i64, String)>> =
        const { std::cell::RefCell::new(None) };
}

/// The absolute SMPP time (`YYMMDDhhmmss000+`, UTC) of an RFC 3339 time.
pub fn rfc3339_to_smpp(value: &str) -> Result<SmppTime, &'static str> {
    let ms = core_api::rfc3339::parse_millis(value).map_err(|_| "not an RFC 3339 time")?;
    let secs = ms.div_euclid(1000);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    if !(2000..=2099).contains(&year) {
        return Err("year outside 2000-2099, which an SMPP time cannot express");
    }
    let of_day = secs.rem_euclid(86_400);
    let text = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}000+",
        year - 2000,
        month,
        day,
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    );
    SmppTime::new(&text).map_err(|_| "does not make an SMPP time")
}

/// Unix milliseconds of an SMPP time (`None` when empty); relative times count from `now_ms`.
pub fn smpp_to_unix_ms(time: &SmppTime, now_ms: i64) -> Result<Option<i64>, &'static str> {
    let digits = time.as_bytes();
    let Some(&kind) = digits.get(15) else {
        return Ok(None);
    };
    let field = |at: usize| -> i64 {
        digits.get(at..at + 2).map_or(0, |d| {
            d.iter()
                .fold(0, |acc, &c| acc * 10 + i64::from(c.saturating_sub(b'0')))
        })
    };
    let (yy, mo, dd, hh, mi, ss) = (field(0), field(2), field(4), field(6), field(8), field(10));
    let tenths = digits
        .get(12)
        .map_or(0, |&c| i64::from(c.saturating_sub(b'0')));
    let of_day_ms = ((hh * 60 + mi) * 60 + ss) * 1000;
    if kind == b'R' {
        let now_days = now_ms.div_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(now_days);
        let months = year * 12 + (month - 1) + yy * 12 + mo;
        let (year, month) = (months.div_euclid(12), months.rem_euclid(12) + 1);
        let day = day.min(days_in_month(year, month));
        let days = days_from_civil(year, month, day) + dd;
        return Ok(Some(
            days * MS_PER_DAY + now_ms.rem_euclid(MS_PER_DAY) + of_day_ms + tenths * 100,
        ));
    }
    let year = 2000 + yy;
    if !(1..=12).contains(&mo) {
        return Err("month out of range");
    }
    if dd < 1 || dd > days_in_month(year, mo) {
        return Err("day out of range");
    }
    if hh > 23 || mi > 59 || ss > 59 {
        return Err("time of day out of range");
    }
    let quarters = field(13);
    if quarters > 48 {
        return Err("UTC offset beyond 12 hours");
    }
    let offset_ms = quarters * 15 * 60_000;
    let local = days_from_civil(year, mo, dd) * MS_PER_DAY + of_day_ms + tenths * 100;
    Ok(Some(if kind == b'-' {
        local + offset_ms
    } else {
        local - offset_ms
    }))
}

/// The RFC 3339 UTC string of an SMPP time (`None` when empty); relative times count from
/// `now`.
pub fn smpp_to_rfc3339(time: &SmppTime, now: SystemTime) -> Result<Option<String>, &'static str> {
    Ok(smpp_to_unix_ms(time, unix_ms(now))?.map(core_api::rfc3339::format_millis))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use core_api::rfc3339::{format_millis, parse_millis};

    fn smpp(text: &str) -> SmppTime {
        SmppTime::new(text).unwrap()
    }

    #[test]
    fn rfc3339_becomes_utc_absolute_time() {
        let t = rfc3339_to_smpp("2026-11-22T10:00:00Z").unwrap();
        assert_eq!(t.as_str(), "261122100000000+");
        // An offset is folded into UTC; fractions are dropped.
        let t = rfc3339_to_smpp("2026-11-22T12:30:05.9+02:00").unwrap();
        assert_eq!(t.as_str(), "261122103005000+");
        assert!(rfc3339_to_smpp("2126-01-01T00:00:00Z").is_err());
        assert!(rfc3339_to_smpp("tomorrow").is_err());
    }

    #[test]
    fn absolute_times_apply_their_offset() {
        let utc = parse_millis("2026-11-22T10:00:00Z").unwrap();
        assert_eq!(smpp_to_unix_ms(&smpp("261122100000000+"), 0), Ok(Some(utc)));
        // 11:00 local at +1h (4 quarters) is 10:00 UTC; 05:00 at -5h is 10:00 UTC.
        assert_eq!(smpp_to_unix_ms(&smpp("261122110000004+"), 0), Ok(Some(utc)));
        assert_eq!(smpp_to_unix_ms(&smpp("261122050000020-"), 0), Ok(Some(utc)));
        assert_eq!(
            smpp_to_unix_ms(&smpp("261122100000300+"), 0),
            Ok(Some(utc + 300))
        );
        assert_eq!(smpp_to_unix_ms(&SmppTime::empty(), 0), Ok(None));
        assert!(smpp_to_unix_ms(&smpp("261322100000000+"), 0).is_err());
        assert!(smpp_to_unix_ms(&smpp("260230100000000+"), 0).is_err());
        assert!(smpp_to_unix_ms(&smpp("261122250000000+"), 0).is_err());
        assert!(smpp_to_unix_ms(&smpp("261122100000049+"), 0).is_err());
    }

    #[test]
    fn relative_times_count_from_now() {
        let now = parse_millis("2026-01-31T23:00:00Z").unwrap();
        let at = |text| format_millis(smpp_to_unix_ms(&smpp(text), now).unwrap().unwrap());
        // Two days, one hour, 30 seconds.
        assert_eq!(at("000002010030000R"), "2026-02-03T00:00:30Z");
        // One month from 31 January is the last day of February.
        assert_eq!(at("000100000000000R"), "2026-02-28T23:00:00Z");
        // One year and 13 months.
        assert_eq!(at("011300000000000R"), "2028-02-29T23:00:00Z");
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
