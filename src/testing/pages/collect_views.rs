//! The collector's scan page as markup: the replies, the site, the tube and the forms.

use crate::html;
use std::collections::HashMap;

use super::client_id;
use super::collect::Here;
use super::views::{bar_of, person_status, window};
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::model::{DOC_TYPES, RELATIONS};
use crate::registry::residents::HouseholdDetail;
use crate::testing::ingest::{Outcome, PersonRef, Status};
use crate::testing::tubes::{Swab, TubeInfo};
use crate::testing::{Round, Site};
use crate::web::html::clock;
use crate::web::html::{csrf_field, Markup};
use crate::web::pages::Ctx;

/// What the page shows besides the replies: the round, the breadcrumbs, the sites the reader
/// may sample at, where the collector is, the tube, the household being sampled (with its
/// members' state in the round) and who is in the tube.
pub(super) struct Collect<'a> {
    pub round: &'a Round,
    pub crumbs: Markup,
    pub sites: Vec<Site>,
    pub here: Here,
    pub tube: Option<TubeInfo>,
    pub household: Option<(HouseholdDetail, HashMap<i64, String>)>,
    pub swabs: Vec<Swab>,
}

/// One reply shown on the page, with the fields to send the same person again with
/// `confirm` when the reply flagged them as already sampled and did not record them.
pub(super) struct Shown {
    pub outcome: Outcome,
    pub retry: Option<Markup>,
}

fn hidden(name: &str, value: &str) -> Markup {
    html!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        name,
        value
    )
}

/// The hidden fields that describe a person again.
pub(super) fn person_fields(p: &PersonRef) -> Markup {
    let mut m = Markup::default();
    match p {
        PersonRef::ResidentId(id) => {
            m.push(hidden("act", "add"));
            m.push(hidden("rid", &id.to_string()));
        }
        PersonRef::Qr(code) => {
            m.push(hidden("act", "add"));
            m.push(hidden("person", code));
        }
        PersonRef::Doc { doc_type, number } => {
            m.push(hidden("act", "add"));
            m.push(hidden("person", number));
            m.push(hidden("doc_type", doc_type.as_deref().unwrap_or("id_card")));
        }
        PersonRef::WalkIn {
            doc_type,
            number,
            name,
            phone,
        } => {
            m.push(hidden("act", "walkin"));
            m.push(hidden("doc_type", doc_type.as_deref().unwrap_or("id_card")));
            m.push(hidden("number", number));
            m.push(hidden("name", name));
            m.push(hidden("phone", phone.as_deref().unwrap_or("")));
        }
    }
    m
}

