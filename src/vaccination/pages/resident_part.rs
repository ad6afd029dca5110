//! Vaccination's part of a resident's page (see `registry::pages::parts`): the status and the
//! doses, for those who read vaccination records within their registry scope, with a link to
//! the resident's vaccination page (tick-offs, rides).

use maud::html;

use crate::db::Db;
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::pages::parts::{Drawn, ResidentPart};
use crate::registry::residents::ResidentView;
use crate::vaccination::catalogue::{self, Product};
use crate::vaccination::doses::{self, Status};
use crate::web::html::Markup;
use crate::web::pages::Ctx;

pub struct Part;

impl ResidentPart for Part {
    fn section<'a>(&'a self, db: &'a Db, ctx: &'a Ctx, v: &'a ResidentView) -> Drawn<'a> {
        Box::pin(async move {
            let r = ctx.reader();
            // Health records: only readers of vaccination records, within their scope.
            if !crate::vaccination::can_read(r) || !r.registry_scope().contains(&v.area_path) {
                return Ok(Markup::default());
            }
            let status = match doses::status(db, r, v.id, crate::vaccination::today()).await {
                Ok(s) => s,
                Err(crate::error::AppError::NotFound | crate::error::AppError::Forbidden(_)) => {
                    return Ok(Markup::default())
                }
                Err(e) => return Err(e),
            };
            let cat = catalogue::products(db).await?;
            Ok(section(ctx.lang, &status, &cat))
        })
    }
}

/// The section: status, next date, doses, and the way to the vaccination page.
pub fn section(l: Lang, s: &Status, cat: &[Product]) -> Markup {
    let name = |code: &str| {
        cat.iter()
            .find(|x| x.code == code)
            .map(|x| x.name(l).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    html! {
        section #resident-vaccination {
            h2 { (t(l, "vax-section")) }
            p {
                (t(l, "vax-status")) ": " b #resident-vax-status { (s.label(l)) }
                @if let Some(n) = s.derived.as_ref().and_then(|d| d.next_due_on.as_ref()) {
                    @if s.status != "boosted" {
                        " · " (ta(l, "vax-next-due", &[("d", Arg::S(n.clone()))]))
                    }
                }
            }
            @if s.doses.is_empty() {
                p.muted #resident-vax-none { (t(l, "vax-no-doses")) }
            } @else {
                table.stack #resident-vax-doses {
                    thead { tr {
                        th { (t(l, "vax-dose-no")) } th { (t(l, "vax-product")) }
                        th { (t(l, "vax-given-on")) } th.opt { (t(l, "vax-site")) }
                    } }
                    tbody {
                        @for d in &s.doses {
                            tr {
                                td data-label=(t(l, "vax-dose-no")) { (d.dose_no) }
                                td data-label=(t(l, "vax-product")) { (name(&d.product)) }
                                td.nowrap data-label=(t(l, "vax-given-on")) { (d.given_on) }
                                td.opt data-label=(t(l, "vax-site")) { (d.site) }
                            }
                        }
                    }
                }
            }
            p { a.btn.alt href={ "/vaccination/residents/" (s.resident_id) } { (t(l, "vax-open")) } }
        }
    }
    .into()
}
