//! The briefing's text, composed from figures (pure: no database). A briefing is a list of
//! paragraphs, each a list of segments: plain text, or a number that the page links to the
//! records behind it (the metric's page for the area). The plain text for a chat group is the
//! segments joined.
//!
//! Rules (README "The daily briefing"):
//! 1. The opening says when and whom: "截至12月3日18时，全区临时党支部……" for the whole
//!    response, "12月3日，" for a day, "11月27日至12月3日，" for a week.
//! 2. Then the work totals in a fixed order (samples, parcels, duty, persuaded returns, gas,
//!    requests, emergencies); over a day or a week each is its growth over the period. A
//!    metric that is absent in the deployment is left out (not written as zero); a zero is
//!    written.
//! 3. The state now: residents and households registered, people under quarantine, people in
//!    sealed zones, needs open and late (absent ones left out).
//! 4. What changed since the previous briefing of the same area (its totals), when there is
//!    one.
//! 5. The areas that lag: up to three child areas by people not yet sampled in the current
//!    round, then by needs late.
//!
//! Numbers follow [`super::numbers`]: 万 with two decimals from 100,000 in Chinese, 余 for
//! persuaded returns, full-width punctuation; English with thousands separators.

use serde::Serialize;

use super::numbers::*;
use crate::hq::metrics::Figure;
use crate::i18n::Lang;

/// The period a briefing covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    All,
}

impl Period {
    pub fn parse(s: &str) -> Period {
        match s.trim() {
            "day" => Period::Day,
            "week" => Period::Week,
            _ => Period::All,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::All => "all",
        }
    }
    /// Days the period spans back from its last day (none: since the start).
    pub fn days(self) -> Option<i64> {
        match self {
            Period::Day => Some(1),
            Period::Week => Some(7),
            Period::All => None,
        }
    }
}

/// A moment in China time, as the briefing writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Moment {
    pub month: u32,
    pub day: u32,
    pub hour: u32,
}

/// One piece of a paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Seg {
    Text {
        text: String,
    },
    /// A number as written, with the metric behind it (`area` the area it counts: the
    /// briefing's own or a lagging child's).
    Num {
        text: String,
        key: &'static str,
        area: i64,
    },
}

impl Seg {
    pub fn text(&self) -> &str {
        match self {
            Seg::Text { text } | Seg::Num { text, .. } => text,
        }
    }
}

pub type Paragraph = Vec<Seg>;

/// A child area that lags, with the figure it lags by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lag {
    pub area: i64,
    pub name: String,
    pub key: &'static str,
    pub value: i64,
}

/// What a briefing is written from.
pub struct Facts<'a> {
    pub area: i64,
    /// Registry level of the area (3 county/district, 4 street, 5 community, 2 city).
    pub level: i64,
    pub period: Period,
    pub as_of: Moment,
    /// First day of the period (day and week).
    pub from: Option<Moment>,
    /// The figures over the period (totals as growth for a day or a week).
    pub figures: &'a [Figure],
    /// The previous briefing of the area: when, and its figures.
    pub previous: Option<(Moment, &'a [Figure])>,
    pub lagging: &'a [Lag],
}

fn value(fs: &[Figure], key: &str) -> Option<i64> {
    fs.iter().find(|f| f.key == key).and_then(|f| f.value)
}

/// Hours stored with one decimal, written as whole hours (rounded half up).
fn whole_hours(v: i64) -> i64 {
    (v + 5).div_euclid(10)
}

/// How a number is written.
#[derive(Clone, Copy)]
enum Form {
    Count,
    About,
    Hours,
}

fn write(lang: Lang, form: Form, v: i64) -> String {
    match (lang, form) {
        (Lang::Zh, Form::Count) => zh_count(v),
        (Lang::Zh, Form::About) => zh_about(v),
        (Lang::Zh, Form::Hours) => zh_count(whole_hours(v)),
        (Lang::En, Form::Count) => en_count(v),
        (Lang::En, Form::About) => en_about(v),
        (Lang::En, Form::Hours) => en_count(whole_hours(v)),
    }
}

