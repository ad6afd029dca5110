//! Property tests of the parsers that take input from outside: ID numbers, phones, other
//! documents, dates, the masks, the sampling operations' JSON (one at a time and as offline
//! batches) and the household link's token. A fixed, small number of cases each (CI's time
//! budget), a fixed seed where a server is involved; no input may panic or give a 5xx.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};
use wardline::access;
use wardline::db::now_ms;
use wardline::registry::model::LEVEL_GRID;
use wardline::registry::validate::*;

use crate::common::{backends, demo_under, request, serve};
use crate::testing::{areas_at, reader, round_over, site};

const CASES: u32 = 512;

/// Any text, with a bias to the characters the parsers look at.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9Xx +\\-()\u{3000}中文]{0,24}",
        "[\\PC]{0,40}",
        "[\\x00-\\x1f\u{7f}\u{85}a-z0-9]{1,12}",
    ]
}

/// A valid resident ID number built from its parts (the check digit by the standard's
/// weights, computed here independently of `check_char`).
fn valid_id() -> impl Strategy<Value = (String, (i32, u32, u32), u32)> {
    (
        prop::sample::select(vec!["110105", "431102", "440305", "650102", "810000"]),
        1900i32..2020,
        1u32..=12,
        1u32..=28,
        0u32..1000,
    )
        .prop_map(|(region, y, m, d, seq)| {
            let first17 = format!("{region}{y:04}{m:02}{d:02}{seq:03}");
            let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = first17
                .bytes()
                .zip(w)
                .map(|(b, w)| (b - b'0') as u32 * w)
                .sum();
            let check = b"10X98765432"[(sum % 11) as usize] as char;
            (format!("{first17}{check}"), (y, m, d), seq)
        })
}

proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn id_card_never_panics_and_accepts_only_valid_numbers(s in text()) {
        if let Ok(c) = parse_id_card(&s) {
            prop_assert_eq!(c.number.len(), 18);
            prop_assert_eq!(check_char(&c.number.as_bytes()[..17]), c.number.as_bytes()[17]);
            prop_assert!(c.sex == 1 || c.sex == 2);
            prop_assert_eq!(&c.birth_date[..4], &c.number[6..10]);
        }
    }

    #[test]
    fn id_card_valid_numbers_parse_in_any_case_and_spacing(
        (n, (y, m, d), seq) in valid_id(),
        pad in "[ \t]{0,3}",
    ) {
        let c = parse_id_card(&format!("{pad}{}{pad}", n.to_lowercase())).unwrap();
        prop_assert_eq!(&c.number, &n);
        prop_assert_eq!(c.birth_date, format!("{y:04}-{m:02}-{d:02}"));
        prop_assert_eq!(c.sex, if seq % 2 == 1 { 1 } else { 2 });
        // One digit changed in the first 17: the check digit catches it.
        let mut b = n.clone().into_bytes();
        b[14] = if b[14] == b'9' { b'0' } else { b[14] + 1 };
        prop_assert!(parse_id_card(std::str::from_utf8(&b).unwrap()).is_err());
    }

    #[test]
    fn phone_never_panics_and_normalises(s in text()) {
        if let Ok(p) = parse_phone(&s) {
            prop_assert_eq!(p.len(), 11);
            prop_assert!(p.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(p.starts_with('1'));
            // Normal form is a fixed point.
            prop_assert_eq!(parse_phone(&p).unwrap(), p);
        }
    }

    #[test]
    fn phone_formats_of_one_number_agree(rest in "[3-9][0-9]{9}", style in 0usize..4) {
        let n = format!("1{rest}");
        let shown = match style {
            0 => n.clone(),
            1 => format!("+86 {}-{}-{}", &n[..3], &n[3..7], &n[7..]),
            2 => format!("86{n}"),
            _ => format!(" {} {} {} ", &n[..3], &n[3..7], &n[7..]),
        };
        prop_assert_eq!(parse_phone(&shown).unwrap(), n);
    }

    #[test]
    fn other_documents_and_dates_never_panic(kind in prop::sample::select(vec![
        "passport", "hk_macau", "taiwan", "id_card", "other", "", "护照",
    ]), s in text()) {
        if let Ok(n) = parse_other_doc(kind, &s) {
            prop_assert!(!n.is_empty());
            prop_assert!(!n.chars().any(char::is_control));
        }
        if let Ok(d) = parse_date("birth_date", &s) {
            prop_assert_eq!(d.len(), 10);
            let (y, m, dd) = (&d[..4], &d[5..7], &d[8..]);
            let (y, m, dd): (i32, u32, u32) = (y.parse().unwrap(), m.parse().unwrap(), dd.parse().unwrap());
            prop_assert!((1..=12).contains(&m) && dd >= 1 && dd <= days_in_month(y, m));
        }
    }

    #[test]
    fn masks_never_panic_and_hide_the_middle(s in text()) {
        let d = mask_doc(&s);
        prop_assert_eq!(d.chars().count(), s.chars().count());
        let p = mask_phone(&s);
        if s.chars().count() >= 10 {
            prop_assert!(d.contains('*'));
        }
        // A masked 11-character phone keeps its length and hides the middle four.
        if s.chars().count() == 11 {
            let pc: Vec<char> = p.chars().collect();
            prop_assert_eq!(pc.len(), 11, "{} → {}", s, p);
            prop_assert!(pc[3..7].iter().all(|c| *c == '*'), "{} → {}", s, p);
        }
    }
}

