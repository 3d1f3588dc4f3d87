//! The command line, as clap sees it.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

mod record;

pub use record::{Note, Record, ResultArg};

#[derive(Debug, Parser)]
#[command(
    name = "sprout",
    version,
    about = "The service-pack rollout deck: fleet compliance, hot fixes, rollout phases and their gates",
    long_about = "The service-pack rollout deck.\n\nWith no command, sprout shows the state of the rollout. The data directory is\n--data DIR, else $SPROUT_DATA, else your per-user data directory, which is seeded\nwith a sample fleet the first time. --data postgres://... uses a PostgreSQL database\nshared by several hosts instead (sprout db migrate, import, export).",
    after_help = "Examples:\n  sprout status                      the rollout at a glance\n  sprout server BOS-IMS01            one server: levels, hot fixes, soak, history\n  sprout record checkout BOS-IMS01 pass --note \"queues normal\"\n  sprout advance --override \"change board approved\" --approver mtracy\n  sprout approve --request 57             confirm an override someone asked for (team.ron)"
)]
pub struct Cli {
    /// Data directory holding catalog.ron, fleet.ron, rollout.ron and journal.ron, or a
    /// PostgreSQL database's URL (postgres://...; see `sprout db`).
    #[arg(long, global = true, env = "SPROUT_DATA", value_name = "DIR|URL")]
    pub data: Option<PathBuf>,
    /// Pin the clock (RFC 3339, e.g. 2026-11-24T12:00:00Z) for every rule and record.
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<DateTime<Utc>>,
    /// Read history: the state as the journal had it at this time (RFC 3339), every event after
    /// it left out; for status, server, manifest, journal and export. The rules judge it at
    /// that time too, unless --now is given.
    #[arg(long, global = true, value_name = "RFC3339")]
    pub as_of: Option<DateTime<Utc>>,
    /// Record nothing: every write is refused.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// The rollout to show or act on (default: the first in rollout.ron).
    #[arg(long, global = true, value_name = "ID")]
    pub rollout: Option<String>,
    /// Dashboard: click to select, wheel to scroll, click a tab (also `mouse: true` in config.ron).
    #[arg(long, global = true)]
    pub mouse: bool,
    /// Dashboard: draw only ASCII, for fonts without ✓ ✗ ▶ (automatic for TERM=linux).
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Dashboard: mirror NAME's view, server and filter as they move (a review meeting's driver).
    #[arg(long, value_name = "NAME")]
    pub follow: Option<String>,
    /// Dashboard: do not announce yourself in the people list (presence is the one thing a
    /// --read-only dashboard writes; this writes nothing at all).
    #[arg(long)]
    pub no_presence: bool,
    /// Dashboard: the palette (dark, the colour-blind safe default; light; basic: 16 colours).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a data directory: syntax and cross-references, every problem listed.
    Check {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The rollout at a glance: roles by behind level, hot fixes, phase and gates.
    Status {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One server: levels, hot fixes with reasons, risk, soak and its journal.
    Server {
        name: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The rebuild manifest of a server: what a replacement must install, in order.
    Manifest {
        name: String,
        /// Compare with the server it replaces (or any other): what differs.
        #[arg(long, value_name = "OLD")]
        against: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Record what happened (appended to the journal after the rules allow it).
    #[command(subcommand)]
    Record(Record),
    /// Open the next phase of the rollout; refused while a gate is unmet unless overridden.
    Advance {
        /// The phase you mean to open (number or name); refused if it is no longer the next one.
        #[arg(long)]
        phase: Option<String>,
        /// Open the phase although a gate is unmet, saying why.
        #[arg(long = "override", value_name = "REASON")]
        override_reason: Option<String>,
        /// Who approved the override (without team.ron; with it, the override is asked for
        /// and approvers confirm it with `sprout approve`).
        #[arg(long, value_name = "NAME")]
        approver: Option<String>,
    },
    /// Confirm a pending override request as an approver (not your own); the last approver it
    /// needs puts it into effect.
    Approve {
        /// The request's number (the #N `status` shows it as): you confirm the one you read.
        #[arg(long, value_name = "N")]
        request: u64,
    },
    /// Withdraw a pending override request (whoever asked), or decline it (an approver).
    Withdraw {
        /// The request's number (the #N `status` shows it as).
        #[arg(long, value_name = "N")]
        request: u64,
        /// Why it is withdrawn or declined.
        #[arg(long)]
        reason: String,
    },
    /// Bring the fleet in from a CSV (or .tsv) inventory export with a header row: name, role,
    /// site, environment, remote, hot fixes, users, and a column per product (by its name or id
    /// in catalog.ron, levels as SP5 or 5). Rows add servers or update the fields their columns
    /// name; fleet.ron is replaced under the lock and the change recorded in the journal.
    Import {
        file: PathBuf,
        /// A RON file naming other headers and values: (columns: {"Hostname": "name"},
        /// roles: {"Mail": "mailbox"}, environments: {"Prod": Production}).
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// Show what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the good rows and list the bad ones (default: nothing unless every row is good).
        #[arg(long)]
        skip_bad: bool,
        /// Change servers that are members of an open phase too (it could pass a gate).
        #[arg(long)]
        force: bool,
        /// Why the baseline changes (kept with the journal event).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The fleet with its derived state (levels, behind, hot fixes, tier, priority, phase, soak)
    /// as CSV for a spreadsheet, on stdout.
    Export {
        /// Tab-separated instead of commas.
        #[arg(long)]
        tsv: bool,
    },
    /// Check the journal's whole chain and every signature, and report the first damaged line.
    Verify {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Then, if all is well, sign the head as a checkpoint (an approver, with their key in
        /// the agent): appended to the journal, and its text printed or written to --out.
        #[arg(long)]
        sign: bool,
        /// With --sign: write the checkpoint's text to this file (keep it outside the data
        /// directory) instead of printing it.
        #[arg(long, value_name = "FILE", requires = "sign")]
        out: Option<std::path::PathBuf>,
        /// Check the journal against a checkpoint kept outside it: the event it names must be
        /// there with that sum, and its signature must verify against the trust root.
        #[arg(long, value_name = "FILE")]
        checkpoint: Vec<std::path::PathBuf>,
    },
    /// The journal's events, oldest first: filtered like the dashboard's Journal view (words
    /// matching an operator, a kind or a server), and by time.
    Journal {
        /// Words that must each match the event's operator, kind or server.
        filter: Vec<String>,
        /// Events at or after this time (RFC 3339, or a date YYYY-MM-DD).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Events before this time (RFC 3339, or a date YYYY-MM-DD).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The review meeting: start and end it (with everyone present then), note who came and went.
    #[command(subcommand)]
    Meeting(Meeting),
    /// An approver adds or revokes an operator's signing key, as a signed journal event that
    /// takes effect from its sequence number (docs/reliability.md, "Key changes").
    #[command(subcommand)]
    Key(Key),
    /// Markdown minutes of a meeting: attendees, the state at its start, every record made
    /// during it, the state at its end and the open items with their owners (default: the last
    /// meeting, or the open one so far).
    Minutes {
        /// The meeting whose start is journal line #N (as `sprout journal meeting` lists them).
        #[arg(long, value_name = "N", conflicts_with_all = ["since", "until"])]
        meeting: Option<u64>,
        /// Minutes of the journal from this time instead (RFC 3339, or a date YYYY-MM-DD).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// ... up to this time (default: now).
        #[arg(long, value_name = "TIME", requires = "since")]
        until: Option<String>,
    },
    /// Set a torn last journal line (a write cut short by a crash) aside into
    /// journal.ron.broken, under the lock, recording nothing. The next accepted record does the
    /// same by itself.
    Repair,
    /// Accept the journal as it is now, after a deliberate restore from backup: prints what it
    /// lost against what you had seen, then stops refusing it.
    AcceptJournal,
    /// Write the sample fleet to DIR (which must not already hold sprout data).
    Init { dir: PathBuf },
    /// A PostgreSQL store: create or update its schema, move a rollout in or out.
    #[command(subcommand)]
    Db(Db),
    /// Write a synthetic fleet and journal of realistic shape to DIR, for scale tests.
    Gen {
        #[arg(long, default_value_t = 1000)]
        servers: usize,
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        dir: PathBuf,
    },
    /// Shell completions, for your shell's completion directory:
    /// `sprout completions bash > ~/.local/share/bash-completion/completions/sprout`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff): `sprout man > ~/.local/share/man/man1/sprout.1`.
    Man,
    /// Render one frame of the dashboard as text to stdout and exit (time to first frame).
    Frame {
        #[arg(long, default_value_t = 120)]
        width: u16,
        #[arg(long, default_value_t = 40)]
        height: u16,
        /// The view to draw, by the name on its tab (fleet, rollout, ...).
        #[arg(long, default_value = "fleet")]
        view: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum Key {
    /// Trust the public key in FILE (`id_ed25519.pub`) to sign for OPERATOR from this event on.
    Add {
        operator: String,
        #[arg(value_name = "PUBKEY-FILE")]
        file: std::path::PathBuf,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Revoke OPERATOR's key FINGERPRINT (`SHA256:...`, as `ssh-keygen -l` shows it): it signs
    /// nothing after this event; what it signed before still verifies.
    Revoke {
        operator: String,
        fingerprint: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum Meeting {
    /// Start a meeting about the rollout (--rollout, else the first); everyone whose dashboard
    /// is present attends, and you. Refused while one is open.
    Start {
        #[arg(long, default_value = "")]
        title: String,
    },
    /// End the open meeting, with everyone present now.
    End,
    /// Note that someone came into the open meeting (default: you).
    Join {
        #[arg(long, value_name = "NAME")]
        operator: Option<String>,
    },
    /// Note that someone left the open meeting (default: you).
    Leave {
        #[arg(long, value_name = "NAME")]
        operator: Option<String>,
    },
}

/// `sprout db ...`: run as the role that owns the tables (not an operator's).
#[derive(Debug, Subcommand)]
pub enum Db {
    /// Create the tables or bring them to this sprout's schema version (versioned, in order).
    Migrate { url: String },
    /// Copy a data directory (baseline files and the whole verified journal) into an empty
    /// database.
    Import { dir: PathBuf, url: String },
    /// Write the database's rollout out as a new data directory that `sprout verify` accepts.
    Export { url: String, dir: PathBuf },
}
