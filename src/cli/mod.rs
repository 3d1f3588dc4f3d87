//! Headless commands: the same rules and write path as the dashboard, printed as text.
//! This file holds what every command shares and dispatches; each command has its own file.

mod accept;
pub mod args;
mod check;
mod checkpoint;
mod db;
mod export;
mod frame;
mod import;
mod journal;
mod keys;
mod manifest;
pub mod markdown;
mod meeting;
mod minutes;
pub mod progress;
mod record;
mod repair;
mod server;
mod setup;
pub(crate) mod status;
mod verify;

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::live::{self, Loaded};
use crate::store::{self, FileStore, Store};

pub use args::{Cli, Command, Format};

/// What every command needs: where the data is, what time it is, what may be written.
#[derive(Debug, Clone)]
pub struct Context {
    pub dir: PathBuf,
    pub now: DateTime<Utc>,
    pub read_only: bool,
    pub rollout: Option<String>,
    /// What the command line asks of the dashboard's look and mouse (config.ron's overrides).
    pub asked: crate::config::Asked,
    /// `--as-of`: read the journal only up to this time (history), not to its end.
    pub as_of: Option<DateTime<Utc>>,
}

impl Context {
    /// The store the commands read and record through: a database for a `postgres://` URL,
    /// else the data directory.
    pub fn store(&self) -> std::sync::Arc<dyn Store> {
        match self.dir.to_str() {
            Some(url) if store::pg::is_url(url) => store::pg::PgStore::open(url),
            _ => FileStore::open(&self.dir),
        }
    }
}

/// A command's failure: the message to print and the exit code.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

pub type Outcome = Result<(), Failure>;

/// The data directory: `--data`/`SPROUT_DATA`, else the per-user one, seeded on first use.
pub fn data_dir(
    explicit: Option<PathBuf>,
    now: DateTime<Utc>,
    read_only: bool,
    err: &mut dyn Write,
) -> Result<PathBuf, Failure> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    let Some(base) = dirs::data_dir() else {
        return Err(Failure("no per-user data directory is known here: pass --data DIR or set SPROUT_DATA".into()));
    };
    let dir = base.join("sprout");
    if !dir.join(store::FLEET).exists() {
        if read_only {
            return Err(Failure(format!(
                "{}: no data here yet, and --read-only writes nothing, not even the sample (run once without it, or pass --data DIR)",
                dir.display()
            )));
        }
        store::sample::seed(&dir, now)?;
        let _ = writeln!(
            err,
            "sprout: first run: wrote the sample fleet to {} (use --data DIR for your own)",
            dir.display()
        );
    }
    Ok(dir)
}

