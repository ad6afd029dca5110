//! The command line's arguments: the commands, their subcommands and flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    pub(super) config: Option<PathBuf>,
    /// Database: sqlite://PATH or postgres://… [default: sqlite://wardline-data/wardline.db]
    #[arg(long, global = true, env = "WARDLINE_DATABASE_URL", value_name = "URL")]
    pub(super) database_url: Option<String>,
    /// The audit chain's key file (created with mode 0600 if missing) [default: audit.key
    /// beside the SQLite database, or wardline-data/audit.key for PostgreSQL]
    #[arg(
        long,
        global = true,
        env = "WARDLINE_AUDIT_KEY_FILE",
        value_name = "FILE"
    )]
    pub(super) audit_key_file: Option<PathBuf>,
    /// The append-only file the audit chain's head is copied to every minute while serving
    /// [default: audit-anchors.log in the key file's default folder]
    #[arg(
        long,
        global = true,
        env = "WARDLINE_AUDIT_ANCHOR_FILE",
        value_name = "FILE"
    )]
    pub(super) audit_anchor_file: Option<PathBuf>,
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand)]
pub(super) enum Command {
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
    /// Vaccination outreach.
    Vaccination {
        #[command(subcommand)]
        command: VaccinationCommand,
    },
}

#[derive(Subcommand)]
pub(super) enum VaccinationCommand {
    /// Import dose records from the vaccination system's export (CSV or XLSX, UTF-8 or GBK;
    /// columns 身份证号, 疫苗, 剂次, 接种日期, optionally 接种单位, 批号), matched by ID number:
    /// all rows or none, every bad row named.
    Import {
        /// The export file.
        file: PathBuf,
        /// Check the file only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub(super) enum RetentionCommand {
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
pub(super) enum RosterCommand {
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
pub(super) enum TestingCommand {
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
pub(super) struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "WARDLINE_LISTEN", value_name = "ADDR")]
    pub(super) listen: Option<String>,
    /// On an empty database, load a demo city and create demo accounts (tokens are printed).
    #[arg(long)]
    pub(super) demo: bool,
    /// People in the demo city loaded by --demo [default: 50000]
    #[arg(long, env = "WARDLINE_DEMO_PEOPLE", value_name = "N")]
    pub(super) demo_people: Option<u64>,
}

#[derive(Args)]
pub(super) struct DemoArgs {
    /// Number of residents to generate.
    #[arg(long, value_name = "N")]
    pub(super) people: u64,
    /// Seed: the same seed gives the same city.
    #[arg(long, default_value_t = 1)]
    pub(super) seed: u64,
    /// Division code of the area to fill (a county, street, city …). Its national areas must
    /// be imported first unless it is within the embedded 零陵区 (431102).
    #[arg(long, default_value = "431102", value_name = "CODE")]
    pub(super) under: String,
}

#[derive(Subcommand)]
pub(super) enum AreasCommand {
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
pub(super) struct ImportArgs {
    /// CSV (UTF-8 or GBK) or XLSX file with a header row. Get a template with --template.
    #[arg(required_unless_present_any = ["template", "template_xlsx"])]
    pub(super) file: Option<PathBuf>,
    /// Check every row and report problems without writing anything.
    #[arg(long)]
    pub(super) dry_run: bool,
    /// Print the CSV template (header and an example row) and exit.
    #[arg(long)]
    pub(super) template: bool,
    /// Write the XLSX template (header and an example row) to FILE and exit.
    #[arg(long, value_name = "FILE")]
    pub(super) template_xlsx: Option<PathBuf>,
}

#[derive(Args)]
pub(super) struct ExportArgs {
    /// Division code (or local area code) whose whole subtree is exported.
    #[arg(long, value_name = "CODE")]
    pub(super) under: String,
    /// csv or xlsx.
    #[arg(long, default_value = "xlsx")]
    pub(super) format: String,
    /// Output file.
    #[arg(long, value_name = "FILE")]
    pub(super) out: PathBuf,
}

#[derive(Subcommand)]
pub(super) enum AuditCommand {
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
pub(super) enum AdminCommand {
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
