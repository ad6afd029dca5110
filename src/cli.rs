//! The command line. `main.rs` calls [`main`]; everything else is here.

use std::process::ExitCode;

use clap::Parser;

use crate::access::{self, Scope};
use crate::audit;
use crate::config::{Config, FileConfig};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::registry::{areas, demo, export, import};

mod args;
mod demo_data;
mod vaccination;

pub use args::Cli;
use args::*;
pub use demo_data::{
    create_demo_accounts, create_demo_capabilities, create_demo_mobilization,
    create_demo_notifications, create_demo_round, demo_person, DEMO_ACCOUNTS, DEMO_COMMUNITY,
    DEMO_PASSWORD,
};
use demo_data::{load_demo_if_empty, print_demo_tokens, run_demo};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let file = match FileConfig::load(cli.config.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (listen, demo_people) = match &cli.command {
        Command::Serve(s) => (s.listen.clone(), s.demo_people),
        _ => (None, None),
    };
    let mut config = Config::resolve(file, cli.database_url.clone(), listen, demo_people);
    if let Some(p) = cli.audit_key_file.clone() {
        config.audit_key_file = p;
    }
    if let Some(p) = cli.audit_anchor_file.clone() {
        config.audit_anchor_file = p;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&config.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let lang = Lang::from_env();
    match rt.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match &e {
                AppError::Db(_) | AppError::Internal(_) => eprintln!("error: {e}"),
                _ => eprintln!("error: {}", e.message(lang)),
            }
            ExitCode::FAILURE
        }
    }
}

async fn open(config: &Config) -> Result<Db, AppError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    // A bulk load that was cut off leaves its indexes to rebuild.
    crate::db::restore_indexes(&db).await?;
    let key = audit_key(&db, config).await?;
    audit::start_keyed(&db, &key).await?;
    Ok(db)
}

/// The audit chain's key from its file. A missing file is created (mode 0600, with a warning)
/// only while the chain has no key epoch yet: a keyed chain with its key file gone must not
/// go on under a new key.
async fn audit_key(db: &Db, config: &Config) -> Result<Vec<u8>, AppError> {
    let keyed = db
        .scalar::<Option<i64>>("SELECT keyed_from FROM audit_head WHERE id = 1", vec![])
        .await?
        .is_some();
    let (key, source) = audit::load_key(&config.audit_key_file, !keyed).map_err(|e| {
        AppError::Internal(if keyed {
            format!("{e}; the audit chain is keyed, so its key file is needed (--audit-key-file)")
        } else {
            e
        })
    })?;
    if source == audit::KeySource::Created {
        tracing::warn!(
            "created a new audit key at {} (mode 0600): keep a copy apart from the database and \
             its backups, and give the same file to every node; without it the audit chain \
             cannot be verified",
            config.audit_key_file.display()
        );
    }
    Ok(key)
}

/// The retention policy in force: the kinds' defaults, with the config file's periods.
fn retention_policy(config: &Config) -> Result<Vec<audit::retention::Policy>, AppError> {
    audit::retention::policy(&crate::retention::kinds(), &config.retention)
        .map_err(AppError::Internal)
}

/// A database URL fit to print: `postgres://user:***@host/db`.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

fn report_verdict(v: audit::Verdict, anchors: usize) -> Result<(), AppError> {
    match v {
        audit::Verdict::Intact { entries } => {
            println!(
                "audit log intact: {entries} entries, chain verified{}",
                if anchors > 0 {
                    format!(", {anchors} anchors match")
                } else {
                    String::new()
                }
            );
            Ok(())
        }
        audit::Verdict::Broken { seq, reason } => Err(AppError::Internal(format!(
            "audit log TAMPERED at entry {seq}: {reason}"
        ))),
    }
}

/// `wardline backup`: an audit entry (the backup holds every record, so taking one is
/// recorded like an export), then the backup itself. Returns its size in bytes.
pub async fn backup(
    db: &Db,
    url: &str,
    out: &std::path::Path,
    actor: &audit::Actor,
) -> Result<u64, AppError> {
    audit::record_now(
        db,
        actor,
        audit::Event::new("backup", "database", db.backend().name())
            .detail(serde_json::json!({"file": out.display().to_string()})),
    )
    .await?;
    Ok(crate::db::backup::backup(db, url, out).await?)
}

fn everywhere() -> Scope {
    // The CLI runs with the operator's full rights: every path.
    Scope {
        roots: vec![String::new()],
    }
}

