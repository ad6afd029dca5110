//! The command line. `main.rs` calls [`main`]; everything else is here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::access::{self, Scope};
use crate::audit;
use crate::config::{Config, FileConfig};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::registry::{areas, demo, export, import};

#[derive(Parser)]
#[command(
    name = "wardline",
    version,
    about = "Wardline (网格防线): grassroots epidemic response — grid registry, volunteers, mass testing, needs",
    long_about = "Wardline (网格防线): grassroots epidemic response.\n\n\
        Quick start: `wardline serve --demo` creates ./wardline-data/wardline.db, loads a demo city \
        (零陵区, 50,000 people) and serves http://127.0.0.1:8080/.\n\n\
        Every command that touches data takes --database-url: sqlite://PATH (the default is \
        sqlite://wardline-data/wardline.db) or postgres://USER:PASSWORD@HOST:PORT/DB. \
        Settings are read from, in rising order: built-in defaults, a TOML file (--config), \
        WARDLINE_* environment variables, flags."
)]
pub struct Cli {
    /// TOML config file with keys database_url, listen, demo_people, demo_area, log,
    /// audit_key_file, audit_anchor_file, import_concurrency and a [retention] table of days
    /// per kind.
    #[arg(long, global = true, env = "WARDLINE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database: sqlite://PATH or postgres://… [default: sqlite://wardline-data/wardline.db]
    #[arg(long, global = true, env = "WARDLINE_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// The audit chain's key file (created with mode 0600 if missing) [default: audit.key
    /// beside the SQLite database, or wardline-data/audit.key for PostgreSQL]
    #[arg(
        long,
        global = true,
        env = "WARDLINE_AUDIT_KEY_FILE",
        value_name = "FILE"
    )]
    audit_key_file: Option<PathBuf>,
    /// The append-only file the audit chain's head is copied to every minute while serving
    /// [default: audit-anchors.log in the key file's default folder]
    #[arg(
        long,
        global = true,
        env = "WARDLINE_AUDIT_ANCHOR_FILE",
        value_name = "FILE"
    )]
    audit_anchor_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies migrations first).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Generate a synthetic demo city on the real division codes.
    Demo(DemoArgs),
    /// Manage the area tree (行政区划).
    Areas {
        #[command(subcommand)]
        command: AreasCommand,
    },
    /// Import households and residents from a CSV or XLSX file (all rows or none).
    Import(ImportArgs),
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Export the residents under an area (masked) to CSV or XLSX.
    Export(ExportArgs),
    /// Administration: accounts and API tokens.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Mass testing.
    Testing {
        #[command(subcommand)]
        command: TestingCommand,
    },
    /// Duty rosters.
    Roster {
        #[command(subcommand)]
        command: RosterCommand,
    },
    /// Back the database up into one file, online (SQLite: the backup API while the server
    /// keeps running; PostgreSQL: pg_dump --format=custom).
    Backup {
        /// The backup file (written beside as FILE.partial, then renamed).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore a backup into a fresh database (--database-url: a SQLite file that does not
    /// exist yet, or an empty PostgreSQL database), then migrate and verify the audit chain.
    Restore {
        /// The backup file made by `wardline backup`.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    /// Retention of personal data: periods per kind of record, and the sweep.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Delete or anonymise what is past its period (one transaction, one audit entry).
    Run {
        /// Only report, per kind, what would go; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The kinds of record, their periods in force and why.
    Show,
}

#[derive(Subcommand)]
enum RosterCommand {
    /// Show the duty rules, or change them for this deployment (the roster shows breaches,
    /// auto-fill keeps to them, and breaking one by hand needs an officer's recorded override).
    Rules {
        /// Most hours of duty in any 24 hours [default 12].
        #[arg(long, value_name = "H")]
        max_hours_in_24: Option<u32>,
        /// Least hours of rest between two shifts [default 8].
        #[arg(long, value_name = "H")]
        min_rest_hours: Option<u32>,
        /// Most consecutive days with duty [default 6].
        #[arg(long, value_name = "N")]
        max_consecutive_days: Option<u32>,
        /// Whether a shift's required skills must be among the volunteer's [default true].
        #[arg(long, value_name = "BOOL")]
        check_skills: Option<bool>,
    },
}

#[derive(Subcommand)]
enum TestingCommand {
    /// Record lab results from a CSV file (tube,result; negative/positive/invalid or
    /// 阴性/阳性/无效): all lines or none.
    Results {
        /// The round's id.
        #[arg(long)]
        round: i64,
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "WARDLINE_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// On an empty database, load a demo city and create demo accounts (tokens are printed).
    #[arg(long)]
    demo: bool,
    /// People in the demo city loaded by --demo [default: 50000]
    #[arg(long, env = "WARDLINE_DEMO_PEOPLE", value_name = "N")]
    demo_people: Option<u64>,
}

#[derive(Args)]
struct DemoArgs {
    /// Number of residents to generate.
    #[arg(long, value_name = "N")]
    people: u64,
    /// Seed: the same seed gives the same city.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Division code of the area to fill (a county, street, city …). Its national areas must
    /// be imported first unless it is within the embedded 零陵区 (431102).
    #[arg(long, default_value = "431102", value_name = "CODE")]
    under: String,
}

#[derive(Subcommand)]
enum AreasCommand {
    /// Load national division codes (provinces.csv … villages.csv). Re-running updates names.
    Import {
        /// Folder holding provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv.
        #[arg(long, value_name = "DIR")]
        china_division: PathBuf,
        /// Load only this code's subtree (and its ancestors), e.g. 431102 for 零陵区.
        #[arg(long, value_name = "CODE")]
        under: Option<String>,
    },
}

#[derive(Args)]
struct ImportArgs {
    /// CSV (UTF-8 or GBK) or XLSX file with a header row. Get a template with --template.
    #[arg(required_unless_present_any = ["template", "template_xlsx"])]
    file: Option<PathBuf>,
    /// Check every row and report problems without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the CSV template (header and an example row) and exit.
    #[arg(long)]
    template: bool,
    /// Write the XLSX template (header and an example row) to FILE and exit.
    #[arg(long, value_name = "FILE")]
    template_xlsx: Option<PathBuf>,
}

#[derive(Args)]
struct ExportArgs {
    /// Division code (or local area code) whose whole subtree is exported.
    #[arg(long, value_name = "CODE")]
    under: String,
    /// csv or xlsx.
    #[arg(long, default_value = "xlsx")]
    format: String,
    /// Output file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole audit log (and its MACs, with the key file); names the
    /// first entry that does not fit.
    Verify {
        /// Also check against an anchor file: catches a tail cut back past an anchored entry
        /// and a chain recomputed after an edit.
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Append the chain's head to the anchor file now (the server does it every minute).
    Anchor,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user account with a role, an area scope and a password (asked on the terminal,
    /// or one line from standard input with --password-stdin). Administrators must enrol a
    /// second factor (TOTP) at their first sign-in.
    #[command(alias = "create-account")]
    CreateUser {
        #[arg(long)]
        username: String,
        /// Display name [default: the username]
        #[arg(long)]
        name: Option<String>,
        /// admin, hq, street, community, grid, branch, volunteer or auditor.
        #[arg(long)]
        role: String,
        /// Area code(s) the account may see, e.g. --scope 431102001 --scope 431102002.
        #[arg(long = "scope", value_name = "CODE", required = true)]
        scope: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// No password: an account that only uses API tokens.
        #[arg(long, conflicts_with = "password_stdin")]
        no_password: bool,
    },
    /// Issue an API token for an account; it is shown once.
    CreateToken {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

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
                if let Some(n) = create_demo_round(&db).await? {
                    println!("Demo testing round: {n} samples taken so far (sign in as demo-grid, demo-community, demo-collector or demo-lab)");
                }
                if let Some(n) = create_demo_mobilization(&db).await? {
                    println!("Demo volunteers: 60 sign-ups, this week's roster auto-filled with {n} placements (sign in as demo-community or demo-volunteer)");
                }
                if let Some(n) = crate::needs::demo::create(&db).await? {
                    println!("Demo needs: {n} residents' requests over three days (the queue is at /needs; volunteers see /me/needs)");
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
            let lang = Lang::from_env();
            for n in &report.notes {
                eprintln!("note: {}", n.get(lang));
            }
            for e in &report.errors {
                eprintln!("{}", e.render(lang));
            }
            if report.more_errors > 0 {
                eprintln!(
                    "{}",
                    match lang {
                        Lang::En => format!("… and {} more problems", report.more_errors),
                        Lang::Zh => format!("……另有 {} 处问题", report.more_errors),
                    }
                );
            }
            if !report.errors.is_empty() {
                let n = report.errors.len() + report.more_errors;
                return Err(AppError::BadRequest(crate::i18n::Msg::new(
                    format!("{n} problems found; nothing was imported"),
                    format!("发现 {n} 处问题，未导入任何数据"),
                )));
            }
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
            let report = audit::retention::run(
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
    }
}

async fn run_demo(db: &Db, opts: &demo::DemoOptions) -> Result<demo::DemoStats, AppError> {
    let total = opts.people;
    let started = std::time::Instant::now();
    let last = std::sync::Mutex::new(std::time::Instant::now());
    let progress = move |n: u64| {
        let mut l = last.lock().expect("progress lock");
        if l.elapsed().as_secs_f64() >= 1.0 || n == total {
            *l = std::time::Instant::now();
            let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
            eprintln!("demo: {n} / {total} residents ({:.0}/s)", rate);
        }
    };
    demo::generate(db, opts, &progress).await
}

/// Demo accounts, one per role: (username, role, scope code). The grid worker's scope is the
/// first grid of the first community.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("demo-admin", "admin", "431102"),
    ("demo-hq", "hq", "431102"),
    ("demo-street", "street", "431102001"),
    ("demo-community", "community", "431102001001"),
    ("demo-grid", "grid", "431102001001/G0001"),
    ("demo-branch", "branch", "431102001001"),
    ("demo-volunteer", "volunteer", "431102001001"),
    ("demo-auditor", "auditor", "431102"),
    ("demo-collector", "collector", "431102001001"),
    ("demo-lab", "lab", "431102"),
];

/// The password of every demo account (printed at start; demo databases only).
pub const DEMO_PASSWORD: &str = "wardline-demo";

async fn load_demo_if_empty(db: &Db, config: &Config) -> Result<(), AppError> {
    let any = db
        .query_opt("SELECT id FROM residents LIMIT 1", vec![])
        .await?;
    if any.is_some() {
        return Ok(());
    }
    println!(
        "Empty database: loading a demo city of {} people under {} …",
        config.demo_people, config.demo_area
    );
    let opts = demo::DemoOptions {
        people: config.demo_people,
        seed: 1,
        under: config.demo_area.clone(),
    };
    let stats = run_demo(db, &opts).await?;
    println!(
        "Demo city: {} residents in {} households, {} grids, {} communities/villages ({:.1}s)",
        stats.residents, stats.households, stats.grids, stats.communities, stats.seconds
    );
    create_demo_accounts(db).await
}

/// Create the demo accounts that do not exist yet.
pub async fn create_demo_accounts(db: &Db) -> Result<(), AppError> {
    for (user, role, scope) in DEMO_ACCOUNTS {
        if areas::by_code(db, scope).await?.is_none() {
            continue;
        }
        let a = access::NewAccount {
            username: user,
            display_name: user,
            role,
            scope_codes: &[scope.to_string()],
            password: Some(DEMO_PASSWORD),
        };
        match access::create_account_as(db, &crate::audit::Actor::cli(), &a).await {
            Ok(_) | Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn print_demo_tokens(db: &Db) -> Result<(), AppError> {
    create_demo_accounts(db).await?;
    println!(
        "Demo sign-ins (password for each: {DEMO_PASSWORD}; demo-admin enrols a TOTP second factor at first sign-in):"
    );
    for (user, role, scope) in DEMO_ACCOUNTS {
        println!("  {user:<15} {role:<10} scope {scope}");
    }
    println!("Demo API tokens (new on every start; use as `Authorization: Bearer TOKEN`):");
    for (user, role, scope) in DEMO_ACCOUNTS {
        if let Ok(token) = access::create_token(db, user, "demo").await {
            println!("  {user:<15} {role:<10} scope {scope:<13} {token}");
        }
    }
    Ok(())
}

/// The reader behind a demo account, with its scope (no session or token needed).
pub(crate) async fn demo_reader(
    db: &Db,
    username: &str,
) -> Result<Option<access::Reader>, AppError> {
    let rows: Vec<DemoAccount> = db
        .query_as(
            "SELECT a.id, a.role, a.display_name, ar.path FROM accounts a \
             LEFT JOIN account_scopes s ON s.account_id = a.id \
             LEFT JOIN areas ar ON ar.id = s.area_id WHERE a.username = $1 ORDER BY ar.path",
            crate::args![username],
        )
        .await?;
    Ok(rows.first().map(|r| access::Reader {
        account_id: r.id,
        username: username.to_owned(),
        display_name: r.display_name.clone(),
        role: r.role.clone(),
        scope: Scope {
            roots: rows.iter().filter_map(|x| x.path.clone()).collect(),
        },
    }))
}

/// A demo account with one of its scope's roots (none when it has no scope).
struct DemoAccount {
    id: i64,
    role: String,
    display_name: String,
    path: Option<String>,
}
crate::from_row!(DemoAccount {
    id,
    role,
    display_name,
    path
});

/// An area's code and name.
struct CodeName {
    code: String,
    name: String,
}
crate::from_row!(CodeName { code, name });

/// A resident of the demo, in its household.
struct DemoPerson {
    id: i64,
    household_id: i64,
    path: String,
}
crate::from_row!(DemoPerson {
    id,
    household_id,
    path
});

/// A demo shift's times.
struct Shift {
    id: i64,
    starts_ms: i64,
    ends_ms: i64,
}
crate::from_row!(Shift {
    id,
    starts_ms,
    ends_ms
});

pub(crate) fn demo_actor(r: &access::Reader) -> audit::Actor {
    audit::Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "demo".into(),
    }
}

/// The demo district's community with the demo grid, and its street.
pub const DEMO_COMMUNITY: &str = "431102001001";
const DEMO_STREET: &str = "431102001";

/// Once, when there is no testing round yet: a round over the demo district open today
/// (06:00–22:00 China time, or from an hour ago for twelve hours when started outside that),
/// pooling 10 per tube; the first grid of the street's second community sealed off (one person
/// per tube there, sampled by a door-to-door team); a fixed site per community of the demo
/// street (demo-collector at each); about 70% of the demo community sampled and 40–95% of the
/// street's other communities, so the street's view has laggards; results for most tubes (one
/// invalid, so re-sample tasks show), a few exemptions and a walk-in. Returns the samples
/// taken, or `None` when nothing was created.
pub async fn create_demo_round(db: &Db) -> Result<Option<usize>, AppError> {
    use crate::testing::{self, ingest, results};
    if db
        .query_opt("SELECT id FROM test_rounds LIMIT 1", vec![])
        .await?
        .is_some()
        || areas::by_code(db, DEMO_COMMUNITY).await?.is_none()
    {
        return Ok(None);
    }
    let (Some(hq), Some(officer), Some(collector), Some(lab)) = (
        demo_reader(db, "demo-hq").await?,
        demo_reader(db, "demo-community").await?,
        demo_reader(db, "demo-collector").await?,
        demo_reader(db, "demo-lab").await?,
    ) else {
        return Ok(None);
    };
    const HOUR: i64 = 3_600_000;
    let now = crate::db::now_ms();
    let midnight = (now + testing::CST_MS).div_euclid(24 * HOUR) * 24 * HOUR - testing::CST_MS;
    let (mut starts, mut ends) = (midnight + 6 * HOUR, midnight + 22 * HOUR);
    if !(starts..ends - HOUR).contains(&now) {
        (starts, ends) = (now - HOUR, now + 12 * HOUR);
    }
    let by_hq = demo_actor(&hq);
    let id = testing::create_round(
        db,
        &by_hq,
        &hq,
        &testing::NewRound {
            area: "431102".into(),
            name: "第1轮全员核酸检测 / Round 1".into(),
            starts: starts.to_string(),
            ends: ends.to_string(),
            pool_size: "10".into(),
        },
    )
    .await?;
    let round = testing::round_by_id(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The street's communities with people, each with a fixed site.
    let communities: Vec<CodeName> = db
        .query_as(
            "SELECT a.code, a.name FROM areas a WHERE a.parent_id = $1 \
             AND EXISTS (SELECT 1 FROM households h WHERE h.path >= a.path AND h.path < a.path || '~') \
             ORDER BY a.code",
            crate::args![DEMO_STREET.parse::<i64>().unwrap_or_default()],
        )
        .await?;
    let mut sites = Vec::new();
    for c in &communities {
        let site = testing::add_site(
            db,
            &by_hq,
            &hq,
            &round,
            &c.code,
            &format!("{}核酸采样点", c.name),
            "fixed",
        )
        .await?;
        testing::add_collector(db, &by_hq, &hq, site, "demo-collector").await?;
        sites.push((c.code.clone(), site));
    }
    // The sealed zone: single tubes, a door-to-door team.
    let sealed = match communities.iter().find(|c| c.code != DEMO_COMMUNITY) {
        Some(c) => areas::by_code(db, &format!("{}/G0001", c.code)).await?,
        None => None,
    };
    let door_site = match &sealed {
        Some(g) => {
            testing::set_pool_rule(db, &by_hq, &hq, &round, &g.code, "1").await?;
            let s = testing::add_site(db, &by_hq, &hq, &round, &g.code, "封控区入户采样队", "door")
                .await?;
            testing::add_collector(db, &by_hq, &hq, s, "demo-collector").await?;
            Some(s)
        }
        None => None,
    };
    let mut rng = crate::rng::Rng::new(7);
    let mut ops = Vec::new();
    let mut cid = 0;
    let mut op = |tube: &str, kind: ingest::OpKind| {
        cid += 1;
        ingest::Op {
            client_id: format!("demo-{cid}"),
            tube: tube.to_owned(),
            kind,
            taken_ms: None,
        }
    };
    // Collectors name people by their personal code (as a scan would), not by record id.
    let secret = crate::testing::qr_secret(db).await?;
    let add = |id: i64| ingest::OpKind::Add {
        person: ingest::PersonRef::Qr(crate::testing::resident_code(&secret, id)),
        confirm: None,
    };
    let (mut tubes, mut singles, mut exempt) = (Vec::new(), 0, Vec::new());
    for (ci, (code, site)) in sites.iter().enumerate() {
        let home = code == DEMO_COMMUNITY;
        let share = if home {
            700
        } else {
            rng.range(400, 950) as u32
        };
        let people: Vec<DemoPerson> = db
            .query_as(
                "SELECT r.id, r.household_id, r.path FROM residents r \
                 WHERE r.path >= $1 AND r.path < $2 ORDER BY r.path, r.household_id, r.id",
                crate::args![code.as_str(), crate::db::path_end(code)],
            )
            .await?;
        // Whole households missing, and single members.
        let (mut skip_hh, mut last_hh) = (false, -1);
        let mut pooled = Vec::new();
        for r in &people {
            if r.household_id != last_hh {
                last_hh = r.household_id;
                skip_hh = rng.chance((1000 - share) * 2 / 3);
            }
            if skip_hh || rng.chance((1000 - share) / 3) {
                if home {
                    exempt.push(r.id);
                }
                continue;
            }
            match (&sealed, door_site) {
                (Some(g), Some(door)) if r.path.starts_with(g.path.as_str()) => {
                    singles += 1;
                    let tube = format!("S{singles:06}");
                    ops.push(op(
                        &tube,
                        ingest::OpKind::Open {
                            site_id: Some(door),
                        },
                    ));
                    ops.push(op(&tube, add(r.id)));
                    tubes.push(tube);
                }
                _ => pooled.push(r.id),
            }
        }
        let chunks: Vec<&[i64]> = pooled.chunks(10).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let tube = format!("T{:02}{:04}", ci + 1, i + 1);
            ops.push(op(
                &tube,
                ingest::OpKind::Open {
                    site_id: Some(*site),
                },
            ));
            for &p in chunk.iter() {
                ops.push(op(&tube, add(p)));
            }
            if chunk.len() < 10 {
                if home && i + 1 == chunks.len() && chunk.len() < 9 {
                    // A walk-in: a visitor with a passport, waiting for the grid worker.
                    ops.push(op(
                        &tube,
                        ingest::OpKind::Add {
                            person: ingest::PersonRef::WalkIn {
                                doc_type: Some("passport".into()),
                                number: "E12345678".into(),
                                name: "王小明".into(),
                                phone: Some("13800001234".into()),
                            },
                            confirm: None,
                        },
                    ));
                }
                ops.push(op(&tube, ingest::OpKind::Close));
            }
            tubes.push(tube);
        }
    }
    let sub = ingest::Submission {
        reader: collector,
        round: round.clone(),
        ops,
        offline: false,
    };
    let outs = ingest::apply(db, &[&sub]).await?.remove(0);
    let taken = outs
        .iter()
        .filter(|o| o.status == ingest::Status::Accepted && o.code == "added")
        .count();
    // Results for all but the last few tubes: negative, one invalid.
    let done = tubes.len().saturating_sub(4);
    let lines: Vec<results::ResultLine> = tubes[..done]
        .iter()
        .enumerate()
        .map(|(i, t)| results::ResultLine {
            tube: t.clone(),
            result: if i == 2 { "invalid" } else { "negative" }.into(),
            row: 0,
        })
        .collect();
    if !lines.is_empty() {
        results::record(db, &demo_actor(&lab), &lab, &round, &lines, 1).await?;
    }
    // A few exemptions among the demo community's missing.
    for (&rid, (reason, note)) in exempt.iter().zip([
        ("hospital", "市中心医院住院"),
        ("away", "在外地务工"),
        ("away", "出差"),
    ]) {
        results::exempt(
            db,
            &demo_actor(&officer),
            &officer,
            &round,
            rid,
            reason,
            note,
        )
        .await?;
    }
    Ok(Some(taken))
}

/// Once, when there is no sign-up link yet: the demo community's volunteers and roster. Units,
/// a sign-up link, 60 sign-ups (48 approved, 2 rejected, the rest waiting), the first approved
/// one behind the demo-volunteer account; two gate checkpoints with three 8-hour shifts round
/// the clock and a sampling site with a day shift needing a medic, for this week, auto-filled;
/// the past shifts checked in and out (a few no-shows); a temporary party branch at the north
/// gate and a delivery team, and a care visit whose need the branch follows up. Returns the
/// placements made, or `None` when nothing was created.
pub async fn create_demo_mobilization(db: &Db) -> Result<Option<i64>, AppError> {
    use crate::mobilization::{autofill, branches, duty, roster, rules, volunteers};
    if db
        .query_opt("SELECT id FROM signup_links LIMIT 1", vec![])
        .await?
        .is_some()
        || areas::by_code(db, DEMO_COMMUNITY).await?.is_none()
    {
        return Ok(None);
    }
    let Some(officer) = demo_reader(db, "demo-community").await? else {
        return Ok(None);
    };
    let actor = demo_actor(&officer);
    let mut units = Vec::new();
    for name in [
        "市司法局",
        "市教育局",
        "区卫健局",
        "市税务局",
        "区城管局",
        "市住建局",
    ] {
        units.push(volunteers::add_unit(db, &actor, &officer, name).await?);
    }
    let area = areas::by_code(db, DEMO_COMMUNITY)
        .await?
        .ok_or(AppError::NotFound)?;
    let link = volunteers::create_link(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        &format!("{}志愿者招募", area.name),
    )
    .await?;
    let mut rng = crate::rng::Rng::new(5);
    const SURNAMES: &[&str] = &[
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高",
        "林",
    ];
    const GIVEN: &[&str] = &[
        "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
        "超", "秀英", "建华", "志强", "海燕",
    ];
    let mut ids = Vec::new();
    for i in 0..60i64 {
        let birth = format!(
            "{}{:02}{:02}",
            1965 + rng.range(0, 34),
            rng.range(1, 12),
            rng.range(1, 28)
        );
        let first17 = format!("431102{birth}{:03}", 100 + i);
        let doc = format!(
            "{first17}{}",
            crate::registry::validate::check_char(first17.as_bytes()) as char
        );
        let mut skills = Vec::new();
        if rng.chance(150) {
            skills.push("medical".to_owned());
        }
        if rng.chance(200) {
            skills.push("driving".to_owned());
        }
        if rng.chance(80) {
            skills.push("counselling".to_owned());
        }
        let daytime = rng.chance(200);
        let f = volunteers::SignUp {
            name: format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
            doc_type: "id_card".into(),
            doc_number: doc,
            phone: format!("139{:08}", 7_310_000 + i),
            unit: rng.pick(&units).to_string(),
            political: if rng.chance(550) {
                "party"
            } else if rng.chance(300) {
                "league"
            } else {
                "none"
            }
            .into(),
            skills,
            from: if daytime {
                "07:00".into()
            } else {
                String::new()
            },
            to: if daytime {
                "19:00".into()
            } else {
                String::new()
            },
            health_ok: true,
            wants_account: i == 0,
            ..Default::default()
        };
        ids.push(
            volunteers::sign_up(db, &link, &format!("demo-{i}"), &f)
                .await?
                .id,
        );
    }
    for (i, id) in ids.iter().enumerate() {
        match i {
            0..48 => {
                volunteers::screen(db, &actor, &officer, *id, "approved", "").await?;
            }
            48..50 => {
                volunteers::screen(
                    db,
                    &actor,
                    &officer,
                    *id,
                    "rejected",
                    "健康承诺信息不完整，请补充后重新报名",
                )
                .await?;
            }
            _ => {}
        }
    }
    // The demo volunteer account stands for the first approved volunteer.
    if let Some(account_id) = db
        .scalar_opt::<i64>(
            "SELECT id FROM accounts WHERE username = 'demo-volunteer'",
            vec![],
        )
        .await?
    {
        let mut tx = db.begin().await?;
        tx.execute(
            "UPDATE volunteers SET account_id = $1 WHERE id = $2",
            crate::args![account_id, ids[0]],
        )
        .await?;
        tx.commit().await?;
    }
    let north = roster::add_place(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        "北门卡口",
        "checkpoint",
    )
    .await?;
    let south = roster::add_place(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        "南门卡口",
        "checkpoint",
    )
    .await?;
    let site = roster::add_place(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        "社区广场采样点",
        "site",
    )
    .await?;
    let posts = roster::posts(db).await?;
    let post = |code: &str| {
        posts
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.id)
            .unwrap_or(1)
    };
    let now = crate::db::now_ms();
    let today = rules::day_of(now);
    let monday = today - rules::weekday(today);
    let first_day = rules::ymd(monday);
    for (place, code, times, n, skills) in [
        (
            north,
            "security",
            vec![(0, 480), (480, 960), (960, 1440)],
            2,
            vec![],
        ),
        (
            south,
            "security",
            vec![(0, 480), (480, 960), (960, 1440)],
            2,
            vec![],
        ),
        (site, "sampling", vec![(480, 1020)], 2, vec![]),
        (
            site,
            "medical",
            vec![(480, 1020)],
            1,
            vec!["medical".to_owned()],
        ),
    ] {
        roster::add_shifts(
            db,
            &actor,
            &officer,
            &roster::NewShifts {
                place,
                post: post(code),
                first_day: first_day.clone(),
                days: 7,
                times,
                headcount: n,
                skills,
            },
        )
        .await?;
    }
    let run = autofill::run(
        db,
        &actor,
        &officer,
        &area.path,
        monday * rules::DAY_MS - rules::CST_MS,
        (monday + 7) * rules::DAY_MS - rules::CST_MS,
    )
    .await?;
    // The shifts begun: most checked in around their start (and out around their end when
    // over), a few no-shows.
    let past: Vec<Shift> = db
        .query_as(
            "SELECT a.id, a.starts_ms, a.ends_ms FROM assignments a WHERE a.starts_ms <= $1 ORDER BY a.id",
            crate::args![now],
        )
        .await?;
    for p in past {
        if rng.chance(60) {
            continue;
        }
        let cin = p.starts_ms + rng.range(-15, 10) * 60_000;
        let cout = p.ends_ms + rng.range(-10, 25) * 60_000;
        duty::check_other(db, &actor, &officer, p.id, true, cin.min(now)).await?;
        if cout <= now {
            duty::check_other(db, &actor, &officer, p.id, false, cout).await?;
        }
    }
    // A temporary branch at the north gate with a secretary and members, and a delivery team.
    let branch = branches::create(
        db,
        &actor,
        &officer,
        &branches::NewBranch {
            area: DEMO_COMMUNITY.into(),
            name: "北门卡口临时党支部".into(),
            kind: "temporary".into(),
            attach: "checkpoint".into(),
            place_note: "北门卡口".into(),
            founded: first_day.clone(),
        },
    )
    .await?;
    let party = volunteers::list(
        db,
        &officer,
        &volunteers::Filter {
            status: Some("approved".into()),
            ..Default::default()
        },
        100,
    )
    .await?
    .into_iter()
    .filter(|v| v.political == "party")
    .take(5)
    .collect::<Vec<_>>();
    for (i, v) in party.iter().enumerate() {
        let role = if i == 0 { "secretary" } else { "member" };
        branches::set_member(db, &actor, &officer, branch, v.id, role).await?;
    }
    let team = branches::create_team(
        db,
        &actor,
        &officer,
        DEMO_COMMUNITY,
        "物资配送组",
        "delivery",
        None,
    )
    .await?;
    for (i, id) in ids.iter().skip(10).take(6).enumerate() {
        branches::set_team_member(db, &actor, &officer, team, *id, i == 0).await?;
    }
    // A care visit to an elderly party member living in the community, with a need the branch
    // follows up.
    if let Some(resident) = db
        .scalar_opt::<i64>(
            "SELECT id FROM residents WHERE path >= $1 AND path < $2 AND party_categories <> 0 ORDER BY id LIMIT 1",
            crate::args![area.path.as_str(), crate::db::path_end(&area.path)],
        )
        .await?
    {
        crate::mobilization::visits::record(
            db,
            &actor,
            &officer,
            &crate::mobilization::visits::NewVisit {
                resident,
                branch: Some(branch),
                visited_on: branches::today_cst(),
                visitors: "demo-community".into(),
                situation: "独居，身体尚好，家中物资充足。".into(),
                needs: "降压药周五用完，需代购送药上门。".into(),
                follow_up: true,
            },
        )
        .await?;
    }
    Ok(Some(run.filled))
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
