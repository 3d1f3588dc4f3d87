//! Another process's write as a dashboard on the pty shows it: `sprout record checkout` run as
//! its own process while the dashboard idles, timed from the writer's start and from its exit
//! (the record durable) to the end of the first frame that took the write in.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::pty::Pty;

/// One write's figures, in ms: from the writer's start, and from its exit (negative when the
/// dashboard showed the write before the writer process had ended).
#[derive(Clone, Copy)]
pub struct Seen {
    pub from_start: f64,
    pub from_exit: f64,
}

/// Silence on the pty before a write is started, so a frame still due for something else (the
/// header's check after the last write) is not taken for the write's.
const IDLE: Duration = Duration::from_millis(1500);

/// Run `sprout record checkout SERVER pass` beside the dashboard on `pty` and time what it shows.
pub fn record_seen(pty: &mut Pty, bin: &Path, data: &Path, home: &Path, server: &str) -> Seen {
    let mut sink = Vec::new();
    let mut quiet_since = Instant::now();
    let give_up = Instant::now() + Duration::from_secs(30);
    while quiet_since.elapsed() < IDLE && Instant::now() < give_up {
        if pty.read_within(&mut sink, Duration::from_millis(100)) > 0 {
            quiet_since = Instant::now();
        }
        sink.clear();
    }
    let before = pty.loads();
    let first = pty.frames_read();
    let start = Instant::now();
    let mut child = super::sprout(bin, data, home)
        .args(["record", "checkout", server, "pass", "--note", "bench: another dashboard"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("record");
    // The writer's end noted on its own thread, while this one reads the pty.
    let exited = std::thread::spawn(move || {
        let status = child.wait().expect("wait for record");
        (Instant::now(), status.success())
    });
    let deadline = start + Duration::from_secs(20);
    let shown = loop {
        if let Some(at) = pty.shown_since(first, before) {
            break at;
        }
        assert!(Instant::now() < deadline, "the dashboard showed no frame for the write within 20 s");
        pty.read_within(&mut sink, Duration::from_millis(5));
        sink.clear();
    };
    let (exit, ok) = exited.join().expect("the writer's waiter");
    assert!(ok, "record checkout failed");
    let ms = |a: Instant, b: Instant| {
        if a >= b { (a - b).as_secs_f64() * 1000.0 } else { -((b - a).as_secs_f64() * 1000.0) }
    };
    Seen { from_start: ms(shown, start), from_exit: ms(shown, exit) }
}
