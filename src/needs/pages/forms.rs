//! The needs pages' posted forms, typed, and a form that came back with its errors ([`Back`]).

use serde::Deserialize;

use crate::error::AppError;
use crate::i18n::{t, Lang};
use crate::needs::deadlines::FIELDS;
use crate::needs::flow::Action;
use crate::needs::intake::NewNeed;
use crate::needs::{label, URGENCIES};
use crate::web::kit::FormErrors;

/// A form that came back: which one (and, for the per-item forms, which item), the values as
/// sent and the errors (named as the form names its fields).
pub struct Back<'a, F> {
    pub form: &'static str,
    pub target: i64,
    pub f: &'a F,
    pub errs: FormErrors,
}

/// The form that came back if it is this one (`form`, `target`), else none.
pub fn state<'b, 'a, F>(
    b: Option<&'b Back<'a, F>>,
    form: &str,
    target: i64,
) -> Option<&'b Back<'a, F>> {
    b.filter(|b| b.form == form && b.target == target)
}

/// The value to show: as sent when the form came back, else the default.
pub fn val<F>(s: Option<&Back<F>>, v: impl Fn(&F) -> &str, default: &str) -> String {
    match s {
        Some(b) => v(b.f).to_owned(),
        None => default.to_owned(),
    }
}

/// The error of one field of a form that came back.
pub fn err<'b, F>(s: Option<&'b Back<F>>, k: &str) -> Option<&'b str> {
    s.and_then(|b| b.errs.field(k))
}

/// The lines of the error box of a form that came back (none otherwise).
pub fn lines<'b, F>(s: Option<&'b Back<F>>) -> &'b [String] {
    s.map(|b| b.errs.lines.as_slice()).unwrap_or_default()
}

/// The need form (staff's and the household link's).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NeedForm {
    pub client_id: String,
    pub category: String,
    pub urgency: String,
    pub description: String,
    /// The member it is for (staff's form).
    pub resident: String,
    /// Who it is for, as typed (the household link's form).
    pub for_name: String,
    pub phone: String,
    pub source: String,
    /// The care visit the form was opened from (staff's form), as sent.
    pub visit: String,
}

impl NeedForm {
    pub fn new_need(&self) -> NewNeed {
        NewNeed {
            resident: self.resident.trim().parse().ok(),
            for_name: self.for_name.clone(),
            category: self.category.clone(),
            urgency: self.urgency.clone(),
            description: self.description.clone(),
            phone: self.phone.clone(),
            source: self.source.clone(),
            client_id: self.client_id.clone(),
            visit: self.visit.trim().parse().ok(),
        }
    }
}

/// The labels of the need form's fields, to name errors as the form does.
pub fn need_labels(l: Lang) -> Vec<(&'static str, String)> {
    vec![
        ("category", t(l, "need-category")),
        ("urgency", t(l, "need-urgency")),
        ("description", t(l, "need-description")),
        ("for_name", t(l, "need-for-name")),
        ("resident", t(l, "need-for")),
        ("phone", t(l, "need-phone-callback")),
        ("source", t(l, "need-source")),
        ("client_id", t(l, "need-form")),
    ]
}

/// A button form posting one action on a need, with the version seen and the action's fields.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActForm {
    pub action: String,
    pub version: String,
    pub reason: String,
    pub team: String,
    pub volunteer: String,
    pub rating: String,
    pub feedback: String,
}

impl ActForm {
    /// The action the form asks for (an unknown one is not found).
    pub fn action(&self) -> Result<Action, AppError> {
        let reason = self.reason.clone();
        let opt = |v: &str| v.trim().parse::<i64>().ok();
        Ok(match self.action.as_str() {
            "assign" => Action::Assign {
                team: opt(&self.team),
                volunteer: opt(&self.volunteer),
            },
            "claim" => Action::Claim,
            "start" => Action::Start,
            "done" => Action::Done,
            "unable" => Action::Unable { reason },
            "cancel" => Action::Cancel { reason },
            "reopen" => Action::Reopen { reason },
            "confirm" => Action::Confirm {
                rating: opt(&self.rating).unwrap_or(0),
                feedback: self.feedback.clone(),
            },
            _ => return Err(AppError::NotFound),
        })
    }