fn sex_age(l: Lang, sex: i64, age: Option<i64>) -> String {
    let s = match sex {
        1 => t(l, "sex-male"),
        2 => t(l, "sex-female"),
        _ => String::new(),
    };
    let a = age
        .map(|a| ta(l, "age-years", &[("age", Arg::N(a))]))
        .unwrap_or_default();
    [s, a]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn outcome_box(ctx: &Ctx, action: &str, s: &Shown) -> Markup {
    let l = ctx.lang;
    let o = &s.outcome;
    let (class, role) = match o.status {
        Status::Accepted => ("ok", "status"),
        Status::Flagged => ("warn", "alert"),
        Status::Refused => ("bad", "alert"),
    };
    let mut m = html!(
        "<div class=\"outcome {}\" role=\"{}\" data-code=\"{}\"><b>{}</b>",
        class,
        role,
        o.code,
        o.message.get(l)
    );
    if let Some(p) = &o.person {
        m.push(html!(
            "<div class=\"who\">{} <span class=\"muted\">{}</span></div>",
            p.name,
            sex_age(l, p.sex, p.age)
        ));
    }
    if let Some((tube, at)) = &o.earlier {
        m.push(html!(
            "<div>{}</div>",
            ta(
                l,
                "collect-earlier",
                &[("tube", Arg::S(tube.clone())), ("at", Arg::S(clock(*at)))]
            )
        ));
    }
    if o.replayed {
        m.push(html!(
            "<div class=\"muted\">{}</div>",
            t(l, "collect-replayed")
        ));
    }
    if let Some(fields) = &s.retry {
        m.push(html!(
            "<form method=\"post\" action=\"{}\" class=\"retry\">{}{}{}{}<button class=\"warn big\" id=\"record-anyway\">{}</button></form>",
            action,
            csrf_field(&ctx.session.csrf),
            hidden("cid", &client_id()),
            hidden("confirm", "1"),
            fields.clone(),
            t(l, "collect-record-anyway")
        ));
    }
    m.0.push_str("</div>");
    m
}

fn doc_options(l: Lang, selected: &str) -> Markup {
    Markup(
        DOC_TYPES
            .iter()
            .map(|d| {
                html!(
                    "<option value=\"{}\"{}>{}</option>",
                    d.code,
                    Markup(if d.code == selected {
                        " selected".into()
                    } else {
                        String::new()
                    }),
                    if l == Lang::Zh { d.zh } else { d.en }
                )
                .0
            })
            .collect(),
    )
}

/// A scan button: hidden until the script finds a barcode detector and a camera.
fn scan_button(l: Lang, input: &str) -> Markup {
    html!(
        "<button type=\"button\" class=\"scan alt big\" data-scan=\"{}\" hidden>{}</button>",
        input,
        t(l, "collect-scan")
    )
}

/// What a rendering needs beyond the place: replies to show, a value to put back in the
/// person field (after a refusal), an error of the page's own.
#[derive(Default)]
pub(super) struct Extra {
    pub shown: Vec<Shown>,
    pub person: String,
    pub doc_type: String,
    pub barcode: String,
    /// The walk-in form as typed (number, name, phone), after a refusal.
    pub walkin: [String; 3],
    pub problem: Option<String>,
}

/// The collector's page: where the collector is, the replies to the last form, the form that
/// comes next, and who is in the tube.
pub(super) fn collect_view(ctx: &Ctx, c: &Collect, x: &Extra) -> Markup {
    let l = ctx.lang;
    let (round, here, sites, tube) = (c.round, &c.here, &c.sites, &c.tube);
    let action = here.href(round.id);
    let mut body = c.crumbs.clone();
    body.push(html!(
        "<h1 class=\"collect-h\">{} <span class=\"muted\">{}</span></h1>",
        t(l, "collect-title"),
        round.name
    ));
    if !round.is_open_at(crate::db::now_ms()) {
        body.push(html!(
            "<p class=\"errors\" id=\"round-closed\">{}</p>",
            ta(
                l,
                "collect-round-closed",
                &[("window", Arg::S(window(round)))]
            )
        ));
    }
    // Several replies (members of a household): one compact line each.
    // `data-sent`: the server answered a form (the page script forgets what it kept of it).
    let sent = if x.shown.is_empty() && x.problem.is_none() {
        ""
    } else {
        " data-sent"
    };
    body.push(Markup(if x.shown.len() > 1 {
        format!("<div class=\"outcomes\" id=\"replies\"{sent}>")
    } else {
        format!("<div id=\"replies\"{sent}>")
    }));
    for s in &x.shown {
        body.push(outcome_box(ctx, &action, s));
    }
    body.0.push_str("</div>");
    if let Some(p) = &x.problem {
        body.push(html!(
            "<div class=\"outcome bad\" role=\"alert\"><b>{}</b></div>",
            p
        ));
    }
    // The site.
    let Some(site_id) = here.site else {
        body.push(html!(
            "<h2>{}</h2><div class=\"choices\" id=\"site-choice\">",
            t(l, "collect-choose-site")
        ));
        for s in sites.iter() {
            let h = Here {
                site: Some(s.id),
                tube: None,
                household: here.household,
            };
            body.push(html!(
                "<a class=\"btn big alt\" href=\"{}\">{}</a>",
                h.href(round.id),
                s.name
            ));
        }
        body.0.push_str("</div>");
        return body;
    };
    let site = sites
        .iter()
        .find(|s| s.id == site_id)
        .expect("an allowed site");
    let change = if sites.len() > 1 {
        html!(
            " <a class=\"small\" href=\"{}\">{}</a>",
            Here {
                household: here.household,
                ..Default::default()
            }
            .href(round.id),
            t(l, "collect-change-site")
        )
    } else {
        Markup::default()
    };
    body.push(html!(
        "<p class=\"site-line\" id=\"site\">{}{}</p>",
        Markup(ta(
            l,
            "collect-at-site",
            &[(
                "site",
                Arg::S(format!("<b>{}</b>", crate::web::html::esc(&site.name)))
            )]
        )),
        change
    ));
    let open_tube = tube.as_ref().filter(|t| !t.closed);
    // The tube.
    if let Some(tb) = &tube {
        let count = if tb.capacity == 0 {
            ta(l, "collect-count-household", &[("n", Arg::N(tb.n))])
        } else {
            format!("{} / {}", tb.n, tb.capacity)
        };
        body.push(html!(
            "<div class=\"tube-state{}\" id=\"tube-state\"><span>{} <b class=\"mono\">{}</b>{}</span><b class=\"count\" id=\"tube-count\">{}</b>{}</div>",
            if tb.closed { " closed" } else { "" },
            t(l, "tube-barcode"),
            tb.barcode,
            if tb.closed { html!(" <span class=\"tag\">{}</span>", t(l, "collect-closed")) } else { Markup::default() },
            count,
            if tb.capacity > 0 { bar_of(tb.n, tb.capacity) } else { Markup::default() }
        ));
    }
    let common = |act: &str| {
        html!(
            "{}{}{}",
            csrf_field(&ctx.session.csrf),
            hidden("cid", &client_id()),
            hidden("act", act)
        )
    };
    match open_tube {
        None => {
            body.push(html!(
                "<form method=\"post\" action=\"{}\" class=\"box scan-form\" id=\"open-form\">{}<label class=\"field big\"><span>{}</span><input name=\"barcode\" id=\"barcode\" value=\"{}\" required autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" autofocus></label><div class=\"row\">{}<button class=\"big\" id=\"open-tube\">{}</button></div></form>",
                action,
                common("open"),
                if tube.is_some() { t(l, "collect-next-tube") } else { t(l, "collect-tube-barcode") },
                x.barcode,
                scan_button(l, "barcode"),
                t(l, "collect-open")
            ));
        }
        Some(tb) => {
            // (After a refused walk-in, the document type typed is the walk-in form's.)
            let doc = if x.doc_type.is_empty() || x.walkin.iter().any(|v| !v.is_empty()) {
                "id_card"
            } else {
                x.doc_type.as_str()
            };
            body.push(html!(
                "<form method=\"post\" action=\"{}\" class=\"box scan-form\" id=\"add-form\">{}<label class=\"field big\"><span>{}</span><input name=\"person\" id=\"person\" value=\"{}\" required autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" autofocus></label><label class=\"field small\"><span>{}</span><select name=\"doc_type\">{}</select></label><div class=\"row\">{}<button class=\"big\" id=\"add-person\">{}</button></div><p class=\"muted\">{}</p></form>",
                action,
                common("add"),
                t(l, "collect-person"),
                x.person,
                t(l, "col-doc-type"),
                doc_options(l, doc),
                scan_button(l, "person"),
                t(l, "collect-add"),
                t(l, "collect-person-hint")
            ));
            // Members of the household being sampled (registry readers).
            if let Some((d, status)) = &c.household {
                let mut items = Markup::default();
                let mut open = 0;
                for m in &d.residents {
                    let rel = RELATIONS
                        .iter()
                        .find(|x| x.code == m.relation)
                        .map(|x| if l == Lang::Zh { x.zh } else { x.en })
                        .unwrap_or("");
                    let info = format!("{rel} · {}", sex_age(l, m.sex, m.age));
                    match status.get(&m.id).map(String::as_str) {
                        Some(s) if !matches!(s, "resample" | "retest") => {
                            items.push(html!(
                                "<div class=\"member done\"><b>{}</b> <span class=\"muted\">{}</span> <span class=\"tag ok\">{}</span></div>",
                                m.name,
                                info,
                                person_status(l, s)
                            ));
                        }
                        s => {
                            open += 1;
                            let flag = s
                                .map(|s| {
                                    html!(
                                        " <span class=\"tag warn\">{}</span>",
                                        person_status(l, s)
                                    )
                                })
                                .unwrap_or_default();
                            items.push(html!(
                                "<label class=\"member\"><input type=\"checkbox\" name=\"member\" value=\"{}\"> <b>{}</b> <span class=\"muted\">{}</span>{}</label>",
                                m.id,
                                m.name,
                                info,
                                flag
                            ));
                        }
                    }
                }
                let button = if open > 0 {
                    html!(
                        "<button class=\"big\" id=\"add-members\">{}</button>",
                        t(l, "collect-add-members")
                    )
                } else {
                    Markup::default()
                };
                let leave = Here {
                    household: None,
                    ..here.clone()
                }
                .href(round.id);
                body.push(html!(
                    "<form method=\"post\" action=\"{}\" class=\"box\" id=\"members-form\">{}<h2>{} <span class=\"muted\">{}</span></h2>{}{}<p><a class=\"small\" href=\"{}\">{}</a></p></form>",
                    action,
                    common("members"),
                    t(l, "collect-household"),
                    d.household.address,
                    items,
                    button,
                    leave,
                    t(l, "collect-household-leave")
                ));
            }
            // After "not in the registry", the walk-in form opens with the number typed.
            // A refused walk-in opens again with what was typed.
            let not_found = x.shown.iter().any(|s| s.outcome.code == "not_in_round");
            let typed = x.walkin.iter().any(|v| !v.is_empty());
            let (open_attr, number) = if typed {
                (Markup(" open".into()), x.walkin[0].clone())
            } else if not_found {
                (Markup(" open".into()), x.person.clone())
            } else {
                (Markup::default(), String::new())
            };
            body.push(html!(
                "<details class=\"box\" id=\"walkin\"{}><summary>{}</summary><form method=\"post\" action=\"{}\" id=\"walkin-form\">{}<p class=\"muted\">{}</p><label class=\"field\"><span>{}</span><select name=\"doc_type\">{}</select></label><label class=\"field\"><span>{}</span><input name=\"number\" value=\"{}\" required autocomplete=\"off\" autocapitalize=\"characters\"></label><label class=\"field\"><span>{}</span><input name=\"name\" value=\"{}\" required maxlength=\"50\" autocomplete=\"off\"></label><label class=\"field\"><span>{}</span><input name=\"phone\" value=\"{}\" inputmode=\"tel\" autocomplete=\"off\"></label><button class=\"big\">{}</button></form></details>",
                open_attr,
                t(l, "collect-walkin"),
                action,
                common("walkin"),
                t(l, "collect-walkin-hint"),
                t(l, "col-doc-type"),
                doc_options(l, &x.doc_type),
                t(l, "col-doc"),
                number,
                t(l, "col-name"),
                x.walkin[1],
                t(l, "col-phone"),
                x.walkin[2],
                t(l, "collect-walkin-add")
            ));
            // An empty tube is not closed but set aside as void.
            if tb.n == 0 {
                body.push(
                    maud::html! {
                        form #abandon-form method="post" action=(action) {
                            (common("abandon"))
                            button.alt.big.wide #abandon-tube type="submit"
                                data-confirm=(ta(l, "collect-abandon-confirm", &[("tube", Arg::S(tb.barcode.clone()))])) {
                                (t(l, "collect-abandon"))
                            }
                        }
                    }
                    .into(),
                );
            } else {
                body.push(html!(
                "<form method=\"post\" action=\"{}\" id=\"close-form\">{}<button class=\"alt big wide\" id=\"close-tube\" data-confirm=\"{}\">{}</button></form>",
                action,
                common("close"),
                ta(l, "collect-close-confirm", &[("tube", Arg::S(tb.barcode.clone())), ("n", Arg::N(tb.n))]),
                t(l, "collect-close")
            ));
            }
        }
    }
    if tube.is_some() {
        let people = &c.swabs;
        if !people.is_empty() {
            body.push(html!(
                "<h2>{}</h2><ol class=\"in-tube\" id=\"in-tube\">",
                t(l, "collect-in-tube")
            ));
            for s in people {
                body.push(html!(
                    "<li><b>{}</b> <span class=\"muted\">{}</span>{}</li>",
                    s.name,
                    clock(s.taken_ms),
                    if s.duplicate {
                        html!(
                            " <span class=\"tag warn\">{}</span>",
                            t(l, "tube-duplicate")
                        )
                    } else {
                        Markup::default()
                    }
                ));
            }
            body.0.push_str("</ol>");
        }
    }
    body.push(html!(
        "<div id=\"scanner\" class=\"scanner\" hidden><video id=\"scanner-video\" playsinline muted></video><p class=\"muted\" id=\"scanner-msg\">{}</p><button type=\"button\" class=\"alt big\" id=\"scanner-stop\">{}</button></div>",
        t(l, "collect-scan-hint"),
        t(l, "collect-scan-stop")
    ));
    body
}
