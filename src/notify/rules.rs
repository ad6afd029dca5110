//! The delivery rules, pure: quiet hours in China time, the China day (for the daily cap),
//! and the retry schedule.

const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// China Standard Time: UTC+8, no daylight saving.
const CHINA_OFFSET_MS: i64 = 8 * HOUR_MS;

/// Quiet hours: from 22:00 to 07:00 China time no non-urgent message goes out.
pub const QUIET_FROM_HOUR: i64 = 22;
pub const QUIET_TO_HOUR: i64 = 7;

/// The hour of the day (0–23) in China at `ms`.
pub fn china_hour(ms: i64) -> i64 {
    (ms + CHINA_OFFSET_MS).rem_euclid(DAY_MS) / HOUR_MS
}

/// The start of the China day holding `ms` (Unix milliseconds).
pub fn china_day_start(ms: i64) -> i64 {
    let local = ms + CHINA_OFFSET_MS;
    local - local.rem_euclid(DAY_MS) - CHINA_OFFSET_MS
}

pub fn is_quiet(ms: i64) -> bool {
    let h = china_hour(ms);
    !(QUIET_TO_HOUR..QUIET_FROM_HOUR).contains(&h)
}

/// When a message held by quiet hours at `ms` may go: the next 07:00 China time.
pub fn quiet_ends(ms: i64) -> i64 {
    let seven = china_day_start(ms) + QUIET_TO_HOUR * HOUR_MS;
    if ms < seven {
        seven
    } else {
        seven + DAY_MS
    }
}

/// The wait before the next try after `attempts` failed ones (1, 2, …): `base_ms` doubled each
/// time, at most an hour.
pub fn backoff(base_ms: i64, attempts: i64) -> i64 {
    let shift = (attempts - 1).clamp(0, 20) as u32;
    base_ms.saturating_mul(1i64 << shift).min(HOUR_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-04 00:00 China time = 2026-12-03 16:00 UTC.
    const DAY: i64 = 1_796_313_600_000;

    #[test]
    fn quiet_hours_are_china_time_and_end_at_seven() {
        assert_eq!(china_day_start(DAY + 5 * HOUR_MS), DAY);
        assert_eq!(china_hour(DAY + 22 * HOUR_MS), 22);
        assert!(is_quiet(DAY + 22 * HOUR_MS));
        assert!(is_quiet(DAY + 23 * HOUR_MS + 59 * 60_000));
        assert!(is_quiet(DAY + 6 * HOUR_MS));
        assert!(!is_quiet(DAY + 7 * HOUR_MS));
        assert!(!is_quiet(DAY + 21 * HOUR_MS + 59 * 60_000));
        // Late evening: held to tomorrow 07:00; early morning: to today's.
        assert_eq!(quiet_ends(DAY + 23 * HOUR_MS), DAY + DAY_MS + 7 * HOUR_MS);
        assert_eq!(quiet_ends(DAY + 3 * HOUR_MS), DAY + 7 * HOUR_MS);
    }

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!(backoff(1000, 1), 1000);
        assert_eq!(backoff(1000, 2), 2000);
        assert_eq!(backoff(1000, 4), 8000);
        assert_eq!(backoff(60_000, 30), HOUR_MS);
    }
}