/// A paragraph under construction.
struct P {
    lang: Lang,
    area: i64,
    segs: Vec<Seg>,
}

impl P {
    fn new(lang: Lang, area: i64) -> P {
        P {
            lang,
            area,
            segs: Vec::new(),
        }
    }
    fn t(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        match self.segs.last_mut() {
            Some(Seg::Text { text }) => text.push_str(s),
            _ => self.segs.push(Seg::Text { text: s.to_owned() }),
        }
    }
    fn n(&mut self, key: &'static str, form: Form, v: i64) {
        self.n_in(self.area, key, form, v)
    }
    fn n_in(&mut self, area: i64, key: &'static str, form: Form, v: i64) {
        let text = write(self.lang, form, v);
        self.segs.push(Seg::Num { text, key, area });
    }
    fn done(self) -> Paragraph {
        self.segs
    }
}

/// A clause: text around a number (`{}`), in both languages.
struct Clause {
    key: &'static str,
    form: Form,
    zh: &'static str,
    en: &'static str,
}

const WORK: &[Clause] = &[
    Clause {
        key: "samples_taken",
        form: Form::Count,
        zh: "组织志愿者配合医护人员上门采集核酸{}次",
        en: "organised volunteers to help medical staff take {} samples door to door",
    },
    Clause {
        key: "parcels_delivered",
        form: Form::Count,
        zh: "配送生活物资和药品{}份",
        en: "delivered {} parcels of supplies and medicine",
    },
    Clause {
        key: "duty_person_times",
        form: Form::Count,
        zh: "组织志愿者上岗执勤{}人次",
        en: "organised {} person-times of duty",
    },
    Clause {
        key: "persuaded_total",
        form: Form::About,
        zh: "劝返{}人",
        en: "persuaded {} people to turn back",
    },
    Clause {
        key: "gas_delivered",
        form: Form::Count,
        zh: "配送液化气{}罐",
        en: "delivered {} gas cylinders",
    },
    Clause {
        key: "requests_registered",
        form: Form::Count,
        zh: "登记物资需求{}件",
        en: "registered {} requests for supplies",
    },
    Clause {
        key: "emergencies_solved",
        form: Form::Count,
        zh: "解决急难问题{}件",
        en: "solved {} emergencies",
    },
];

const STATE: &[Clause] = &[
    Clause {
        key: "residents",
        form: Form::Count,
        zh: "登记居民{}人",
        en: "{} residents registered",
    },
    Clause {
        key: "households",
        form: Form::Count,
        zh: "{}户",
        en: "{} households",
    },
    Clause {
        key: "quarantined",
        form: Form::Count,
        zh: "在管隔离人员{}人",
        en: "{} people under quarantine",
    },
    Clause {
        key: "sealed_people",
        form: Form::Count,
        zh: "封控区内{}人",
        en: "{} people in sealed zones",
    },
    Clause {
        key: "needs_open",
        form: Form::Count,
        zh: "待办需求{}件",
        en: "{} needs open",
    },
    Clause {
        key: "needs_late",
        form: Form::Count,
        zh: "其中超时{}件",
        en: "{} of them late",
    },
];

/// The totals compared with the previous briefing.
const CHANGES: &[(&str, &str, &str)] = &[
    ("samples_taken", "采集核酸", "samples"),
    ("parcels_delivered", "配送物资", "parcels"),
    ("duty_person_times", "执勤", "person-times of duty"),
    ("persuaded_total", "劝返", "people persuaded to turn back"),
    ("gas_delivered", "液化气", "gas cylinders"),
    ("requests_registered", "物资需求", "requests"),
    ("emergencies_solved", "急难问题", "emergencies solved"),
];

fn clause(p: &mut P, c: &Clause, v: i64) {
    let tpl = if p.lang == Lang::Zh { c.zh } else { c.en };
    let (a, b) = tpl.split_once("{}").unwrap_or((tpl, ""));
    p.t(a);
    p.n(c.key, c.form, v);
    p.t(b);
}

