//! TOTP second factor (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the kind every
//! authenticator app reads. Secrets are 20 random bytes, shown to the user in base32.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0);
    for &b in bytes {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = ALPHABET
            .iter()
            .position(|&a| a as char == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

pub fn new_secret() -> String {
    let mut b = [0u8; 20];
    getrandom::fill(&mut b).expect("no system randomness");
    base32_encode(&b)
}

/// The code for a 30-second step.
pub fn code_at(secret: &[u8], step: u64) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    bin % 1_000_000
}

pub fn step_of(unix_ms: i64) -> u64 {
    (unix_ms / 1000 / 30) as u64
}

/// Check a code against the current step and one step either side (clock drift).
pub fn check(secret_b32: &str, code: &str, unix_ms: i64) -> bool {
    matching_step(secret_b32, code, unix_ms).is_some()
}

/// The step whose code `code` is, among the current step and one either side.
pub fn matching_step(secret_b32: &str, code: &str, unix_ms: i64) -> Option<u64> {
    let secret = base32_decode(secret_b32)?;
    let code = code.trim();
    let n = code.parse::<u32>().ok()?;
    if code.len() != 6 {
        return None;
    }
    let now = step_of(unix_ms);
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .find(|&s| code_at(&secret, s) == n)
}

/// The URI authenticator apps import (as text, or from a QR code).
pub fn otpauth_uri(username: &str, secret_b32: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/Wardline:{}?secret={secret_b32}&issuer=Wardline",
        enc(username)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vectors_and_base32() {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890", last six digits.
        let key = b"12345678901234567890";
        assert_eq!(code_at(key, 59 / 30), 287082);
        assert_eq!(code_at(key, 1111111109 / 30), 81804);
        assert_eq!(code_at(key, 2000000000 / 30), 279037);
        let b32 = base32_encode(key);
        assert_eq!(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&b32).unwrap(), key);
        let now = 1_700_000_000_000;
        let code = format!("{:06}", code_at(key, step_of(now)));
        assert!(check(&b32, &code, now));
        assert!(check(&b32, &code, now + 30_000));
        assert!(!check(&b32, &code, now + 90_000));
        assert!(!check(&b32, "12345", now));
    }
}
