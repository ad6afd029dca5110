//! Mobilization's notifications (issue 19): a shift starting within the hour (a sweep of the
//! server's background loop), a volunteer application decided (in the screening transaction),
//! and the re-check of a shift reminder at send time (still on it, not yet checked in).

use crate::args;
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::i18n::Arg;
use crate::notify::{self, recheck, Note};

const HOUR_MS: i64 = 3600 * 1000;

struct Soon {
    id: i64,
    starts_ms: i64,
    path: String,
    account_id: i64,
    post_zh: String,
    post_en: String,
}
crate::from_row!(Soon {
    id,
    starts_ms,
    path,
    account_id,
    post_zh,
    post_en
});

/// The assignments starting in (`$1`, `$2`] whose volunteer was not told yet (also the notify bench's plan).
pub const SHIFTS_SOON_SQL: &str = "SELECT a.id, a.starts_ms, s.path, v.account_id, p.name_zh AS post_zh, p.name_en AS post_en \
             FROM shifts s JOIN assignments a ON a.shift_id = s.id \
             JOIN volunteers v ON v.id = a.volunteer_id JOIN posts p ON p.id = s.post_id \
             WHERE s.starts_ms > $1 AND s.starts_ms <= $2 AND a.starts_ms > $1 AND a.starts_ms <= $2 \
             AND a.checkin_ms IS NULL AND v.account_id IS NOT NULL AND v.status = 'approved' \
             AND NOT EXISTS (SELECT 1 FROM notify_outbox o WHERE o.account_id = v.account_id \
             AND o.once_key = 'shift_soon:' || a.id)";

/// Each volunteer on a shift that starts within the hour after `now`, told once.
pub async fn shifts_soon(db: &Db, now: i64) -> AppResult<u64> {
    let rows: Vec<Soon> = db
        .query_as(SHIFTS_SOON_SQL, args![now, now + HOUR_MS])
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let mut added = 0;
    for r in rows {
        // The post's name in the recipient's language: both are given, the message picks.
        let lang: Option<String> = tx
            .scalar(
                "SELECT lang FROM accounts WHERE id = $1",
                args![r.account_id],
            )
            .await?;
        let post = match lang.as_deref().and_then(crate::i18n::Lang::from_code) {
            Some(crate::i18n::Lang::En) => r.post_en,
            _ => r.post_zh,
        };
        let note = Note {
            kind: "shift_soon",
            account_id: r.account_id,
            link: "/me/shifts".into(),
            path: r.path,
            args: vec![
                ("post", Arg::S(post)),
                ("time", Arg::S(notify::china_clock(r.starts_ms))),
            ],
            once_key: format!("shift_soon:{}", r.id),
            recheck: format!("shift:{}", r.id),
        };
        added += u64::from(notify::enqueue(&mut tx, &note, now).await?);
    }
    tx.commit().await?;
    Ok(added)
}

/// A volunteer's application was decided (approved or rejected): told when they have an
/// account (an approval with an account asked for makes one just before).
pub async fn decided(
    tx: &mut Tx,
    volunteer: i64,
    account: Option<i64>,
    path: &str,
    to: &str,
    now: i64,
) -> AppResult<()> {
    let (Some(account), true) = (account, matches!(to, "approved" | "rejected")) else {
        return Ok(());
    };
    let lang: Option<String> = tx
        .scalar("SELECT lang FROM accounts WHERE id = $1", args![account])
        .await?;
    let lang = lang
        .as_deref()
        .and_then(crate::i18n::Lang::from_code)
        .unwrap_or(crate::i18n::Lang::Zh);
    let decision = crate::i18n::t(lang, &format!("notify-decision-{to}"));
    notify::enqueue(
        tx,
        &Note {
            kind: "application_decided",
            account_id: account,
            link: "/".into(),
            path: path.to_owned(),
            args: vec![("decision", Arg::S(decision))],
            once_key: format!("application_decided:{volunteer}:{to}:{now}"),
            recheck: String::new(),
        },
        now,
    )
    .await?;
    Ok(())
}

struct Assignment {
    checkin_ms: Option<i64>,
}
crate::from_row!(Assignment { checkin_ms });

/// `shift:<assignment>`: skipped when the volunteer was taken off the shift, or has checked in.
pub struct Recheck;

impl recheck::Recheck for Recheck {
    fn prefix(&self) -> &'static str {
        "shift"
    }

    fn skip<'a>(&'a self, db: &'a Db, rest: &'a str) -> recheck::Answer<'a> {
        Box::pin(async move {
            let Ok(id) = rest.parse::<i64>() else {
                return Ok(None);
            };
            let a: Option<Assignment> = db
                .query_opt_as(
                    "SELECT checkin_ms FROM assignments WHERE id = $1",
                    args![id],
                )
                .await?;
            Ok(match a {
                None => Some("cancelled"),
                Some(a) if a.checkin_ms.is_some() => Some("started"),
                Some(_) => None,
            })
        })
    }
}
