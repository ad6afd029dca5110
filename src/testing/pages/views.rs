//! What the testing pages share as markup: links within a round, the round's window and
//! status, pooling in words, coverage bars and figures, results and a person's state as tags.

use crate::html;

use crate::db::now_ms;
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::model::{LEVELS, LEVEL_GRID};
use crate::testing::coverage::{self, Coverage};
use crate::testing::results;
use crate::testing::{Round, POOL_SIZES};
use crate::web::html::minutes;
use crate::web::html::{url_enc, Markup};

pub(super) fn round_href(id: i64) -> String {
    format!("/testing/rounds/{id}")
}

/// A link to a round's page for an area (`sub`: "" for the overview, "/missing", …).
pub(super) fn area_link(round: i64, sub: &str, code: &str) -> String {
    if code.is_empty() {
        format!("/testing/rounds/{round}{sub}")
    } else {
        format!("/testing/rounds/{round}{sub}?area={}", url_enc(code))
    }
}

/// The time window of a round: the end date is left out when it is the start date.
pub(super) fn window(r: &Round) -> String {
    let (s, e) = (minutes(r.starts_ms), minutes(r.ends_ms));
    if s[..10] == e[..10] {
        format!("{s} – {}", &e[11..])
    } else {
        format!("{s} – {e}")
    }
}

pub(super) fn pool_text(l: Lang, n: i64) -> String {
    if n == 0 {
        t(l, "testing-pool-household")
    } else {
        ta(l, "testing-pool-n", &[("n", Arg::N(n))])
    }
}

pub(super) fn pool_options(l: Lang) -> Vec<(String, String)> {
    POOL_SIZES
        .iter()
        .map(|&n| (n.to_string(), pool_text(l, n)))
        .collect()
}

/// Upcoming, open or over, as a tag.
pub(super) fn status_tag(l: Lang, r: &Round) -> Markup {
    let now = now_ms();
    let (class, id) = if now < r.starts_ms {
        ("st-soon", "testing-status-upcoming")
    } else if now <= r.ends_ms {
        ("st-open", "testing-status-open")
    } else {
        ("st-over", "testing-status-over")
    };
    html!("<span class=\"tag {}\">{}</span>", class, t(l, id))
}

pub(super) fn level_name(l: Lang, level: i64) -> String {
    LEVELS
        .get((level - 1).max(0) as usize)
        .map(|x| if l == Lang::Zh { x.zh } else { x.en })
        .unwrap_or("")
        .to_owned()
}

/// `91.3%` from per mille.
pub(super) fn percent(pm: i64) -> String {
    format!("{}.{}%", pm / 10, pm % 10)
}

/// A stacked bar: sampled, then exempt; the rest (missing) is the bar's background. SVG
/// attributes, not inline styles, so the strict CSP holds.
pub(super) fn bar(l: Lang, c: &Coverage) -> Markup {
    let total = c.expected.max(1);
    let s = (c.sampled * 1000 / total).clamp(0, 1000);
    let e = (c.exempt * 1000 / total).clamp(0, 1000 - s);
    html!(
        "<svg class=\"bar\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\"><rect class=\"bs\" width=\"{}\" height=\"10\"/><rect class=\"be\" x=\"{}\" width=\"{}\" height=\"10\"/></svg>",
        ta(l, "testing-bar-label", &[("pct", Arg::S(percent(c.permille())))]),
        s,
        s,
        e
    )
}

/// A plain fill bar: `n` of `of` (a tube's people of its capacity).
pub(super) fn bar_of(n: i64, of: i64) -> Markup {
    let w = (n * 1000 / of.max(1)).clamp(0, 1000);
    html!(
        "<svg class=\"bar fill\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect class=\"bs\" width=\"{}\" height=\"10\"/></svg>",
        w
    )
}

