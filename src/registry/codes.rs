//! A resident's personal code (个人码), the identity shown as a QR code to a collector:
//! `WLR1.<id>.<signature>`, the signature a keyed hash under the deployment's QR secret
//! (`access::settings::qr_secret`), so codes cannot be made up from record ids. Made here, with
//! the resident; testing reads it at the sampling sites, the household link shows it.

/// The signature of a resident's personal code: a keyed hash, so codes cannot be made up from
/// record ids.
fn qr_sig(secret: &str, resident_id: i64) -> String {
    use hmac::{KeyInit, Mac};
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    m.update(format!("resident:{resident_id}").as_bytes());
    m.finalize().into_bytes()[..6]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A resident's personal code, as printed in a QR code: `WLR1.<id>.<signature>`.
pub fn resident_code(secret: &str, resident_id: i64) -> String {
    format!("WLR1.{resident_id}.{}", qr_sig(secret, resident_id))
}

/// The resident id in a personal code, if the code is genuine.
pub fn parse_resident_code(secret: &str, code: &str) -> Option<i64> {
    let mut it = code.trim().splitn(3, '.');
    if it.next()? != "WLR1" {
        return None;
    }
    let id: i64 = it.next()?.parse().ok()?;
    let sig = it.next()?;
    (sig.eq_ignore_ascii_case(&qr_sig(secret, id))).then_some(id)
}