async fn run(command: Command, config: Config) -> Result<(), AppError> {
    crate::server::install_watchers();
    match command {
        Command::Migrate => {
            let db = Db::connect(&config.database_url).await?;
            let applied = db.migrate().await?;
            if applied.is_empty() {
                println!("database is up to date");
            } else {
                println!("applied: {}", applied.join(", "));
            }
            Ok(())
        }
        Command::Serve(args) => {
            let db = open(&config).await?;
            if args.demo {
                load_demo_if_empty(&db, &config).await?;
                print_demo_tokens(&db).await?;
                for line in create_demo_capabilities(&db).await? {
                    println!("{line}");
                }
            }
            let listener = tokio::net::TcpListener::bind(&config.listen)
                .await
                .map_err(|e| {
                    AppError::Internal(format!("cannot listen on {}: {e}", config.listen))
                })?;
            println!(
                "Wardline is serving http://{}/",
                listener
                    .local_addr()
                    .map_err(|e| AppError::Internal(e.to_string()))?
            );
            let bg = crate::server::Background {
                anchor_file: Some(config.audit_anchor_file.clone()),
                retention: Some(retention_policy(&config)?),
                import_concurrency: config.import_concurrency,
                notify: config.notify.clone(),
            };
            crate::server::serve_with(listener, db, bg)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))
        }
        Command::Demo(args) => {
            let db = open(&config).await?;
            let opts = demo::DemoOptions {
                people: args.people,
                seed: args.seed,
                under: args.under,
            };
            let stats = run_demo(&db, &opts).await?;
            println!("{}", serde_json::to_string(&stats).unwrap_or_default());
            Ok(())
        }
        Command::Areas {
            command:
                AreasCommand::Import {
                    china_division,
                    under,
                },
        } => {
            let db = open(&config).await?;
            let t = std::time::Instant::now();
            let (rows, stats) = areas::read_division_dir(&china_division, under.as_deref())?;
            if stats.rows == 0 {
                eprintln!("warning: no rows matched");
            }
            areas::upsert_national(&db, rows).await?;
            println!(
                "imported {} areas ({} provinces, {} cities, {} counties, {} streets/towns, {} communities/villages) in {:.1}s",
                stats.rows,
                stats.by_level[0],
                stats.by_level[1],
                stats.by_level[2],
                stats.by_level[3],
                stats.by_level[4],
                t.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Import(args) => {
            if let Some(path) = &args.template_xlsx {
                std::fs::write(path, import::template_xlsx()).map_err(|e| {
                    AppError::Internal(format!("cannot write {}: {e}", path.display()))
                })?;
                println!("wrote {}", path.display());
                return Ok(());
            }
            if args.template {
                print!("{}", String::from_utf8_lossy(&import::template_csv()[3..]));
                return Ok(());
            }
            let db = open(&config).await?;
            let path = args.file.expect("clap requires it");
            let started = std::time::Instant::now();
            let last = std::sync::Mutex::new(std::time::Instant::now());
            let progress = |p: import::ImportProgress| {
                let mut l = last.lock().expect("progress lock");
                if l.elapsed().as_secs_f64() >= 1.0 {
                    *l = std::time::Instant::now();
                    let phase = match p.phase {
                        import::ImportPhase::Read => "reading",
                        import::ImportPhase::Check => "checking",
                        import::ImportPhase::Write => "writing",
                    };
                    eprintln!(
                        "import: {phase} {} / {} rows ({:.0}s)",
                        p.done,
                        p.total,
                        started.elapsed().as_secs_f64()
                    );
                }
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let report = import::import_path(
                &db,
                &audit::Actor::cli(),
                &everywhere(),
                &name,
                &path,
                args.dry_run,
                &progress,
            )
            .await?;
            import_problems(&report.notes, &report.errors, report.more_errors)?;
            let verb = if report.committed {
                "imported"
            } else {
                "checked (dry run, nothing written)"
            };
            println!(
                "{verb}: {} rows, {} households, {} residents in {:.1}s",
                report.rows,
                report.households,
                report.residents,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { anchor },
        } => {
            // Verifying writes nothing: no key epoch is started and no key file created.
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            match audit::load_key(&config.audit_key_file, false) {
                Ok((key, _)) => audit::use_key(&db, &key).await?,
                Err(e) => eprintln!("note: {e}"),
            }
            let anchors = match &anchor {
                Some(p) => audit::read_anchors(p).map_err(AppError::Internal)?,
                None => Vec::new(),
            };
            report_verdict(audit::verify_with(&db, &anchors).await?, anchors.len())
        }
        Command::Audit {
            command: AuditCommand::Anchor,
        } => {
            let db = open(&config).await?;
            match audit::write_anchor(&db, &config.audit_anchor_file, None).await? {
                Some(a) => println!(
                    "anchored entry {} at {} in {}",
                    a.seq,
                    a.time,
                    config.audit_anchor_file.display()
                ),
                None => println!("the audit log is empty: nothing to anchor"),
            }
            Ok(())
        }
        Command::Backup { out } => {
            let db = open(&config).await?;
            let bytes = backup(&db, &config.database_url, &out, &audit::Actor::cli()).await?;
            println!("backup written: {} ({bytes} bytes)", out.display());
            Ok(())
        }
        Command::Restore { from } => {
            crate::db::backup::restore(&config.database_url, &from).await?;
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            match audit::load_key(&config.audit_key_file, false) {
                Ok((key, _)) => audit::use_key(&db, &key).await?,
                Err(e) => eprintln!("note: {e}"),
            }
            println!(
                "restored {} into {}",
                from.display(),
                without_password(&config.database_url)
            );
            report_verdict(audit::verify(&db).await?, 0)
        }
        Command::Retention {
            command: RetentionCommand::Show,
        } => {
            for p in retention_policy(&config)? {
                println!(
                    "{:<18} {:>4} days  {} / {}\n{:<18}            why: {}",
                    p.kind.name, p.days, p.kind.en, p.kind.zh, "", p.kind.why
                );
            }
            Ok(())
        }
        Command::Retention {
            command: RetentionCommand::Run { dry_run, json },
        } => {
            let policy = retention_policy(&config)?;
            let db = open(&config).await?;
            let report = crate::retention::run(
                &db,
                &audit::Actor::cli(),
                &policy,
                crate::db::now_ms(),
                dry_run,
            )
            .await?;
            if json {
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
            } else {
                print!("{}", report.render());
            }
            Ok(())
        }
        Command::Export(args) => {
            let format = export::ExportFormat::parse(&args.format).ok_or_else(|| {
                AppError::BadRequest(crate::i18n::Msg::new(
                    format!("unknown format {:?}; use csv or xlsx", args.format),
                    format!("无法识别的格式“{}”，请用 csv 或 xlsx", args.format),
                ))
            })?;
            let db = open(&config).await?;
            let file = std::fs::File::create(&args.out).map_err(|e| {
                AppError::Internal(format!("cannot create {}: {e}", args.out.display()))
            })?;
            let mut out = std::io::BufWriter::new(file);
            let reader = access::Reader {
                account_id: 0,
                username: audit::Actor::cli().username,
                display_name: audit::Actor::cli().username,
                role: "admin".into(),
                scope: everywhere(),
            };
            let result = export::export_residents(
                &db,
                &reader,
                &audit::Actor::cli(),
                &args.under,
                format,
                &mut out,
            )
            .await;
            drop(out);
            match result {
                Ok(s) => {
                    println!(
                        "exported {} residents under {} to {}",
                        s.rows,
                        s.area_code,
                        args.out.display()
                    );
                    Ok(())
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&args.out);
                    Err(e)
                }
            }
        }
        Command::Roster {
            command:
                RosterCommand::Rules {
                    max_hours_in_24,
                    min_rest_hours,
                    max_consecutive_days,
                    check_skills,
                },
        } => {
            let db = open(&config).await?;
            let changes = [
                (
                    "roster.max_hours_in_24",
                    max_hours_in_24.map(|n| n.to_string()),
                ),
                (
                    "roster.min_rest_hours",
                    min_rest_hours.map(|n| n.to_string()),
                ),
                (
                    "roster.max_consecutive_days",
                    max_consecutive_days.map(|n| n.to_string()),
                ),
                (
                    "roster.check_skills",
                    check_skills.map(|b| (b as u8).to_string()),
                ),
            ];
            let mut tx = db.begin().await?;
            for (key, value) in changes
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
            {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    crate::args![*key, value.as_str()],
                )
                .await?;
                audit::record(
                    &mut tx,
                    &audit::Actor::cli(),
                    audit::Event::new("setting", "setting", key)
                        .detail(serde_json::json!({"value": value})),
                )
                .await?;
            }
            tx.commit().await?;
            let r = crate::mobilization::rules::Rules::load(&db).await?;
            println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            Ok(())
        }
        Command::Testing {
            command: TestingCommand::Results { round, file },
        } => {
            let db = open(&config).await?;
            let bytes = std::fs::read(&file)
                .map_err(|e| AppError::Internal(format!("cannot read {}: {e}", file.display())))?;
            let round = crate::testing::round_by_id(&db, round)
                .await?
                .ok_or(AppError::NotFound)?;
            let (lines, first) = crate::testing::results::parse_results_csv(&bytes)?;
            let reader = access::Reader {
                account_id: 0,
                username: audit::Actor::cli().username,
                display_name: audit::Actor::cli().username,
                role: "admin".into(),
                scope: everywhere(),
            };
            let r = crate::testing::results::record(
                &db,
                &audit::Actor::cli(),
                &reader,
                &round,
                &lines,
                first,
            )
            .await?;
            println!(
                "{} tubes recorded ({} unchanged): {} people negative, {} positive, {} re-tests due, {} re-samples due",
                r.tubes, r.unchanged, r.negative_people, r.positive_people, r.retests_due, r.resamples_due
            );
            Ok(())
        }
        Command::Admin { command } => {
            let db = open(&config).await?;
            match command {
                AdminCommand::CreateUser {
                    username,
                    name,
                    role,
                    scope,
                    password_stdin,
                    no_password,
                } => {
                    let display = name.unwrap_or_else(|| username.clone());
                    let pw = if no_password {
                        None
                    } else {
                        use std::io::IsTerminal;
                        // On a terminal the password is not echoed (stty, as the system's own
                        // tools do; no dependency for it).
                        let tty = !password_stdin && std::io::stdin().is_terminal();
                        let stty = |arg: &str| {
                            let _ = std::process::Command::new("stty").arg(arg).status();
                        };
                        if !password_stdin {
                            eprint!("Password for {username} (at least 10 characters): ");
                        }
                        if tty {
                            stty("-echo");
                        }
                        let mut line = String::new();
                        let read = std::io::stdin().read_line(&mut line);
                        if tty {
                            stty("echo");
                            eprintln!();
                        }
                        read.map_err(|e| AppError::Internal(format!("reading the password: {e}")))?;
                        Some(line.trim_end_matches(['\r', '\n']).to_owned())
                    };
                    access::create_account_as(
                        &db,
                        &crate::audit::Actor::cli(),
                        &access::NewAccount {
                            username: &username,
                            display_name: &display,
                            role: &role,
                            scope_codes: &scope,
                            password: pw.as_deref(),
                        },
                    )
                    .await?;
                    println!(
                        "created account {username} ({role}), scope {}",
                        scope.join(", ")
                    );
                }
                AdminCommand::CreateToken { username, label } => {
                    let token = access::create_token(&db, &username, &label).await?;
                    println!("{token}");
                    eprintln!("This token is shown once; store it safely. Use it as: Authorization: Bearer <token>");
                }
            }
            Ok(())
        }
        Command::Vaccination {
            command: VaccinationCommand::Import { file, dry_run },
        } => vaccination::import(&open(&config).await?, &file, dry_run).await,
    }
}

