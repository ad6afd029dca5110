//! How figures are written in a briefing, in Chinese and in English.
//!
//! The conventions of the seeds' briefings ("采集核酸22.16万次，配送生活物资和药品11833份，
//! 劝返6400余人"):
//! - **Exact counts** below 100,000 are written in full without separators in Chinese
//!   ("11833份") and with thousands separators in English ("11,833").
//! - **万 with two decimals** from 100,000 up: the count in ten-thousands rounded half up to
//!   two decimals ("221,600" → "22.16万", "221,650" → "22.17万", "100,000" → "10.00万"). The
//!   English form stays exact ("221,600"): English readers are not used to 万.
//! - **余 for rounded-down figures** (counts where the exact number is not the point, such as
//!   people persuaded to turn back): below 100 exact; below 1,000 down to the ten; below
//!   10,000 down to the hundred; from 10,000 down to the thousand written in 万 with one
//!   decimal; from 1,000,000 down to the ten thousand in 万. "余" is added only when
//!   something was cut off ("6,432" → "6400余", "6,400" → "6400"); English says "more than"
//!   ("more than 6,400").
//! - **Full-width punctuation** in Chinese text (，。；：（）！？), except a point or comma
//!   between two digits, which stays as it is ("22.16").
//! - Percentages with one decimal, rounded half up, in both languages ("96.3%").

/// A count written in Chinese: exact below 100,000, else 万 with two decimals.
pub fn zh_count(n: i64) -> String {
    if n.abs() < 100_000 {
        return n.to_string();
    }
    // Hundredths of 万 = units of 100, rounded half away from zero.
    let neg = n < 0;
    let a = n.unsigned_abs();
    let hundreds = (a + 50) / 100;
    format!(
        "{}{}.{:02}万",
        if neg { "-" } else { "" },
        hundreds / 100,
        hundreds % 100
    )
}

/// A count written in English: exact, with thousands separators.
pub fn en_count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The step a rounded-down figure is cut to, by its size.
fn about_step(a: u64) -> u64 {
    match a {
        0..=99 => 1,
        100..=999 => 10,
        1_000..=9_999 => 100,
        10_000..=999_999 => 1_000,
        _ => 10_000,
    }
}

/// A rounded-down count in Chinese: "6400余", "6.4万余", "128万余"; exact when nothing was
/// cut off.
pub fn zh_about(n: i64) -> String {
    if n < 0 {
        return n.to_string();
    }
    let a = n as u64;
    let step = about_step(a);
    let cut = a / step * step;
    let rest = if cut < a { "余" } else { "" };
    if cut >= 10_000 {
        let whole = cut / 10_000;
        let tenth = (cut % 10_000) / 1_000;
        if tenth == 0 {
            format!("{whole}万{rest}")
        } else {
            format!("{whole}.{tenth}万{rest}")
        }
    } else {
        format!("{cut}{rest}")
    }
}

/// A rounded-down count in English: "more than 6,400"; exact when nothing was cut off.
pub fn en_about(n: i64) -> String {
    if n < 0 {
        return n.to_string();
    }
    let a = n as u64;
    let step = about_step(a);
    let cut = a / step * step;
    if cut < a {
        format!("more than {}", en_count(cut as i64))
    } else {
        en_count(cut as i64)
    }
}

/// A share `part / whole` as a percentage with one decimal ("96.3%"); none of nothing.
pub fn percent(part: i64, whole: i64) -> Option<String> {
    if whole <= 0 || part < 0 {
        return None;
    }
    // Tenths of a percent, rounded half up.
    let tenths = (part as i128 * 2000 + whole as i128) / (2 * whole as i128);
    Some(format!("{}.{}%", tenths / 10, tenths % 10))
}

/// Chinese text with ASCII punctuation turned full-width; a point or comma between two digits
/// stays (a decimal point, a separator).
pub fn fullwidth(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = || {
            i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
        };
        let w = match c {
            ',' if !between_digits() => '，',
            '.' if !between_digits() => '。',
            ';' => '；',
            ':' if !between_digits() => '：',
            '(' => '（',
            ')' => '）',
            '!' => '！',
            '?' => '？',
            _ => c,
        };
        out.push(w);
    }
    out
}

