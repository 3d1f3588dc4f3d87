//! The dashboard on a pseudo-terminal, and which frame answered a key.
//!
//! Every frame the dashboard draws is one synchronized update (`ESC [ ? 2026 h` ...
//! `ESC [ ? 2026 l`). With `SPROUT_BENCH_FRAMES` naming a file, the dashboard also appends a
//! line per frame, `<keys> <ticks>`: the keys and minute ticks it had taken in when it drew it.
//! The n-th frame's end read from the pty is the n-th line, so a key is charged with the end
//! of the first frame that had taken it in, and a frame the clock caused is told apart. A
//! third number, when the build writes it, counts other processes' writes taken in; a fourth
//! is 1 while a filter's lines are still to come from its worker: a key is not done (its last
//! byte not read) until a frame without one has been drawn.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Silence after the frame's end that says the dashboard is done with a key.
pub const QUIET: Duration = Duration::from_millis(25);
/// A key not answered within this is reported as this.
pub const GIVE_UP: Duration = Duration::from_secs(10);
const END_FRAME: &[u8] = b"\x1b[?2026l";

/// One key's figures.
#[derive(Clone, Copy)]
pub struct Press {
    /// Key written to the end of the first frame that had taken it in.
    pub answered: Duration,
    /// Key written to the last byte before `QUIET` (the measure before this harness knew frames).
    pub last_byte: Duration,
    /// Bytes read until then.
    pub bytes: usize,
    /// Frames drawn because the minute tick was taken in, within that window.
    pub tick_frames: usize,
    /// The frame that answered the key also took in the minute tick (the key waited for it).
    pub with_tick: bool,
}

pub struct Pty {
    master: std::fs::File,
    pub child: Child,
    /// When each frame's end was read, in order.
    ends: Vec<Instant>,
    /// The last bytes read, so an end split across two reads is found.
    tail: Vec<u8>,
    log: std::fs::File,
    log_text: String,
    /// Per frame: (keys, ticks) taken in when it was drawn.
    frames: Vec<(u64, u64)>,
    /// Per frame: the other processes' writes taken in (`None`: a build that does not say).
    loads: Vec<Option<u64>>,
    /// Per frame: a filter's lines were still to come (a build that does not say: false).
    pending: Vec<bool>,
}

