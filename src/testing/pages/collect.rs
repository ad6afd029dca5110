//! The collector's scan page, phone first: choose the site, open a tube by its barcode, add
//! people (ID number typed, personal code scanned, members of a household picked, or a
//! walk-in with their document), close the tube.
//!
//! Every form goes through the same sampling writer as the API (`state.ingest`), with a client
//! id made fresh for each rendering of the form: a double tap or a refresh sends the same id
//! again and gets the stored reply, never a second sample. The page state (site, tube,
//! household) lives in the address, so the language switch and a refresh keep it.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;

use super::collect_views::{collect_view, person_fields, Collect, Extra, Shown};
use super::{find_round, round_crumbs};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, Msg};
use crate::registry::residents;
use crate::testing::ingest::{Ingest, Op, OpKind, PersonRef, Status, Submission};
use crate::testing::{tubes, Round, Site};
use crate::web::html::url_enc;
use crate::web::kit::{with_status, CsrfForm, Id};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// The page's address: where the collector is.
#[derive(Deserialize, Default)]
#[serde(default)]
struct HereQuery {
    site: String,
    tube: String,
    household: String,
}

/// Every form of the page: `act` says which (open, add, walkin, members, close).
#[derive(Deserialize, Default)]
#[serde(default)]
struct CollectForm {
    cid: String,
    confirm: String,
    act: String,
    barcode: String,
    rid: String,
    person: String,
    doc_type: String,
    number: String,
    name: String,
    phone: String,
    member: Vec<String>,
}

/// Where the collector is: site, tube, household being sampled.
#[derive(Debug, Clone, Default)]
pub(super) struct Here {
    pub site: Option<i64>,
    pub tube: Option<String>,
    pub household: Option<i64>,
}

impl Here {
    fn from_query(q: &HereQuery) -> Here {
        Here {
            site: q.site.trim().parse().ok(),
            tube: Some(q.tube.trim().to_owned()).filter(|s| !s.is_empty()),
            household: q.household.trim().parse().ok(),
        }
    }

    pub(super) fn href(&self, round: i64) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.site {
            parts.push(format!("site={s}"));
        }
        if let Some(t) = &self.tube {
            parts.push(format!("tube={}", url_enc(t)));
        }
        if let Some(h) = self.household {
            parts.push(format!("household={h}"));
        }
        let base = format!("/testing/rounds/{round}/collect");
        if parts.is_empty() {
            base
        } else {
            format!("{base}?{}", parts.join("&"))
        }
    }
}

/// The sites where this reader may sample in the round: where listed as a collector, and for
/// officers and grid workers any site within their scope.
async fn allowed_sites(db: &Db, ctx: &Ctx, round: &Round) -> Result<Vec<Site>, AppError> {
    let r = ctx.reader();
    let mut v = crate::testing::my_sites(db, r.account_id, round.id).await?;
    if crate::testing::samples_in_scope(r) {
        for s in crate::testing::sites(db, round.id, Some(&r.scope)).await? {
            if !v.iter().any(|x| x.id == s.id) {
                v.push(s);
            }
        }
    }
    Ok(v)
}

fn not_collector() -> AppError {
    AppError::Forbidden(Msg::new(
        "you are not a collector at any site of this round: ask the community office to add you to a site",
        "您不是本轮检测任何采样点的采样人员，请联系社区将您加入采样点",
    ))
}

async fn collect_page(
    State(st): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(qs): Query<HereQuery>,
) -> Response {
    let here = Here::from_query(&qs);
    let run = async {
        let round = find_round(&st.db, &ctx, id).await?;
        render(&st.db, &ctx, &round, here, Extra::default()).await
    };
    match run.await {
        Ok(r) => r,
        Err(e) => ctx.error(e),
    }
}

