//! The health follow-up pages as views (maud): the worklist, a check's form, the orders of an
//! area with its figures, an order, the order form, the printable notices, the pairings and
//! the household link's self-report.

use maud::{html, Markup as M, PreEscaped};

use crate::i18n::{t, Lang};
use crate::quarantine::checks::{Check, Task, SHOWN};
use crate::quarantine::figures::{ByContact, Figures};
use crate::quarantine::orders::{Change, Order, Rule, TestDay};
use crate::quarantine::pairings::{Candidate, Paired, OUTCOMES};
use crate::quarantine::worklist::{Row, Worklist};
use crate::quarantine::{
    date_of, label, symptoms_text, temp_text, BY_KINDS, END_REASONS, KINDS, NOT_ATTEMPTED, REASONS,
    SYMPTOMS, TASK_KINDS,
};
use crate::web::html::{csrf_field, error_box, notice, Markup};
use crate::web::kit::FormErrors;

/// A phrase in the page's language.
pub fn tr<'a>(l: Lang, en: &'a str, zh: &'a str) -> &'a str {
    if l == Lang::Zh {
        zh
    } else {
        en
    }
}

fn m(x: M) -> Markup {
    x.into()
}

fn opts(l: Lang, v: &[(&str, &str, &str)], chosen: &str) -> M {
    html! {
        option value="" { (tr(l, "— choose —", "— 请选择 —")) }
        @for (c, en, zh) in v {
            option value=(c) selected[*c == chosen] { (tr(l, en, zh)) }
        }
    }
}

fn field_err(e: &FormErrors, name: &str) -> M {
    html! { @if let Some(x) = e.field(name) { em.err { (x) } } }
}

pub fn slot_label(l: Lang, c: &Check) -> &'static str {
    match c.slot {
        1 => tr(l, "morning", "上午"),
        _ => tr(l, "evening", "下午"),
    }
}

fn status_tag(l: Lang, shown: &str) -> M {
    let class = match shown {
        "well" => "tag ok",
        "unwell" | "missed" => "tag bad",
        "late" | "not_attempted" => "tag warn",
        _ => "tag",
    };
    html! { span class=(class) data-status=(shown) { (label(SHOWN, shown, l)) } }
}

pub fn client_id() -> String {
    crate::access::random_hex(12)
}

/// The worklist: checks to do (one tap "done, well"), referrals and escalations, paired
/// households to contact. Each row's form carries its own client id, so a form sent again
/// after a dropped signal records once; with the script the row updates in place and the page
/// keeps its place.
pub fn worklist(l: Lang, csrf: &str, w: &Worklist, now: i64, done: &str, can_call: bool) -> Markup {
    m(html! {
        h1 { (t(l, "nav-worklist")) " · " (date_of(w.day)) }
        @if !done.is_empty() { (PreEscaped(notice(tr(l, "Saved.", "已保存。")).0)) }
        p.muted #work-summary data-sent {
            (tr(l, "To do", "待办")) " " b #todo-n { (w.todo_total) } " · "
            (tr(l, "done today", "今日已完成")) " " b #done-n { (w.done) }
        }
        p.noprint #offline-note hidden { (tr(l, "Not sent: no signal. Tap again when back online — it will be recorded once.", "未发送：无信号。恢复后再点一次即可，不会重复记录。")) }
        h2 { (tr(l, "Checks", "健康监测")) }
        @if w.todo.is_empty() {
            p.muted #no-checks { (tr(l, "No check to do.", "暂无待监测。")) }
        } @else {
            ul.work #work-checks {
                @for r in &w.todo { (check_row(l, csrf, r, now, can_call)) }
            }
            // The rest of the walk, a page at a time (the tasks and contacts are on the first).
            (PreEscaped(crate::web::pages::next_link(l, "/followup/today", &[], w.next.as_deref()).0))
        }
        @if !w.tasks.is_empty() {
            h2 { (tr(l, "Referrals and escalations", "转介与上报")) }
            ul.work #work-tasks {
                @for k in &w.tasks { (task_row(l, csrf, k)) }
            }
        }
        @if !w.contacts.is_empty() {
            h2 { (tr(l, "Paired households to contact today", "今日待联系的联户")) }
            ul.work #work-contacts {
                @for p in &w.contacts { (contact_row(l, csrf, p)) }
            }
        }
    })
}

