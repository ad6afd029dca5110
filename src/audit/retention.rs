//! Retention: personal data kept only as long as the response needs it (PIPL art. 19: "the
//! shortest period necessary"). A policy is a list of [`Kind`]s, each with a period in days and
//! the steps (portable SQL) that delete or anonymise the records older than that; every
//! capability contributes its kinds (see `crate::retention::kinds`), and the pass logs and
//! quarantine checks to come will add theirs the same way.
//!
//! The figures stay: steps only remove people from records (a phone, a name, a note, who was in
//! a tube) or delete rows no tally is computed from; the tallies themselves are never touched.
//! A run is one transaction and writes one audit entry with what it did; a dry run counts what
//! would go and changes nothing.

use serde::Serialize;
use serde_json::json;

use super::{record, Actor, Event};
use crate::args;
use crate::db::{now_ms, Db};
use crate::error::AppResult;

pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// One statement of a kind: `count` counts what `apply` changes; both take the cutoff (Unix
/// milliseconds) as `$1`.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub en: &'static str,
    pub zh: &'static str,
    /// `delete` or `anonymise`.
    pub does: &'static str,
    pub count: &'static str,
    pub apply: &'static str,
}

/// A kind of personal record with its default period.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub name: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub default_days: u32,
    /// Why this period, for the README and `--help`.
    pub why: &'static str,
    pub steps: &'static [Step],
}

/// A kind with the period in force (0: kept, never swept).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub kind: Kind,
    pub days: u32,
}

/// The periods in force: each kind's default unless `overrides` names it. A name that is no
/// kind is an error (a typo must not keep data forever).
pub fn policy(kinds: &[Kind], overrides: &[(String, u32)]) -> Result<Vec<Policy>, String> {
    for (name, _) in overrides {
        if !kinds.iter().any(|k| k.name == name) {
            let known: Vec<&str> = kinds.iter().map(|k| k.name).collect();
            return Err(format!(
                "retention: no kind of record named {name:?} (known: {})",
                known.join(", ")
            ));
        }
    }
    Ok(kinds
        .iter()
        .map(|k| Policy {
            kind: *k,
            days: overrides
                .iter()
                .rev()
                .find(|(n, _)| n == k.name)
                .map_or(k.default_days, |(_, d)| *d),
        })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub en: &'static str,
    pub zh: &'static str,
    pub does: &'static str,
    pub rows: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    pub kind: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub days: u32,
    /// Records older than this (Unix milliseconds) were due; `None` when the kind is kept.
    pub cutoff_ms: Option<i64>,
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub at_ms: i64,
    pub kinds: Vec<KindReport>,
    /// The audit entry of the run (none for a dry run).
    pub audit_seq: Option<i64>,
}

impl Report {
    pub fn total(&self) -> i64 {
        self.kinds
            .iter()
            .flat_map(|k| k.steps.iter())
            .map(|s| s.rows)
            .sum()
    }

    /// Lines for a terminal, in both languages.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let (verb_en, verb_zh) = if self.dry_run {
            ("would be", "将被")
        } else {
            ("were", "已")
        };
        for k in &self.kinds {
            if k.cutoff_ms.is_none() {
                out.push_str(&format!(
                    "{}: kept (period 0) / 不清理 — {} / {}\n",
                    k.kind, k.en, k.zh
                ));
                continue;
            }
            out.push_str(&format!(
                "{} ({} days / {} 天) — {} / {}\n",
                k.kind, k.days, k.days, k.en, k.zh
            ));
            for s in &k.steps {
                let (d_en, d_zh) = match s.does {
                    "delete" => ("deleted", "删除"),
                    _ => ("anonymised", "匿名化"),
                };
                out.push_str(&format!(
                    "  {:>8}  {}: {verb_en} {d_en} / {}：{verb_zh}{d_zh}\n",
                    s.rows, s.en, s.zh
                ));
            }
        }
        out.push_str(&format!(
            "total {} records {} / 合计 {} 条\n",
            self.total(),
            if self.dry_run {
                "due (dry run, nothing changed)"
            } else {
                "changed"
            },
            self.total()
        ));
        out
    }
}

