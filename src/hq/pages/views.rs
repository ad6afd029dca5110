//! The overview's view: headline figures as cards with a 14-day sparkline (SVG drawn here, SVG
//! attributes only: the strict CSP holds), the other figures as a list, and the child areas
//! ranked by what lags with a bar each. Every figure links to the page behind it; an absent
//! figure says so.

use maud::{html, PreEscaped};

use crate::hq::metrics::Unit;
use crate::hq::overview::{Line, Overview};
use crate::i18n::{t, Lang};
use crate::registry::areas::Area;
use crate::web::html::{url_enc, Markup};

/// A value in its unit: decimals by scale, `%`, yuan.
pub fn value_text(unit: Unit, scale: u32, v: i64) -> String {
    let num = if scale == 0 {
        group(v)
    } else {
        let p = 10i64.pow(scale);
        let sign = if v < 0 { "-" } else { "" };
        let a = v.abs();
        format!("{sign}{}.{:0w$}", group(a / p), a % p, w = scale as usize)
    };
    match unit {
        Unit::Percent => format!("{num}%"),
        Unit::Fen => format!("¥{num}"),
        Unit::Hours => format!("{num} h"),
        _ => num,
    }
}

/// Thousands separated by commas.
fn group(v: i64) -> String {
    let s = v.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn change_text(l: &Line) -> Option<String> {
    let c = l.change?;
    let sign = if c > 0 {
        "+"
    } else if c < 0 {
        "−"
    } else {
        "±"
    };
    Some(format!("{sign}{}", value_text(l.unit, l.scale, c.abs())))
}

/// A sparkline of the days (absent days leave a gap).
pub fn sparkline(days: &[Option<i64>]) -> String {
    let (w, h) = (140i64, 28i64);
    let vals: Vec<i64> = days.iter().flatten().copied().collect();
    if vals.is_empty() {
        return String::new();
    }
    let (lo, hi) = (
        *vals.iter().min().unwrap_or(&0),
        *vals.iter().max().unwrap_or(&0),
    );
    let span = (hi - lo).max(1);
    let n = (days.len() as i64 - 1).max(1);
    let mut segs: Vec<Vec<String>> = vec![vec![]];
    for (i, d) in days.iter().enumerate() {
        match d {
            Some(v) => {
                let x = i as i64 * w / n;
                let y = h - 2 - (v - lo) * (h - 4) / span;
                segs.last_mut().expect("a segment").push(format!("{x},{y}"));
            }
            None => segs.push(vec![]),
        }
    }
    let mut s = format!(
        "<svg class=\"spark\" viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"none\" aria-hidden=\"true\">"
    );
    for seg in segs.iter().filter(|s| !s.is_empty()) {
        if seg.len() == 1 {
            let (x, y) = seg[0].split_once(',').unwrap_or(("0", "0"));
            s.push_str(&format!(
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"2\" fill=\"currentColor\"/>"
            ));
        } else {
            s.push_str(&format!(
                "<polyline points=\"{}\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\"/>",
                seg.join(" ")
            ));
        }
    }
    s.push_str("</svg>");
    s
}

/// A horizontal bar of `n` of `of`.
fn bar(n: i64, of: i64) -> String {
    let w = (n * 1000 / of.max(1)).clamp(0, 1000);
    format!(
        "<svg class=\"bar fill\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect class=\"bs\" width=\"{w}\" height=\"10\"/></svg>"
    )
}

fn label(l: Lang, key: &str) -> String {
    t(l, &format!("hq-m-{key}"))
}

fn figure(l: Lang, line: &Line) -> maud::Markup {
    html! {
        @match line.value {
            Some(v) => {
                b.hq-v { (value_text(line.unit, line.scale, v)) }
                @if let Some(c) = change_text(line) {
                    " " span.muted.hq-d title=(t(l, "hq-since-yesterday")) { (c) }
                }
            }
            None => { span.muted.hq-absent { (t(l, "hq-absent")) } }
        }
    }
}

pub fn overview(l: Lang, o: &Overview, up: Option<&Area>) -> Markup {
    // The child bars: round coverage where a round runs, else residents.
    let by_cov = o
        .children
        .iter()
        .any(|c| c.figures.get("round_coverage").copied().flatten().is_some());
    let bar_key = if by_cov {
        "round_coverage"
    } else {
        "residents"
    };
    let most = o
        .children
        .iter()
        .filter_map(|c| c.figures.get(bar_key).copied().flatten())
        .max()
        .unwrap_or(1);
    let line_of = |k: &str| o.lines.iter().find(|x| x.key == k);
    html! {
        h1 { (o.area.name) }
        p.muted {
            (o.date) " · " (t(l, "hq-aggregates"))
            @if let Some(a) = up {
                " · " a href={ "/hq/overview?area=" (a.code) } { "↑ " (a.name) }
            }
        }
        p.hq-links #hq-links {
            a.button #hq-briefing href={ "/hq/briefing?area=" (url_enc(&o.area.code)) "&period=day" } { (t(l, "brief-title")) }
            " "
            a.button href="/hq/commendations" { (t(l, "comm-title")) }
        }
        section.hq-grid id="hq-headline" {
            @for line in o.lines.iter().filter(|x| x.headline) {
                a.hq-card href=(line.link) data-metric=(line.key) {
                    span.hq-k { (label(l, line.key)) }
                    (figure(l, line))
                    (PreEscaped(sparkline(&line.days)))
                }
            }
        }
        @if !o.children.is_empty() {
            h2 { (t(l, "hq-children")) }
            p.muted { (t(l, &format!("hq-children-by-{bar_key}"))) }
            ol.hq-kids id="hq-children" {
                @for c in &o.children {
                    @let v = c.figures.get(bar_key).copied().flatten();
                    li data-code=(c.code) {
                        a href={ "/hq/overview?area=" (c.code) } { (c.name) }
                        " "
                        @match (v, line_of(bar_key)) {
                            (Some(v), Some(line)) => {
                                span.muted { (value_text(line.unit, line.scale, v)) }
                                (PreEscaped(bar(v, if by_cov { 1000 } else { most })))
                            }
                            _ => { span.muted { (t(l, "hq-absent")) } }
                        }
                        @if let Some(Some(n)) = c.figures.get("needs_late") {
                            @if *n > 0 {
                                span.muted { " · " (label(l, "needs_late")) " " (n) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "hq-all")) }
        dl.hq-all id="hq-all" {
            @for line in o.lines.iter().filter(|x| !x.headline) {
                dt { a href=(line.link) { (label(l, line.key)) } }
                dd data-metric=(line.key) { (figure(l, line)) }
            }
        }
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_their_units() {
        assert_eq!(value_text(Unit::Percent, 1, 873), "87.3%");
        assert_eq!(value_text(Unit::Fen, 2, 135_182_499), "¥1,351,824.99");
        assert_eq!(value_text(Unit::People, 0, 221_600), "221,600");
        assert_eq!(value_text(Unit::Hours, 1, 138_710), "13,871.0 h");
        assert_eq!(value_text(Unit::Count, 0, -5), "-5");
    }

    #[test]
    fn sparkline_leaves_gaps_for_absent_days() {
        assert_eq!(sparkline(&[None, None]), "");
        let s = sparkline(&[Some(1), Some(2), None, Some(3)]);
        assert_eq!(s.matches("<polyline").count(), 1);
        assert_eq!(s.matches("<circle").count(), 1);
    }
}