fn check_row(l: Lang, csrf: &str, r: &Row, now: i64, can_call: bool) -> M {
    let c = &r.check;
    let shown = c.shown(now);
    html! {
        li id={ "c-" (c.id) } class="work-item" {
            div {
                b { (r.name) } " " (status_tag(l, shown))
                span.sub { (r.address) }
                span.sub {
                    (slot_label(l, c)) " · "
                    (tr(l, "day", "第")) " " (r.order_day) "/" (r.order_days) (tr(l, "", " 天"))
                    @if c.temp_dc.is_some() { " · " (temp_text(c.temp_dc)) }
                }
            }
            div.actions {
                form.quick method="post" action={ "/followup/checks/" (c.id) } data-quick {
                    (PreEscaped(csrf_field(csrf).0))
                    input type="hidden" name="outcome" value="well";
                    input type="hidden" name="client_id" value=(client_id());
                    button.quick-well type="submit" { (tr(l, "Done, well", "已测，正常")) }
                }
                a.btn.alt href={ "/followup/checks/" (c.id) } { (tr(l, "Other…", "其他情况…")) }
                @if can_call {
                    @if let Some(p) = &r.phone {
                        (PreEscaped(crate::registry::pages::parts::call_button(l, csrf, c.resident_id, &crate::registry::validate::mask_phone(p), "/followup/today").0))
                    }
                }
            }
        }
    }
}

fn task_row(l: Lang, csrf: &str, k: &Task) -> M {
    html! {
        li id={ "t-" (k.id) } class="work-item" {
            div {
                b { (k.name) } " "
                span class={ "tag " (if k.kind == "referral" { "bad" } else { "warn" }) } { (label(TASK_KINDS, &k.kind, l)) }
                span.sub { (k.address) }
                @if k.temp_dc.is_some() || k.symptoms != 0 {
                    span.sub { (temp_text(k.temp_dc)) " " (symptoms_text(k.symptoms, l)) }
                }
                a href={ "/followup/orders/" (k.order_id) } { (tr(l, "Order", "隔离单")) " #" (k.order_id) }
            }
            form.inline-form method="post" action={ "/followup/tasks/" (k.id) "/close" } {
                (PreEscaped(csrf_field(csrf).0))
                input name="note" required maxlength="500" placeholder=(tr(l, "What was done", "处理情况")) aria-label=(tr(l, "What was done", "处理情况"));
                button type="submit" { (tr(l, "Close", "办结")) }
            }
        }
    }
}

/// The open referrals: the medic's list.
pub fn referrals(l: Lang, csrf: &str, list: &[Task], done: &str) -> Markup {
    m(html! {
        h1 { (t(l, "nav-referrals")) }
        @if !done.is_empty() { (PreEscaped(notice(tr(l, "Saved.", "已保存。")).0)) }
        @if list.is_empty() {
            p.muted #no-referrals { (tr(l, "No referral waiting.", "暂无待处理的转介。")) }
        } @else {
            ul.work #referrals {
                @for k in list {
                    li id={ "t-" (k.id) } class="work-item" {
                        div {
                            b { (k.name) } " " span.tag.bad { (label(TASK_KINDS, &k.kind, l)) }
                            span.sub { (k.address) }
                            span.sub { (temp_text(k.temp_dc)) " " (symptoms_text(k.symptoms, l)) " · " (crate::web::html::datetime(k.created_ms)) }
                        }
                        @if !k.phone.is_empty() {
                            form.inline.call method="post" action={ "/followup/tasks/" (k.id) "/call" } data-call {
                                (PreEscaped(csrf_field(csrf).0))
                                input type="hidden" name="back" value="/followup/referrals";
                                button.alt.call type="submit" {
                                    (t(l, "call-phone")) " " span.masked { (crate::registry::validate::mask_phone(&k.phone)) }
                                }
                            }
                        }
                        form.inline-form method="post" action={ "/followup/tasks/" (k.id) "/close" } {
                            (PreEscaped(csrf_field(csrf).0))
                            input name="note" required maxlength="500" placeholder=(tr(l, "What was done", "处理情况")) aria-label=(tr(l, "What was done", "处理情况"));
                            button type="submit" { (tr(l, "Close", "办结")) }
                        }
                    }
                }
            }
        }
    })
}

fn contact_row(l: Lang, csrf: &str, p: &Paired) -> M {
    html! {
        li id={ "h-" (p.household_id) } class="work-item" {
            div {
                b { (p.address) }
                span.sub { (p.head) " · " (tr(l, "last contact", "上次联系")) " "
                    @match p.last_day { Some(d) => (date_of(d)), None => (tr(l, "never", "从未")) } }
            }
            form.actions method="post" action={ "/followup/contacts/" (p.household_id) } {
                (PreEscaped(csrf_field(csrf).0))
                input type="hidden" name="client_id" value=(client_id());
                @for (code, en, zh) in OUTCOMES {
                    button.alt type="submit" name="outcome" value=(code) { (tr(l, en, zh)) }
                }
            }
        }
    }
}

