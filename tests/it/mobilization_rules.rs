//! The duty rules and the service-hours rounding, as pure functions (`mobilization::rules`).
//! Times are China time (UTC+8) from Monday 2025-03-03; days and hours of the day are counted
//! in it.

use wardline::mobilization::rules::{
    breaches, half_hours_text, hours_text, service_half_hours, time_breaches, Availability, Breach,
    Rules, Span, CST_MS, DAY_MS, HOUR_MS, MINUTE_MS,
};
use wardline::registry::validate::days_from_civil;

/// Monday 2025-03-03, 00:00 China time.
pub fn day0() -> i64 {
    days_from_civil(2025, 3, 3) * DAY_MS - CST_MS
}

/// `day` days after Monday 2025-03-03, at `h:m` China time.
pub fn t(day: i64, h: i64, m: i64) -> i64 {
    day0() + day * DAY_MS + h * HOUR_MS + m * MINUTE_MS
}

fn sp(shift: i64, start: i64, end: i64) -> Span {
    Span { shift, start, end }
}

fn codes(b: &[Breach]) -> Vec<&'static str> {
    b.iter().map(|x| x.code()).collect()
}

/// Every time rule the candidate breaks under the default rules.
fn time(others: &[Span], cand: Span) -> Vec<Breach> {
    time_breaches(&Rules::default(), others, cand, false)
}

/// Day `day`, `h0:00` to `h1:00` (an `h1` of 24 or more runs into the next day).
fn hours(shift: i64, day: i64, h0: i64, h1: i64) -> Span {
    sp(shift, t(day, h0, 0), t(day, h1, 0))
}

#[test]
fn defaults_are_the_issue_s_limits() {
    let r = Rules::default();
    assert_eq!(r.max_minutes_in_24, 12 * 60);
    assert_eq!(r.min_rest_minutes, 8 * 60);
    assert_eq!(r.max_consecutive_days, 6);
    assert!(r.check_skills);
}

#[test]
fn overlap() {
    let a = hours(1, 0, 8, 16);
    // Half inside.
    let b = time(&[a], hours(2, 0, 12, 20));
    assert_eq!(b[0], Breach::Overlap { shift: 1 });
    // Wholly inside, and wholly around.
    assert_eq!(time(&[a], hours(2, 0, 9, 10))[0].code(), "overlap");
    assert_eq!(time(&[a], hours(2, 0, 6, 18))[0].code(), "overlap");
    // By one minute.
    let c = sp(2, t(0, 15, 59), t(1, 0, 0));
    assert_eq!(time(&[a], c)[0], Breach::Overlap { shift: 1 });
    // Touching is not overlapping (it is too little rest).
    let d = time(&[a], hours(2, 0, 16, 20));
    assert!(!codes(&d).contains(&"overlap"), "{d:?}");
    assert_eq!(codes(&d), ["rest"]);
    // The order of the others does not matter; the overlapped one is named.
    let far = hours(7, 3, 8, 12);
    assert_eq!(
        time(&[far, a], hours(2, 0, 15, 17))[0],
        Breach::Overlap { shift: 1 }
    );
    // first_only stops at the first breach.
    let all = time(&[a], hours(2, 0, 0, 23));
    assert!(all.len() > 1, "{all:?}");
    let first = time_breaches(&Rules::default(), &[a], hours(2, 0, 0, 23), true);
    assert_eq!(first, vec![Breach::Overlap { shift: 1 }]);
}

