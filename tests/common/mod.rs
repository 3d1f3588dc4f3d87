// Shared by the integration tests: a sample data directory and a way to run the binary.
#![allow(dead_code)]

pub mod pg;
pub mod place;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The day the sample is written for; tests pin the clock here.
pub const NOW: &str = "2000-11-24T12:00:00Z";

pub struct Sample {
    pub dir: tempfile::TempDir,
}

#[allow(clippy::new_without_default)] // each call makes a fresh directory; there is no default one
impl Sample {
    pub fn new() -> Sample {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new(env!("CARGO_BIN_EXE_sprout"))
            .args(["init", "--now", NOW])
            .arg(dir.path().join("data"))
            .output()
            .expect("run sprout init");
        assert!(out.status.success(), "init failed: {}", String::from_utf8_lossy(&out.stderr));
        Sample { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    /// Run sprout on this data directory with the clock pinned.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(&self.path(), NOW, args)
    }

    pub fn run_at(&self, now: &str, args: &[&str]) -> Run {
        run_in(&self.path(), now, args)
    }
}

/// The derived-state cache lives in the user's cache directory: a test's goes with its data.
impl Drop for Sample {
    fn drop(&mut self) {
        if let Some(cache) = sprout::store::FileStore::new(self.path()).cache_path() {
            let _ = std::fs::remove_file(cache);
        }
        if let Some(witness) = sprout::store::dir::witness::path(&self.path()) {
            let _ = std::fs::remove_file(witness);
        }
    }
}

pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// The sprout binary on data directory `dir`, the clock pinned at `now`.
pub fn command(dir: &Path, now: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sprout"));
    command
        .arg("--data")
        .arg(dir)
        .args(["--now", now])
        .args(args)
        .env_remove("SPROUT_DATA")
        // The binary's cache and witness go beside the data, in the test's temporary directory.
        .env("XDG_CACHE_HOME", dir.parent().unwrap_or(dir).join("cache"))
        .env("XDG_STATE_HOME", dir.parent().unwrap_or(dir).join("state"))
        // The operator's own keys and theme never leak into a test.
        .env("SPROUT_CONFIG", dir.parent().unwrap_or(dir).join("config"))
        // Nor does the machine's /etc/sprout (trusted keys, required signatures).
        .env("SPROUT_SYSTEM_CONFIG", dir.parent().unwrap_or(dir).join("system"));
    command
}

pub fn run_in(dir: &Path, now: &str, args: &[&str]) -> Run {
    Run::from(command(dir, now, args).output().expect("run sprout"))
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Record `event` as another operator, through the same write path the CLI uses.
pub fn record_as(
    s: &Sample,
    operator: &str,
    now: &str,
    event: sprout::model::Event,
) -> Result<sprout::live::Recorded, sprout::live::WriteError> {
    let op = sprout::store::Operator { name: operator.to_string(), from: None };
    let now = now.parse().expect("time");
    sprout::live::record(
        &sprout::store::FileStore::open(s.path()),
        &op,
        now,
        Default::default(),
        move |_, _, _| Ok(event),
        |_| {},
    )
}

/// The sample's Pass checkout of BOS-IMS01 in its open phase: what another operator records
/// while a dashboard under test watches.
pub fn ims01_pass() -> sprout::model::Event {
    sprout::model::Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "BOS-IMS01".into(),
        phase: "Local low impact".into(),
        result: sprout::model::CheckoutResult::Pass,
        note: "queues normal".into(),
    }
}

/// Append `event` by `by` to the sample's journal.ron, correctly chained, as someone with
/// write access to the directory could (around the write path); its line number.
pub fn append_by_hand(s: &Sample, by: &str, event: sprout::model::Event) -> usize {
    use std::io::Write;
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    let index = &loaded.data.journal;
    let at = NOW.parse().expect("time");
    let (_, line) = sprout::store::journal::encode(index.seq + 1, at, by, None, event, &index.sum).expect("encode");
    let mut f = std::fs::OpenOptions::new().append(true).open(s.file("journal.ron")).expect("journal");
    writeln!(f, "{line}").expect("append");
    index.line_count + 1
}

/// The sample rollout's next phase opened with its gates unmet: what the write path refuses
/// without an override.
pub fn opening_unmet() -> sprout::model::Event {
    sprout::model::Event::PhaseOpened {
        rollout: "ex55-sp4".into(),
        phase: "Local high impact".into(),
        override_reason: None,
        approver: None,
        overridden: Vec::new(),
    }
}

/// A dashboard on the directory at `path`, at the sample's time, as operator "tester".
pub fn app_on(path: PathBuf) -> sprout::app::App {
    let now = NOW.parse().expect("time");
    let op = sprout::store::Operator { name: "tester".into(), from: None };
    sprout::app::App::load(sprout::store::FileStore::open(path), op, false, now, true, Some(0)).expect("load")
}

/// `code` pressed with no modifier.
pub fn press(app: &mut sprout::app::App, code: ratatui::crossterm::event::KeyCode) {
    use ratatui::crossterm::event::{KeyEvent, KeyModifiers};
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}