/// A check's full form: temperature, symptoms, note; or not attempted with a reason.
#[allow(clippy::too_many_arguments)]
pub fn check_form(
    l: Lang,
    csrf: &str,
    c: &Check,
    name: &str,
    address: &str,
    now: i64,
    errors: &FormErrors,
    back: &str,
) -> Markup {
    m(html! {
        nav.crumbs { a href="/followup/today" { (t(l, "nav-worklist")) } i { "›" } span { (name) } }
        h1 { (name) " · " (slot_label(l, c)) " " (date_of(c.day)) }
        p { (address) " " (status_tag(l, c.shown(now))) }
        (PreEscaped(error_box(l, &errors.lines).0))
        form.box.qf #check-form method="post" action={ "/followup/checks/" (c.id) } {
            (PreEscaped(csrf_field(csrf).0))
            input type="hidden" name="client_id" value=(client_id());
            input type="hidden" name="back" value=(back);
            label { (tr(l, "Temperature (°C)", "体温（℃）"))
                input type="text" inputmode="decimal" name="temperature" #temperature placeholder="36.5" maxlength="6";
            }
            (field_err(errors, "temperature"))
            fieldset {
                legend { (tr(l, "Symptoms", "症状")) }
                @for (code, en, zh) in SYMPTOMS {
                    label.tag { input type="checkbox" name="symptoms" value=(code); " " (tr(l, en, zh)) }
                }
            }
            label { (tr(l, "Note", "备注")) textarea name="note" maxlength="500" {} }
            div.actions {
                button type="submit" name="outcome" value="well" #save-check { (tr(l, "Save", "保存")) }
                button.alt type="submit" name="outcome" value="unwell" #save-unwell { (tr(l, "Not well", "身体不适")) }
            }
            h2 { (tr(l, "Could not check", "未能监测")) }
            label { (tr(l, "Why", "原因"))
                select name="reason" #reason { (opts(l, NOT_ATTEMPTED, "")) }
            }
            (field_err(errors, "reason"))
            button.alt type="submit" name="outcome" value="not_attempted" #save-not-attempted { (tr(l, "Record: not attempted", "记录：未能监测")) }
        }
    })
}

fn card(n: i64, label: &str, id: &str) -> M {
    html! { div.card id=(id) { b { (n) } span { (label) } } }
}

/// The follow-up overview of an area: figures of the day, active orders (paged).
#[allow(clippy::too_many_arguments)]
pub fn overview(
    l: Lang,
    area_name: &str,
    area_code: &str,
    f: &Figures,
    orders: &[Order],
    page: i64,
    pages: i64,
    can_order: bool,
    can_see_referred: bool,
    done: &str,
    by_contact: &[ByContact],
) -> Markup {
    m(html! {
        h1 { (t(l, "nav-followup")) " · " (area_name) }
        @if !done.is_empty() { (PreEscaped(notice(tr(l, "Saved.", "已保存。")).0)) }
        div.actions {
            a.btn href="/followup/today" #to-worklist { (t(l, "nav-worklist")) }
            @if can_order { a.btn.alt href="/followup/new" #new-order { (tr(l, "New order", "新增隔离")) } }
            a.btn.alt href={ "/followup/pairings?area=" (area_code) } #to-pairings { (tr(l, "Pairings", "分包联户")) }
            @if can_see_referred { a.btn.alt href="/followup/referred" #to-referred { (tr(l, "Referred by checkpoints", "卡口转隔离")) } }
        }
        h2 { (tr(l, "Today", "今日")) " " (f.day) }
        div.cards #figures {
            (card(f.active, tr(l, "under quarantine", "在隔离"), "fig-active"))
            (card(f.started, tr(l, "started today", "今日新增"), "fig-started"))
            (card(f.released, tr(l, "released today", "今日解除"), "fig-released"))
            (card(f.on_time, tr(l, "checks on time", "按时监测"), "fig-on-time"))
            (card(f.late, tr(l, "checks late", "超时监测"), "fig-late"))
            (card(f.missed, tr(l, "checks missed", "漏报"), "fig-missed"))
            (card(f.referrals, tr(l, "fevers referred", "发热转介"), "fig-referrals"))
            (card(f.contacted, &format!("{} / {}", tr(l, "paired households contacted", "联户已联系"), f.paired), "fig-contacted"))
        }
        @if !f.by_kind.is_empty() {
            p.muted {
                @for c in &f.by_kind { span.tag { (label(KINDS, &c.code, l)) " " (c.n) } }
                @for c in &f.by_reason { span.tag { (label(REASONS, &c.code, l)) " " (c.n) } }
            }
        }
        @if !by_contact.is_empty() {
            details {
                summary { (tr(l, "Contacts by contact person", "各联户人联系情况")) }
                table.stack {
                    thead { tr { th { (tr(l, "Contact person", "联户人")) } th { (tr(l, "Paired", "联户数")) } th { (tr(l, "Contacted today", "今日已联系")) } } }
                    tbody { @for b in by_contact { tr {
                        td data-label=(tr(l, "Contact person", "联户人")) { (b.name) }
                        td data-label=(tr(l, "Paired", "联户数")) { (b.paired) }
                        td data-label=(tr(l, "Contacted today", "今日已联系")) { (b.contacted) }
                    } } }
                }
            }
        }
        h2 { (tr(l, "Under quarantine", "隔离中")) }
        @if orders.is_empty() {
            p.muted #no-orders { (tr(l, "Nobody is under quarantine here.", "本区域暂无隔离人员。")) }
        } @else {
            table.stack #orders {
                thead { tr {
                    th { (tr(l, "Person", "人员")) } th { (tr(l, "Kind", "方式")) }
                    th { (tr(l, "Until", "至")) } th { (tr(l, "Address", "地址")) }
                } }
                tbody { @for o in orders { tr {
                    td data-label=(tr(l, "Person", "人员")) { a href={ "/followup/orders/" (o.id) } { (o.name) } }
                    td data-label=(tr(l, "Kind", "方式")) { (label(KINDS, &o.kind, l)) }
                    td data-label=(tr(l, "Until", "至")) { (o.end_date()) }
                    td data-label=(tr(l, "Address", "地址")) { (o.address) }
                } } }
            }
            (pager(l, &format!("/followup?area={area_code}"), page, pages))
        }
    })
}

