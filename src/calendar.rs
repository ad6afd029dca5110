//! Dates without a date crate: days since 1970-01-01 to and from (year, month, day), and the
//! date field every form shares.

use crate::error::FieldError;

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Today's date (UTC) as (year, month, day).
pub fn today() -> (i32, u32, u32) {
    civil_from_days(crate::db::now_ms().div_euclid(86_400_000))
}

/// Days since 1970-01-01 → (y, m, d). (Howard Hinnant's algorithm.)
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// (y, m, d) → days since 1970-01-01.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Validate an ISO date `YYYY-MM-DD` not in the future.
pub fn parse_date(field: &'static str, input: &str) -> Result<String, FieldError> {
    let s = input.trim().replace('/', "-");
    let parts: Vec<&str> = s.split('-').collect();
    let parsed = (parts.len() == 3)
        .then(|| {
            Some((
                parts[0].parse::<i32>().ok()?,
                parts[1].parse::<u32>().ok()?,
                parts[2].parse::<u32>().ok()?,
            ))
        })
        .flatten();
    match parsed {
        Some((y, m, d))
            if (1900..=2200).contains(&y)
                && (1..=12).contains(&m)
                && d >= 1
                && d <= days_in_month(y, m) =>
        {
            if (y, m, d) > today() {
                return Err(FieldError::new(
                    field,
                    "the date is in the future",
                    "日期不能晚于今天",
                ));
            }
            Ok(format!("{y:04}-{m:02}-{d:02}"))
        }
        _ => Err(FieldError::new(
            field,
            format!("{input:?} is not a date (use YYYY-MM-DD)"),
            format!("“{input}”不是有效日期（格式为 YYYY-MM-DD）"),
        )),
    }
}

/// The calendar day in China time (UTC+8, no daylight saving) of an instant in ms since the
/// epoch, as days since 1970-01-01: what every capability counts its days by.
pub fn china_day(ms: i64) -> i64 {
    (ms + 8 * 3_600_000).div_euclid(86_400_000)
}

#[cfg(test)]
mod china_day_tests {
    use super::*;

    #[test]
    fn the_china_day_turns_at_16_00_utc() {
        // 2026-03-02 00:00 UTC is 08:00 in China, the same day.
        let t = 1_772_409_600_000;
        let d = days_from_civil(2026, 3, 2);
        assert_eq!(china_day(t), d);
        // 15:59:59.999 UTC is still the 2nd in China; 16:00 UTC is the 3rd.
        assert_eq!(china_day(t + 16 * 3_600_000 - 1), d);
        assert_eq!(china_day(t + 16 * 3_600_000), d + 1);
        // 1970-01-01 00:00 in China is the evening before in UTC.
        assert_eq!(china_day(-8 * 3_600_000), 0);
        assert_eq!(china_day(-8 * 3_600_000 - 1), -1);
    }
}
