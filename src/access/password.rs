//! Passwords: Argon2id with the library's recommended parameters (19 MiB, 2 passes), in the PHC
//! string format so the parameters travel with each hash and can be raised later.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use crate::error::FieldError;

pub const MIN_LEN: usize = 10;

/// Check a new password against the policy: long enough, not one repeated character.
pub fn check_policy(pw: &str) -> Result<(), FieldError> {
    let n = pw.chars().count();
    if n < MIN_LEN {
        return Err(FieldError::new(
            "password",
            format!("at least {MIN_LEN} characters (this one has {n})"),
            format!("至少 {MIN_LEN} 个字符（现在 {n} 个）"),
        ));
    }
    if n > 256 {
        return Err(FieldError::new(
            "password",
            "at most 256 characters",
            "最多 256 个字符",
        ));
    }
    let first = pw.chars().next().unwrap_or_default();
    if pw.chars().all(|c| c == first) {
        return Err(FieldError::new(
            "password",
            "not one character repeated",
            "不能由同一个字符重复组成",
        ));
    }
    Ok(())
}

pub fn hash(pw: &str) -> String {
    Argon2::default()
        .hash_password(pw.as_bytes())
        .expect("argon2 hashing with default parameters")
        .to_string()
}

pub fn verify(stored: &str, pw: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default().verify_password(pw.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that the time taken does not
/// tell whether a user name is taken.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash("wardline-dummy-password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "correct horse batterY"));
        assert!(!verify("not a hash", "x"));
        assert!(check_policy("short").is_err());
        assert!(check_policy("aaaaaaaaaaaa").is_err());
        assert!(check_policy("long enough pass").is_ok());
    }
}