pub fn pager(l: Lang, base: &str, page: i64, pages: i64) -> M {
    html! {
        @if pages > 1 {
            nav.pager.actions {
                @if page > 1 { a.btn.alt href={ (base) "&page=" (page - 1) } { (tr(l, "Previous", "上一页")) } }
                span { @if l == Lang::Zh { "第 " (page) " 页，共 " (pages) " 页" } @else { "Page " (page) " of " (pages) } }
                @if page < pages { a.btn.alt href={ (base) "&page=" (page + 1) } { (tr(l, "Next", "下一页")) } }
            }
        }
    }
}

pub struct OrderView<'a> {
    pub o: &'a Order,
    pub tests: &'a [TestDay],
    pub changes: &'a [Change],
    pub checks: &'a [Check],
    pub tasks: &'a [Task],
    pub blockers: &'a [crate::i18n::Msg],
    pub today: i64,
    pub now: i64,
    pub can_order: bool,
    pub csrf: &'a str,
    pub done: &'a str,
    pub errors: &'a FormErrors,
    pub names: &'a std::collections::HashMap<String, String>,
}

fn who<'a>(names: &'a std::collections::HashMap<String, String>, login: &'a str) -> &'a str {
    names.get(login).map(String::as_str).unwrap_or(login)
}

pub fn order(l: Lang, v: &OrderView) -> Markup {
    let o = v.o;
    m(html! {
        nav.crumbs { a href="/followup" { (t(l, "nav-followup")) } i { "›" } span { (o.name) } }
        h1 { (o.name) " · " (label(KINDS, &o.kind, l)) }
        @if !v.done.is_empty() { (PreEscaped(notice(tr(l, "Saved.", "已保存。")).0)) }
        (PreEscaped(error_box(l, &v.errors.lines).0))
        table.stack #order-facts { tbody {
            tr { th { (tr(l, "State", "状态")) } td #order-status {
                @if o.is_active() { span.tag.warn { (tr(l, "under quarantine", "隔离中")) } }
                @else { span.tag.ok { (label(END_REASONS, o.end_reason.as_deref().unwrap_or(""), l)) } }
            } }
            tr { th { (tr(l, "Reason", "原因")) } td { (label(REASONS, &o.reason, l)) } }
            tr { th { (tr(l, "Rule", "规则")) } td { (o.rule_code) " · v" (o.rule_version) " (" (o.central_days) "+" (o.home_days) ")" } }
            tr { th { (tr(l, "Dates", "日期")) } td #order-dates { (o.start_date()) " – " (o.end_date()) " · "
                @if l == Lang::Zh { "共 " (o.days()) " 天，第 " (o.day_number(v.today).min(o.days())) " 天" } @else { (o.days()) " days, day " (o.day_number(v.today).min(o.days())) } } }
            tr { th { (tr(l, "Ordered by", "决定人")) } td { (o.ordered_by) " " (o.document) } }
            tr { th { (tr(l, "Address", "地址")) } td { (o.address) } }
            @if o.resident_id < 0 { tr { th { (tr(l, "Subject", "对象")) } td #order-visitor { (tr(l, "a visitor referred at a checkpoint (no registry record)", "卡口转介访客（无户籍登记）")) } } }
            @if !o.override_reason.is_empty() { tr { th { (tr(l, "Released early because", "提前解除理由")) } td { (o.override_reason) } } }
        } }
        div.actions {
            a.btn.alt href={ "/followup/orders/" (o.id) "/notice" } #print-notice { (tr(l, "Start notice", "告知书")) }
            @if o.resident_id < 0 {
                form.inline method="post" action={ "/followup/orders/" (o.id) "/visitor" } {
                    (PreEscaped(csrf_field(v.csrf).0))
                    button.alt type="submit" #reveal-visitor { (tr(l, "Visitor's details", "访客完整信息")) }
                }
            }
            @if !o.is_active() && o.end_reason.as_deref() == Some("released") {
                a.btn.alt href={ "/followup/orders/" (o.id) "/release" } #print-release { (tr(l, "Release notice", "解除通知单")) }
            }
        }
        h2 { (tr(l, "Tests the rule asks for", "规则要求的检测")) }
        @if v.tests.is_empty() { p.muted { (tr(l, "None.", "无。")) } } @else {
            table.stack #order-tests {
                thead { tr { th { (tr(l, "Day", "天")) } th { (tr(l, "Date", "日期")) } th { (tr(l, "Result", "结果")) } } }
                tbody { @for x in v.tests { tr {
                    td data-label=(tr(l, "Day", "天")) { (x.n) }
                    td data-label=(tr(l, "Date", "日期")) { (date_of(x.day)) }
                    td data-label=(tr(l, "Result", "结果")) {
                        @match x.result.as_deref() {
                            Some("negative") => span.tag.ok { (tr(l, "negative", "阴性")) },
                            Some("positive") => span.tag.bad { (tr(l, "positive", "阳性")) },
                            Some(_) => span.tag.warn { (tr(l, "awaiting the lab", "等待结果")) },
                            None => span.tag { (tr(l, "no sample", "未采样")) },
                        }
                        @if let Some(r) = &x.round { " " span.muted { (r) } }
                    }
                } } }
            }
        }
        @if o.is_active() && v.can_order {
            h2 { (tr(l, "Release or end", "解除或结束")) }
            @if !v.blockers.is_empty() {
                ul.errors #release-blockers { @for b in v.blockers { li { (b.get(l)) } } }
            }
            form.box.qf #end-form method="post" action={ "/followup/orders/" (o.id) "/end" } {
                (PreEscaped(csrf_field(v.csrf).0))
                label { (tr(l, "How it ends", "结束方式")) select name="reason" #end-reason { (opts(l, END_REASONS, "released")) } }
                (field_err(v.errors, "reason"))
                label { (tr(l, "Note", "备注")) input name="note" maxlength="500"; }
                (field_err(v.errors, "note"))
                @if !v.blockers.is_empty() {
                    label { (tr(l, "Release anyway because (required)", "仍要解除的理由（必填）")) input name="override_reason" #override-reason maxlength="500"; }
                    (field_err(v.errors, "override_reason"))
                }
                button type="submit" #end-submit data-confirm=(tr(l, "End this order?", "确定结束此隔离？")) { (tr(l, "End the order", "结束隔离")) }
            }
            h2 { (tr(l, "Extend or shorten", "延长或缩短")) }
            form.box.qf #change-form method="post" action={ "/followup/orders/" (o.id) "/change" } {
                (PreEscaped(csrf_field(v.csrf).0))
                label { (tr(l, "New last day", "新的结束日期")) input type="date" name="end" value=(o.end_date()) required; }
                (field_err(v.errors, "end"))
                label { (tr(l, "Reason", "原因")) input name="reason" maxlength="500" required; }
                button.alt type="submit" { (tr(l, "Change the end", "变更结束日期")) }
            }
        }
        @if !v.tasks.is_empty() {
            h2 { (tr(l, "Referrals and escalations", "转介与上报")) }
            ul { @for k in v.tasks { li {
                (label(TASK_KINDS, &k.kind, l)) " · " (crate::web::html::datetime(k.created_ms))
                @if let Some(d) = k.done_ms { " · " (tr(l, "closed", "已办结")) " " (crate::web::html::datetime(d)) " " (k.note) }
            } } }
        }
        h2 { (tr(l, "Checks", "健康监测")) }
        @if v.checks.is_empty() { p.muted { (tr(l, "None yet.", "暂无。")) } } @else {
            table.stack #order-checks {
                thead { tr { th { (tr(l, "When", "时间")) } th { (tr(l, "State", "状态")) } th { (tr(l, "Temperature", "体温")) } th { (tr(l, "By", "记录")) } } }
                tbody { @for c in v.checks { tr {
                    td data-label=(tr(l, "When", "时间")) { (date_of(c.day)) " " (slot_label(l, c)) }
                    td data-label=(tr(l, "State", "状态")) { (status_tag(l, c.shown(v.now)))
                        @if c.symptoms != 0 { " " (symptoms_text(c.symptoms, l)) }
                        @if !c.reason.is_empty() { " " (label(NOT_ATTEMPTED, &c.reason, l)) } }
                    td data-label=(tr(l, "Temperature", "体温")) { (temp_text(c.temp_dc)) }
                    td data-label=(tr(l, "By", "记录")) {
                        @if let Some(k) = &c.by_kind { (label(BY_KINDS, k, l)) }
                        @if let Some(b) = &c.by_login { @if c.by_kind.as_deref() != Some("self") { " " (who(v.names, b)) } }
                    }
                } } }
            }
        }
        h2 { (tr(l, "History", "变更记录")) }
        ul #order-history { @for c in v.changes { li {
            (crate::web::html::datetime(c.at_ms)) " · " (who(v.names, &c.actor)) " · "
            (match c.kind.as_str() { "created" => tr(l, "ordered", "下达"), "extended" => tr(l, "extended", "延长"), "shortened" => tr(l, "shortened", "缩短"), _ => tr(l, "ended", "结束") })
            @if let (Some(p), Some(n)) = (c.prev_end_day, c.new_end_day) { @if p != n { " " (date_of(p)) " → " (date_of(n)) } }
            @if !c.reason.is_empty() { " · " (c.reason) }
        } } }
    })
}