/// The store loaded for a reading command: to the journal's end, or with `--as-of` up to that
/// time only (saying on stderr how much it left out).
pub fn load(ctx: &Context, err: &mut dyn Write) -> Result<Loaded, Failure> {
    let Some(as_of) = ctx.as_of else {
        let loaded = live::load(&ctx.store())?;
        for w in loaded.warnings() {
            let _ = writeln!(err, "{w}");
        }
        return Ok(loaded);
    };
    let loaded = live::load_until(&ctx.store(), live::Until::Time(as_of))?;
    for w in loaded.warnings() {
        let _ = writeln!(err, "{w}");
    }
    if let live::Source::Until { left } = loaded.source {
        let through = loaded.data.journal.seq;
        let _ = writeln!(
            err,
            "sprout: as of {}: the journal through #{through}; {left} later event(s) left out",
            as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    Ok(loaded)
}

/// The selected rollout's index, by `--rollout` or the first one.
pub fn rollout_index(loaded: &Loaded, wanted: Option<&str>) -> Result<Option<usize>, Failure> {
    Ok(crate::rules::lookup::chosen_rollout(&loaded.data, wanted)?)
}

/// The server named, exactly or ignoring case.
pub fn find_server<'a>(
    state: &'a crate::rules::State,
    name: &str,
) -> Result<(usize, &'a crate::model::Server), Failure> {
    state
        .server_index(name)
        .or_else(|| state.servers.iter().position(|s| s.name.eq_ignore_ascii_case(name)))
        .map(|i| (i, &state.servers[i]))
        .ok_or_else(|| Failure(format!("unknown server '{name}': it is not in fleet.ron (try `sprout status`)")))
}

/// Commands that read the state and so may read it as of a time in its history.
fn reads_history(command: &Command) -> bool {
    matches!(
        command,
        Command::Status { .. }
            | Command::Server { .. }
            | Command::Manifest { .. }
            | Command::Journal { .. }
            | Command::Export { .. }
    )
}

/// Run a command; the caller turns `Err` into exit status 1.
pub fn run(command: Command, ctx: &Context, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    if ctx.as_of.is_some() && !reads_history(&command) {
        return Err(Failure(
            "--as-of reads history: it goes with status, server, manifest, journal and export; records are made in the present, and minutes read their meeting's own times".into(),
        ));
    }
    match command {
        Command::Check { format } => check::run(ctx, format, out),
        Command::Status { format } => status::run(ctx, format, out, err),
        Command::Server { name, format } => server::server(ctx, &name, format, out, err),
        Command::Manifest { name, against, format } => manifest::run(ctx, &name, against.as_deref(), format, out, err),
        Command::Record(r) => record::write(ctx, record::intent(r), out, err),
        Command::Advance { phase, override_reason, approver } => {
            record::write(ctx, crate::rules::Intent::Advance { phase, override_reason, approver }, out, err)
        }
        Command::Approve { request } => {
            record::write(ctx, crate::rules::Intent::Confirm { request: Some(request) }, out, err)
        }
        Command::Withdraw { request, reason } => {
            record::write(ctx, crate::rules::Intent::Withdraw { request: Some(request), reason }, out, err)
        }
        Command::Meeting(m) => meeting::run(ctx, m, out, err),
        Command::Minutes { meeting, since, until } => minutes::run(ctx, meeting, since, until, out, err),
        Command::Repair => repair::run(ctx, out, err),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Into memory first: clap_complete panics on a closed pipe, our writer reports it.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sprout", &mut script);
            out.write_all(&script)?;
            Ok(())
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(out)?;
            Ok(())
        }
        Command::Export { tsv } => export::run(ctx, tsv, out, err),
        Command::Import { file, mapping, dry_run, skip_bad, force, note } => {
            let req = import::Request { file: &file, mapping: mapping.as_deref(), dry_run, skip_bad, force, note };
            import::run(ctx, req, out, err)
        }
        Command::Verify { format, sign, out: file, checkpoint } => {
            verify::run(ctx, format, &verify::Asked { sign, out: file, checkpoints: checkpoint }, out, err)
        }
        Command::Key(k) => keys::run(ctx, k, out, err),
        Command::Journal { filter, since, until, format } => {
            journal::run(ctx, &filter.join(" "), since.as_deref(), until.as_deref(), format, out, err)
        }
        Command::AcceptJournal if ctx.read_only => {
            Err(Failure("read-only: accept-journal records what you accept; run it without --read-only".into()))
        }
        Command::AcceptJournal => accept::run(ctx, out),
        Command::Gen { .. } | Command::Init { .. } if ctx.read_only => {
            Err(Failure("read-only: init and gen write a data directory; run them without --read-only".into()))
        }
        Command::Gen { servers, events, dir } => setup::generate(ctx, servers, events, &dir, out),
        Command::Init { dir } => setup::init(ctx, &dir, out),
        Command::Frame { width, height, view } => frame::run(ctx, width, height, &view, out),
        Command::Db(db) if ctx.read_only => {
            let _ = db;
            Err(Failure("read-only: `sprout db` changes a database; run it without --read-only".into()))
        }
        Command::Db(db) => db::run(db, out),
    }
}