#[test]
fn twelve_hours_in_any_twenty_four() {
    // Two 6-hour shifts 8 hours apart: 12 hours, allowed.
    assert!(time(&[hours(1, 0, 8, 14)], hours(2, 0, 22, 28)).is_empty());
    // 8 + 8 within 24 hours (rest exactly 8): refused as 16 hours.
    let b = time(&[hours(1, 0, 0, 8)], hours(2, 0, 16, 24));
    assert_eq!(b, vec![Breach::Hours24 { minutes: 16 * 60 }]);
    // Exactly 12 hours in one shift, and 4 + 8: allowed; a minute more is not.
    assert!(time(&[], hours(1, 0, 8, 20)).is_empty());
    assert!(time(&[hours(1, 0, 0, 4)], hours(2, 0, 12, 20)).is_empty());
    assert_eq!(
        time(&[], sp(1, t(0, 8, 0), t(0, 20, 1))),
        vec![Breach::Hours24 { minutes: 721 }]
    );
    assert_eq!(
        time(&[hours(1, 0, 0, 4)], sp(2, t(0, 12, 0), t(0, 20, 1))),
        vec![Breach::Hours24 { minutes: 721 }]
    );
    // A window that straddles midnight: 18:00–24:00 then 08:00–15:00 the next day is 6 + 7 =
    // 13 hours within 24 although neither calendar day has more than 7; both ways round.
    let late = hours(1, 0, 18, 24);
    let early = hours(2, 1, 8, 15);
    assert_eq!(time(&[late], early), vec![Breach::Hours24 { minutes: 780 }]);
    assert_eq!(time(&[early], late), vec![Breach::Hours24 { minutes: 780 }]);
    // The same a day further apart: fine.
    assert!(time(&[late], hours(2, 2, 8, 15)).is_empty());
    // Three shifts (no rest rule) whose 13 hours fit only a window from 10:00 to 10:00:
    // calendar day 0 has 8 hours, day 1 has 5; the candidate is the one in the middle.
    let r = Rules {
        min_rest_minutes: 0,
        ..Rules::default()
    };
    let a = hours(1, 0, 10, 14);
    let c = hours(3, 1, 6, 9);
    let mid = sp(2, t(0, 20, 0), t(1, 2, 0));
    assert_eq!(
        time_breaches(&r, &[a, c], mid, false),
        vec![Breach::Hours24 { minutes: 780 }]
    );
    // One hour less in the middle: exactly 12.
    let mid = sp(2, t(0, 20, 0), t(1, 1, 0));
    assert!(time_breaches(&r, &[a, c], mid, false).is_empty());
    // Shifts far away do not count.
    assert!(time(&[hours(1, 0, 0, 8), hours(4, 2, 0, 8)], hours(2, 1, 0, 4)).is_empty());
    // A changed limit.
    let ten = Rules {
        max_minutes_in_24: 10 * 60,
        ..Rules::default()
    };
    assert_eq!(
        time_breaches(&ten, &[hours(1, 0, 8, 14)], hours(2, 0, 22, 28), false),
        vec![Breach::Hours24 { minutes: 720 }]
    );
}

#[test]
fn eight_hours_of_rest() {
    let a = hours(1, 0, 8, 16);
    // After: exactly 8 hours later is fine, 7h59 is not.
    assert!(time(&[a], sp(2, t(1, 0, 0), t(1, 4, 0))).is_empty());
    assert_eq!(
        time(&[a], sp(2, t(0, 23, 59), t(1, 3, 59))),
        vec![Breach::Rest {
            minutes: 479,
            shift: 1
        }]
    );
    // Before: ending exactly 8 hours before it, or 7h59.
    let b = hours(1, 1, 8, 16);
    assert!(time(&[b], hours(2, 0, 22, 24)).is_empty());
    assert_eq!(
        time(&[b], sp(2, t(0, 22, 0), t(1, 0, 1))),
        vec![Breach::Rest {
            minutes: 479,
            shift: 1
        }]
    );
    // The shortest rest is reported, with its shift.
    let r = Rules {
        max_minutes_in_24: 24 * 60,
        ..Rules::default()
    };
    let before = hours(1, 0, 0, 6); // 5 hours before the candidate
    let after = hours(3, 0, 15, 18); // 2 hours after
    assert_eq!(
        time_breaches(&r, &[before, after], hours(2, 0, 11, 13), false),
        vec![Breach::Rest {
            minutes: 120,
            shift: 3
        }]
    );
    // Back to back is no rest at all.
    assert_eq!(
        time(&[a], hours(2, 0, 16, 18)),
        vec![Breach::Rest {
            minutes: 0,
            shift: 1
        }]
    );
    // With the limit at 0 the rule is off.
    let off = Rules {
        min_rest_minutes: 0,
        ..Rules::default()
    };
    assert!(time_breaches(&off, &[a], hours(2, 0, 16, 18), false).is_empty());
}

/// 08:00–12:00 on each of `days`.
fn mornings(days: impl IntoIterator<Item = i64>) -> Vec<Span> {
    days.into_iter().map(|d| hours(100 + d, d, 8, 12)).collect()
}