fn subject_zh(level: i64) -> &'static str {
    match level {
        ..=2 => "全市",
        3 => "全区",
        4 => "全街道",
        5 => "全社区",
        _ => "本网格",
    }
}

fn subject_en(level: i64) -> &'static str {
    match level {
        ..=2 => "city",
        3 => "district",
        4 => "street",
        5 => "community",
        _ => "grid",
    }
}

fn opening(f: &Facts, lang: Lang) -> String {
    let a = f.as_of;
    match (lang, f.period, f.from) {
        (Lang::Zh, Period::All, _) | (Lang::Zh, _, None) => zh_as_of(a.month, a.day, a.hour),
        (Lang::Zh, Period::Day, _) => zh_day(a.month, a.day),
        (Lang::Zh, Period::Week, Some(s)) => {
            format!("{}至{}", zh_day(s.month, s.day), zh_day(a.month, a.day))
        }
        (Lang::En, Period::All, _) | (Lang::En, _, None) => en_as_of(a.month, a.day, a.hour),
        (Lang::En, Period::Day, _) => format!("On {}", en_day(a.month, a.day)),
        (Lang::En, Period::Week, Some(s)) => {
            format!(
                "From {} to {}",
                en_day(s.month, s.day),
                en_day(a.month, a.day)
            )
        }
    }
}

/// Join clauses: Chinese with "，", English with ", " and "and" before the last.
fn join(p: &mut P, n: usize, i: usize) {
    if i == 0 {
        return;
    }
    if p.lang == Lang::Zh {
        p.t("，");
    } else if i + 1 == n {
        p.t(if n == 2 { " and " } else { ", and " });
    } else {
        p.t(", ");
    }
}

fn work(f: &Facts, lang: Lang) -> Paragraph {
    let mut p = P::new(lang, f.area);
    let present: Vec<(&Clause, i64)> = WORK
        .iter()
        .filter_map(|c| value(f.figures, c.key).map(|v| (c, v)))
        .collect();
    let open = opening(f, lang);
    if lang == Lang::Zh {
        p.t(&format!("{open}，{}临时党支部", subject_zh(f.level)));
    } else {
        p.t(&format!(
            "{open}, the temporary Party branches of the {} ",
            subject_en(f.level)
        ));
    }
    if present.is_empty() {
        p.t(if lang == Lang::Zh {
            "暂无工作数据。"
        } else {
            "have no work recorded yet."
        });
        return p.done();
    }
    let n = present.len();
    for (i, (c, v)) in present.into_iter().enumerate() {
        join(&mut p, n, i);
        clause(&mut p, c, v);
        if c.key == "duty_person_times" {
            if let Some(h) = value(f.figures, "duty_hours_total") {
                if lang == Lang::Zh {
                    p.t("、累计");
                    p.n("duty_hours_total", Form::Hours, h);
                    p.t("小时");
                } else {
                    p.t(" totalling ");
                    p.n("duty_hours_total", Form::Hours, h);
                    p.t(" hours");
                }
            }
        }
    }
    p.t(if lang == Lang::Zh { "。" } else { "." });
    p.done()
}

fn state(f: &Facts, lang: Lang) -> Option<Paragraph> {
    let present: Vec<(&Clause, i64)> = STATE
        .iter()
        .filter_map(|c| value(f.figures, c.key).map(|v| (c, v)))
        .collect();
    if present.is_empty() {
        return None;
    }
    let mut p = P::new(lang, f.area);
    p.t(if lang == Lang::Zh {
        "目前，"
    } else {
        "Now: "
    });
    let n = present.len();
    for (i, (c, v)) in present.into_iter().enumerate() {
        // Households follow residents with "、" in Chinese.
        if lang == Lang::Zh && c.key == "households" && i > 0 {
            p.t("、");
        } else if lang == Lang::Zh && c.key == "needs_late" && i > 0 {
            p.t("，");
        } else {
            join(&mut p, n, i);
        }
        clause(&mut p, c, v);
    }
    p.t(if lang == Lang::Zh { "。" } else { "." });
    Some(p.done())
}

