//! The `sprout` binary: parse the command line, then run a command or the dashboard.
//! The binary (this file and `terminal`) is the only code that touches the real terminal.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use clap::Parser;
use ratatui::crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use sprout::app::App;
use sprout::cli::{self, Cli, Command, Context, Failure, Format};
use sprout::store::Operator;
use sprout::ui;

mod terminal;

use terminal::{FrameLog, run, watchdog};

fn main() -> ExitCode {
    sprout::heap::policy();
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
    // Reading history (--as-of) judges it by its own time, unless the clock is pinned too.
    let now = cli.now.or(cli.as_of).unwrap_or_else(Utc::now);
    // Every byte printed passes the one boundary for untrusted text.
    let mut out = sprout::safe::Writer::new(std::io::stdout().lock());
    let mut err = sprout::safe::Writer::new(std::io::stderr().lock());
    let result = (|| {
        // The first-run notice goes to stderr for commands, and into the dashboard's notice line.
        let mut first_run = Vec::new();
        let dir = match &cli.command {
            Some(Command::Init { dir } | Command::Gen { dir, .. }) => dir.clone(),
            // Nothing to read: no data directory is looked for (nor seeded).
            Some(Command::Completions { .. } | Command::Man | Command::Db(_)) => std::path::PathBuf::new(),
            _ => cli::data_dir(cli.data.clone(), now, cli.read_only, &mut first_run)?,
        };
        let first_run = String::from_utf8_lossy(&first_run).trim().to_string();
        let dashboard_wanted = cli.command.is_none() && std::io::stdout().is_terminal();
        if !first_run.is_empty() && !dashboard_wanted {
            let _ = writeln!(err, "{first_run}");
        }
        let asked = sprout::config::Asked {
            mouse: cli.mouse,
            ascii: cli.ascii,
            theme: cli.theme.clone(),
            no_color: std::env::var_os("NO_COLOR").is_some(),
            term: std::env::var("TERM").ok(),
        };
        let ctx = Context { dir, now, read_only: cli.read_only, rollout: cli.rollout.clone(), asked, as_of: cli.as_of };
        match cli.command {
            Some(command) => cli::run(command, &ctx, &mut out, &mut err),
            // Not a terminal (a pipe, a script): print the status instead of drawing.
            None if !std::io::stdout().is_terminal() => {
                cli::run(Command::Status { format: Format::Text }, &ctx, &mut out, &mut err)
            }
            // The dashboard shows the present and records in it: history is a command's.
            None if ctx.as_of.is_some() => Err(Failure(
                "--as-of reads history: it goes with status, server, manifest, journal and export; the dashboard shows the present".into(),
            )),
            None => {
                let meeting = Meeting { follow: cli.follow.clone(), presence: !cli.no_presence };
                dashboard(&ctx, cli.now.is_some(), first_run, meeting)
            }
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

/// How a dashboard takes part in a review meeting.
struct Meeting {
    /// `--follow NAME`.
    follow: Option<String>,
    /// Announce this dashboard (not `--no-presence`).
    presence: bool,
}

fn dashboard(ctx: &Context, pinned: bool, first_run: String, meeting: Meeting) -> Result<(), Failure> {
    // The operator's own keys and theme first: a mistake in them is said before anything loads.
    let settings = sprout::config::load(sprout::config::dir().as_deref(), &ctx.asked).map_err(Failure)?;
    let store = ctx.store();
    // SIGHUP and SIGTERM end the dashboard like `q` (checked at least four times a second).
    // Watched before the first frame: one that came while the state loads behind an early frame
    // took the process down with the screen still the dashboard's (the default action).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGHUP, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))
            .map_err(|e| Failure(format!("cannot watch for signal {signal}: {e}")))?;
    }
    // The first frame from the front of the derived-state cache when it matches the state and
    // the clock (`app::front`): drawn before the whole state is read; keys wait for the full
    // app below, which draws the same frame again.
    let mut terminal = first_frame(ctx, pinned, &first_run, &settings, &store);
    // A screen opened early is given back on any way out before the loop takes it.
    let early = Early(terminal.is_some());
    // A first load of a large fleet (no cache yet) takes seconds: past a quarter second a bar
    // on the terminal says what it is doing, cleared before the dashboard's screen opens.
    let bar = if terminal.is_some() { cli::progress::Bar::silent() } else { cli::progress::Bar::start() };
    let (loaded, unsaved) = sprout::live::load_unsaved(&store, bar.progress())?;
    // What a full load freed (the fleet's text, the journal's decoded blocks, each in the
    // arena of the thread that read it) given back before the views are built.
    sprout::heap::give_back();
    // A full load's cache is written beside the first rows, at the lowest priority, and waited
    // for on the way out (a cache is whole or absent: it is replaced, never written in place).
    // The workers ahead wait for it (`App::wait_for`): beside it on a busy disk, their
    // memory stacked on its.
    let (hold, held) = sprout::app::Hold::new();
    let saving = unsaved.then(|| {
        let loaded = loaded.clone();
        std::thread::spawn(move || {
            let _hold = hold;
            sprout::parallel::background();
            sprout::live::cache::save(&loaded);
            // What writing it took (its buffers, the sorted names) given back, not kept.
            drop(loaded);
            sprout::heap::give_back();
        })
    });
    let rollout = cli::rollout_index(&loaded, ctx.rollout.as_deref())?;
    bar.progress().begin(sprout::progress::Stage::BuildingViews, 0);
    let mut app =
        App::from_loaded(loaded, store.operator(&Operator::current()), ctx.read_only, ctx.now, pinned, rollout);
    app.keys = settings.keys.clone();
    if unsaved {
        app.wait_for(held);
    }
    // What the load and the views freed, given back before the views derived ahead stack on it.
    sprout::heap::give_back();
    bar.finish();
    if !first_run.is_empty() {
        app.say(true, first_run.trim_start_matches("sprout: ").to_string());
    }
    let mut announcer = meeting.presence.then(|| sprout::app::Announcer::new(Arc::clone(&store)));
    if let Some(a) = &mut announcer {
        // This session is ours whether or not the store took the announcement: never follow it.
        app.session = Some(a.session.clone());
        a.beat(&mut app, Utc::now());
    }
    app.set_people(store.present(Utc::now()));
    if let Some(name) = &meeting.follow {
        app.followed = Some(name.clone());
        app.follow(name);
    }
    // On the way out by a lost terminal or a signal, the presence goes too.
    let leave = announcer.as_ref().map(|a| (Arc::clone(&store), a.session.clone()));
    watchdog(std::sync::Arc::clone(&stop), leave);
    let checker = sprout::live::checker::Checker::new(Arc::clone(&store), ctx.now);
    // `init` restores the terminal on panic as well as on the way out below.
    let mut terminal = terminal.take().unwrap_or_else(ratatui::init);
    std::mem::forget(early);
    // A paste arrives as text for a field, never as keys that could confirm a record.
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    if settings.mouse {
        let _ = execute!(std::io::stdout(), EnableMouseCapture);
    }
    let result = run(&mut terminal, &mut app, &settings, &stop, checker, announcer.as_mut());
    if let Some(a) = &announcer {
        a.withdraw();
    }
    if settings.mouse {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
    }
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    // Best effort: a terminal that went away cannot be restored, and nothing waits on it.
    ratatui::restore();
    if let Some(saving) = saving {
        let _ = saving.join();
    }
    // The process ends now: the fleet's views and state go with it, not freed piece by piece.
    std::mem::forget(app);
    result.map_err(|e| Failure(format!("terminal: {e}")))
}

/// A screen opened for the first frame from the cache's front: given back (`ratatui::restore`)
/// when the launch fails before the terminal loop takes it over (then it is forgotten).
struct Early(bool);

impl Drop for Early {
    fn drop(&mut self) {
        if self.0 {
            ratatui::restore();
        }
    }
}

/// The terminal, opened with the first frame drawn on it, when the front of the derived-state
/// cache matches (`app::front::open`); `None`: launch as before.
fn first_frame(
    ctx: &Context,
    pinned: bool,
    first_run: &str,
    settings: &sprout::config::Settings,
    store: &Arc<dyn sprout::store::Store>,
) -> Option<ratatui::DefaultTerminal> {
    let (width, height) = ratatui::crossterm::terminal::size().ok()?;
    let launch = sprout::app::front::Launch {
        operator: store.operator(&Operator::current()),
        read_only: ctx.read_only,
        now: ctx.now,
        pinned,
        rollout: ctx.rollout.as_deref(),
        width,
        height,
    };
    let mut app = sprout::app::front::open(store, launch)?;
    app.keys = settings.keys.clone();
    if !first_run.is_empty() {
        app.say(true, first_run.trim_start_matches("sprout: ").to_string());
    }
    app.set_people(store.present(Utc::now()));
    app.page = ui::body_height(height).saturating_sub(2);
    app.too_small = width < ui::MIN_WIDTH || height < ui::MIN_HEIGHT;
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), BeginSynchronizedUpdate);
    let drawn = terminal.draw(|frame| ui::draw(frame, &app, &settings.theme));
    let _ = execute!(std::io::stdout(), EndSynchronizedUpdate);
    if drawn.is_err() {
        ratatui::restore();
        return None;
    }
    // For `cargo bench --bench keys`: this frame took in no key, tick or write.
    FrameLog::from_env().drawn(false);
    Some(terminal)
}
