//! Identity documents and phone numbers.

use wardline::registry::residents::ResidentInput;
use wardline::registry::validate::*;

/// A published sample number (GB 11643 example), independent of our own check-digit code.
const SAMPLE: &str = "11010519491231002X";

#[test]
fn id_card_valid_sample_derives_sex_and_birth() {
    let c = parse_id_card(SAMPLE).expect("sample is valid");
    assert_eq!(c.birth_date, "1949-12-31");
    assert_eq!(c.sex, 2, "17th digit 2 is even: female");
    assert_eq!(c.number, SAMPLE);
}

#[test]
fn id_card_lower_case_x_is_accepted_and_stored_upper() {
    let c = parse_id_card(" 11010519491231002x ").expect("lower-case x accepted");
    assert_eq!(c.number, SAMPLE);
}

#[test]
fn id_card_bad_check_digit_is_refused_with_the_expected_digit() {
    let e = parse_id_card("110105194912310021").unwrap_err();
    assert_eq!(e.field, "doc_number");
    assert!(e.message.en.contains("check digit"), "{:?}", e.message);
    assert!(e.message.en.contains("expected X"), "{:?}", e.message);
    assert!(e.message.zh.contains("校验位"), "{:?}", e.message);
}

#[test]
fn id_card_bad_date_is_refused() {
    // 1985-02-30 does not exist; give it a correct check digit so only the date is wrong.
    let mut s = "43110219850230123".to_string();
    s.push(check_char(s.as_bytes()) as char);
    let e = parse_id_card(&s).unwrap_err();
    assert!(e.message.en.contains("birth date"), "{:?}", e.message);
    // Month 13.
    let mut s = "43110219851301123".to_string();
    s.push(check_char(s.as_bytes()) as char);
    assert!(parse_id_card(&s)
        .unwrap_err()
        .message
        .en
        .contains("birth date"));
    // In the future.
    let mut s = "43110221990101123".to_string();
    s.push(check_char(s.as_bytes()) as char);
    assert!(parse_id_card(&s).is_err());
}

#[test]
fn id_card_wrong_length_is_refused() {
    for bad in ["11010519491231002", "11010519491231002X1", "", "110105"] {
        let e = parse_id_card(bad).unwrap_err();
        assert!(
            e.message.en.contains("18 characters"),
            "{bad}: {:?}",
            e.message
        );
    }
    let e = parse_id_card("1101051949123100AX").unwrap_err();
    assert!(e.message.en.contains("digits"), "{:?}", e.message);
}

#[test]
fn id_card_unknown_region_is_refused() {
    let mut s = "99010519491231002".to_string();
    s.push(check_char(s.as_bytes()) as char);
    assert!(parse_id_card(&s).unwrap_err().message.en.contains("region"));
}

#[test]
fn phone_numbers() {
    assert_eq!(parse_phone("13812345678").unwrap(), "13812345678");
    assert_eq!(parse_phone("+86 138-1234-5678").unwrap(), "13812345678");
    assert_eq!(parse_phone("8613812345678").unwrap(), "13812345678");
    for bad in [
        "12812345678",
        "1381234567",
        "138123456789",
        "0731-1234567",
        "abcdefghijk",
        "10012345678",
    ] {
        let e = parse_phone(bad).unwrap_err();
        assert_eq!(e.field, "phone", "{bad}");
    }
}

#[test]
fn other_documents() {
    assert_eq!(
        parse_other_doc("passport", "e12345678").unwrap(),
        "E12345678"
    );
    assert!(parse_other_doc("passport", "E1").is_err());
    assert_eq!(
        parse_other_doc("hk_macau", "H12345678").unwrap(),
        "H12345678"
    );
    assert!(parse_other_doc("hk_macau", "X12345678").is_err());
    assert_eq!(parse_other_doc("taiwan", "12345678").unwrap(), "12345678");
    assert!(parse_other_doc("taiwan", "1234567").is_err());
}

#[test]
fn resident_input_reports_every_bad_field() {
    let input = ResidentInput {
        name: "".into(),
        doc_number: "110105194912310021".into(),
        phone: Some("12345".into()),
        relation: Some("cousin-in-space".into()),
        tags: Some("独居老人、会飞".into()),
        party_categories: Some("veteran".into()),
        ..Default::default()
    };
    let errs = input.validate().unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
    for f in [
        "name",
        "doc_number",
        "phone",
        "relation",
        "tags",
        "party_categories",
    ] {
        assert!(fields.contains(&f), "missing error for {f}: {fields:?}");
    }
    // Rendered in both languages with the field named.
    let zh = errs[0].render(wardline::i18n::Lang::Zh);
    assert!(zh.starts_with("姓名"), "{zh}");
    let en = errs[0].render(wardline::i18n::Lang::En);
    assert!(en.starts_with("name"), "{en}");
}

#[test]
fn resident_input_derives_from_card_and_rejects_contradictions() {
    let ok = ResidentInput {
        name: "张三".into(),
        doc_number: SAMPLE.to_lowercase(),
        tags: Some("chronic, 独居老人".into()),
        party: Some("正式党员".into()),
        party_categories: Some("退役军人党员".into()),
        ..Default::default()
    }
    .validate()
    .unwrap();
    assert_eq!(ok.doc_number, SAMPLE);
    assert_eq!(ok.birth_date.as_deref(), Some("1949-12-31"));
    assert_eq!(ok.sex, 2);
    assert_eq!(ok.tags, 0b101);
    assert_eq!(ok.party, 1);
    assert_eq!(ok.party_categories, 0b10);
    let bad = ResidentInput {
        name: "张三".into(),
        doc_number: SAMPLE.into(),
        sex: Some("男".into()),
        birth_date: Some("1950-01-01".into()),
        ..Default::default()
    }
    .validate()
    .unwrap_err();
    let fields: Vec<&str> = bad.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["sex", "birth_date"]);
}

#[test]
fn masking() {
    assert_eq!(mask_doc(SAMPLE), "110105********002X");
    assert_eq!(mask_phone("13812345678"), "138****5678");
    assert!(!mask_doc("E12345678").contains("2345"));
}
