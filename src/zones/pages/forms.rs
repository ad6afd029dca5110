//! The zones pages' posted forms and queries, typed.

use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::web::kit::Check;
use crate::zones::lifecycle::{parse_moment, ChangeForm, NewZone};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AreaQuery {
    pub area: String,
    pub page: String,
    pub done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    pub area: String,
    pub household: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiguresQuery {
    pub area: String,
    /// A past day `YYYY-MM-DD`; empty: now.
    pub day: String,
}

/// The declaration form.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DeclareForm {
    pub area: String,
    pub household: String,
    pub kind: String,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub reason: String,
    pub decided_by: String,
    pub client_id: String,
}

impl DeclareForm {
    pub fn parse(&self) -> AppResult<NewZone> {
        let mut c = Check::default();
        let household = c.opt_int("household", &self.household);
        let start = c.take(parse_moment("starts", &self.start_date, &self.start_time));
        let end = if self.end_date.trim().is_empty() {
            Some(None)
        } else {
            c.take(parse_moment("ends", &self.end_date, &self.end_time))
                .map(Some)
        };
        c.finish()?;
        Ok(NewZone {
            area: self.area.clone(),
            household,
            kind: self.kind.clone(),
            start_ms: start.ok_or_else(|| AppError::Internal("checked".into()))?,
            planned_end_ms: end.flatten(),
            reason: self.reason.clone(),
            decided_by: self.decided_by.clone(),
            client_id: self.client_id.clone(),
        })
    }
}

/// The extend and the lift forms (the lift has no end).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ChangeFields {
    pub end_date: String,
    pub end_time: String,
    pub reason: String,
    pub decided_by: String,
    pub client_id: String,
}

impl ChangeFields {
    pub fn parse(&self, with_end: bool) -> AppResult<ChangeForm> {
        let mut c = Check::default();
        let end = if with_end {
            if self.end_date.trim().is_empty() {
                c.push(crate::error::FieldError::new("ends", "required", "必填"));
                None
            } else {
                c.take(parse_moment("ends", &self.end_date, &self.end_time))
            }
        } else {
            None
        };
        c.finish()?;
        Ok(ChangeForm {
            new_end_ms: end,
            reason: self.reason.clone(),
            decided_by: self.decided_by.clone(),
            client_id: self.client_id.clone(),
        })
    }
}