impl Pty {
    pub fn spawn(bin: &Path, data: &Path, home: &Path) -> Pty {
        let log_path: PathBuf = home.join("frames.log");
        std::fs::write(&log_path, "").expect("frame log");
        let log = std::fs::File::open(&log_path).expect("frame log");
        let mut master = -1;
        let mut slave = -1;
        let size = libc::winsize { ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: openpty writes two descriptors into the out-parameters; the size is read only.
        let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned here alone.
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup"));
        let mut cmd = Command::new(bin);
        cmd.arg("--data")
            .arg(data)
            .arg("--no-presence")
            .env("TERM", "xterm-256color")
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("SPROUT_CONFIG", home.join("config"))
            .env("SPROUT_BENCH_FRAMES", &log_path)
            .env_remove("NO_COLOR")
            .stdin(io(&slave))
            .stdout(io(&slave))
            .stderr(io(&slave));
        // SAFETY: only async-signal-safe calls between fork and exec: a new session whose
        // controlling terminal is the pty, as a login shell's would be.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn sprout");
        drop(slave);
        Pty {
            master: std::fs::File::from(master),
            child,
            ends: Vec::new(),
            tail: Vec::new(),
            log,
            log_text: String::new(),
            frames: Vec::new(),
            loads: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Bytes available within `wait`, appended to `buf`; 0 on silence. Notes each frame's end.
    pub fn read_within(&mut self, buf: &mut Vec<u8>, wait: Duration) -> usize {
        let mut pfd = libc::pollfd { fd: self.master.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        let ms = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX).max(1);
        // SAFETY: one pollfd, valid for the call.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n <= 0 {
            return 0;
        }
        let mut chunk = [0u8; 65536];
        match self.master.read(&mut chunk) {
            Ok(n) => {
                let at = Instant::now();
                buf.extend_from_slice(&chunk[..n]);
                self.tail.extend_from_slice(&chunk[..n]);
                let found = memchr::memmem::find_iter(&self.tail, END_FRAME).count();
                self.ends.extend(std::iter::repeat_n(at, found));
                let keep = if found > 0 {
                    let last = memchr::memmem::rfind(&self.tail, END_FRAME).expect("found") + END_FRAME.len();
                    self.tail.len() - last
                } else {
                    self.tail.len()
                };
                let keep = keep.min(END_FRAME.len() - 1);
                self.tail.drain(..self.tail.len() - keep);
                n
            }
            Err(_) => 0,
        }
    }

    /// What the dashboard had taken in when it drew frame `n` (it writes the line just after
    /// the frame's bytes, so wait a little for it).
    fn frame(&mut self, n: usize) -> (u64, u64) {
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.frames.len() <= n {
            let _ = self.log.read_to_string(&mut self.log_text);
            while let Some(end) = self.log_text.find('\n') {
                let line: String = self.log_text.drain(..=end).collect();
                let mut it = line.split_whitespace().map(|w| w.parse::<u64>().expect("frame log: a count"));
                self.frames.push((it.next().expect("keys"), it.next().expect("ticks")));
                self.loads.push(it.next());
                self.pending.push(it.next() == Some(1));
            }
            if self.frames.len() <= n {
                assert!(Instant::now() < deadline, "frame {n} read from the pty has no line in the frame log");
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        self.frames[n]
    }

    /// Read until a first frame has ended and `QUIET` passes with nothing more: (time of the
    /// last byte since `from`, bytes read). For the launch.
    pub fn settle(&mut self, from: Instant) -> (Duration, usize) {
        let p = self.wait(from, None);
        (p.last_byte, p.bytes)
    }

    /// Read until the frame that takes in a key drawn after `before` keys (any frame when
    /// `None`) has ended and `QUIET` passes with nothing more.
    fn wait(&mut self, from: Instant, before: Option<u64>) -> Press {
        let first = self.ends.len();
        let mut buf = Vec::new();
        let mut last = from;
        let mut answered = None;
        let mut with_tick = false;
        loop {
            if answered.is_none() {
                for n in first..self.ends.len() {
                    if before.is_none_or(|k| self.frame(n).0 > k) {
                        answered = Some(self.ends[n] - from);
                        with_tick = n > 0 && self.frame(n).1 > self.frame(n - 1).1;
                        break;
                    }
                }
            }
            let wait = if answered.is_some() { QUIET } else { GIVE_UP.saturating_sub(from.elapsed()) };
            if wait.is_zero() {
                return Press { answered: GIVE_UP, last_byte: GIVE_UP, bytes: buf.len(), tick_frames: 0, with_tick };
            }
            if self.read_within(&mut buf, wait) == 0 {
                // A filter's lines still to come: the key is not done until they are drawn.
                let pending = self.ends.len().checked_sub(1).is_some_and(|n| {
                    self.frame(n);
                    self.pending[n]
                });
                if pending && from.elapsed() < GIVE_UP {
                    continue;
                }
                if let Some(answered) = answered {
                    let mut tick_frames = 0;
                    for n in first..self.ends.len() {
                        let before = if n == 0 { 0 } else { self.frame(n - 1).1 };
                        tick_frames += usize::from(self.frame(n).1 > before);
                    }
                    return Press { answered, last_byte: last - from, bytes: buf.len(), tick_frames, with_tick };
                }
                continue;
            }
            last = Instant::now();
        }
    }

    /// Frames whose end has been read so far.
    pub fn frames_read(&self) -> usize {
        self.ends.len()
    }

    /// Other processes' writes the last frame read had taken in (`None`: the build does not
    /// say, or no frame yet).
    pub fn loads(&mut self) -> Option<u64> {
        let n = self.ends.len().checked_sub(1)?;
        self.frame(n);
        self.loads[n]
    }

    /// When the first frame from `first` on that took in a write after `before` ended: for a
    /// build that does not log writes, the first frame not drawn for the clock.
    pub fn shown_since(&mut self, first: usize, before: Option<u64>) -> Option<Instant> {
        for n in first..self.ends.len() {
            let (_, ticks) = self.frame(n);
            let shown = match (before, self.loads[n]) {
                (Some(b), Some(l)) => l > b,
                _ => n == 0 || ticks == self.frame(n - 1).1,
            };
            if shown {
                return Some(self.ends[n]);
            }
        }
        None
    }

    pub fn key(&mut self, bytes: &[u8]) -> Press {
        // Every frame read so far is in the log; what the last of them had taken in.
        let before = self.ends.len().checked_sub(1).map_or(0, |n| self.frame(n).0);
        let start = Instant::now();
        self.master.write_all(bytes).expect("write key");
        self.wait(start, Some(before))
    }

    pub fn quit(mut self) {
        let _ = self.master.write_all(b"q");
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut sink = Vec::new();
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            self.read_within(&mut sink, Duration::from_millis(50));
            sink.clear();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Pty {
    /// The dashboard never outlives the bench, even when it panics.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
