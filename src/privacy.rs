//! Display-time masking shared by every layer (the audit viewer sits below the registry, so
//! it cannot use the registry's own masks).

use std::borrow::Cow;

/// Mask every run of 11 or more digits (a mobile number, an ID number) in a text shown to
/// people: the first 3 and the last 4 digits stay, the rest become `*`. Account names used to
/// be `v` + the volunteer's mobile number (`v13812345678` shows as `v138****5678`); those
/// names stay valid for signing in, but are never shown whole.
pub fn mask_digit_runs(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start >= 11 {
                runs.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    if runs.is_empty() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for (start, end) in runs {
        out.push_str(&s[at..start]);
        out.push_str(&s[start..start + 3]);
        out.extend(std::iter::repeat_n('*', end - start - 7));
        out.push_str(&s[end - 4..end]);
        at = end;
    }
    out.push_str(&s[at..]);
    Cow::Owned(out)
}

/// A name masked for people who may confirm a person but not read the registry: 张*明, 李*.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_long_digit_runs_only() {
        use super::mask_digit_runs as m;
        assert_eq!(m("v13812345678"), "v138****5678");
        assert_eq!(m("v13812345678-12"), "v138****5678-12");
        assert_eq!(m("demo-grid"), "demo-grid");
        assert_eq!(m("v000012"), "v000012");
        assert_eq!(
            m("新账号 v13812345678，另 13900000000"),
            "新账号 v138****5678，另 139****0000"
        );
    }
}