/// Where the collector is, checked against what the reader may do; then what the page shows.
async fn render(
    db: &Db,
    ctx: &Ctx,
    round: &Round,
    mut here: Here,
    x: Extra,
) -> Result<Response, AppError> {
    let l = ctx.lang;
    let r = ctx.reader();
    let sites = allowed_sites(db, ctx, round).await?;
    if sites.is_empty() {
        return Err(not_collector());
    }
    let tube = match &here.tube {
        Some(b) => {
            let ids: Vec<i64> = sites.iter().map(|s| s.id).collect();
            tubes::tube_info(db, round.id, b, &ids).await?
        }
        None => None,
    };
    if tube.is_none() {
        here.tube = None;
    }
    if let Some(t) = &tube {
        here.site = Some(t.site_id);
    }
    if here.site.is_some_and(|s| !sites.iter().any(|x| x.id == s)) {
        here.site = None;
    }
    if here.site.is_none() && sites.len() == 1 {
        here.site = Some(sites[0].id);
    }
    let crumbs = round_crumbs(db, ctx, round, None, Some(t(l, "collect-title"))).await?;
    // Members of the household being sampled (registry readers, while a tube is open).
    let open = tube.as_ref().is_some_and(|t| !t.closed) && here.site.is_some();
    let household = match here.household.filter(|_| open && r.can_read_registry()) {
        Some(hid) => match residents::household(db, &r.registry_scope(), hid).await {
            Ok(d) => {
                let ids: Vec<i64> = d.residents.iter().map(|m| m.id).collect();
                let status = tubes::statuses(db, round.id, &ids).await?;
                Some((d, status))
            }
            Err(_) => None,
        },
        None => None,
    };
    let swabs = match &tube {
        Some(tb) => tubes::swabs(db, round.id, &tb.barcode, &r.scope).await?,
        None => vec![],
    };
    // Until a site is chosen the page only offers the sites, always with 200.
    let site_chosen = here.site.is_some();
    let c = Collect {
        round,
        crumbs,
        sites,
        here,
        tube,
        household,
        swabs,
    };
    let body = collect_view(ctx, &c, &x);
    let refused = site_chosen
        && (x.shown.iter().any(|s| s.outcome.status == Status::Refused) || x.problem.is_some());
    let resp = ctx.page(&t(l, "collect-title"), body);
    Ok(if refused {
        with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        resp
    })
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The person a form names.
fn person_of(f: &CollectForm) -> Option<PersonRef> {
    if let Ok(id) = f.rid.parse::<i64>() {
        return Some(PersonRef::ResidentId(id));
    }
    let v = f.person.trim();
    if v.is_empty() {
        return None;
    }
    if v.len() > 5 && v[..5].eq_ignore_ascii_case("WLR1.") {
        return Some(PersonRef::Qr(v.to_owned()));
    }
    Some(PersonRef::Doc {
        doc_type: opt(&f.doc_type).filter(|d| d != "id_card"),
        number: v.to_owned(),
    })
}

async fn collect_submit(
    State(st): State<AppState>,
    Extension(ingest): Extension<Ingest>,
    Id(id): Id,
    Query(qs): Query<HereQuery>,
    CsrfForm(ctx, f): CsrfForm<CollectForm>,
) -> Response {
    let l = ctx.lang;
    let mut here = Here::from_query(&qs);
    let run = async {
        let round = find_round(&st.db, &ctx, id).await?;
        let sites = allowed_sites(&st.db, &ctx, &round).await?;
        if sites.is_empty() {
            return Err(not_collector());
        }
        let cid = f.cid.trim().to_owned();
        let tube = here.tube.clone().unwrap_or_default();
        let confirm = (f.confirm == "1").then_some(true);
        let mut extra = Extra::default();
        // (operation, whether a flagged reply may be sent again with confirm)
        let ops: Vec<(Op, Option<PersonRef>)> = match f.act.as_str() {
            "open" => {
                let barcode = f.barcode.trim().to_owned();
                extra.barcode = barcode.clone();
                if barcode.is_empty() {
                    extra.problem = Some(t(l, "collect-need-barcode"));
                    vec![]
                } else {
                    vec![(
                        Op {
                            client_id: cid.clone(),
                            tube: barcode,
                            kind: OpKind::Open { site_id: here.site },
                            taken_ms: None,
                        },
                        None,
                    )]
                }
            }
            "add" => match person_of(&f) {
                None => {
                    extra.problem = Some(t(l, "collect-need-person"));
                    vec![]
                }
                Some(p) => {
                    extra.person = f.person.clone();
                    extra.doc_type = f.doc_type.clone();
                    vec![(
                        Op {
                            client_id: cid.clone(),
                            tube: tube.clone(),
                            kind: OpKind::Add {
                                person: p.clone(),
                                confirm,
                            },
                            taken_ms: None,
                        },
                        Some(p),
                    )]
                }
            },
            "walkin" => {
                extra.doc_type = f.doc_type.clone();
                extra.walkin = [f.number.clone(), f.name.clone(), f.phone.clone()];
                let p = PersonRef::WalkIn {
                    doc_type: opt(&f.doc_type),
                    number: f.number.trim().to_owned(),
                    name: f.name.trim().to_owned(),
                    phone: opt(&f.phone),
                };
                vec![(
                    Op {
                        client_id: cid.clone(),
                        tube: tube.clone(),
                        kind: OpKind::Add {
                            person: p.clone(),
                            confirm,
                        },
                        taken_ms: None,
                    },
                    Some(p),
                )]
            }
            "members" => {
                let ids: Vec<i64> = f.member.iter().filter_map(|s| s.parse().ok()).collect();
                if ids.is_empty() {
                    extra.problem = Some(t(l, "collect-need-members"));
                }
                ids.iter()
                    .map(|&rid| {
                        let p = PersonRef::ResidentId(rid);
                        (
                            Op {
                                client_id: format!("{cid}.{rid}"),
                                tube: tube.clone(),
                                kind: OpKind::Add {
                                    person: p.clone(),
                                    confirm: None,
                                },
                                taken_ms: None,
                            },
                            Some(p),
                        )
                    })
                    .collect()
            }
            "close" | "abandon" => vec![(
                Op {
                    client_id: cid.clone(),
                    tube: tube.clone(),
                    kind: if f.act == "close" {
                        OpKind::Close
                    } else {
                        OpKind::Abandon
                    },
                    taken_ms: None,
                },
                None,
            )],
            _ => return Err(AppError::NotFound),
        };
        if !ops.is_empty() {
            let (ops, persons): (Vec<Op>, Vec<Option<PersonRef>>) = ops.into_iter().unzip();
            let opened =
                matches!(ops[0].kind, OpKind::Open { .. }).then(|| ops[0].tube.trim().to_owned());
            let outs = ingest
                .submit(Submission {
                    reader: ctx.reader().clone(),
                    round: round.clone(),
                    ops,
                    offline: false,
                })
                .await?;
            for (o, p) in outs.into_iter().zip(persons) {
                if o.status != Status::Refused {
                    // Done with: the fields start empty for the next person or tube.
                    extra.person.clear();
                    extra.doc_type.clear();
                    extra.barcode.clear();
                    extra.walkin = Default::default();
                }
                if o.status == Status::Accepted {
                    if let Some(b) = &opened {
                        here.tube = Some(b.clone());
                    }
                    if let Some(h) = o.person.as_ref().and_then(|p| p.household_id) {
                        if ctx.reader().can_read_registry() {
                            here.household = Some(h);
                        }
                    }
                }
                // Flagged and not recorded (no confirm sent): offer to record the swab anyway.
                let retry = match (&p, o.status, confirm) {
                    (Some(p), Status::Flagged, None) if o.code == "already_sampled" => {
                        Some(person_fields(p))
                    }
                    _ => None,
                };
                extra.shown.push(Shown { outcome: o, retry });
            }
        }
        render(&st.db, &ctx, &round, here, extra).await
    };
    match run.await {
        Ok(r) => r,
        Err(e) => ctx.error(e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/testing/rounds/{id}/collect",
        get(collect_page).post(collect_submit),
    )
}