/// `n` values of `strategy` from a fixed seed (async tests cannot run inside proptest's
/// closure; no shrinking, the failing input is printed instead).
fn samples<S: Strategy>(strategy: S, n: usize, seed: u8) -> Vec<S::Value> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    );
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// A sampling operation as a device (or an attacker) might send it: well-formed, half-formed
/// or wrong in type, with odd strings and numbers everywhere.
fn op_json() -> impl Strategy<Value = Value> {
    let s = || {
        prop_oneof![
            text(),
            Just(String::new()),
            "WLR1\\.[0-9]{1,6}\\.[a-zA-Z0-9_\\-]{0,20}",
        ]
    };
    let n = || {
        prop_oneof![
            any::<i64>(),
            Just(0i64),
            Just(-1i64),
            Just(i64::MAX),
            0i64..10
        ]
    };
    let v = || {
        prop_oneof![
            s().prop_map(Value::from),
            n().prop_map(Value::from),
            Just(Value::Null),
            Just(json!([1, 2])),
            Just(json!({"x": 1})),
            any::<bool>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
        ]
    };
    (
        prop::sample::select(vec!["open", "add", "close", "delete", ""]),
        s(),
        s(),
        prop::option::of(v()),
        prop::option::of(v()),
        prop::option::of(v()),
        prop::option::of(v()),
        prop::option::of(n()),
        0usize..6,
    )
        .prop_map(|(op, cid, tube, a, b, c, d, taken, who)| {
            let mut o = json!({"op": op, "client_id": cid, "tube": tube});
            let key = ["qr", "resident_id", "doc", "walk_in", "site_id", "confirm"][who];
            if let Some(a) = a {
                o[key] = a;
            }
            if let Some(b) = b {
                o["number"] = b;
            }
            if let Some(c) = c {
                o["name"] = c;
            }
            if let Some(d) = d {
                o["doc_type"] = d;
            }
            if let Some(t) = taken {
                o["taken_ms"] = t.into();
            }
            if who == 3 {
                o["walk_in"] = json!({"number": o.get("number").cloned().unwrap_or_default(),
                    "name": o.get("name").cloned().unwrap_or_default(),
                    "doc_type": o.get("doc_type").cloned().unwrap_or_default()});
            }
            o
        })
}