    /// The version of the need the form was made from.
    pub fn seen(&self) -> Option<i64> {
        self.version.parse().ok()
    }
}

/// The form a refused action comes back to: a conflict shows at the top, field errors at
/// their form.
pub fn refused_form<T>(r: &Result<T, AppError>, f: &ActForm) -> &'static str {
    if matches!(r, Err(AppError::Conflict(_))) {
        "act"
    } else {
        action_form_name(&f.action)
    }
}

pub fn action_form_name(action: &str) -> &'static str {
    match action {
        "unable" => "unable",
        "cancel" => "cancel",
        "reopen" => "reopen",
        "assign" => "assign",
        "confirm" => "confirm",
        _ => "act",
    }
}

/// The item form: something delivered for a need.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ItemForm {
    pub kind: String,
    pub quantity: String,
    pub description: String,
}

/// The labels of the fields of the action and item forms, to name errors as the forms do.
pub fn action_labels(l: Lang) -> Vec<(&'static str, String)> {
    vec![
        ("reason", t(l, "need-reason")),
        ("team", t(l, "need-team")),
        ("volunteer", t(l, "need-volunteer")),
        ("rating", t(l, "need-rating")),
        ("feedback", t(l, "need-feedback")),
        ("kind", t(l, "need-item-kind")),
        ("quantity", t(l, "need-item-qty")),
        ("description", t(l, "need-item-what")),
    ]
}

/// The deadlines form: minutes to the first contact and to done, by urgency.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeadlinesForm {
    pub contact_1: String,
    pub contact_2: String,
    pub contact_3: String,
    pub contact_4: String,
    pub complete_1: String,
    pub complete_2: String,
    pub complete_3: String,
    pub complete_4: String,
}

impl DeadlinesForm {
    /// The minutes to the first contact, by urgency 1 to 4.
    pub fn contact(&self) -> [&str; 4] {
        [
            &self.contact_1,
            &self.contact_2,
            &self.contact_3,
            &self.contact_4,
        ]
    }

    /// The minutes to done, by urgency 1 to 4.
    pub fn complete(&self) -> [&str; 4] {
        [
            &self.complete_1,
            &self.complete_2,
            &self.complete_3,
            &self.complete_4,
        ]
    }
}

/// The labels of the deadlines form's fields: the urgency and the target.
pub fn deadline_labels(l: Lang) -> Vec<(&'static str, String)> {
    let mut names = Vec::new();
    for (u, (c, f)) in FIELDS.into_iter().enumerate() {
        let ul = label(URGENCIES, &(u + 1).to_string(), l);
        names.push((c, format!("{ul} · {}", t(l, "need-contact-target"))));
        names.push((f, format!("{ul} · {}", t(l, "need-done-target"))));
    }
    names
}

/// The queue's query string: the area, the filters, the page and a notice.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    pub area: String,
    pub page: String,
    pub status: String,
    pub late: String,
    pub category: String,
    pub urgency: String,
    pub done: String,
}

impl QueueQuery {
    /// Every value trimmed.
    pub fn trimmed(self) -> QueueQuery {
        let t = |s: String| s.trim().to_owned();
        QueueQuery {
            area: t(self.area),
            page: t(self.page),
            status: t(self.status),
            late: t(self.late),
            category: t(self.category),
            urgency: t(self.urgency),
            done: t(self.done),
        }
    }
}

/// A page's query string that may carry a notice (`done`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

/// The intake form's query string: the household it is for, or the care visit that found the
/// need (its household then).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HouseholdQuery {
    pub household: String,
    pub visit: String,
}

/// The figures' query string: the area and the period.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiguresQuery {
    pub area: String,
    pub from: String,
    pub to: String,
}
