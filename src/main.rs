//! The `sprout` binary: parse the command line, then run a command or the dashboard.
//! The only module that touches the real terminal.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use clap::Parser;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
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
    // A full load's cache is written beside the first rows, at the lowest priority, and waited
    // for on the way out (a cache is whole or absent: it is replaced, never written in place).
    let saving = unsaved.then(|| {
        let loaded = loaded.clone();
        std::thread::spawn(move || {
            sprout::parallel::background();
            sprout::live::cache::save(&loaded);
        })
    });
    let rollout = cli::rollout_index(&loaded, ctx.rollout.as_deref())?;
    bar.progress().begin(sprout::progress::Stage::BuildingViews, 0);
    let mut app =
        App::from_loaded(loaded, store.operator(&Operator::current()), ctx.read_only, ctx.now, pinned, rollout);
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
    execute!(std::io::stdout(), DisableBracketedPaste)?;
    ratatui::restore();
    // SAFETY: raising SIGTSTP stops this process as the shell's job control expects.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    ratatui::crossterm::terminal::enable_raw_mode()?;
    execute!(std::io::stdout(), ratatui::crossterm::terminal::EnterAlternateScreen, EnableBracketedPaste)?;
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
fn watchdog(
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    leave: Option<(Arc<dyn sprout::store::Store>, String)>,
) {
    let gone = || !std::io::stdin().is_terminal() && !std::io::stdout().is_terminal();
    let exit = move || {
        if let Some((store, session)) = &leave {
            store.withdraw(session);
        }
        std::process::exit(0);
    };
    std::thread::spawn(move || {
        let mut stopping_since = None;
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if gone() {
                exit();
            }
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                let since = *stopping_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_secs(1) {
                    exit();
                }
            }
        }
    });
}

/// What wakes the terminal loop: a terminal event, or the store saying something changed.
enum Wake {
    Input(Event),
    Changed(sprout::store::Changed),
    /// The clock's worker has derived the new minute.
    Clock,
    /// A filter's worker has matched its lines.
    Filtered,
    /// The terminal cannot be read any more.
    Gone,
}

/// Terminal events read on their own thread, so a store's notification wakes the loop at
/// once instead of after the next poll's timeout.
fn read_input(tx: std::sync::mpsc::Sender<Wake>) {
    std::thread::spawn(move || {
        loop {
            let wake = match event::poll(Duration::from_millis(200)) {
                Ok(true) => match event::read() {
                    Ok(ev) => Wake::Input(ev),
                    Err(_) => Wake::Gone,
                },
                Ok(false) if !std::io::stdin().is_terminal() && !std::io::stdout().is_terminal() => Wake::Gone,
                Ok(false) => continue,
                Err(_) => Wake::Gone,
            };
            let gone = matches!(wake, Wake::Gone);
            if tx.send(wake).is_err() || gone {
                return;
            }
        }
    });
}

/// A line per frame drawn, `<keys> <ticks> <writes>`: how many keys, minute ticks and other
/// processes' writes the dashboard had taken in when it drew it, appended to the file named by
/// `SPROUT_BENCH_FRAMES` (set by `cargo bench --bench keys` alone) so the bench can charge a
/// key (or a write) with the first frame that answers it and not with a frame the clock
/// caused. Unset, it costs nothing.
struct FrameLog {
    file: Option<std::fs::File>,
    keys: u64,
    ticks: u64,
    writes: u64,
}

impl FrameLog {
    fn from_env() -> FrameLog {
        let file = std::env::var_os("SPROUT_BENCH_FRAMES")
            .and_then(|path| std::fs::OpenOptions::new().create(true).append(true).open(path).ok());
        FrameLog { file, keys: 0, ticks: 0, writes: 0 }
    }

    /// A frame was drawn; `pending`: a filter's lines are still to come from its worker, so
    /// the bench waits for the frame that shows them.
    fn drawn(&mut self, pending: bool) {
        if let Some(f) = self.file.as_mut() {
            // A bench aid: a failed write shows there as a frame it cannot explain.
            let _ = writeln!(f, "{} {} {} {}", self.keys, self.ticks, self.writes, u8::from(pending));
        }
    }
}

