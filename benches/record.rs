//! `SPROUT_BENCH_DATA=DIR cargo bench --bench record`: `sprout record checkout` as a whole
//! process, as an operator at a prompt waits for it, over a data directory whose derived-state
//! cache is present (the bench runs `sprout --data DIR frame` once first to write it).
//!
//! Prints the median and the slowest of SPROUT_BENCH_RUNS (default 20) records of a checkout
//! of SPROUT_BENCH_SERVER (default LAB-BH01), each process's peak memory (its resident set, from
//! `wait4`), and beside them the same number of `cat` of the catalog in the same run: the cost
//! of starting any process on this machine, for the ratio. With SPROUT_BENCH_BASE=BINARY, an
//! older sprout runs alternately with this one over the same data, for a before and after.
//! Each record appends a line to DIR's journal.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One process: its wall time and peak resident set in KB.
#[expect(clippy::zombie_processes, reason = "the child is reaped by wait4, which also gives its peak memory")]
fn run(cmd: &mut Command) -> (Duration, i64) {
    let start = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().expect("start the process");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct the call fills; `pid` is our own child, not yet waited for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let took = start.elapsed();
    assert_eq!(waited, pid, "wait for the child");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{cmd:?} failed: status {status}");
    (took, usage.ru_maxrss)
}

struct Figures {
    name: String,
    times: Vec<Duration>,
    peak_kb: i64,
}

impl Figures {
    fn new(name: &str) -> Figures {
        Figures { name: name.into(), times: Vec::new(), peak_kb: 0 }
    }

    fn add(&mut self, (took, kb): (Duration, i64)) {
        self.times.push(took);
        self.peak_kb = self.peak_kb.max(kb);
    }

    fn median(&self) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        t[t.len() / 2]
    }

    fn print(&self, floor: Duration) {
        let max = self.times.iter().max().copied().unwrap_or_default();
        println!(
            "{:<44} median {:>7.1} ms  max {:>7.1} ms  peak RSS {:>7.1} MB  median / cat {:>5.1}",
            self.name,
            self.median().as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            self.peak_kb as f64 / 1024.0,
            self.median().as_secs_f64() / floor.as_secs_f64().max(1e-9),
        );
    }
}

fn record(bin: &Path, dir: &Path, server: &str) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--data").arg(dir).args(["record", "checkout", server, "pass", "--note", "bench"]);
    cmd
}

fn main() {
    let Some(dir) = std::env::var_os("SPROUT_BENCH_DATA") else {
        eprintln!("set SPROUT_BENCH_DATA to a data directory (sprout gen --servers 100000 --events 1000000 DIR)");
        return;
    };
    let dir = Path::new(&dir);
    let runs: usize = std::env::var("SPROUT_BENCH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(20).max(1);
    let server = std::env::var("SPROUT_BENCH_SERVER").unwrap_or_else(|_| "LAB-BH01".into());
    let this = Path::new(env!("CARGO_BIN_EXE_sprout"));
    let base = std::env::var_os("SPROUT_BENCH_BASE").map(std::path::PathBuf::from);
    // Each binary writes the cache in its own format: the first record after the other's is
    // a full load, so each writes its cache into its own cache directory.
    let cache = |name: &str| Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-record-{name}"));
    let mut binaries = vec![(this.to_path_buf(), cache("this"), Figures::new("sprout record checkout (this build)"))];
    if let Some(base) = base {
        binaries.push((base, cache("base"), Figures::new("sprout record checkout (SPROUT_BENCH_BASE)")));
    }
    for (bin, home, _) in &binaries {
        let mut frame = Command::new(bin);
        frame.arg("--data").arg(dir).arg("frame").env("XDG_CACHE_HOME", home);
        run(&mut frame);
        // One record first: the first write of a generation also rewrites the cache.
        run(record(bin, dir, &server).env("XDG_CACHE_HOME", home));
    }
    let mut cat = Figures::new("cat catalog.ron (starting a process)");
    for _ in 0..runs {
        for (bin, home, figures) in &mut binaries {
            figures.add(run(record(bin, dir, &server).env("XDG_CACHE_HOME", &*home)));
        }
        cat.add(run(Command::new("cat").arg(dir.join("catalog.ron"))));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("{runs} runs each, alternating, over {} (load average {})", dir.display(), load.trim());
    let floor = cat.median();
    for (_, home, figures) in &binaries {
        figures.print(floor);
        let _ = std::fs::remove_dir_all(home);
    }
    cat.print(floor);
}
