//! The audit log in people's words: a translated label for every action and record kind that
//! the code records (`Event::new(action, kind, id)` across `src/`), for the detail's fields,
//! and a readable form of any code without one (a unit test keeps the list complete).

use crate::i18n::{field_label, t, Lang};

/// The Fluent message for `code` under `prefix`, if there is one.
fn label(l: Lang, prefix: &str, code: &str) -> Option<String> {
    let id = format!("{prefix}{}", code.replace('_', "-"));
    let s = t(l, &id);
    (s != id).then_some(s)
}

/// A code without a label, readable: `need_phone_reveal` → `need phone reveal`.
fn readable(code: &str) -> String {
    code.replace(['_', '-'], " ")
}

/// An action's label (`login` → 登录 / Signed in).
pub fn action(l: Lang, code: &str) -> String {
    label(l, "audit-act-", code).unwrap_or_else(|| readable(code))
}

/// A record kind's label (`resident` → 居民 / Resident).
pub fn kind(l: Lang, code: &str) -> String {
    label(l, "audit-kind-", code).unwrap_or_else(|| readable(code))
}

/// A detail field's label (`second_factor_due` → 需要二次验证).
fn key(l: Lang, k: &str) -> String {
    label(l, "audit-key-", k).unwrap_or_else(|| {
        let f = field_label(k, l);
        if f != k {
            f.to_owned()
        } else {
            readable(k)
        }
    })
}

/// A detail object as `label: value; label: value`, nested objects in braces: booleans as
/// yes/no, times (`…_ms`) as dates, field lists by their labels, account names by people's
/// names (`names`: login name → name).
pub fn describe(
    l: Lang,
    v: &serde_json::Value,
    names: &std::collections::HashMap<String, String>,
) -> String {
    value(l, "", v, names)
}

fn value(
    l: Lang,
    k: &str,
    v: &serde_json::Value,
    names: &std::collections::HashMap<String, String>,
) -> String {
    use serde_json::Value as J;
    match v {
        J::Null => String::new(),
        J::Bool(b) => t(l, if *b { "yes" } else { "no" }),
        J::Number(n) if k.ends_with("_ms") => match n.as_i64() {
            Some(ms) if ms > 0 => crate::web::html::datetime(ms),
            _ => n.to_string(),
        },
        J::String(s) if k == "username" => names.get(s).cloned().unwrap_or_else(|| s.clone()),
        J::String(s) if k == "fields" || k == "columns" => field_label(s, l).to_owned(),
        // A state the record went from or to: its label where there is one.
        J::String(s) if matches!(k, "from" | "to" | "status" | "result") => {
            label(l, "audit-val-", s).unwrap_or_else(|| s.clone())
        }
        // Any other code (a reason, an outcome, a kind): its label where there is one.
        J::String(s)
            if !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()) =>
        {
            label(l, "audit-val-", s).unwrap_or_else(|| s.clone())
        }
        J::String(s) => s.clone(),
        J::Array(a) => a
            .iter()
            .map(|x| value(l, k, x, names))
            .collect::<Vec<_>>()
            .join(if l == Lang::Zh { "、" } else { ", " }),
        J::Object(o) => o
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                J::Object(_) => format!("{}: {{{}}}", key(l, k), value(l, k, v, names)),
                _ => format!("{}: {}", key(l, k), value(l, k, v, names)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        J::Number(n) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The actions and record kinds of every `Event::new(action, kind, id)` in `src/`: the
    /// string literals of the first argument (an `if`/`match` may choose among several) and
    /// the second.
    fn recorded_codes() -> (Vec<String>, Vec<String>) {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        fn literals(s: &str) -> Vec<String> {
            s.split('"')
                .skip(1)
                .step_by(2)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        }
        let mut files = vec![];
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let (mut actions, mut kinds) = (vec![], vec![]);
        let call = ["Event", "::new("].concat();
        for src in &files {
            for (i, _) in src.match_indices(&call) {
                // The call's arguments, split at the commas of depth 0.
                let mut args = vec![String::new()];
                let mut depth = 0;
                for c in src[i + call.len()..].chars() {
                    match c {
                        '(' | '{' | '[' => depth += 1,
                        ')' | '}' | ']' if depth == 0 => break,
                        ')' | '}' | ']' => depth -= 1,
                        ',' if depth == 0 => {
                            args.push(String::new());
                            continue;
                        }
                        _ => {}
                    }
                    args.last_mut().unwrap().push(c);
                }
                if args.len() < 3 {
                    continue; // the definition, or a call not recording an event
                }
                actions.extend(literals(&args[0]));
                kinds.extend(literals(&args[1]));
            }
        }
        actions.sort();
        actions.dedup();
        kinds.sort();
        kinds.dedup();
        (actions, kinds)
    }

    #[test]
    fn every_recorded_action_and_kind_has_a_label_in_both_languages() {
        let (actions, kinds) = recorded_codes();
        assert!(actions.len() > 40, "found only {actions:?}");
        assert!(actions.iter().any(|a| a == "need_phone_reveal"));
        assert!(actions.iter().any(|a| a == "duty_checkout"), "inside an if");
        assert!(kinds.iter().any(|k| k == "resident"));
        let mut missing = vec![];
        for l in [Lang::Zh, Lang::En] {
            for a in &actions {
                if label(l, "audit-act-", a).is_none() {
                    missing.push(format!("action {a:?} ({l:?})"));
                }
            }
            for k in &kinds {
                if label(l, "audit-kind-", k).is_none() {
                    missing.push(format!("kind {k:?} ({l:?})"));
                }
            }
        }
        assert!(missing.is_empty(), "no label for: {}", missing.join(", "));
    }

    #[test]
    fn unknown_codes_read_as_words_and_details_as_labels() {
        assert_eq!(action(Lang::En, "something_new"), "something new");
        assert_eq!(action(Lang::Zh, "login"), "登录");
        assert_eq!(kind(Lang::Zh, "resident"), "居民");
        let names = [("demo-grid".to_owned(), "王芳".to_owned())].into();
        let d = serde_json::json!({"second_factor_due": false, "username": "demo-grid"});
        let zh = describe(Lang::Zh, &d, &names);
        assert!(zh.contains("需要二次验证: 否"), "{zh}");
        assert!(zh.contains("王芳") && !zh.contains("demo-grid"), "{zh}");
        assert!(
            !zh.contains("second_factor_due") && !zh.contains("false"),
            "{zh}"
        );
    }
}
