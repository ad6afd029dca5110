//! The audit chain's key (a file the database never sees) and its anchors: the head of the
//! chain copied out to an append-only file, one line per anchor:
//!
//! ```text
//! 2026-12-03T09:58:00Z<TAB>1234<TAB><the MAC of entry 1234, hex>
//! ```
//!
//! What an anchor proves: entries up to an anchored one cannot be removed, changed or recomputed
//! without `wardline audit verify --anchor FILE` seeing it (a recomputed chain also needs the
//! key). What it does not: entries after the last anchor can still be cut by someone who can
//! write to the database, and whoever holds the key can forge entries (keep the key and the
//! anchor file out of the database administrator's reach: another machine, another account,
//! `chattr +a`, or shipped to a log host).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::db::Db;
use crate::error::{AppError, AppResult};

/// Where the key came from: a file that was there, or one created now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Existing,
    Created,
}

/// Read the key from `path` (64 or more hex digits, i.e. at least 32 bytes, on the first
/// line), or, when the file is missing and `create` is set, make a new random 32-byte key there
/// with mode 0600 (never overwriting a file that appeared meanwhile).
pub fn load_key(path: &Path, create: bool) -> Result<(Vec<u8>, KeySource), String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let line = text.lines().next().unwrap_or("").trim();
            let key = unhex(line).ok_or_else(|| {
                format!(
                    "audit key file {}: expected at least 64 hex digits on its first line",
                    path.display()
                )
            })?;
            if key.len() < 32 {
                return Err(format!(
                    "audit key file {}: the key is {} bytes, at least 32 are needed",
                    path.display(),
                    key.len()
                ));
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if let Ok(m) = std::fs::metadata(path) {
                    if m.permissions().mode() & 0o077 != 0 {
                        tracing::warn!(
                            "audit key file {} can be read by other users (mode {:o}): chmod 600 it",
                            path.display(),
                            m.permissions().mode() & 0o777
                        );
                    }
                }
            }
            Ok((key, KeySource::Existing))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let mut key = vec![0u8; 32];
            getrandom::fill(&mut key).map_err(|e| format!("no randomness for a key: {e}"))?;
            if let Some(dir) = path.parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
            }
            // Written in full to a temporary file, then linked into place: another process
            // starting at the same moment never reads half a key, and never overwrites one.
            let mut tmp = path.as_os_str().to_owned();
            let mut nonce = [0u8; 8];
            getrandom::fill(&mut nonce).map_err(|e| format!("no randomness: {e}"))?;
            tmp.push(format!(
                ".{}.{}.tmp",
                std::process::id(),
                crate::hex::hex(&nonce)
            ));
            let tmp = PathBuf::from(tmp);
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let written = opts.open(&tmp).and_then(|mut f| {
                writeln!(f, "{}", crate::hex::hex(&key))?;
                f.sync_all()
            });
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(format!(
                    "cannot write audit key file {}: {e}",
                    tmp.display()
                ));
            }
            let linked = std::fs::hard_link(&tmp, path);
            let _ = std::fs::remove_file(&tmp);
            match linked {
                Ok(()) => {}
                // Another process made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return load_key(path, false);
                }
                Err(e) => {
                    return Err(format!(
                        "cannot create audit key file {}: {e}",
                        path.display()
                    ))
                }
            }
            Ok((key, KeySource::Created))
        }
        Err(e) => Err(format!(
            "cannot read audit key file {}: {e}",
            path.display()
        )),
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.is_empty() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// One line of an anchor file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub time: String,
    pub seq: i64,
    pub mac: String,
}

/// Read an anchor file. A line that does not parse is an error naming it (an anchor file is
/// only ever appended to by Wardline; a damaged one is worth a look, not a silent skip).
pub fn read_anchors(path: &Path) -> Result<Vec<Anchor>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read anchor file {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let parsed = match parts.as_slice() {
            [time, seq, mac] if mac.len() == 64 => seq.parse().ok().map(|seq| Anchor {
                time: (*time).to_owned(),
                seq,
                mac: (*mac).to_owned(),
            }),
            _ => None,
        };
        match parsed {
            Some(a) => out.push(a),
            None => {
                return Err(format!(
                    "anchor file {} line {}: expected `TIME SEQ MAC`",
                    path.display(),
                    i + 1
                ))
            }
        }
    }
    Ok(out)
}

/// Append the chain's head to the anchor file at `path` (created if missing) unless it is
/// the entry `unless_seq` (already anchored). Returns the anchor written, if any. The line is
/// also logged, so a log shipped elsewhere carries the anchors too.
pub async fn write_anchor(
    db: &Db,
    path: &Path,
    unless_seq: Option<i64>,
) -> AppResult<Option<Anchor>> {
    let head = db
        .query_one_as::<crate::audit::Head>("SELECT seq, hash FROM audit_head WHERE id = 1", vec![])
        .await?;
    let (seq, mac) = (head.seq, head.hash);
    if seq == 0 || unless_seq == Some(seq) {
        return Ok(None);
    }
    let a = Anchor {
        time: iso_utc(crate::db::now_ms()),
        seq,
        mac,
    };
    append_line(path, &format!("{}\t{}\t{}\n", a.time, a.seq, a.mac))
        .map_err(|e| AppError::Internal(format!("anchor file {}: {e}", path.display())))?;
    tracing::info!(anchor_seq = a.seq, anchor_mac = %a.mac, "audit anchor written");
    Ok(Some(a))
}

fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(line.as_bytes())?;
    f.sync_data()
}

/// `2026-12-03T09:58:00Z` from Unix milliseconds.
pub fn iso_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The default key file: beside the SQLite database, or `wardline-data/audit.key` for
/// PostgreSQL (copy the same file to every node).
pub fn default_key_path(database_url: &str) -> PathBuf {
    default_dir(database_url).join("audit.key")
}

/// The default anchor file: `audit-anchors.log` in the same folder. Better kept elsewhere
/// (`--audit-anchor-file`): see the README.
pub fn default_anchor_path(database_url: &str) -> PathBuf {
    default_dir(database_url).join("audit-anchors.log")
}

fn default_dir(database_url: &str) -> PathBuf {
    match database_url.strip_prefix("sqlite://") {
        Some(p) => Path::new(p)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        None => PathBuf::from("wardline-data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(1_796_293_079_000), "2026-12-03T10:17:59Z");
    }

    #[test]
    fn key_files() {
        let dir = std::env::temp_dir().join(format!("wl_key_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub/audit.key");
        assert!(load_key(&path, false).is_err());
        let (k, src) = load_key(&path, true).unwrap();
        assert_eq!((k.len(), src), (32, KeySource::Created));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(load_key(&path, true).unwrap(), (k, KeySource::Existing));
        std::fs::write(&path, "abcd\n").unwrap();
        assert!(load_key(&path, true).unwrap_err().contains("32"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn processes_starting_together_share_one_key() {
        let dir = std::env::temp_dir().join(format!("wl_key_race_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("audit.key");
        let keys: Vec<Vec<u8>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| s.spawn(|| load_key(&path, true).unwrap().0))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0] && k.len() == 32));
        assert_eq!(load_key(&path, false).unwrap().0, keys[0]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