#[tokio::test]
async fn sampling_operations_from_outside_never_give_a_server_error() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo_under(db, 300, 7, "431102001").await;
        let g = areas_at(db, LEVEL_GRID).await[0].clone();
        let hq = reader(db, "hq", "hq", "431102").await;
        reader(db, "col", "collector", "431102").await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 5, now - 3_600_000, now + 3_600_000).await;
        site(db, &hq, &round, &g, &["col"]).await;
        let token = access::create_token(db, "col", "device").await.unwrap();
        let auth = format!("Bearer {token}");
        let addr = serve(db).await;
        let ops = samples(op_json(), 96, 1);
        let path = format!("/api/v1/testing/rounds/{}/ops", round.id);
        let h = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        for op in &ops {
            let r = request(addr, "POST", &path, &h, Some(op.to_string().as_bytes())).await;
            assert!(
                matches!(r.status, 200 | 400 | 404 | 409 | 422),
                "{name}: {op} → {} {}",
                r.status,
                r.body
            );
            let v: Value = serde_json::from_str(&r.body)
                .unwrap_or_else(|_| panic!("{name}: {op} → not JSON: {}", r.body));
            assert!(v.is_object(), "{name}: {op} → {v}");
        }
        // The same operations as one offline batch, with broken lines between them: one
        // answer line per operation line, in order.
        let mut body = String::new();
        for (i, op) in ops.iter().enumerate() {
            body.push_str(&op.to_string());
            body.push('\n');
            if i % 7 == 0 {
                body.push_str("{\"op\":\n");
            }
        }
        let lines = body.lines().filter(|l| !l.trim().is_empty()).count();
        let path = format!("/api/v1/testing/rounds/{}/batch", round.id);
        let r = request(addr, "POST", &path, &h, Some(body.as_bytes())).await;
        assert_eq!(r.status, 200, "{name}: batch → {}", r.body);
        let answers: Vec<Value> = r
            .body
            .lines()
            .map(|l| serde_json::from_str(l).expect("each answer line is JSON"))
            .collect();
        assert_eq!(answers.len(), lines, "{name}: one answer per line");
        assert!(answers
            .windows(2)
            .all(|w| w[0]["line"].as_u64() < w[1]["line"].as_u64()));
    }
}

#[tokio::test]
async fn household_link_tokens_from_outside_never_give_a_server_error() {
    let t = backends().await.remove(0);
    demo_under(&t.db, 100, 3, "431102001").await;
    let addr = serve(&t.db).await;
    // Printable, URL-safe and percent-encoded garbage, up to the path limits.
    let tokens = samples(
        prop_oneof![
            "[A-Za-z0-9_\\-]{0,64}",
            "(%[0-9A-F]{2}){1,20}",
            "[A-Za-z0-9._~!$&'()*+,;=:@\\-]{1,200}",
        ],
        48,
        2,
    );
    for tok in tokens {
        for lang in ["zh-CN", "en"] {
            let r = request(
                addr,
                "GET",
                &format!("/h/{tok}"),
                &[("Accept-Language", lang)],
                None,
            )
            .await;
            assert!(
                matches!(r.status, 400 | 404 | 429),
                "/h/{tok} → {} {}",
                r.status,
                r.body
            );
        }
    }
}

/// Import files from outside: CSV rows of random cells (quotes, commas, line breaks, odd
/// text), random bytes, and random bytes behind a zip signature (what a spreadsheet starts
/// with). A dry run never panics, answers every file, and writes nothing.
#[tokio::test]
async fn import_files_from_outside_never_panic() {
    use wardline::access::Scope;
    use wardline::audit::Actor;
    use wardline::registry::import::{import_file, template_header};

    let t = backends().await.remove(0);
    let db = &t.db;
    wardline::registry::areas::ensure_national(db, "431102")
        .await
        .unwrap();
    let scope = Scope {
        roots: vec!["431102".into()],
    };
    let cell = prop_oneof![
        text(),
        Just("\"".to_string()),
        Just("\"a,b\"\"c\"".to_string()),
        Just("431102001001".to_string()),
        Just("=HYPERLINK(\"x\")".to_string()),
        "[0-9]{18}",
    ];
    let csvs = samples(
        prop::collection::vec(prop::collection::vec(cell, 0..20), 0..12),
        64,
        3,
    );
    let blobs = samples(prop::collection::vec(any::<u8>(), 0..2048), 32, 4);
    let mut files: Vec<Vec<u8>> = Vec::new();
    for rows in csvs {
        let mut s = format!("{}\n", template_header());
        for r in rows {
            s.push_str(&r.join(","));
            s.push('\n');
        }
        files.push(s.into_bytes());
    }
    for b in blobs {
        let mut z = b"PK\x03\x04".to_vec();
        z.extend_from_slice(&b);
        files.push(z);
        files.push(b);
    }
    let before = db
        .query_one("SELECT COUNT(*) FROM residents", vec![])
        .await
        .unwrap()
        .int(0);
    for (i, f) in files.iter().enumerate() {
        let name = if i % 2 == 0 { "f.csv" } else { "f.xlsx" };
        let r = import_file(db, &Actor::cli(), &scope, name, f, true, &|_| {}).await;
        let report = r.unwrap_or_else(|e| panic!("file {i}: {e}"));
        assert!(!report.committed, "file {i}: a dry run commits nothing");
    }
    let after = db
        .query_one("SELECT COUNT(*) FROM residents", vec![])
        .await
        .unwrap()
        .int(0);
    assert_eq!(before, after);
}
