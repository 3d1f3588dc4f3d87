//! `cargo bench --bench keys`: every key of every view as the operator's terminal sees it.
//!
//! The release `sprout` runs on a pseudo-terminal (120x40) over a generated fleet (100,000
//! servers and 1,000,000 journal events unless `SPROUT_BENCH_SERVERS` says otherwise, or the
//! directory in `SPROUT_BENCH_DATA`). For each key the harness writes the key's bytes to the
//! pty master and reads. Two figures: *answered*, the key written to the end of the first
//! frame (synchronized update, `ESC [ ? 2026 l`) that had taken the key in, as the dashboard
//! reports per frame to the file in `SPROUT_BENCH_FRAMES` (see `keys/pty.rs`); and *last
//! byte*, the key written to the last byte read before `QUIET` of silence, and never before
//! the frame showing a filter's lines from its worker (the measure before frames were told
//! apart: it also counts a frame the minute tick caused just after). The
//! bytes are everything read until the silence; *tick frames* counts the frames in that
//! window drawn because the clock's tick was taken in.
//! One row also presses keys across a minute boundary, while the clock tick re-derives.
//!
//! `SPROUT_BENCH_BIN=old,new` measures other builds of `sprout` beside this one, alternating
//! whole runs (`SPROUT_BENCH_ROUNDS`, default 1) so a before and after share the machine's
//! load. `SPROUT_BENCH_TICKS` (default 1) is how many minute boundaries to wait for (0: none).
//! Last, `sprout record checkout` as a whole process, ten times per build (it appends to the
//! fleet's journal: a checkout of `SPROUT_BENCH_RECORD`, default LAB-BH01).
//! Before it quits, the dashboard watches `SPROUT_BENCH_WRITES` (default 5) checkouts recorded
//! by another process: from the writer's start and its exit to the frame that shows each.
//! `SPROUT_BENCH_SETTLE` (seconds, default 12) waits after the first frame for the header's
//! background `check` to finish, so it does not compete with the keys on a 2-core machine.

#[path = "keys/pty.rs"]
mod pty;
#[path = "keys/write.rs"]
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use pty::{Press, Pty};

/// Samples per key label, in the order first seen.
#[derive(Default)]
struct Samples {
    order: Vec<String>,
    by_key: BTreeMap<String, Vec<Press>>,
}