/// One line of figures under a bar.
pub(super) fn figures(l: Lang, c: &Coverage) -> Markup {
    html!(
        "<span class=\"k-s\">{}</span> · <span class=\"k-e\">{}</span> · <span class=\"k-m\">{}</span>",
        ta(l, "testing-fig-sampled", &[("n", Arg::N(c.sampled))]),
        ta(l, "testing-fig-exempt", &[("n", Arg::N(c.exempt))]),
        ta(
            l,
            "testing-fig-missing",
            &[
                ("n", Arg::N(c.missing)),
                ("hh", Arg::N(c.households_missing))
            ]
        )
    )
}

/// Per child: a bar with its figures, a link further down (and to the missing list from the
/// grid down).
pub(super) fn child_rows(
    l: Lang,
    round: i64,
    kids: &[coverage::AreaCoverage],
    zones: &std::collections::HashMap<String, crate::zones::ZoneInForce>,
) -> Markup {
    let mut m = Markup("<div class=\"covlist\" id=\"children\">".into());
    for k in kids {
        // A grid (or building) inside a zone: its badge beside the name.
        let zone = match zones.get(&k.path) {
            Some(z) => html!(
                " <a class=\"tag zone-badge zone-{}\" href=\"/zones/{}\">{}</a>",
                z.kind.code(),
                z.id,
                z.kind.name(l)
            ),
            None => Markup::default(),
        };
        let missing = if k.level >= LEVEL_GRID && k.coverage.missing > 0 {
            html!(
                " <a class=\"small nowrap\" href=\"{}\">{}</a>",
                area_link(round, "/missing", &k.code),
                t(l, "missing-link-short")
            )
        } else {
            Markup::default()
        };
        m.push(html!(
            "<div class=\"cov\"><div class=\"cov-head\"><span><a href=\"{}\">{}</a>{}</span><b>{}</b></div>{}<div class=\"muted\">{}{}</div></div>",
            area_link(round, "", &k.code),
            k.name,
            zone,
            percent(k.coverage.permille()),
            bar(l, &k.coverage),
            figures(l, &k.coverage),
            missing
        ));
    }
    m.0.push_str("</div>");
    m
}

pub(super) fn task_kind(l: Lang, kind: &str) -> String {
    match kind {
        "retest" => t(l, "task-retest"),
        "resample" => t(l, "task-resample"),
        other => other.to_owned(),
    }
}

pub(super) fn site_kind(l: Lang, kind: &str) -> String {
    match kind {
        "door" => t(l, "site-door"),
        _ => t(l, "site-fixed"),
    }
}

pub(super) fn result_text(l: Lang, code: &str) -> String {
    results::RESULTS
        .iter()
        .find(|x| x.0 == code)
        .map(|x| if l == Lang::Zh { x.2 } else { x.1 })
        .unwrap_or(code)
        .to_owned()
}

pub(super) fn result_tag(l: Lang, code: Option<&str>) -> Markup {
    match code {
        None => html!("<span class=\"tag\">{}</span>", t(l, "result-none")),
        Some(c) => {
            let class = match c {
                "negative" => "ok",
                "positive" => "bad",
                _ => "warn",
            };
            html!("<span class=\"tag {}\">{}</span>", class, result_text(l, c))
        }
    }
}

/// A person's state in a round, in words.
pub(super) fn person_status(l: Lang, s: &str) -> String {
    let id = match s {
        "pending" => "pstatus-pending",
        "negative" => "pstatus-negative",
        "positive" => "pstatus-positive",
        "retest" => "pstatus-retest",
        "retest_pending" => "pstatus-retest-pending",
        "resample" => "pstatus-resample",
        _ => return s.to_owned(),
    };
    t(l, id)
}

/// A person's state in a round as a coloured tag (the resident page shows it too).
pub fn person_status_tag(l: Lang, s: &str) -> Markup {
    let class = match s {
        "negative" => "ok",
        "positive" => "bad",
        "pending" => "",
        _ => "warn",
    };
    html!(
        "<span class=\"tag {}\">{}</span>",
        class,
        person_status(l, s)
    )
}
