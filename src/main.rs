//! The `sprout` binary: parse the command line, then run a command or the dashboard.
//! The only module that touches the real terminal.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use clap::Parser;
use ratatui::crossterm::event::{self, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use sprout::app::App;
use sprout::cli::{self, Cli, Command, Context, Failure, Format};
use sprout::store::Operator;
use sprout::ui::{self, Theme};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap's messages quote the arguments: they pass the same boundary as everything else.
        Err(e) => {
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                sprout::safe::Writer::new(std::io::stderr().lock()).write_all(text.as_bytes())
            } else {
                sprout::safe::Writer::new(std::io::stdout().lock()).write_all(text.as_bytes())
            };
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let now = cli.now.unwrap_or_else(Utc::now);
    // Every byte printed passes the one boundary for untrusted text.
    let mut out = sprout::safe::Writer::new(std::io::stdout().lock());
    let mut err = sprout::safe::Writer::new(std::io::stderr().lock());
    let result = (|| {
        // The first-run notice goes to stderr for commands, and into the dashboard's notice line.
        let mut first_run = Vec::new();
        let dir = match &cli.command {
            Some(Command::Init { dir } | Command::Gen { dir, .. }) => dir.clone(),
            // Nothing to read: no data directory is looked for (nor seeded).
            Some(Command::Completions { .. } | Command::Man) => std::path::PathBuf::new(),
            _ => cli::data_dir(cli.data.clone(), now, cli.read_only, &mut first_run)?,
        };
        let first_run = String::from_utf8_lossy(&first_run).trim().to_string();
        let dashboard_wanted = cli.command.is_none() && std::io::stdout().is_terminal();
        if !first_run.is_empty() && !dashboard_wanted {
            let _ = writeln!(err, "{first_run}");
        }
        let ctx = Context { dir, now, read_only: cli.read_only, rollout: cli.rollout.clone() };
        match cli.command {
            Some(command) => cli::run(command, &ctx, &mut out, &mut err),
            // Not a terminal (a pipe, a script): print the status instead of drawing.
            None if !std::io::stdout().is_terminal() => {
                cli::run(Command::Status { format: Format::Text }, &ctx, &mut out, &mut err)
            }
            None => dashboard(&ctx, cli.now.is_some(), first_run),
        }
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) => {
            let _ = out.flush();
            let _ = writeln!(err, "sprout: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn dashboard(ctx: &Context, pinned: bool, first_run: String) -> Result<(), Failure> {
    // A first load of a large fleet (no cache yet) takes seconds: past a quarter second a bar
    // on the terminal says what it is doing, cleared before the dashboard's screen opens.
    let bar = cli::progress::Bar::start();
    let loaded = sprout::live::load_with_progress(&ctx.store(), bar.progress())?;
    let rollout = cli::rollout_index(&loaded, ctx.rollout.as_deref())?;
    bar.progress().begin(sprout::progress::Stage::BuildingViews, 0);
    let mut app = App::from_loaded(loaded, Operator::current(), ctx.read_only, ctx.now, pinned, rollout);
    bar.finish();
    if !first_run.is_empty() {
        app.notice = Some(sprout::app::Notice { ok: true, text: first_run.trim_start_matches("sprout: ").to_string() });
    }
    let theme = Theme::from_env();
    // SIGHUP and SIGTERM end the dashboard like `q` (checked at least four times a second).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGHUP, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))
            .map_err(|e| Failure(format!("cannot watch for signal {signal}: {e}")))?;
    }
    watchdog(std::sync::Arc::clone(&stop));
    // `init` restores the terminal on panic as well as on the way out below.
    let mut terminal = ratatui::init();
    let result = run(&mut terminal, &mut app, &theme, &stop);
    // Best effort: a terminal that went away cannot be restored, and nothing waits on it.
    ratatui::restore();
    result.map_err(|e| Failure(format!("terminal: {e}")))
}

/// A terminal gone for good reads as end-of-file forever, and crossterm's poll spins on it
/// without returning. This thread ends the process when the terminal is gone (there is nothing
/// left to restore), or when a SIGHUP or SIGTERM was not acted on within a second. The lock is
/// held only while a line is appended; presence and the lock are the operating system's to
/// release at exit.
fn watchdog(stop: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    let gone = || !std::io::stdin().is_terminal() && !std::io::stdout().is_terminal();
    std::thread::spawn(move || {
        let mut stopping_since = None;
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if gone() {
                std::process::exit(0);
            }
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                let since = *stopping_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_secs(1) {
                    std::process::exit(0);
                }
            }
        }
    });
}

/// Draw, then wait for a key, a resize, a file change or the next minute. No busy loop:
/// the wait is a poll with a timeout, and nothing is drawn unless something changed.
fn run(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    theme: &Theme,
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<()> {
    const WATCH: Duration = Duration::from_millis(250);
    let mut dirty = true;
    let mut watched = Instant::now();
    let mut minute = Utc::now().minute();
    loop {
        // A terminal that went away without a SIGHUP reaching us (started under setsid, or
        // through su in a session whose terminal closed) reads as end-of-file forever: its
        // descriptor is no longer a terminal. End instead of spinning on it.
        if stop.load(std::sync::atomic::Ordering::Relaxed)
            || !std::io::stdin().is_terminal() && !std::io::stdout().is_terminal()
        {
            return Ok(());
        }
        if dirty {
            let size = terminal.size()?;
            app.page = ui::body_height(size.height).saturating_sub(2);
            // Synchronized update: slow links never show half a frame.
            execute!(std::io::stdout(), BeginSynchronizedUpdate)?;
            terminal.draw(|frame| {
                // Debug builds only: lets the tmux test prove a panic mid-draw restores the terminal.
                #[cfg(debug_assertions)]
                if std::env::var_os("SPROUT_TEST_PANIC_IN_DRAW").is_some() {
                    panic!("test panic inside draw");
                }
                ui::draw(frame, app, theme)
            })?;
            execute!(std::io::stdout(), EndSynchronizedUpdate)?;
            dirty = false;
        }
        if event::poll(WATCH.saturating_sub(watched.elapsed()))? {
            if !std::io::stdin().is_terminal() && !std::io::stdout().is_terminal() {
                return Ok(());
            }
            let ev = event::read()?;
            match ev {
                Event::Resize(..) => dirty = true,
                Event::Key(_) => {
                    app.handle_event(&ev);
                    dirty = true;
                }
                _ => {}
            }
            if app.quit {
                return Ok(());
            }
        }
        // Another process's write shows within a second, even while keys keep arriving.
        if watched.elapsed() >= WATCH {
            watched = Instant::now();
            // The app remembers the stamp of its own last load, so its own writes do not reload twice.
            if app.watch() {
                dirty = true;
            }
            let now = Utc::now();
            if now.minute() != minute {
                minute = now.minute();
                app.tick(now);
                dirty = true;
            }
        }
    }
}