/// The order form: for one resident or a whole household.
#[allow(clippy::too_many_arguments)]
pub fn new_order(
    l: Lang,
    csrf: &str,
    target: &str,
    target_field: (&str, i64),
    rules: &[Rule],
    f: &crate::quarantine::orders::NewOrder,
    errors: &FormErrors,
    today: i64,
) -> Markup {
    let start = if f.start.is_empty() {
        date_of(today)
    } else {
        f.start.clone()
    };
    m(html! {
        nav.crumbs { a href="/followup" { (t(l, "nav-followup")) } i { "›" } span { (tr(l, "New order", "新增隔离")) } }
        h1 { (tr(l, "New order", "新增隔离")) }
        p #order-target { b { (target) } }
        (PreEscaped(error_box(l, &errors.lines).0))
        form.box.qf #order-form method="post" action="/followup/new" {
            (PreEscaped(csrf_field(csrf).0))
            input type="hidden" name=(target_field.0) value=(target_field.1);
            input type="hidden" name="client_id" value=(if f.client_id.is_empty() { client_id() } else { f.client_id.clone() });
            label { (tr(l, "Kind", "隔离方式")) select name="kind" #kind { (opts(l, KINDS, &f.kind)) } }
            (field_err(errors, "kind"))
            label { (tr(l, "Reason", "原因")) select name="reason" #reason { (opts(l, REASONS, &f.reason)) } }
            (field_err(errors, "reason"))
            label { (tr(l, "Rule", "隔离规则")) select name="rule" #rule {
                option value="" { (tr(l, "— choose —", "— 请选择 —")) }
                @for r in rules { option value=(r.code) selected[r.code == f.rule] { (r.name(l)) " (v" (r.version) ")" } }
                option value="custom" selected[f.rule == "custom"] { (tr(l, "custom days", "自定义天数")) }
            } }
            (field_err(errors, "rule"))
            details open[f.rule == "custom"] {
                summary { (tr(l, "Custom days", "自定义天数")) }
                label { (tr(l, "Days centralized", "集中隔离天数")) input type="number" min="0" max="60" name="central_days" value=(f.central_days); }
                (field_err(errors, "central_days"))
                label { (tr(l, "Days at home", "居家天数")) input type="number" min="0" max="60" name="home_days" value=(f.home_days); }
                (field_err(errors, "home_days"))
                label { (tr(l, "Test days (e.g. 1,3,7)", "检测日（如 1,3,7）")) input name="test_days" value=(f.test_days); }
                (field_err(errors, "test_days"))
            }
            label { (tr(l, "First day", "开始日期")) input type="date" name="start" #start value=(start) required; }
            (field_err(errors, "start"))
            label { (tr(l, "Ordered by (person or office)", "决定人或单位")) input name="ordered_by" #ordered-by value=(f.ordered_by) maxlength="100" required; }
            (field_err(errors, "ordered_by"))
            label { (tr(l, "Document", "文书编号")) input name="document" value=(f.document) maxlength="200"; }
            label { (tr(l, "Note", "备注")) input name="note" value=(f.note) maxlength="500"; }
            button type="submit" #order-submit { (tr(l, "Order", "下达隔离")) }
        }
    })
}

/// A resident search for the order form (names within scope).
pub fn pick(l: Lang, q: &str, hits: &[crate::registry::residents::ResidentView]) -> Markup {
    m(html! {
        nav.crumbs { a href="/followup" { (t(l, "nav-followup")) } i { "›" } span { (tr(l, "New order", "新增隔离")) } }
        h1 { (tr(l, "New order: whom?", "新增隔离：对象")) }
        form.inline-form method="get" action="/followup/new" {
            input name="q" #pick-q value=(q) placeholder=(tr(l, "Name", "姓名")) aria-label=(tr(l, "Name", "姓名"));
            button type="submit" { (tr(l, "Search", "搜索")) }
        }
        @if !q.trim().is_empty() && hits.is_empty() { p.muted { (tr(l, "Nobody found.", "未找到。")) } }
        ul.work #pick-hits { @for h in hits { li.work-item {
            div { b { (h.name) } span.sub { (h.doc_number_masked) } }
            div.actions {
                a.btn href={ "/followup/new?resident=" (h.id) } { (tr(l, "This person", "此人")) }
                a.btn.alt href={ "/followup/new?household=" (h.household_id) } { (tr(l, "The whole household", "全户")) }
            }
        } } }
    })
}