/// Draw, then wait for a key, a resize, a change in the store or the next minute. No busy
/// loop: the wait is on a channel with a timeout, and nothing is drawn unless something changed.
fn run(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    settings: &sprout::config::Settings,
    stop: &std::sync::atomic::AtomicBool,
    mut checker: sprout::live::checker::Checker,
    mut announcer: Option<&mut sprout::app::Announcer>,
) -> std::io::Result<()> {
    let theme = &settings.theme;
    // The fallback where notifications do not arrive (network file systems), and the clock.
    const WATCH: Duration = Duration::from_millis(250);
    // People are read again this often even without a notification: the stale ones drop out.
    const PEOPLE: Duration = Duration::from_secs(5);
    let (tx, rx) = std::sync::mpsc::channel();
    read_input(tx.clone());
    let notify = tx.clone();
    let _watching = app.live.store.watch(Box::new(move |c| {
        let _ = notify.send(Wake::Changed(c));
    }));
    let filtered = tx.clone();
    app.set_doorbell(sprout::views::Doorbell::new(move || {
        let _ = filtered.send(Wake::Filtered);
    }));
    let ticked = tx.clone();
    let mut clock = sprout::app::clock::Clock::new(move || {
        let _ = ticked.send(Wake::Clock);
    });
    let mut dirty = true;
    let mut watched = Instant::now();
    let mut people_read = Instant::now();
    // How often a filter's progress is drawn while its worker judges marks.
    const PROGRESS: Duration = Duration::from_millis(200);
    let mut judged = Instant::now();
    let mut minute = Utc::now().minute();
    // For `cargo bench --bench keys` only: which input each frame answered (see `FrameLog`).
    let mut frames = FrameLog::from_env();
    let mut front_kept = false;
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
            app.too_small = size.width < ui::MIN_WIDTH || size.height < ui::MIN_HEIGHT;
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
            frames.drawn(app.filter_pending());
            if !front_kept {
                // The front for the next launch, after this first frame (a few milliseconds).
                front_kept = true;
                sprout::app::front::save(app);
            }
            dirty = false;
        }
        // The hidden Agenda and Plan, derived ahead on a worker once the data is still.
        app.derive_ahead(Instant::now());
        // Every column of the fleet sorted ahead, so a sort key takes a ready order.
        app.sort_ahead();
        // Everything that arrived, in order; changes in the store are taken once after.
        let (mut data, mut people) = (false, false);
        // A filter's worker rings when its lines are ready; the wait only paces its progress.
        let wait = WATCH.saturating_sub(watched.elapsed());
        let wait = app.filter_wait().map_or(wait, |w| wait.min(w));
        let mut next = rx.recv_timeout(wait);
        while let Ok(wake) = next {
            match wake {
                Wake::Input(ev) => {
                    match ev {
                        Event::Resize(w, h) => {
                            app.too_small = w < ui::MIN_WIDTH || h < ui::MIN_HEIGHT;
                            dirty = true;
                        }
                        Event::Paste(text) => {
                            app.paste(&text);
                            dirty = true;
                        }
                        Event::Key(_) => {
                            app.handle_event(&ev);
                            frames.keys += 1;
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
                Wake::Changed(sprout::store::Changed::Data) => data = true,
                Wake::Changed(sprout::store::Changed::Presence) => people = true,
                Wake::Clock => {
                    let taken = clock.poll(app);
                    frames.ticks += u64::from(taken);
                    dirty |= taken;
                }
                Wake::Filtered => {}
                Wake::Gone => return Ok(()),
            }
            next = rx.try_recv().map_err(|_| std::sync::mpsc::RecvTimeoutError::Timeout);
        }
        if app.filter_pending() {
            // The list when the worker is done; meanwhile how far it got, a few times a second.
            if app.take_filtered() || judged.elapsed() >= PROGRESS {
                judged = Instant::now();
                dirty = true;
            }
        }
        // Another process's write shows at once when the store says so, else within the poll.
        let polled = watched.elapsed() >= WATCH;
        if data || polled {
            // The app remembers the stamp of its own last load, so its own writes do not reload twice.
            if app.watch() {
                dirty = true;
                frames.writes += 1;
                // What `check` says may change with any change of the data.
                checker.changed();
            }
        }
        if people || people_read.elapsed() >= PEOPLE {
            people_read = Instant::now();
            let before = (app.look(), app.people.len(), app.following.clone());
            app.set_people(app.live.store.present(Utc::now()));
            app.minute_presence();
            dirty |= before != (app.look(), app.people.len(), app.following.clone()) || people;
        }
        if let Some(a) = announcer.as_deref_mut() {
            a.beat(app, Utc::now());
        }
        if polled {
            watched = Instant::now();
            if let Some(counted) = checker.poll(app.now) {
                app.problems = Some(counted.problems);
                app.failing = counted.failing;
                dirty = true;
            }
            let now = Utc::now();
            if now.minute() != minute {
                minute = now.minute();
                // Derived on the clock's worker; taken in when it wakes the loop.
                clock.start(app, now);
            }
        }
    }
}
