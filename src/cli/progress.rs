//! A progress line on stderr for a slow job (`gen`, `verify`, `import`, the dashboard's first
//! load): drawn only when stderr is a terminal, within 30 ms in a counted
//! stage (a journal replayed), else once the job has run a quarter second, and cleared before
//! the job prints anything. The one place indicatif is used.
//!
//! The job updates a plain `Progress` (atomics); a watcher thread reads it and draws. The
//! watcher writes through its own copy of the stderr descriptor: `main` holds Rust's stderr
//! lock for the whole run, and a second thread writing through `io::stderr()` would wait on it
//! for ever.

use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::{Progress, Reading, Stage};

/// A job quicker than this shows nothing: a bar that flashes is noise.
pub const AFTER: Duration = Duration::from_millis(250);
/// A counted stage (the journal replayed, events made up) still running this soon will run
/// long: its bar shows then, so a person sees within a tenth of a second what a slow start
/// is doing. Uncounted stages (the cache read) wait for `AFTER`.
pub const SOON: Duration = Duration::from_millis(30);
/// How often the watcher looks before its line is shown.
const LOOK: Duration = Duration::from_millis(10);
/// How often the watcher reads the job's progress.
const EVERY: Duration = Duration::from_millis(100);

/// A job's progress and, on a terminal, the watcher that shows it. Dropping it clears the line.
pub struct Bar {
    progress: Arc<Progress>,
    bar: ProgressBar,
    /// Dropped to stop the watcher, which then returns at once.
    stop: Option<mpsc::Sender<()>>,
    watcher: Option<JoinHandle<()>>,
}

impl Bar {
    /// Start watching a new job. Nothing is drawn, and no thread started, when stderr is not a
    /// terminal (a pipe, a file, a test).
    pub fn start() -> Bar {
        Bar::start_after(after())
    }

    /// A job's progress shown nowhere: the dashboard's screen is already open (its first
    /// frame drawn from the front of the derived-state cache).
    pub fn silent() -> Bar {
        Bar { progress: Arc::new(Progress::new()), bar: ProgressBar::hidden(), stop: None, watcher: None }
    }

    fn start_after(delay: Duration) -> Bar {
        let progress = Arc::new(Progress::new());
        let bar = ProgressBar::hidden();
        let Some(term) = stderr_term() else {
            return Bar { progress, bar, stop: None, watcher: None };
        };
        let (stop, stopped) = mpsc::channel();
        let (p, b) = (Arc::clone(&progress), bar.clone());
        let watcher = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            while !due(started.elapsed(), delay, p.read()) {
                if !matches!(stopped.recv_timeout(LOOK), Err(RecvTimeoutError::Timeout)) {
                    return;
                }
            }
            b.set_draw_target(ProgressDrawTarget::term(term, 10));
            let mut shown = None;
            loop {
                show(&b, p.read(), &mut shown);
                if !matches!(stopped.recv_timeout(EVERY), Err(RecvTimeoutError::Timeout)) {
                    return;
                }
            }
        });
        Bar { progress, bar, stop: Some(stop), watcher: Some(watcher) }
    }

    /// What the job updates.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Run `f` (which prints something) with the line cleared, and draw it again after.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Stop the watcher and clear its line, before the job's own output is printed.
    pub fn finish(self) {}
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop = None;
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        self.bar.finish_and_clear();
    }
}

/// Whether a job `elapsed` into its run shows its line: past `after`, or past `SOON` (never
/// later than `after`) in a counted stage.
fn due(elapsed: Duration, after: Duration, now: Reading) -> bool {
    elapsed >= after || (now.total > 0 && elapsed >= SOON.min(after))
}

/// How long a job runs before its bar shows. Debug builds only: `SPROUT_TEST_PROGRESS_NOW`
/// shows it at once, so the tests can prove that a pipe still gets nothing.
fn after() -> Duration {
    #[cfg(debug_assertions)]
    if std::env::var_os("SPROUT_TEST_PROGRESS_NOW").is_some() {
        return Duration::ZERO;
    }
    AFTER
}

/// The terminal on stderr, through a descriptor of its own; `None` when stderr is not a
/// terminal (indicatif would hide the bar too, but then no thread need run at all).
fn stderr_term() -> Option<console::Term> {
    use std::io::IsTerminal;
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return None;
    }
    let write = std::fs::File::from(stderr.as_fd().try_clone_to_owned().ok()?);
    // Never read from: `Term` wants a pair.
    let read = write.try_clone().ok()?;
    Some(console::Term::read_write_pair(read, write))
}

/// Draw `now` on `bar`, restyling it when the stage or whether it is counted changed.
fn show(bar: &ProgressBar, now: Reading, shown: &mut Option<(Stage, bool)>) {
    let counted = now.total > 0;
    if *shown != Some((now.stage, counted)) {
        *shown = Some((now.stage, counted));
        bar.reset();
        bar.set_style(style(now.stage, counted));
        bar.set_message(now.stage.words());
    }
    if counted {
        bar.set_length(now.total);
    } else {
        bar.unset_length();
    }
    bar.set_position(now.done);
    bar.tick();
}

/// A counted stage as a bar with its count (or percentage) and time left; an uncounted one as
/// a spinner with the time so far. No colour: the words and the bar carry it all.
fn style(stage: Stage, counted: bool) -> ProgressStyle {
    ProgressStyle::with_template(&template(stage, counted))
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .progress_chars("=> ")
        .tick_chars("|/-\\ ")
}

fn template(stage: Stage, counted: bool) -> String {
    match (counted, stage.unit()) {
        (true, Some(unit)) => {
            format!("{{spinner}} {{msg}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit}, {{eta}} left")
        }
        (true, None) => "{spinner} {msg} [{bar:30}] {percent:>3}%, {eta} left".to_string(),
        (false, _) => "{spinner} {msg} ({elapsed})".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::OwnedFd;

    use super::*;

    #[test]
    fn every_kind_of_stage_has_a_template_that_parses() {
        // `style` falls back to a bare spinner when a template does not parse: none may.
        for counted in [false, true] {
            for stage in [Stage::Replaying, Stage::MakingEvents] {
                let template = template(stage, counted);
                assert!(ProgressStyle::with_template(&template).is_ok(), "{template}");
            }
        }
        assert!(template(Stage::MakingEvents, true).contains("/{human_len} events"));
    }

    #[test]
    fn a_long_stage_shows_within_a_tenth_of_a_second_a_cache_read_only_if_slow() {
        let ms = Duration::from_millis;
        let replaying = Reading { stage: Stage::Replaying, done: 10, total: 1000 };
        let cache = Reading { stage: Stage::ReadingCache, done: 0, total: 0 };
        assert!(!due(ms(20), AFTER, replaying), "a quick load shows nothing");
        assert!(due(ms(60), AFTER, replaying) && SOON < ms(100), "a replay still running shows its bar");
        assert!(!due(ms(200), AFTER, cache), "a cache read is not counted: it waits");
        assert!(due(ms(260), AFTER, cache));
        assert!(due(Duration::ZERO, Duration::ZERO, cache), "the tests' at once");
    }

    #[test]
    fn a_pipe_is_not_a_terminal_and_gets_no_bar() {
        // indicatif's own check, on a descriptor that is a pipe: the target hides itself.
        let (read, write) = std::io::pipe().expect("pipe");
        let term = console::Term::read_write_pair(
            std::fs::File::from(OwnedFd::from(read)),
            std::fs::File::from(OwnedFd::from(write)),
        );
        assert!(!term.is_term());
        assert!(ProgressDrawTarget::term(term, 10).is_hidden());
    }
}