pub struct NoticeFacts<'a> {
    pub o: &'a Order,
    pub grid_phone: &'a str,
    pub community: &'a str,
    pub community_phone: &'a str,
}

/// The start notice (告知书), printable from a phone: dates, rules, phone numbers.
pub fn start_notice(l: Lang, n: &NoticeFacts) -> Markup {
    let o = n.o;
    m(html! {
        div.notice-doc #start-notice {
            h1 { (tr(l, "Notice of quarantine", "隔离告知书")) }
            p { b { (o.name) } (tr(l, ":", "：")) }
            p { @if l == Lang::Zh {
                "根据疫情防控需要，您自 " b { (o.start_date()) } " 起接受" b { (label(KINDS, &o.kind, l)) } "，至 " b { (o.end_date()) } " 止（共 " (o.days()) " 天，规则：" (o.rule_code) "，第 " (o.rule_version) " 版）。原因：" (label(REASONS, &o.reason, l)) "。"
            } @else {
                "For the prevention of the epidemic you are under " b { (label(KINDS, &o.kind, l)) } " from " b { (o.start_date()) } " to " b { (o.end_date()) } " (" (o.days()) " days, rule " (o.rule_code) " version " (o.rule_version) "). Reason: " (label(REASONS, &o.reason, l)) "."
            } }
            ol {
                li { (tr(l, "Stay at the address below; do not go out and do not receive visitors.", "请在下列地址居住，不外出、不接待来访。")) " " (o.address) }
                li { (tr(l, "Take your temperature every morning and evening and report it (the household link, or the grid worker).", "每日早晚各测量一次体温并报告（通过户码自报，或由网格员登记）。")) }
                @if !o.test_days.is_empty() {
                    li { (tr(l, "Tests on the days:", "核酸检测日：第")) " " (o.test_days) (tr(l, ".", " 天。")) }
                }
                li { (tr(l, "A fever (37.3 °C or more) or a symptom: call the community at once.", "如出现发热（≥37.3℃）或其他症状，请立即联系社区。")) }
                li { (tr(l, "For groceries, medicine or other needs, call the community; volunteers will help.", "生活物资、药品等需求请联系社区，志愿者将提供帮助。")) }
            }
            p { (tr(l, "Grid worker:", "网格员电话：")) " " b { (n.grid_phone) } }
            p { (n.community) " " (tr(l, "phone:", "电话：")) " " b { (n.community_phone) } }
            p { (tr(l, "Ordered by", "决定单位")) (tr(l, ": ", "：")) (o.ordered_by) " " (o.document) }
            p.sign { (tr(l, "Date", "日期")) (tr(l, ": ", "：")) (date_of(crate::quarantine::day_of(o.created_ms))) }
        }
        div.actions.noprint {
            button type="button" data-print hidden { (tr(l, "Print", "打印")) }
            a.btn.alt href={ "/followup/orders/" (o.id) } { (tr(l, "Back", "返回")) }
        }
    })
}

