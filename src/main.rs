//! The `sprout` binary: parse the command line, then run a command or the dashboard.
//! The only module that touches the real terminal.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use clap::Parser;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use sprout::app::App;
use sprout::cli::{self, Cli, Command, Context, Failure, Format};
use sprout::store::Operator;
use sprout::ui;

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
            Some(Command::Completions { .. } | Command::Man) => std::path::PathBuf::new(),
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
    // The operator's own keys and theme first: a mistake in them is said before anything loads.
    let settings = sprout::config::load(sprout::config::dir().as_deref(), &ctx.asked).map_err(Failure)?;
    let store = ctx.store();
    // A first load of a large fleet (no cache yet) takes seconds: past a quarter second a bar
    // on the terminal says what it is doing, cleared before the dashboard's screen opens.
    let bar = cli::progress::Bar::start();
    let loaded = sprout::live::load_with_progress(&store, bar.progress())?;
    let rollout = cli::rollout_index(&loaded, ctx.rollout.as_deref())?;
    bar.progress().begin(sprout::progress::Stage::BuildingViews, 0);
    let mut app = App::from_loaded(loaded, Operator::current(), ctx.read_only, ctx.now, pinned, rollout);
    app.keys = settings.keys.clone();
    bar.finish();
    if !first_run.is_empty() {
        app.say(true, first_run.trim_start_matches("sprout: ").to_string());
    }
    // SIGHUP and SIGTERM end the dashboard like `q` (checked at least four times a second).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGHUP, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))
            .map_err(|e| Failure(format!("cannot watch for signal {signal}: {e}")))?;
    }
    watchdog(std::sync::Arc::clone(&stop));
    let checker = Checker::new(store, ctx.now);
    // `init` restores the terminal on panic as well as on the way out below.
    let mut terminal = ratatui::init();
    if settings.mouse {
        let _ = execute!(std::io::stdout(), EnableMouseCapture);
    }
    let result = run(&mut terminal, &mut app, &settings, &stop, checker);
    if settings.mouse {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
    }
    // Best effort: a terminal that went away cannot be restored, and nothing waits on it.
    ratatui::restore();
    result.map_err(|e| Failure(format!("terminal: {e}")))
}

/// `sprout check` run in the background, so the header can say how many problems the data
/// has without slowing the start: at start-up, and again after another process changed the
/// data (at most once a minute). The thread runs at the lowest priority.
struct Checker {
    store: std::sync::Arc<dyn sprout::store::Store>,
    now: chrono::DateTime<Utc>,
    running: Option<std::sync::mpsc::Receiver<usize>>,
    /// When the last run started.
    last: Option<Instant>,
    /// A run is wanted (at the start, and after a change made outside the write path).
    due: bool,
}

impl Checker {
    /// A checker whose first run starts with the first `poll`, after the first frame is on
    /// screen: the check never delays the rows (nor adds its memory to the load's).
    fn new(store: std::sync::Arc<dyn sprout::store::Store>, now: chrono::DateTime<Utc>) -> Checker {
        Checker { store, now, running: None, last: None, due: true }
    }

    fn spawn(&mut self) {
        let (tx, rx) = std::sync::mpsc::channel();
        let (store, now) = (std::sync::Arc::clone(&self.store), self.now);
        let spawned = std::thread::Builder::new().name("check".into()).spawn(move || {
            // SAFETY: setpriority on this thread's own id changes nothing but its scheduling.
            #[cfg(target_os = "linux")]
            unsafe {
                let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
                libc::setpriority(libc::PRIO_PROCESS, tid, 19);
            }
            let problems = sprout::live::check(&store, now).err().map_or(0, |p| p.len());
            let _ = tx.send(problems);
        });
        self.running = spawned.ok().map(|_| rx);
        self.last = Some(Instant::now());
        self.due = false;
    }

    /// The count, when a run has finished; starts the next run if one is due and the last
    /// started a minute ago or more.
    fn poll(&mut self, now: chrono::DateTime<Utc>) -> Option<usize> {
        if let Some(rx) = &self.running {
            match rx.try_recv() {
                Ok(n) => {
                    self.running = None;
                    return Some(n);
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => return None,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.running = None,
            }
        }
        if self.due && self.last.is_none_or(|l| l.elapsed() >= Duration::from_secs(60)) {
            self.now = now;
            self.spawn();
        }
        None
    }

    /// The data was changed outside the write path: check again.
    fn changed(&mut self) {
        self.due = true;
    }
}

/// A click or the wheel, opted into with `--mouse`: the wheel moves like the arrow keys, a
/// click on a tab shows it, a click on a row selects it. True if anything changed.
fn mouse(app: &mut App, m: event::MouseEvent, width: u16, height: u16) -> bool {
    use event::{MouseButton, MouseEventKind};
    match m.kind {
        MouseEventKind::ScrollDown => app.wheel(3),
        MouseEventKind::ScrollUp => app.wheel(-3),
        MouseEventKind::Down(MouseButton::Left) => match ui::hit(app, m.column, m.row, width, height) {
            ui::Hit::Tab(tab) => app.click_tab(tab),
            ui::Hit::Body(row) => app.click(row),
            ui::Hit::Nothing => return false,
        },
        _ => return false,
    }
    true
}

/// Put `text` on the terminal's clipboard: OSC 52, which terminals pass over ssh (tmux with
/// `set-clipboard on`).
fn osc52(text: &str) -> std::io::Result<()> {
    use base64::Engine;
    let mut out = std::io::stdout().lock();
    write!(out, "\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))?;
    out.flush()
}

/// Ctrl-Z: give the terminal back, stop until `fg`, then take it again.
fn suspend(terminal: &mut ratatui::DefaultTerminal, mouse: bool) -> std::io::Result<()> {
    if mouse {
        execute!(std::io::stdout(), DisableMouseCapture)?;
    }
    ratatui::restore();
    // SAFETY: raising SIGTSTP stops this process as the shell's job control expects.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    ratatui::crossterm::terminal::enable_raw_mode()?;
    execute!(std::io::stdout(), ratatui::crossterm::terminal::EnterAlternateScreen)?;
    if mouse {
        execute!(std::io::stdout(), EnableMouseCapture)?;
    }
    terminal.clear()
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
    settings: &sprout::config::Settings,
    stop: &std::sync::atomic::AtomicBool,
    mut checker: Checker,
) -> std::io::Result<()> {
    let theme = &settings.theme;
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
                Event::Mouse(m) if settings.mouse => {
                    let size = terminal.size()?;
                    dirty |= mouse(app, m, size.width, size.height);
                }
                _ => {}
            }
            if app.quit {
                return Ok(());
            }
            if let Some(text) = app.clipboard.take() {
                osc52(&text)?;
            }
            if std::mem::take(&mut app.suspend) {
                suspend(terminal, settings.mouse)?;
                dirty = true;
            }
        }
        // Another process's write shows within a second, even while keys keep arriving.
        if watched.elapsed() >= WATCH {
            watched = Instant::now();
            // The app remembers the stamp of its own last load, so its own writes do not reload twice.
            if app.watch() {
                dirty = true;
            }
            if std::mem::take(&mut app.edited_outside) {
                checker.changed();
            }
            if let Some(problems) = checker.poll(app.now) {
                app.problems = Some(problems);
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
