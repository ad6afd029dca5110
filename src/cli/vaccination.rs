//! `wardline vaccination import FILE [--dry-run]`: the vaccination system's export, imported
//! as the web page does (all rows or none, every bad row named), with the operator's full
//! rights and audited as the CLI.

use crate::access::Reader;
use crate::audit::Actor;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::vaccination::import;

pub(super) async fn import(db: &Db, file: &std::path::Path, dry_run: bool) -> Result<(), AppError> {
    if !file.is_file() {
        return Err(AppError::BadRequest(Msg::new(
            format!("{} is not a file", file.display()),
            format!("{} 不是文件", file.display()),
        )));
    }
    let reader = Reader {
        account_id: 0,
        username: Actor::cli().username,
        display_name: Actor::cli().username,
        role: "admin".into(),
        scope: super::everywhere(),
    };
    let started = std::time::Instant::now();
    let today = crate::vaccination::today();
    let report = import::import_path(db, &Actor::cli(), &reader, file, dry_run, today).await?;
    super::import_problems(&report.notes, &report.errors, report.more_errors)?;
    let verb = if report.committed {
        "imported"
    } else {
        "checked (dry run, nothing written)"
    };
    println!(
        "{verb}: {} rows, {} doses for {} residents, {} already recorded, in {:.1}s",
        report.rows,
        report.doses,
        report.residents,
        report.skipped,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