impl Samples {
    fn add(&mut self, label: &str, sample: Press) {
        if !self.by_key.contains_key(label) {
            self.order.push(label.to_string());
        }
        self.by_key.entry(label.to_string()).or_default().push(sample);
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Nearest-rank percentile of sorted durations.
fn pct(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

const SORTS: [&str; 10] =
    ["site", "levels", "behind", "hot fixes", "tier", "priority", "phase", "soak", "last checkout", "server"];

/// Every key of every view, labelled; each label pressed several times.
fn press_all(pty: &mut Pty, s: &mut Samples) {
    let mut k = |label: &str, bytes: &[u8]| {
        let sample = pty.key(bytes);
        s.add(label, sample);
    };
    for _ in 0..20 {
        k("fleet: j (down)", b"j");
    }
    for _ in 0..10 {
        k("fleet: k (up)", b"k");
    }
    for _ in 0..10 {
        k("fleet: PgDn", b"\x1b[6~");
        k("fleet: PgUp", b"\x1b[5~");
    }
    for _ in 0..5 {
        k("fleet: G (last)", b"G");
        k("fleet: g (first)", b"g");
    }
    for _ in 0..3 {
        for column in SORTS {
            k(&format!("fleet: o (sort by {column})"), b"o");
        }
    }
    for column in SORTS {
        k(&format!("fleet: O (reverse, by {column})"), b"O");
        k(&format!("fleet: O (reverse, by {column})"), b"O");
        k("fleet: o (sort, after a reverse)", b"o");
    }
    // The sort is back to the name, ascending.
    for _ in 0..5 {
        k("fleet: / (open filter)", b"/");
        k("fleet: filter key", b"m");
        k("fleet: filter key", b"b");
        k("fleet: filter key", b"x");
        k("fleet: filter backspace", b"\x7f");
        k("fleet: filter enter", b"\r");
        k("fleet: esc (clear filter)", b"\x1b");
    }
    for _ in 0..6 {
        k("fleet: space (fold)", b" ");
    }
    k("fleet: j (down)", b"j");
    for _ in 0..5 {
        k("fleet: enter (open server)", b"\r");
        k("server: esc (back)", b"\x1b");
    }
    for _ in 0..3 {
        for (n, view) in ["server", "rollout", "journal", "risk", "agenda", "plan", "fleet"].iter().enumerate() {
            let key = [b'2' + u8::try_from(n).expect("seven views") % 7];
            let key = if *view == "fleet" { [b'1'] } else { key };
            k(&format!("tab: {} ({view})", key[0] as char), &key);
        }
    }
    for _ in 0..7 {
        k("tab: tab (next view)", b"\t");
    }
    for (key, view) in
        [(b'2', "server"), (b'3', "rollout"), (b'4', "journal"), (b'5', "risk"), (b'6', "agenda"), (b'7', "plan")]
    {
        k(&format!("tab: {} ({view})", key as char), &[key]);
        for _ in 0..10 {
            k(&format!("{view}: j (down)"), b"j");
        }
        for _ in 0..5 {
            k(&format!("{view}: PgDn"), b"\x1b[6~");
            k(&format!("{view}: k (up)"), b"k");
        }
        if view == "rollout" {
            for _ in 0..4 {
                k("rollout: → (next panel)", b"\x1b[C");
                k("rollout: ← (previous panel)", b"\x1b[D");
            }
        }
        if view == "journal" {
            for _ in 0..3 {
                k("journal: / (open filter)", b"/");
                k("journal: filter key", b"l");
                k("journal: filter key", b"a");
                k("journal: filter key", b"b");
                k("journal: filter enter", b"\r");
                k("journal: esc (clear filter)", b"\x1b");
                k("journal: enter (event)", b"\r");
                k("journal: esc (close event)", b"\x1b");
            }
        }
    }
    k("tab: 1 (fleet)", b"1");
    for _ in 0..3 {
        k("help: ?", b"?");
        k("help: esc", b"\x1b");
    }
}

/// Keys pressed one after another from just before a minute boundary until just after the
/// dashboard's tick (it checks the clock every 250 ms), on the Fleet view.
fn press_through_tick(pty: &mut Pty, s: &mut Samples) {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("clock");
    let to_minute = Duration::from_secs(60 - now.as_secs() % 60) - Duration::from_nanos(u64::from(now.subsec_nanos()));
    let start = Instant::now() + to_minute.saturating_sub(Duration::from_millis(300));
    let mut sink = Vec::new();
    while Instant::now() < start {
        pty.read_within(&mut sink, Duration::from_millis(50));
        sink.clear();
    }
    let end = start + Duration::from_millis(1300);
    let mut toggle = false;
    while Instant::now() < end {
        toggle = !toggle;
        let sample = pty.key(if toggle { b"j" } else { b"k" });
        s.add("fleet: j/k across the minute tick", sample);
    }
}

/// `bin` on `data` as the operator whose cache, state and configuration are under `home`.
fn sprout(bin: &Path, data: &Path, home: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .arg("--data")
        .arg(data)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("SPROUT_CONFIG", home.join("config"));
    command
}

fn fleet_dir(bin: &Path, scratch: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("SPROUT_BENCH_DATA") {
        return PathBuf::from(dir);
    }
    let servers: usize = std::env::var("SPROUT_BENCH_SERVERS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = scratch.join(format!("g{servers}"));
    if !dir.join("journal.ron").exists() {
        let status = Command::new(bin)
            .args(["gen", "--servers", &servers.to_string(), "--events", &(servers * 10).to_string()])
            .arg(&dir)
            .status()
            .expect("gen");
        assert!(status.success(), "sprout gen failed");
    }
    dir
}

fn main() {
    let this = PathBuf::from(env!("CARGO_BIN_EXE_sprout"));
    let mut bins = vec![this.clone()];
    if let Ok(others) = std::env::var("SPROUT_BENCH_BIN") {
        bins = others.split(',').filter(|s| !s.is_empty()).map(PathBuf::from).collect();
    }
    let rounds: usize = std::env::var("SPROUT_BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let ticks: usize = std::env::var("SPROUT_BENCH_TICKS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let settle: u64 = std::env::var("SPROUT_BENCH_SETTLE").ok().and_then(|s| s.parse().ok()).unwrap_or(12);
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("keys");
    // A home (cache, state, config) per build: builds with different cache formats sharing one
    // would each find the other's cache and load in full every time.
    let homes: Vec<PathBuf> = (0..bins.len()).map(|i| scratch.join(format!("home-{i}"))).collect();
    for home in &homes {
        // What an earlier run's operator saw of a data directory at the same path (its head):
        // a fresh copy there would read as a journal that lost its end.
        let _ = std::fs::remove_dir_all(home.join("state"));
        std::fs::create_dir_all(home.join("config")).expect("config dir");
    }
    let data = fleet_dir(&this, &scratch);
    let writes: usize = std::env::var("SPROUT_BENCH_WRITES").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let server = std::env::var("SPROUT_BENCH_RECORD").unwrap_or_else(|_| "LAB-BH01".into());
    // A directory sprout never wrote to has no head: a dashboard shows the first write into it
    // only after proving the chain up to it (half a full read), once in the directory's life.
    // One write first, so that every measured write is an ordinary one for every build.
    if !data.join(".sprout.head").exists() {
        let out = sprout(&bins[0], &data, &homes[0])
            .args(["record", "checkout", &server, "pass", "--note", "bench: the directory's first write"])
            .output()
            .expect("record");
        assert!(out.status.success(), "the first record failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut results: Vec<(PathBuf, Samples, Vec<Duration>)> =
        bins.iter().map(|b| (b.clone(), Samples::default(), Vec::new())).collect();
    let mut seen: Vec<Vec<write::Seen>> = vec![Vec::new(); bins.len()];
    for round in 0..rounds {
        for (((bin, samples, starts), seen), home) in results.iter_mut().zip(&mut seen).zip(&homes) {
            // The cache written (or proved current) before the launch that is measured.
            let warm = sprout(bin, &data, home).arg("frame").stdout(Stdio::null()).status().expect("frame");
            assert!(warm.success(), "sprout frame failed");
            eprintln!("round {} of {rounds}: {}", round + 1, bin.display());
            let launched = Instant::now();
            let mut pty = Pty::spawn(bin, &data, home);
            let (first, _) = pty.settle(launched);
            starts.push(first);
            let mut sink = Vec::new();
            let until = Instant::now() + Duration::from_secs(settle);
            while Instant::now() < until {
                pty.read_within(&mut sink, Duration::from_millis(100));
                sink.clear();
            }
            press_all(&mut pty, samples);
            for _ in 0..ticks {
                press_through_tick(&mut pty, samples);
            }
            for _ in 0..writes {
                seen.push(write::record_seen(&mut pty, bin, &data, home, &server));
            }
            pty.quit();
        }
    }
    let mut records: Vec<Vec<Duration>> = vec![Vec::new(); results.len()];
    for _ in 0..10 {
        for (((bin, ..), times), home) in results.iter().zip(&mut records).zip(&homes) {
            let start = Instant::now();
            let out = sprout(bin, &data, home)
                .args(["record", "checkout", &server, "pass", "--note", "bench"])
                .output()
                .expect("record");
            times.push(start.elapsed());
            assert!(out.status.success(), "record checkout failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let servers = std::fs::read_to_string(data.join("fleet.ron")).map(|t| t.matches("name:").count()).unwrap_or(0);
    println!(
        "\nKey written to the pty to the last byte the dashboard wrote (ms), 120x40, {} ({} name: fields in fleet.ron), {rounds} round(s):\n",
        data.display(),
        servers
    );
    println!("`sprout record checkout {server} pass` as a whole process (ms), builds alternating:\n");
    println!("| build | n | p50 | max |");
    println!("|---|---|---|---|");
    for ((bin, ..), times) in results.iter().zip(&mut records) {
        times.sort();
        println!("| {} | {} | {} | {} |", bin.display(), times.len(), ms(pct(times, 50.0)), ms(times[times.len() - 1]));
    }
    println!();
    println!("Another process's `record checkout {server}` to the end of the dashboard's frame showing it (ms):\n");
    println!("| build | n | from the writer's exit p50 / max | from the writer's start p50 / max |");
    println!("|---|---|---|---|");
    for ((bin, ..), seen) in results.iter().zip(&seen) {
        if seen.is_empty() {
            continue;
        }
        let spread = |f: fn(&write::Seen) -> f64| {
            let mut v: Vec<f64> = seen.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            format!("{:.1} / {:.1}", v[(v.len() - 1) / 2], v[v.len() - 1])
        };
        println!("| {} | {} | {} | {} |", bin.display(), seen.len(), spread(|s| s.from_exit), spread(|s| s.from_start));
    }
    println!();
    for (bin, samples, starts) in &results {
        println!(
            "`{}`: launch to first frame {} ms\n",
            bin.display(),
            starts.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(", ")
        );
        println!("| key | n | answered p50 / p99 / max | last byte p50 / p99 / max | bytes (mean) | tick frames |");
        println!("|---|---|---|---|---|---|");
        let mut all: Vec<Press> = Vec::new();
        for label in &samples.order {
            let list = &samples.by_key[label];
            all.extend(list.iter().copied());
            row(label, list);
        }
        row("**every key**", &all);
        println!();
        // Each press whose window held a frame the clock caused: what each measure charged.
        for label in &samples.order {
            for p in samples.by_key[label].iter().filter(|p| p.tick_frames > 0) {
                println!(
                    "- {label}: a tick frame in the window{}; answered {} ms, last byte {} ms, {} bytes",
                    if p.with_tick { " (the answering frame itself)" } else { "" },
                    ms(p.answered),
                    ms(p.last_byte),
                    p.bytes
                );
            }
        }
        println!();
    }
}

/// p50 / p99 / max of both figures, the mean bytes and the frames the tick caused.
fn row(label: &str, list: &[Press]) {
    let spread = |f: fn(&Press) -> Duration| {
        let mut times: Vec<Duration> = list.iter().map(f).collect();
        times.sort();
        format!("{} / {} / {}", ms(pct(&times, 50.0)), ms(pct(&times, 99.0)), ms(*times.last().expect("a sample")))
    };
    let bytes = list.iter().map(|p| p.bytes).sum::<usize>() / list.len();
    let ticks: usize = list.iter().map(|p| p.tick_frames).sum();
    println!(
        "| {label} | {} | {} | {} | {bytes} | {ticks} |",
        list.len(),
        spread(|p| p.answered),
        spread(|p| p.last_byte)
    );
}
