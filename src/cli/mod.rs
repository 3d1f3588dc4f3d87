//! Headless commands: the same rules and write path as the dashboard, printed as text.

pub mod args;
mod record;
mod server;
mod status;

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
}

impl Context {
    /// The store the commands read and record through.
    pub fn store(&self) -> std::sync::Arc<dyn Store> {
        FileStore::open(&self.dir)
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
pub fn data_dir(explicit: Option<PathBuf>, now: DateTime<Utc>, err: &mut dyn Write) -> Result<PathBuf, Failure> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    let Some(base) = dirs::data_dir() else {
        return Err(Failure("no per-user data directory is known here: pass --data DIR or set SPROUT_DATA".into()));
    };
    let dir = base.join("sprout");
    if !dir.join(store::FLEET).exists() {
        store::sample::seed(&dir, now)?;
        let _ = writeln!(
            err,
            "sprout: first run: wrote the sample fleet to {} (use --data DIR for your own)",
            dir.display()
        );
    }
    Ok(dir)
}

pub fn load(ctx: &Context, err: &mut dyn Write) -> Result<Loaded, Failure> {
    let loaded = live::load(&ctx.store())?;
    for w in loaded.warnings() {
        let _ = writeln!(err, "{w}");
    }
    Ok(loaded)
}

/// The selected rollout's index, by `--rollout` or the first one.
pub fn rollout_index(loaded: &Loaded, wanted: Option<&str>) -> Result<Option<usize>, Failure> {
    Ok(crate::rules::lookup::chosen_rollout(&loaded.data, wanted)?)
}

/// Run a command; the caller turns `Err` into exit status 1.
pub fn run(command: Command, ctx: &Context, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    match command {
        Command::Check => check(ctx, out),
        Command::Status { format } => status::run(ctx, format, out, err),
        Command::Server { name, format } => server::server(ctx, &name, format, out, err),
        Command::Manifest { name, format } => server::manifest(ctx, &name, format, out, err),
        Command::Record(r) => record::write(ctx, record::intent(r), out, err),
        Command::Advance { phase, override_reason, approver } => {
            record::write(ctx, crate::rules::Intent::Advance { phase, override_reason, approver }, out, err)
        }
        Command::Verify => verify(ctx.store().as_ref(), out),
        Command::Gen { servers, events, dir } => {
            let files = crate::synthetic::generate(servers, events, ctx.now).map_err(Failure)?;
            std::fs::create_dir_all(&dir)?;
            for (name, text) in files {
                if dir.join(name).exists() {
                    return Err(Failure(format!(
                        "{}: already exists; refusing to overwrite it",
                        dir.join(name).display()
                    )));
                }
                store::dir::atomic::write(&dir.join(name), text.as_bytes())?;
            }
            writeln!(out, "wrote {servers} servers and {events} journal events to {}", dir.display())?;
            Ok(())
        }
        Command::Frame { width, height, view } => frame(ctx, width, height, &view, out),
        Command::Init { dir } => {
            store::sample::seed(&dir, ctx.now)?;
            writeln!(out, "wrote the sample fleet to {}; try: sprout --data {} status", dir.display(), dir.display())?;
            Ok(())
        }
    }
}

fn check(ctx: &Context, out: &mut dyn Write) -> Outcome {
    match live::check(&ctx.store(), ctx.now) {
        Ok(loaded) => {
            let d = &loaded.data;
            writeln!(
                out,
                "{}: ok: {} products, {} servers, {} rollouts, {} journal events",
                ctx.dir.display(),
                d.catalog.products.len(),
                d.fleet.servers.len(),
                d.plan.rollouts.len(),
                d.journal.len()
            )?;
            for w in loaded.warnings() {
                writeln!(out, "{w}")?;
            }
            Ok(())
        }
        Err(problems) => {
            let n = problems.len();
            Err(Failure(format!("{}\n{n} problem{} found", problems.join("\n"), if n == 1 { "" } else { "s" })))
        }
    }
}

fn verify(store: &dyn Store, out: &mut dyn Write) -> Outcome {
    let journal = store.locate(store::JOURNAL, &[]);
    // Streamed: a million-event journal is checked without holding it in memory.
    let (mut events, mut last) = (0usize, 0u64);
    match store.read(None, &mut |e, _, _, _| {
        events += 1;
        last = e.seq;
    }) {
        Ok(read) => {
            if events == 0 && read.torn.is_none() {
                writeln!(out, "{journal}: no journal yet")?;
                return Ok(());
            }
            writeln!(out, "{journal}: chain ok: {events} events, sequence 1..{last}")?;
            match read.torn {
                Some((line, _, e)) => Err(Failure(format!(
                    "{}: the last line is incomplete ({}); the next record sets it aside in journal.ron.broken",
                    store.locate(store::JOURNAL, &[line]),
                    e.message
                ))),
                None => Ok(()),
            }
        }
        Err(store::ReadError::Broken(message)) => Err(Failure(message)),
        Err(store::ReadError::Stale) => Err(Failure(format!("{journal}: changed while it was read; run verify again"))),
    }
}

/// One frame of the dashboard, drawn on a test backend and printed: times the whole start-up.
fn frame(ctx: &Context, width: u16, height: u16, view: &str, out: &mut dyn Write) -> Outcome {
    use ratatui::{Terminal, backend::TestBackend};
    let loaded = live::load(&ctx.store())?;
    let rollout = rollout_index(&loaded, ctx.rollout.as_deref())?;
    let op = store::Operator::current();
    let mut app = crate::app::App::from_loaded(loaded, op, true, ctx.now, true, rollout);
    let tab = crate::app::Tab::from_name(view)
        .ok_or_else(|| Failure(format!("unknown view '{view}': fleet, server, rollout, journal or risk")))?;
    app.update(crate::app::Action::Tab(tab));
    let mut terminal = Terminal::new(TestBackend::new(width, height))?;
    app.page = crate::ui::body_height(height).saturating_sub(2);
    terminal.draw(|f| crate::ui::draw(f, &app, &crate::ui::Theme::new(true)))?;
    let buffer = terminal.backend().buffer();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