#[test]
fn six_consecutive_days() {
    // Six days in a row are fine, a seventh is not, before or after the run.
    assert!(time(&mornings(0..5), hours(1, 5, 8, 12)).is_empty());
    assert_eq!(
        time(&mornings(0..6), hours(1, 6, 8, 12)),
        vec![Breach::Days { days: 7 }]
    );
    assert_eq!(
        time(&mornings(1..7), hours(1, 0, 8, 12)),
        vec![Breach::Days { days: 7 }]
    );
    // Filling a one-day hole joins two runs: 3 + 1 + 3.
    let mut o = mornings(0..3);
    o.extend(mornings(4..7));
    assert_eq!(time(&o, hours(1, 3, 8, 12)), vec![Breach::Days { days: 7 }]);
    // A day off resets the run.
    assert!(time(&mornings(0..6), hours(1, 7, 8, 12)).is_empty());
    let mut o = mornings(0..6);
    o.extend(mornings(7..12));
    assert!(time(&o, hours(1, 12, 8, 12)).is_empty());
    o.extend(mornings(12..13));
    assert_eq!(
        time(&o, hours(1, 13, 8, 12)),
        vec![Breach::Days { days: 7 }]
    );
    // A shift over midnight counts both days: five mornings, then 20:00–02:00 makes seven.
    assert_eq!(
        time(&mornings(0..5), sp(1, t(5, 20, 0), t(6, 2, 0))),
        vec![Breach::Days { days: 7 }]
    );
    // Ending exactly at midnight counts one day only.
    assert!(time(&mornings(0..5), sp(1, t(5, 18, 0), t(6, 0, 0))).is_empty());
    // Days are China days. 00:30–04:30 on day 6 is still day 5 in UTC: counted as day 6.
    assert_eq!(
        time(&mornings(0..6), sp(1, t(6, 0, 30), t(6, 4, 30))),
        vec![Breach::Days { days: 7 }]
    );
    // 02:00–06:00 on day 7 is day 6 in UTC (which would make seven days in a row there); in
    // China time day 6 is free, so it is fine.
    assert!(time(&mornings(0..6), sp(1, t(7, 2, 0), t(7, 6, 0))).is_empty());
    // 23:00–24:00 the evening before the run, China time: the seventh day.
    assert_eq!(
        time(&mornings(0..6), sp(1, t(-1, 23, 0), t(0, 0, 0))),
        vec![Breach::Days { days: 7 }]
    );
    // A changed limit.
    let three = Rules {
        max_consecutive_days: 3,
        ..Rules::default()
    };
    assert!(time_breaches(&three, &mornings(0..2), hours(1, 2, 8, 12), false).is_empty());
    assert_eq!(
        time_breaches(&three, &mornings(0..3), hours(1, 3, 8, 12), false),
        vec![Breach::Days { days: 4 }]
    );
}

#[test]
fn skills() {
    let r = Rules::default();
    let any = Availability::default();
    let s = hours(1, 0, 8, 12);
    assert!(breaches(&r, &any, "driving it", "", &[], s).is_empty());
    assert!(breaches(&r, &any, "driving it medical", "medical it", &[], s).is_empty());
    assert_eq!(
        breaches(&r, &any, "driving it", "medical driving sign", &[], s),
        vec![Breach::Skill {
            missing: vec!["medical".into(), "sign".into()]
        }]
    );
    assert_eq!(
        breaches(&r, &any, "", "medical", &[], s),
        vec![Breach::Skill {
            missing: vec!["medical".into()]
        }]
    );
    // Whole codes only: "medical" is not "med".
    assert_eq!(
        codes(&breaches(&r, &any, "med", "medical", &[], s)),
        ["skill"]
    );
    let off = Rules {
        check_skills: false,
        ..r
    };
    assert!(breaches(&off, &any, "", "medical sign", &[], s).is_empty());
    // The message names the skill in both languages.
    let m = Breach::Skill {
        missing: vec!["medical".into()],
    }
    .message(&r);
    assert!(m.en.contains("medical"), "{}", m.en);
    assert!(m.zh.contains("医护"), "{}", m.zh);
}

fn avail(days: i64, from: i64, to: i64) -> Availability {
    Availability {
        days,
        from_min: from,
        to_min: to,
        first_day: None,
        last_day: None,
    }
}

/// Whether `a` covers `[start, end)`, and `breaches` agrees.
fn covers(a: &Availability, start: i64, end: i64) -> bool {
    let b = breaches(&Rules::default(), a, "", "", &[], sp(1, start, end));
    let ok = a.covers(start, end);
    assert_eq!(ok, !b.contains(&Breach::Unavailable), "{b:?}");
    ok
}