/// Print an import's notes and problems on stderr in the user's language; any problem means
/// nothing was imported, which the error says (the registry's and the vaccination import).
pub(crate) fn import_problems(
    notes: &[crate::i18n::Msg],
    errors: &[crate::error::FieldError],
    more_errors: usize,
) -> Result<(), AppError> {
    let lang = Lang::from_env();
    for n in notes {
        eprintln!("note: {}", n.get(lang));
    }
    for e in errors {
        eprintln!("{}", e.render(lang));
    }
    if more_errors > 0 {
        eprintln!(
            "{}",
            match lang {
                Lang::En => format!("… and {more_errors} more problems"),
                Lang::Zh => format!("……另有 {more_errors} 处问题"),
            }
        );
    }
    if !errors.is_empty() || more_errors > 0 {
        let n = errors.len() + more_errors;
        return Err(AppError::BadRequest(crate::i18n::Msg::new(
            format!("{n} problems found; nothing was imported"),
            format!("发现 {n} 处问题，未导入任何数据"),
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn printed_urls_hide_the_password() {
        assert_eq!(
            super::without_password("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            super::without_password("postgres://u@h/db"),
            "postgres://u@h/db"
        );
        assert_eq!(
            super::without_password("sqlite://a/b.db"),
            "sqlite://a/b.db"
        );
    }
}
