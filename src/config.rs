//! Configuration, layered: defaults in code, then an optional TOML file (`--config FILE` or
//! `WARDLINE_CONFIG`), then `WARDLINE_*` environment variables, then command-line flags.
//! clap reads the flags and the environment; the file fills what both left empty.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://wardline-data/wardline.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DEMO_PEOPLE: u64 = 50_000;
pub const DEFAULT_DEMO_AREA: &str = "431102";

/// What a config file may set. Unknown keys are an error, so a typo does not pass silently.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub demo_people: Option<u64>,
    pub demo_area: Option<String>,
    pub log: Option<String>,
    /// The audit chain's key file (see `audit::anchor`).
    pub audit_key_file: Option<PathBuf>,
    /// The append-only file the audit chain's head is copied to while serving.
    pub audit_anchor_file: Option<PathBuf>,
    /// Retention periods in days by kind of record, e.g. `need_contact = 30` (0: kept).
    pub retention: Option<BTreeMap<String, u32>>,
    /// Imports that may run at once on a node (`WARDLINE_IMPORT_CONCURRENCY`).
    pub import_concurrency: Option<usize>,
    /// Notifications (issue 19): `[notify]`.
    pub notify: Option<NotifyFile>,
}

/// `[notify]`: `sender = "log" | "webhook"`, `webhook_url = "http://…"`, `webhook_secret`,
/// `daily_cap`, `max_attempts`, `backoff_secs`, `interval_secs`. The URL and the secret may
/// come from `WARDLINE_NOTIFY_WEBHOOK_URL` / `WARDLINE_NOTIFY_WEBHOOK_SECRET` instead (a
/// secret is better kept out of a file); a URL set there chooses the webhook.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    pub sender: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub daily_cap: Option<i64>,
    pub max_attempts: Option<i64>,
    pub backoff_secs: Option<i64>,
    pub interval_secs: Option<i64>,
}

impl NotifyFile {
    /// The settings in force; an error names what is wrong (a webhook without a URL or a
    /// secret, a URL that is not `http://`, an unknown sender).
    pub fn settings(self) -> Result<crate::notify::send::Settings, String> {
        use crate::notify::send::{parse_http_url, Sender, Settings};
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let url = env("WARDLINE_NOTIFY_WEBHOOK_URL").or(self.webhook_url);
        let secret = env("WARDLINE_NOTIFY_WEBHOOK_SECRET").or(self.webhook_secret);
        let kind = self
            .sender
            .unwrap_or_else(|| if url.is_some() { "webhook" } else { "log" }.into());
        let d = Settings::default();
        let sender = match kind.as_str() {
            "log" => Sender::Log,
            "webhook" => {
                let url = url.ok_or("notify: the webhook sender needs webhook_url")?;
                parse_http_url(&url).map_err(|e| format!("notify: {e}"))?;
                let secret = secret.ok_or("notify: the webhook sender needs webhook_secret")?;
                Sender::Webhook { url, secret }
            }
            other => return Err(format!("notify: unknown sender {other:?} (log or webhook)")),
        };
        Ok(Settings {
            sender,
            daily_cap: self.daily_cap.unwrap_or(d.daily_cap).max(0),
            max_attempts: self.max_attempts.unwrap_or(d.max_attempts).max(1),
            backoff_ms: self.backoff_secs.map_or(d.backoff_ms, |s| s.max(1) * 1000),
            interval_ms: self
                .interval_secs
                .map_or(d.interval_ms, |s| s.max(1) * 1000),
        })
    }
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<FileConfig, String> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }
}

/// The settings in force.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    pub demo_people: u64,
    pub demo_area: String,
    pub log: String,
    pub audit_key_file: PathBuf,
    pub audit_anchor_file: PathBuf,
    /// Retention periods that differ from the defaults, by kind.
    pub retention: Vec<(String, u32)>,
    /// Imports that may run at once on a node; more are told to wait.
    pub import_concurrency: usize,
    /// Notifications: the sender and its rules.
    pub notify: crate::notify::send::Settings,
}

impl Config {
    /// Flag/env value if given, else the file's, else the default.
    pub fn resolve(
        file: FileConfig,
        database_url: Option<String>,
        listen: Option<String>,
        demo_people: Option<u64>,
    ) -> Config {
        let database_url = normalise_url(
            &database_url
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
        );
        let notify = match file.notify.unwrap_or_default().settings() {
            Ok(s) => s,
            Err(e) => {
                // A wrong notification setting must not stop the response: log it, use the log.
                eprintln!("warning: {e}; notifications go to the log");
                crate::notify::send::Settings::default()
            }
        };
        Config {
            notify,
            audit_key_file: file
                .audit_key_file
                .unwrap_or_else(|| crate::audit::anchor::default_key_path(&database_url)),
            audit_anchor_file: file
                .audit_anchor_file
                .unwrap_or_else(|| crate::audit::anchor::default_anchor_path(&database_url)),
            retention: file.retention.unwrap_or_default().into_iter().collect(),
            database_url,
            listen: listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            demo_people: demo_people
                .or(file.demo_people)
                .unwrap_or(DEFAULT_DEMO_PEOPLE),
            demo_area: file.demo_area.unwrap_or_else(|| DEFAULT_DEMO_AREA.into()),
            log: std::env::var("WARDLINE_LOG")
                .ok()
                .or(file.log)
                .unwrap_or_else(|| "info".into()),
            import_concurrency: std::env::var("WARDLINE_IMPORT_CONCURRENCY")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .or(file.import_concurrency)
                .unwrap_or(crate::registry::jobs::DEFAULT_IMPORT_CONCURRENCY)
                .max(1),
        }
    }
}

/// A bare file path means SQLite.
pub fn normalise_url(url: &str) -> String {
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    }
}