#[test]
fn availability_days_of_week() {
    // 2025-03-03 is a Monday: day 0 is Monday, day 5 Saturday, day 6 Sunday.
    let monday = avail(1, 0, 1440);
    assert!(covers(&monday, t(0, 8, 0), t(0, 16, 0)));
    assert!(!covers(&monday, t(1, 8, 0), t(1, 16, 0)));
    assert!(covers(&monday, t(7, 8, 0), t(7, 16, 0)), "the next Monday");
    let weekdays = avail(0b001_1111, 0, 1440);
    for d in 0..5 {
        assert!(covers(&weekdays, t(d, 8, 0), t(d, 16, 0)), "day {d}");
    }
    assert!(!covers(&weekdays, t(5, 8, 0), t(5, 16, 0)));
    assert!(!covers(&weekdays, t(6, 8, 0), t(6, 16, 0)));
    // Friday night into Saturday touches Saturday.
    assert!(!covers(&weekdays, t(4, 20, 0), t(5, 2, 0)));
    // Sunday only (bit 6), by China day: Sunday 00:30 China time is Saturday in UTC.
    let sunday = avail(1 << 6, 0, 1440);
    assert!(covers(&sunday, t(6, 0, 30), t(6, 4, 0)));
    assert!(!covers(&sunday, t(5, 23, 0), t(6, 4, 0)));
    // The refusal is reported as availability.
    let b = breaches(&Rules::default(), &monday, "", "", &[], hours(1, 1, 8, 16));
    assert_eq!(b, vec![Breach::Unavailable]);
}

#[test]
fn availability_hours() {
    let day = avail(127, 8 * 60, 20 * 60);
    assert!(covers(&day, t(0, 8, 0), t(0, 20, 0)));
    assert!(covers(&day, t(0, 12, 0), t(0, 13, 0)));
    assert!(!covers(&day, t(0, 7, 59), t(0, 10, 0)));
    assert!(!covers(&day, t(0, 19, 0), t(0, 20, 1)));
    assert!(!covers(&day, t(0, 19, 0), t(1, 9, 0)));
    // To midnight (24:00).
    let evening = avail(127, 16 * 60, 1440);
    assert!(covers(&evening, t(0, 16, 0), t(1, 0, 0)));
    assert!(!covers(&evening, t(0, 16, 0), t(1, 0, 30)));
    // A window wrapping past midnight: 20:00–08:00.
    let night = avail(127, 20 * 60, 8 * 60);
    assert!(covers(&night, t(0, 22, 0), t(1, 6, 0)));
    assert!(covers(&night, t(0, 20, 0), t(1, 8, 0)));
    assert!(covers(&night, t(0, 20, 0), t(1, 0, 0)));
    assert!(covers(&night, t(0, 0, 0), t(0, 8, 0)));
    assert!(covers(&night, t(0, 3, 0), t(0, 4, 0)));
    assert!(!covers(&night, t(0, 19, 0), t(0, 21, 0)));
    assert!(!covers(&night, t(0, 7, 0), t(0, 9, 0)));
    assert!(!covers(&night, t(0, 12, 0), t(0, 13, 0)));
    assert!(!covers(&night, t(0, 20, 0), t(1, 8, 1)));
    // Across a whole day it cannot be covered.
    assert!(!covers(&night, t(0, 20, 0), t(1, 22, 0)));
    // Wrapping and days together: the hours after midnight fall on the next day, which must
    // be available too (Monday only: Monday night into Tuesday is refused).
    let monday_nights = avail(1, 20 * 60, 8 * 60);
    assert!(covers(&monday_nights, t(0, 20, 0), t(0, 24, 0)));
    assert!(!covers(&monday_nights, t(0, 22, 0), t(1, 2, 0)));
    // Equal ends wrap a whole day round: any time (02:00 to 02:00 the next day).
    let round = avail(127, 120, 120);
    assert!(covers(&round, t(0, 1, 0), t(0, 7, 30)));
    assert!(covers(&round, t(0, 22, 0), t(1, 6, 0)));
    assert!(covers(&avail(127, 0, 0), t(0, 1, 0), t(0, 3, 0)));
    // Any time.
    let any = Availability::default();
    assert!(covers(&any, t(0, 0, 0), t(3, 0, 0)));
    // An empty span is always covered.
    assert!(covers(&day, t(0, 3, 0), t(0, 3, 0)));
}