fn changes(f: &Facts, lang: Lang) -> Option<Paragraph> {
    let (when, prev) = f.previous?;
    let mut p = P::new(lang, f.area);
    if lang == Lang::Zh {
        p.t(&format!(
            "与上次简报（{}）相比：",
            zh_as_of(when.month, when.day, when.hour).trim_start_matches("截至")
        ));
    } else {
        p.t(&format!(
            "Since the previous briefing ({}): ",
            en_as_of(when.month, when.day, when.hour).trim_start_matches("As of ")
        ));
    }
    let items: Vec<(&(&'static str, &str, &str), i64)> = CHANGES
        .iter()
        .filter_map(|c| {
            let now = value(f.figures, c.0)?;
            let before = value(prev, c.0)?;
            Some((c, now - before))
        })
        .collect();
    if items.is_empty() {
        p.t(if lang == Lang::Zh {
            "无可比数据。"
        } else {
            "nothing to compare."
        });
        return Some(p.done());
    }
    let n = items.len();
    for (i, (&(key, zh, en), d)) in items.into_iter().enumerate() {
        let key: &'static str = key;
        if lang == Lang::Zh {
            if i > 0 {
                p.t("，");
            }
            p.t(zh);
            let (word, abs) = match d {
                0 => ("持平", None),
                d if d > 0 => ("增加", Some(d)),
                d => ("减少", Some(-d)),
            };
            p.t(word);
            if let Some(a) = abs {
                p.n(key, Form::Count, a);
            }
        } else {
            join(&mut p, n, i);
            p.t(en);
            p.t(" ");
            match d {
                0 => p.t("unchanged"),
                d => {
                    p.t(if d > 0 { "up " } else { "down " });
                    p.n(key, Form::Count, d.abs());
                }
            }
        }
    }
    p.t(if lang == Lang::Zh { "。" } else { "." });
    Some(p.done())
}

fn lagging(f: &Facts, lang: Lang) -> Option<Paragraph> {
    if f.lagging.is_empty() {
        return None;
    }
    let mut p = P::new(lang, f.area);
    p.t(if lang == Lang::Zh {
        "进度滞后："
    } else {
        "Lagging: "
    });
    let n = f.lagging.len();
    for (i, l) in f.lagging.iter().enumerate() {
        if lang == Lang::Zh {
            if i > 0 {
                p.t("；");
            }
            p.t(&l.name);
            p.t(match l.key {
                "round_missing" => "（本轮未采样",
                _ => "（超时需求",
            });
            p.n_in(l.area, l.key, Form::Count, l.value);
            p.t(if l.key == "round_missing" {
                "人）"
            } else {
                "件）"
            });
        } else {
            join(&mut p, n, i);
            p.t(&l.name);
            p.t(" (");
            p.n_in(l.area, l.key, Form::Count, l.value);
            p.t(match l.key {
                "round_missing" => " not yet sampled in this round)",
                _ => " needs late)",
            });
        }
    }
    p.t(if lang == Lang::Zh { "。" } else { "." });
    Some(p.done())
}

/// The briefing's paragraphs in one language.
pub fn compose(f: &Facts, lang: Lang) -> Vec<Paragraph> {
    let mut out = vec![work(f, lang)];
    out.extend(state(f, lang));
    out.extend(changes(f, lang));
    out.extend(lagging(f, lang));
    out
}

/// The plain text for a chat group: paragraphs on lines of their own.
pub fn plain(ps: &[Paragraph]) -> String {
    ps.iter()
        .map(|p| p.iter().map(Seg::text).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Up to three child areas that lag: by people not yet sampled in the current round (when a
/// round exists), else by needs late; none with nothing outstanding.
pub fn pick_lagging(children: &[(i64, String, Vec<Figure>)]) -> Vec<Lag> {
    for key in ["round_missing", "needs_late"] {
        let mut v: Vec<Lag> = children
            .iter()
            .filter_map(|(id, name, fs)| {
                let value = value(fs, key)?;
                (value > 0).then(|| Lag {
                    area: *id,
                    name: name.clone(),
                    key,
                    value,
                })
            })
            .collect();
        if !v.is_empty() {
            v.sort_by(|a, b| b.value.cmp(&a.value).then(a.name.cmp(&b.name)));
            v.truncate(3);
            return v;
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hq::metrics;

    fn figs(pairs: &[(&str, Option<i64>)]) -> Vec<Figure> {
        pairs
            .iter()
            .map(|(k, v)| {
                let m = metrics::metric(k).unwrap_or_else(|| panic!("no metric {k}"));
                Figure {
                    key: m.key,
                    value: *v,
                    scale: m.scale,
                    unit: m.unit,
                }
            })
            .collect()
    }

    fn seeds() -> Vec<Figure> {
        figs(&[
            ("samples_taken", Some(221_600)),
            ("parcels_delivered", Some(11_833)),
            ("duty_person_times", Some(1_492)),
            ("duty_hours_total", Some(138_710)),
            ("persuaded_total", Some(6_432)),
            ("gas_delivered", Some(1_015)),
            ("requests_registered", Some(3_512)),
            ("emergencies_solved", Some(805)),
            ("residents", Some(658_787)),
            ("households", Some(361_876)),
            ("quarantined", Some(0)),
            ("sealed_people", None),
            ("needs_open", Some(12)),
            ("needs_late", Some(3)),
        ])
    }

    const AS_OF: Moment = Moment {
        month: 12,
        day: 3,
        hour: 18,
    };

    #[test]
    fn the_seeds_briefing_in_both_languages() {
        let f = seeds();
        let prev = figs(&[
            ("samples_taken", Some(200_000)),
            ("parcels_delivered", Some(11_833)),
            ("persuaded_total", Some(6_000)),
        ]);
        let lag = vec![
            Lag {
                area: 7,
                name: "幸福社区".into(),
                key: "round_missing",
                value: 120,
            },
            Lag {
                area: 8,
                name: "和平社区".into(),
                key: "round_missing",
                value: 45,
            },
        ];
        let facts = Facts {
            area: 3,
            level: 3,
            period: Period::All,
            as_of: AS_OF,
            from: None,
            figures: &f,
            previous: Some((
                Moment {
                    month: 12,
                    day: 2,
                    hour: 18,
                },
                &prev,
            )),
            lagging: &lag,
        };
        assert_eq!(
            plain(&compose(&facts, Lang::Zh)),
            "截至12月3日18时，全区临时党支部组织志愿者配合医护人员上门采集核酸22.16万次，\
             配送生活物资和药品11833份，组织志愿者上岗执勤1492人次、累计13871小时，劝返6400余人，\
             配送液化气1015罐，登记物资需求3512件，解决急难问题805件。\n\
             目前，登记居民65.88万人、36.19万户，在管隔离人员0人，待办需求12件，其中超时3件。\n\
             与上次简报（12月2日18时）相比：采集核酸增加21600，配送物资持平，劝返增加432。\n\
             进度滞后：幸福社区（本轮未采样120人）；和平社区（本轮未采样45人）。"
        );
        assert_eq!(
            plain(&compose(&facts, Lang::En)),
            "As of 18:00 on 3 December, the temporary Party branches of the district organised \
             volunteers to help medical staff take 221,600 samples door to door, delivered 11,833 \
             parcels of supplies and medicine, organised 1,492 person-times of duty totalling \
             13,871 hours, persuaded more than 6,400 people to turn back, delivered 1,015 gas \
             cylinders, registered 3,512 requests for supplies, and solved 805 emergencies.\n\
             Now: 658,787 residents registered, 361,876 households, 0 people under quarantine, \
             12 needs open, and 3 of them late.\n\
             Since the previous briefing (18:00 on 2 December): samples up 21,600, parcels \
             unchanged, and people persuaded to turn back up 432.\n\
             Lagging: 幸福社区 (120 not yet sampled in this round) and 和平社区 (45 not yet \
             sampled in this round)."
        );
    }

    #[test]
    fn every_number_is_a_segment_with_its_metric_and_area() {
        let f = seeds();
        let lag = vec![Lag {
            area: 9,
            name: "幸福社区".into(),
            key: "needs_late",
            value: 4,
        }];
        let facts = Facts {
            area: 3,
            level: 3,
            period: Period::All,
            as_of: AS_OF,
            from: None,
            figures: &f,
            previous: None,
            lagging: &lag,
        };
        let ps = compose(&facts, Lang::Zh);
        let nums: Vec<(&str, &str, i64)> = ps
            .iter()
            .flatten()
            .filter_map(|s| match s {
                Seg::Num { text, key, area } => Some((text.as_str(), *key, *area)),
                Seg::Text { .. } => None,
            })
            .collect();
        assert_eq!(nums[0], ("22.16万", "samples_taken", 3));
        assert!(nums.contains(&("13871", "duty_hours_total", 3)));
        assert!(nums.contains(&("4", "needs_late", 9)), "{nums:?}");
        // Text segments hold no digits: every number is linked.
        for s in ps.iter().flatten() {
            if let Seg::Text { text } = s {
                let digits = text.chars().filter(char::is_ascii_digit).count();
                // Only the opening's date and time carry digits.
                assert!(digits == 0 || text.starts_with("截至12月3日18时"), "{text}");
            }
        }
    }

    #[test]
    fn periods_open_with_their_dates_and_absent_work_is_left_out() {
        let f = figs(&[
            ("samples_taken", None),
            ("parcels_delivered", Some(0)),
            ("persuaded_total", Some(87)),
        ]);
        let mut facts = Facts {
            area: 5,
            level: 5,
            period: Period::Day,
            as_of: AS_OF,
            from: Some(AS_OF),
            figures: &f,
            previous: None,
            lagging: &[],
        };
        assert_eq!(
            plain(&compose(&facts, Lang::Zh)),
            "12月3日，全社区临时党支部配送生活物资和药品0份，劝返87人。"
        );
        assert_eq!(
            plain(&compose(&facts, Lang::En)),
            "On 3 December, the temporary Party branches of the community delivered 0 parcels \
             of supplies and medicine and persuaded 87 people to turn back."
        );
        facts.period = Period::Week;
        facts.level = 4;
        facts.from = Some(Moment {
            month: 11,
            day: 27,
            hour: 0,
        });
        assert_eq!(
            plain(&compose(&facts, Lang::Zh)),
            "11月27日至12月3日，全街道临时党支部配送生活物资和药品0份，劝返87人。"
        );
        assert!(plain(&compose(&facts, Lang::En)).starts_with(
            "From 27 November to 3 December, the temporary Party branches of the street delivered"
        ));
        let none: Vec<Figure> = Vec::new();
        facts.figures = &none;
        assert_eq!(
            plain(&compose(&facts, Lang::Zh)),
            "11月27日至12月3日，全街道临时党支部暂无工作数据。"
        );
    }

    #[test]
    fn lagging_children_by_missing_then_late() {
        let kids = vec![
            (
                1,
                "甲".to_owned(),
                figs(&[("round_missing", Some(5)), ("needs_late", Some(9))]),
            ),
            (2, "乙".to_owned(), figs(&[("round_missing", Some(50))])),
            (3, "丙".to_owned(), figs(&[("round_missing", Some(0))])),
        ];
        let l = pick_lagging(&kids);
        assert_eq!(
            l.iter().map(|l| (l.area, l.value)).collect::<Vec<_>>(),
            vec![(2, 50), (1, 5)]
        );
        let kids = vec![
            (
                1,
                "甲".to_owned(),
                figs(&[("round_missing", None), ("needs_late", Some(2))]),
            ),
            (2, "乙".to_owned(), figs(&[("needs_late", Some(0))])),
        ];
        let l = pick_lagging(&kids);
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].key, l[0].value), ("needs_late", 2));
    }
}