/// "截至12月3日18时" (China time parts).
pub fn zh_as_of(month: u32, day: u32, hour: u32) -> String {
    format!("截至{month}月{day}日{hour}时")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "As of 18:00 on 3 December" (China time parts).
pub fn en_as_of(month: u32, day: u32, hour: u32) -> String {
    let name = MONTHS
        .get((month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("?");
    format!("As of {hour:02}:00 on {day} {name}")
}

/// "12月3日" and "3 December".
pub fn zh_day(month: u32, day: u32) -> String {
    format!("{month}月{day}日")
}

pub fn en_day(month: u32, day: u32) -> String {
    let name = MONTHS
        .get((month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("?");
    format!("{day} {name}")
}

/// A change written with its sign, in Chinese ("增加1200", "减少35", "持平") and in English
/// ("up 1,200", "down 35", "unchanged").
pub fn zh_change(delta: i64) -> String {
    match delta {
        0 => "持平".to_string(),
        d if d > 0 => format!("增加{}", zh_count(d)),
        d => format!("减少{}", zh_count(-d)),
    }
}

pub fn en_change(delta: i64) -> String {
    match delta {
        0 => "unchanged".to_string(),
        d if d > 0 => format!("up {}", en_count(d)),
        d => format!("down {}", en_count(-d)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_with_two_decimals() {
        assert_eq!(zh_count(221_600), "22.16万");
        assert_eq!(zh_count(361_876), "36.19万");
        assert_eq!(zh_count(658_787), "65.88万");
        assert_eq!(zh_count(221_650), "22.17万");
        assert_eq!(zh_count(221_649), "22.16万");
        assert_eq!(zh_count(100_000), "10.00万");
        assert_eq!(zh_count(99_999), "99999");
        assert_eq!(zh_count(11_833), "11833");
        assert_eq!(zh_count(0), "0");
        assert_eq!(zh_count(25_000_000), "2500.00万");
        assert_eq!(zh_count(-221_600), "-22.16万");
    }

    #[test]
    fn english_counts() {
        assert_eq!(en_count(221_600), "221,600");
        assert_eq!(en_count(11_833), "11,833");
        assert_eq!(en_count(805), "805");
        assert_eq!(en_count(1_000), "1,000");
        assert_eq!(en_count(25_000_000), "25,000,000");
        assert_eq!(en_count(0), "0");
        assert_eq!(en_count(-1_492), "-1,492");
    }

    #[test]
    fn yu_for_rounded_down() {
        assert_eq!(zh_about(6_432), "6400余");
        assert_eq!(zh_about(6_499), "6400余");
        assert_eq!(zh_about(6_400), "6400");
        assert_eq!(zh_about(87), "87");
        assert_eq!(zh_about(345), "340余");
        assert_eq!(zh_about(64_321), "6.4万余");
        assert_eq!(zh_about(60_000), "6万");
        assert_eq!(zh_about(60_500), "6万余");
        assert_eq!(zh_about(1_284_000), "128万余");
        assert_eq!(en_about(6_432), "more than 6,400");
        assert_eq!(en_about(6_400), "6,400");
        assert_eq!(en_about(64_321), "more than 64,000");
        assert_eq!(en_about(87), "87");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(963, 1000).as_deref(), Some("96.3%"));
        assert_eq!(percent(2, 3).as_deref(), Some("66.7%"));
        assert_eq!(percent(1, 3).as_deref(), Some("33.3%"));
        assert_eq!(percent(1, 2000).as_deref(), Some("0.1%"));
        assert_eq!(percent(1, 2001).as_deref(), Some("0.0%"));
        assert_eq!(percent(5, 5).as_deref(), Some("100.0%"));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn full_width_punctuation() {
        assert_eq!(
            fullwidth("采集核酸22.16万次,配送11833份;劝返6400余人."),
            "采集核酸22.16万次，配送11833份；劝返6400余人。"
        );
        assert_eq!(fullwidth("(含1,000份):好!"), "（含1,000份）：好！");
        assert_eq!(fullwidth("12:30"), "12:30");
    }

    #[test]
    fn dates_and_changes() {
        assert_eq!(zh_as_of(12, 3, 18), "截至12月3日18时");
        assert_eq!(en_as_of(12, 3, 18), "As of 18:00 on 3 December");
        assert_eq!(en_as_of(12, 3, 9), "As of 09:00 on 3 December");
        assert_eq!(zh_day(12, 3), "12月3日");
        assert_eq!(en_day(12, 3), "3 December");
        assert_eq!(zh_change(1_200), "增加1200");
        assert_eq!(zh_change(-35), "减少35");
        assert_eq!(zh_change(0), "持平");
        assert_eq!(zh_change(150_000), "增加15.00万");
        assert_eq!(en_change(1_200), "up 1,200");
        assert_eq!(en_change(-35), "down 35");
        assert_eq!(en_change(0), "unchanged");
    }
}