#[test]
fn availability_dates() {
    let a = Availability {
        first_day: Some(days_from_civil(2025, 3, 5)), // day 2
        last_day: Some(days_from_civil(2025, 3, 7)),  // day 4
        ..Availability::default()
    };
    assert!(!covers(&a, t(1, 8, 0), t(1, 16, 0)));
    assert!(
        !covers(&a, t(1, 20, 0), t(2, 2, 0)),
        "starts the day before"
    );
    assert!(covers(&a, t(2, 0, 0), t(2, 8, 0)));
    assert!(
        covers(&a, t(4, 16, 0), t(5, 0, 0)),
        "ends at midnight of the last day"
    );
    assert!(
        !covers(&a, t(4, 20, 0), t(5, 2, 0)),
        "runs past the last day"
    );
    assert!(!covers(&a, t(5, 8, 0), t(5, 16, 0)));
    // Dates are China days: 07:00 on the first day (23:00 UTC the day before) is in.
    assert!(covers(&a, t(2, 7, 0), t(2, 9, 0)));
    // Only a first day, only a last day.
    let from = Availability {
        last_day: None,
        ..a
    };
    assert!(covers(&from, t(30, 8, 0), t(30, 9, 0)));
    assert!(!covers(&from, t(1, 8, 0), t(1, 9, 0)));
    let to = Availability {
        first_day: None,
        ..a
    };
    assert!(covers(&to, t(-30, 8, 0), t(-30, 9, 0)));
    assert!(!covers(&to, t(5, 8, 0), t(5, 9, 0)));
}

#[test]
fn breaches_lists_every_rule_in_order() {
    let r = Rules::default();
    let monday = avail(1, 8 * 60, 20 * 60);
    let others = [hours(1, 1, 0, 8)];
    // Tuesday 06:00–10:00, needing a skill: unavailable (Mondays only), unskilled, overlapping
    // (8 + 4 hours is not over 12, and rest does not apply to overlapping shifts).
    let b = breaches(&r, &monday, "it", "medical", &others, hours(2, 1, 6, 10));
    assert_eq!(codes(&b), ["availability", "skill", "overlap"], "{b:?}");
    // Every time rule at once: five mornings and Saturday 14:00–20:00, then 22:00–05:00:
    // 13 hours in 24, 2 hours' rest, and Sunday the seventh day.
    let mut o = mornings(0..5);
    o.push(hours(1, 5, 14, 20));
    let b = breaches(
        &r,
        &Availability::default(),
        "",
        "",
        &o,
        sp(2, t(5, 22, 0), t(6, 5, 0)),
    );
    assert_eq!(
        b,
        vec![
            Breach::Hours24 { minutes: 780 },
            Breach::Rest {
                minutes: 120,
                shift: 1
            },
            Breach::Days { days: 7 }
        ]
    );
}

#[test]
fn messages_name_the_rule_in_both_languages() {
    let r = Rules::default();
    let m = Breach::Hours24 { minutes: 780 }.message(&r);
    assert!(
        m.en.contains("13 hours") && m.en.contains("limit is 12"),
        "{}",
        m.en
    );
    assert!(m.zh.contains("13") && m.zh.contains("上限 12"), "{}", m.zh);
    let m = Breach::Rest {
        minutes: 450,
        shift: 1,
    }
    .message(&r);
    assert!(
        m.en.contains("7.5 hours of rest") && m.en.contains("at least 8"),
        "{}",
        m.en
    );
    assert!(m.zh.contains("休息 7.5"), "{}", m.zh);
    let m = Breach::Days { days: 7 }.message(&r);
    assert!(m.en.contains("7 consecutive days") && m.en.contains("limit is 6"));
    assert!(m.zh.contains("连续值班 7 天"));
    assert!(Breach::Overlap { shift: 1 }.message(&r).zh.contains("重叠"));
    assert!(Breach::Unavailable.message(&r).en.contains("available"));
    assert_eq!(hours_text(450), "7.5");
    assert_eq!(hours_text(720), "12");
}

#[test]
fn service_hours_rounding() {
    // Whole hours count; of the rest, under 15 minutes nothing, 15 to under 45 half an hour,
    // 45 and over a whole hour.
    for (minutes, half) in [
        (0, 0),
        (1, 0),
        (14, 0),
        (15, 1),
        (30, 1),
        (44, 1),
        (45, 2),
        (59, 2),
        (60, 2),
        (74, 2),
        (75, 3),
        (104, 3),
        (105, 4),
        (119, 4),
        (120, 4),
        (494, 16),
        (495, 17),
        (525, 18),
        (-1, 0),
        (-60, 0),
    ] {
        assert_eq!(service_half_hours(minutes), half, "{minutes} minutes");
    }
    assert_eq!(half_hours_text(0), "0");
    assert_eq!(half_hours_text(7), "3.5");
    assert_eq!(half_hours_text(16), "8");
}
