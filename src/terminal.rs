//! The dashboard's terminal loop, part of the binary (not the library): draw, then wait for a
//! key, a change in the store, a filter's lines or the next minute; the watchdog that ends a
//! dashboard whose terminal is gone; the mouse, the clipboard (OSC 52) and ctrl-z.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use sprout::app::App;
use sprout::ui;

mod held;
use held::Held;

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
pub fn watchdog(
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
pub struct FrameLog {
    file: Option<std::fs::File>,
    keys: u64,
    ticks: u64,
    writes: u64,
}

impl FrameLog {
    pub fn from_env() -> FrameLog {
        let file = std::env::var_os("SPROUT_BENCH_FRAMES")
            .and_then(|path| std::fs::OpenOptions::new().create(true).append(true).open(path).ok());
        FrameLog { file, keys: 0, ticks: 0, writes: 0 }
    }

    /// A frame was drawn; `pending`: a filter's lines are still to come from its worker, so
    /// the bench waits for the frame that shows them.
    pub fn drawn(&mut self, pending: bool) {
        if let Some(f) = self.file.as_mut() {
            // A bench aid: a failed write shows there as a frame it cannot explain.
            let _ = writeln!(f, "{} {} {} {}", self.keys, self.ticks, self.writes, u8::from(pending));
        }
    }
}

/// How long a key's frame waits for the lines of the filter it set, matched on a worker
/// (2-4 ms at 100,000 servers or 1,000,000 events): past it the typed text is drawn alone and
/// the lines follow when the worker rings.
const LINES_GRACE: Duration = Duration::from_millis(8);

/// Draw, then wait for a key, a resize, a change in the store or the next minute. No busy
/// loop: the wait is on a channel with a timeout, and nothing is drawn unless something changed.
pub fn run(
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
    // The files' content proved again now and then: an identity can outlive an edit.
    let mut auditor = sprout::live::audit::Auditor::new(Arc::clone(&app.live.store));
    let mut dirty = true;
    // A minute tick taken in while keys are coming is drawn with the next key's frame.
    let mut held = Held::default();
    let mut watched = Instant::now();
    let mut people_read = Instant::now();
    // How often a filter's progress is drawn while its worker judges marks.
    const PROGRESS: Duration = Duration::from_millis(200);
    let mut judged = Instant::now();
    let mut minute = Utc::now().minute();
    // For `cargo bench --bench keys` only: which input each frame answered (see `FrameLog`).
    let mut frames = FrameLog::from_env();
    let mut front_kept = false;
    // Wakes that came while a key's frame waited for its filter's lines, taken in order next.
    let mut early: std::collections::VecDeque<Wake> = std::collections::VecDeque::new();
    let mut typed = false;
    loop {
        // A terminal that went away without a SIGHUP reaching us (started under setsid, or
        // through su in a session whose terminal closed) reads as end-of-file forever: its
        // descriptor is no longer a terminal. End instead of spinning on it.
        if stop.load(std::sync::atomic::Ordering::Relaxed)
            || !std::io::stdin().is_terminal() && !std::io::stdout().is_terminal()
        {
            return Ok(());
        }
        if dirty && std::mem::take(&mut typed) && app.lines_soon() {
            // A key that set a filter matched on a worker: its lines are usually ready within a
            // few milliseconds, and one frame with them costs less than a frame of the typed
            // text alone drawn beside the worker on a two-core machine, then another.
            let until = Instant::now() + LINES_GRACE;
            while app.lines_soon() {
                match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                    Ok(Wake::Filtered) => {
                        app.take_filtered();
                    }
                    Ok(other) => early.push_back(other),
                    Err(_) => break,
                }
            }
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
            held.drawn();
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
        // The Journal's events keyed for its filter, while it is shown.
        app.filter_ahead();
        // Everything that arrived, in order; changes in the store are taken once after.
        let (mut data, mut people) = (false, false);
        // A filter's worker rings when its lines are ready; the wait only paces its progress.
        let wait = WATCH.saturating_sub(watched.elapsed());
        let wait = app.filter_wait().map_or(wait, |w| wait.min(w));
        let wait = held.wait(Instant::now()).map_or(wait, |w| wait.min(w));
        let mut next = early.pop_front().map_or_else(|| rx.recv_timeout(wait), Ok);
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
                            typed = true;
                            frames.keys += 1;
                            held.key(Instant::now());
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
                    // Taken in at once; drawn at once unless keys are coming (`HOLD`).
                    let taken = clock.poll(app);
                    frames.ticks += u64::from(taken);
                    dirty |= taken && held.ticked(Instant::now());
                }
                Wake::Filtered => {}
                Wake::Gone => return Ok(()),
            }
            next = early
                .pop_front()
                .map_or_else(|| rx.try_recv().map_err(|_| std::sync::mpsc::RecvTimeoutError::Timeout), Ok);
        }
        dirty |= held.due(Instant::now());
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
            if let Some(counted) = checker.poll(app.now, &app.live) {
                app.problems = Some(counted.problems);
                app.failing = counted.failing;
                sprout::live::checker::adopt(&mut app.live, counted.judged, app.now);
                dirty = true;
            }
            if let Some(found) = auditor.poll(&app.live) {
                app.distrust(&found);
                checker.changed();
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
