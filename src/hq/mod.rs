//! Command headquarters (issue 18): the one-screen overview of an area — a fixed vocabulary of
//! metrics ([`metrics`]) read from each capability's engine, their daily history
//! ([`history`], table `hq_daily`), and who may read them.
//!
//! Reading the overview is not a reveal: every figure is an aggregate over an area subtree and
//! no personal data is shown, so nothing here is audited as a read.

pub mod api;
pub mod briefing;
pub mod commendations;
pub mod demo;
pub mod history;
pub mod metrics;
pub mod overview;
pub mod pages;
pub mod reports;
pub mod retention;

use crate::access::{Reader, Scope};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// Roles that read the overview: HQ, admins, street and community officers (in their scope).
pub fn can_read(r: &Reader) -> bool {
    matches!(r.role.as_str(), "hq" | "admin" | "street" | "community")
}

pub fn require_read(r: &Reader) -> AppResult<()> {
    if can_read(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "the headquarters overview is for HQ, admins and street and community officers",
            "指挥部总览仅供指挥部、管理员及街道、社区干部查看",
        )))
    }
}

/// The areas the overview may be read in: the account's subtrees, for the roles that read it.
pub fn scope(r: &Reader) -> Scope {
    if can_read(r) {
        r.scope.clone()
    } else {
        Scope { roots: vec![] }
    }
}
