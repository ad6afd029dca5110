//! Validation of identity documents and phone numbers: parse at the edge, then trust.

pub use crate::calendar::{civil_from_days, days_from_civil, days_in_month, parse_date, today};
use crate::error::FieldError;

/// Province-level prefixes that appear in resident ID numbers (GB/T 2260), incl. 83 used by
/// residence permits for Taiwan residents.
const PROVINCES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// GB 11643 check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// A validated 18-character resident ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCard {
    pub number: String,
    pub birth_date: String,
    /// 1 male, 2 female.
    pub sex: i64,
}

fn bad(en: impl Into<String>, zh: impl Into<String>) -> FieldError {
    FieldError::new("doc_number", en, zh)
}

/// Validate a resident ID number. A lower-case `x` check character is accepted and stored
/// as `X`; surrounding spaces are ignored.
pub fn parse_id_card(input: &str) -> Result<IdCard, FieldError> {
    let s = input.trim().to_ascii_uppercase();
    let b = s.as_bytes();
    if s.chars().count() != 18 {
        return Err(bad(
            format!(
                "a resident ID number has 18 characters, this one has {}",
                s.chars().count()
            ),
            format!(
                "居民身份证号码应为 18 位，此号码为 {} 位",
                s.chars().count()
            ),
        ));
    }
    if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
        return Err(bad(
            "the first 17 characters must be digits and the last a digit or X",
            "前 17 位须为数字，最后一位为数字或 X",
        ));
    }
    if !PROVINCES.contains(&&s[..2]) {
        return Err(bad(
            format!("{} is not a valid region code", &s[..6]),
            format!("{} 不是有效的地区代码", &s[..6]),
        ));
    }
    let y: i32 = s[6..10].parse().unwrap_or(0);
    let m: u32 = s[10..12].parse().unwrap_or(0);
    let d: u32 = s[12..14].parse().unwrap_or(0);
    let (ty, tm, td) = today();
    let valid_date =
        (1900..=ty).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m);
    if !valid_date || (y, m, d) > (ty, tm, td) {
        return Err(bad(
            format!("the birth date {y:04}-{m:02}-{d:02} in the number is not a valid date"),
            format!("号码中的出生日期 {y:04}-{m:02}-{d:02} 不是有效日期"),
        ));
    }
    let want = check_char(&b[..17]);
    if b[17] != want {
        return Err(bad(
            format!(
                "the check digit is wrong (expected {}); please check the number for a typo",
                want as char
            ),
            format!("校验位错误（应为 {}），请核对号码是否输错", want as char),
        ));
    }
    let sex = if (b[16] - b'0') % 2 == 1 { 1 } else { 2 };
    Ok(IdCard {
        birth_date: format!("{y:04}-{m:02}-{d:02}"),
        number: s,
        sex,
    })
}

/// Normalise and validate a mainland mobile number: 11 digits starting 13–19; a `+86`/`86`
/// prefix, spaces and dashes are dropped.
pub fn parse_phone(input: &str) -> Result<String, FieldError> {
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .or_else(|| {
            (digits.len() == 13)
                .then(|| digits.strip_prefix("86"))
                .flatten()
        })
        .unwrap_or(&digits);
    let b = digits.as_bytes();
    if b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
    {
        Ok(digits.to_owned())
    } else {
        Err(FieldError::new(
            "phone",
            "not a mainland mobile number (11 digits starting with 13–19)",
            "不是有效的手机号码（应为 13–19 开头的 11 位数字）",
        ))
    }
}

/// Validate a document of another type; returns the normalised number.
pub fn parse_other_doc(doc_type: &str, input: &str) -> Result<String, FieldError> {
    let s: String = input.trim().to_ascii_uppercase();
    let alnum = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    let ok = match doc_type {
        // Passports: 5–20 letters and digits (formats differ by country).
        "passport" => alnum && (5..=20).contains(&s.len()),
        // 港澳居民来往内地通行证: H or M, then 8 or 10 digits.
        "hk_macau" => {
            (s.len() == 9 || s.len() == 11)
                && (s.starts_with('H') || s.starts_with('M'))
                && s[1..].bytes().all(|b| b.is_ascii_digit())
        }
        // 台湾居民来往大陆通行证: 8 digits (10 with the old issue-count suffix).
        "taiwan" => (s.len() == 8 || s.len() == 10) && s.bytes().all(|b| b.is_ascii_digit()),
        // Anything else: 1–40 characters, none of them a control character (a line break or
        // a NUL would reach exports and pages).
        _ => !s.is_empty() && s.chars().count() <= 40 && !s.chars().any(char::is_control),
    };
    if ok {
        Ok(s)
    } else {
        let (en, zh) = match doc_type {
            "passport" => (
                "a passport number has 5–20 letters and digits",
                "护照号码应为 5–20 位字母或数字",
            ),
            "hk_macau" => (
                "a Hong Kong/Macau permit number is H or M followed by 8 or 10 digits",
                "港澳通行证号码应为 H 或 M 加 8 位或 10 位数字",
            ),
            "taiwan" => (
                "a Taiwan permit number has 8 or 10 digits",
                "台胞证号码应为 8 位或 10 位数字",
            ),
            _ => (
                "the document number must have 1–40 characters, none of them a control character",
                "证件号码应为 1–40 个字符，且不能含控制字符",
            ),
        };
        Err(FieldError::new("doc_number", en, zh))
    }
}

/// Mask an ID number for lists: region code and last four kept, `431102********1234`.
pub fn mask_doc(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    if n >= 10 {
        let keep_head = if n == 18 { 6 } else { 2 };
        let mut s: String = chars[..keep_head].iter().collect();
        s.extend(std::iter::repeat_n('*', n - keep_head - 4));
        s.extend(&chars[n - 4..]);
        s
    } else if n > 2 {
        let mut s: String = chars[..1].iter().collect();
        s.extend(std::iter::repeat_n('*', n - 2));
        s.push(chars[n - 1]);
        s
    } else {
        "*".repeat(n)
    }
}

/// Mask a phone number: `138****5678`.
/// Counted in characters, so text that is not a validated number (a callback number typed
/// on the household link, an old row) is masked to its own length and never cut inside a
/// character.
pub fn mask_phone(phone: &str) -> String {
    let n = phone.chars().count();
    if n == 11 {
        phone
            .chars()
            .enumerate()
            .map(|(i, c)| if (3..7).contains(&i) { '*' } else { c })
            .collect()
    } else {
        "*".repeat(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_roundtrip() {
        for days in [-1000, 0, 59, 365 * 30 + 7, 20000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
    }

    #[test]
    fn masks() {
        assert_eq!(mask_doc("43110219850312123X"), "431102********123X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }
}