/// The release notice (解除通知单).
pub fn release_notice(l: Lang, o: &Order, community: &str) -> Markup {
    let ended = o
        .ended_ms
        .map(crate::quarantine::day_of)
        .unwrap_or(o.end_day);
    m(html! {
        div.notice-doc #release-notice {
            h1 { (tr(l, "Notice of release from quarantine", "解除隔离通知单")) }
            p { b { (o.name) } (tr(l, ":", "：")) }
            p { @if l == Lang::Zh {
                "您自 " (o.start_date()) " 起的" (label(KINDS, &o.kind, l)) "已期满，经评估，于 " b { (date_of(ended)) } " 解除隔离。"
            } @else {
                "Your " (label(KINDS, &o.kind, l)) " from " (o.start_date()) " is over: you are released on " b { (date_of(ended)) } "."
            } }
            p { (tr(l, "Please keep watching your health for the next days and wear a mask in public places.", "解除后请继续做好自我健康监测，在公共场所佩戴口罩。")) }
            p { (tr(l, "Issued by", "出具单位")) (tr(l, ": ", "：")) (community) }
            p.sign { (tr(l, "Date", "日期")) (tr(l, ": ", "：")) (date_of(ended)) }
        }
        div.actions.noprint {
            button type="button" data-print hidden { (tr(l, "Print", "打印")) }
            a.btn.alt href={ "/followup/orders/" (o.id) } { (tr(l, "Back", "返回")) }
        }
    })
}

