//! The writer's unit tests (kept apart so that the writer stays readable).

use super::*;

#[test]
fn operations_read_as_documented() {
    let lines = [
        r#"{"client_id":"a1","tube":"T1","op":"open","site_id":7}"#,
        r#"{"client_id":"a2","tube":"T1","op":"add","doc":{"number":"43110219800101123X"}}"#,
        r#"{"client_id":"a3","tube":"T1","op":"add","qr":"WLR1.12.AB","confirm":true}"#,
        r#"{"client_id":"a4","tube":"T1","op":"add","resident_id":12,"taken_ms":5}"#,
        r#"{"client_id":"a5","tube":"T1","op":"add","walk_in":{"doc_type":"passport","number":"E1234567","name":"Anna"}}"#,
        r#"{"client_id":"a6","tube":"T1","op":"close"}"#,
    ];
    let ops: Vec<Op> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(ops[0].kind, OpKind::Open { site_id: Some(7) });
    assert_eq!(
        ops[1].kind,
        OpKind::Add {
            person: PersonRef::Doc {
                doc_type: None,
                number: "43110219800101123X".into()
            },
            confirm: None
        }
    );
    assert_eq!(
        ops[2].kind,
        OpKind::Add {
            person: PersonRef::Qr("WLR1.12.AB".into()),
            confirm: Some(true)
        }
    );
    assert_eq!(ops[3].taken_ms, Some(5));
    assert!(matches!(
        &ops[4].kind,
        OpKind::Add { person: PersonRef::WalkIn { name, .. }, .. } if name == "Anna"
    ));
    assert_eq!(ops[5].kind, OpKind::Close);
    // An add without a person, an unknown op: refused by the parser.
    assert!(serde_json::from_str::<Op>(r#"{"client_id":"x","tube":"T","op":"add"}"#).is_err());
    assert!(serde_json::from_str::<Op>(r#"{"client_id":"x","tube":"T","op":"burn"}"#).is_err());
}

#[test]
fn personal_codes_are_signed() {
    let code = crate::testing::resident_code("secret", 42);
    assert_eq!(
        crate::testing::parse_resident_code("secret", &code),
        Some(42)
    );
    assert_eq!(crate::testing::parse_resident_code("other", &code), None);
    let forged = code.replace("WLR1.42.", "WLR1.43.");
    assert_eq!(crate::testing::parse_resident_code("secret", &forged), None);
}