/// Run the policy at `now`: a dry run counts, a real run applies every step in one
/// transaction and records one audit entry (`retention`) listing what it did, by `actor`.
pub async fn run(
    db: &Db,
    actor: &Actor,
    policy: &[Policy],
    now: i64,
    dry_run: bool,
) -> AppResult<Report> {
    let mut kinds = Vec::new();
    let mut tx = if dry_run {
        None
    } else {
        Some(db.begin().await?)
    };
    for p in policy {
        let cutoff = (p.days > 0).then(|| now - i64::from(p.days) * DAY_MS);
        let mut steps = Vec::new();
        if let Some(cutoff) = cutoff {
            for s in p.kind.steps {
                let rows = match &mut tx {
                    None => db.scalar::<i64>(s.count, args![cutoff]).await?,
                    Some(tx) => tx.execute(s.apply, args![cutoff]).await? as i64,
                };
                steps.push(StepReport {
                    en: s.en,
                    zh: s.zh,
                    does: s.does,
                    rows,
                });
            }
        }
        kinds.push(KindReport {
            kind: p.kind.name,
            en: p.kind.en,
            zh: p.kind.zh,
            days: p.days,
            cutoff_ms: cutoff,
            steps,
        });
    }
    let mut report = Report {
        dry_run,
        at_ms: now,
        kinds,
        audit_seq: None,
    };
    if let Some(mut tx) = tx {
        let detail = json!({
            "kinds": report.kinds.iter().map(|k| json!({
                "kind": k.kind,
                "days": k.days,
                "cutoff_ms": k.cutoff_ms,
                "rows": k.steps.iter().map(|s| s.rows).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "total": report.total(),
        });
        let seq = record(
            &mut tx,
            actor,
            Event::new("retention", "retention", "run").detail(detail),
        )
        .await?;
        tx.commit().await?;
        report.audit_seq = Some(seq);
    }
    Ok(report)
}

/// The audit log's own kind: the details of reveals (the reason given for seeing a full ID
/// number) after 180 days, the six months China's Cybersecurity Law (art. 21) asks network
/// logs to be kept. The entry stays (who, when, whose record); only its detail becomes
/// [`super::REDACTED`], which the chain allows for keyed entries. Entries from before the key
/// epoch cannot be redacted without breaking their hash and are kept.
pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: "reveal_details",
        en: "reasons given for revealing full ID numbers (audit details)",
        zh: "查看完整证件号的理由（审计明细）",
        default_days: 180,
        why: "six months, the least the Cybersecurity Law (art. 21) asks network logs to be kept",
        steps: &[Step {
            en: "reveal entries' details",
            zh: "查看记录的明细",
            does: "anonymise",
            count: "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND at_ms < $1 \
                    AND detail_digest IS NOT NULL AND detail <> '{\"redacted\":\"retention\"}'",
            apply: "UPDATE audit_log SET detail = '{\"redacted\":\"retention\"}' WHERE action = 'reveal' \
                    AND at_ms < $1 AND detail_digest IS NOT NULL AND detail <> '{\"redacted\":\"retention\"}'",
        }],
    }]
}

/// Run the sweep every day while serving (first a minute after start).
pub async fn daily(db: Db, policy: Vec<Policy>) {
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    loop {
        match run(&db, &system(), &policy, now_ms(), false).await {
            Ok(r) => tracing::info!("retention sweep: {} records changed", r.total()),
            Err(e) => tracing::warn!("retention sweep failed: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    }
}

/// The server acting on its own.
pub fn system() -> Actor {
    Actor {
        account_id: None,
        username: "system".into(),
        ip: "local".into(),
    }
}