/// The pairings of an area: the bulk form, the printable list.
#[allow(clippy::too_many_arguments)]
pub fn pairings(
    l: Lang,
    csrf: &str,
    area_name: &str,
    area_code: &str,
    grids: &[(String, String)],
    candidates: &[Candidate],
    list: &[Paired],
    can_pair: bool,
    done: &str,
    errors: &FormErrors,
) -> Markup {
    m(html! {
        nav.crumbs.noprint { a href="/followup" { (t(l, "nav-followup")) } i { "›" } span { (tr(l, "Pairings", "分包联户")) } }
        h1 { (tr(l, "Paired households", "分包联户名单")) " · " (area_name) }
        @if !done.is_empty() { (PreEscaped(notice(tr(l, "Saved.", "已保存。")).0)) }
        (PreEscaped(error_box(l, &errors.lines).0))
        @if can_pair {
            form.box.qf #pair-form method="post" action="/followup/pairings" {
                (PreEscaped(csrf_field(csrf).0))
                input type="hidden" name="back" value=(area_code);
                label { (tr(l, "Grid", "网格")) select name="area" #pair-area {
                    @for (code, name) in grids { option value=(code) { (name) } }
                } }
                label { (tr(l, "Contact person", "联户人")) select name="account" #pair-account {
                    option value="" { (tr(l, "— choose —", "— 请选择 —")) }
                    @for c in candidates { option value=(c.id) { (c.display_name) " · " (crate::access::role_name(&c.role, l)) } }
                } }
                (field_err(errors, "account"))
                label { (tr(l, "How many households (empty: all not yet paired)", "户数（留空：全部未联户）")) input type="number" min="0" name="limit" #pair-limit; }
                button type="submit" #pair-submit { (tr(l, "Pair", "安排联户")) }
            }
        }
        div.actions.noprint { button type="button" data-print hidden { (tr(l, "Print", "打印")) } }
        @if list.is_empty() { p.muted #no-pairings { (tr(l, "No household paired yet.", "尚无联户。")) } } @else {
            table.stack #pairings {
                thead { tr { th { (tr(l, "Address", "地址")) } th { (tr(l, "Head", "户主")) } th { (tr(l, "Contact person", "联户人")) } th { (tr(l, "Last contact", "上次联系")) } } }
                tbody { @for p in list { tr {
                    td data-label=(tr(l, "Address", "地址")) { (p.address) }
                    td data-label=(tr(l, "Head", "户主")) { (p.head) }
                    td data-label=(tr(l, "Contact person", "联户人")) { (p.contact) }
                    td data-label=(tr(l, "Last contact", "上次联系")) {
                        @match p.last_day { Some(d) => { (date_of(d)) " " (label(OUTCOMES, p.last_outcome.as_deref().unwrap_or(""), l)) }, None => (tr(l, "never", "从未")) }
                    }
                } } }
            }
        }
    })
}

/// A member under quarantine as the household link shows them.
pub struct SelfMember {
    pub id: i64,
    pub name: String,
    pub today: Vec<Check>,
}

/// The household link's self-report: each member under an order, today's checks, one form.
pub fn self_report(
    l: Lang,
    token: &str,
    members: &[SelfMember],
    now: i64,
    done: &str,
    errors: &FormErrors,
) -> Markup {
    m(html! {
        h1 { (tr(l, "Health self-report", "健康自报")) }
        @if !done.is_empty() { p.notice #self-done data-sent { (tr(l, "Thank you: recorded.", "谢谢，已记录。")) } }
        (PreEscaped(error_box(l, &errors.lines).0))
        @if members.is_empty() {
            p.muted #self-none { (tr(l, "Nobody of this household is under quarantine.", "本户无隔离人员。")) }
        }
        @for mbr in members {
            section.box id={ "m-" (mbr.id) } {
                h2 { (mbr.name) }
                p { @for c in &mbr.today { span.tag { (slot_label(l, c)) } (status_tag(l, c.shown(now))) " " } }
                form.qf method="post" action={ "/h/" (token) "/health" } {
                    input type="hidden" name="resident" value=(mbr.id);
                    input type="hidden" name="client_id" value=(client_id());
                    label { (tr(l, "Temperature (°C)", "体温（℃）"))
                        input type="text" inputmode="decimal" name="temperature" placeholder="36.5" maxlength="6" required;
                    }
                    fieldset {
                        legend { (tr(l, "Symptoms (if any)", "症状（如有）")) }
                        @for (code, en, zh) in SYMPTOMS {
                            label.tag { input type="checkbox" name="symptoms" value=(code); " " (tr(l, en, zh)) }
                        }
                    }
                    label { (tr(l, "Anything else", "其他情况")) textarea name="note" maxlength="500" {} }
                    button.big type="submit" { (tr(l, "Send", "提交")) }
                }
            }
        }
    })
}
