//! The PostgreSQL store beside the data directory, on the same generated rollout: how long the
//! first rows take (a full load: baseline and journal read, checked and replayed) and a durable
//! record (lock, catch up, check, append, commit or fsync). Starts a throwaway cluster with
//! fsync on, over a Unix socket.
//!
//! `cargo bench --bench pg` (sizes: SPROUT_PG_BENCH_SERVERS, SPROUT_PG_BENCH_EVENTS; whole-process
//! rounds SPROUT_PG_BENCH_ROUNDS; checkouts per writer SPROUT_PG_BENCH_WRITES).

#[path = "../tests/common/pg.rs"]
mod pg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sprout::store::{FileStore, Operator, Store};

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The median of `rounds` full loads.
fn first_rows(store: &Arc<dyn Store>, rounds: usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut events = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let loaded = sprout::live::load(store).expect("load");
        times.push(started.elapsed());
        events = loaded.data.journal.len();
    }
    (median(times), events)
}

/// The median and worst of `rounds` durable records through the one write path, each on the
/// state loaded once (as the dashboard records).
fn durable_records(store: &Arc<dyn Store>, rounds: usize) -> (Duration, Duration) {
    let mut loaded = sprout::live::load(store).expect("load");
    let server = loaded.state.servers[0].name.clone();
    let op = Operator { name: "bench".into(), from: None };
    let mut times = Vec::new();
    for i in 0..rounds {
        let event = sprout::model::Event::Backup { server: server.to_string(), note: format!("bench {i}") };
        let started = Instant::now();
        sprout::live::record_in(
            &mut loaded,
            &op,
            chrono::Utc::now(),
            Default::default(),
            move |_, _, _| Ok(event),
            |_| {},
        )
        .expect("record");
        times.push(started.elapsed());
    }
    let worst = times.iter().max().copied().unwrap_or_default();
    (median(times), worst)
}

fn main() {
    let servers = env_count("SPROUT_PG_BENCH_SERVERS", 1000);
    let events = env_count("SPROUT_PG_BENCH_EVENTS", 10_000);
    let Some(cluster) = pg::Cluster::start_with(true) else { return };
    let work = tempfile::tempdir().expect("temp dir");
    // The data directory's derived-state cache goes with the bench's temporary files.
    // SAFETY: set before any other thread starts.
    unsafe { std::env::set_var("XDG_CACHE_HOME", work.path().join("cache")) };
    let dir = work.path().join("data");
    let generated = std::process::Command::new(env!("CARGO_BIN_EXE_sprout"))
        .args(["gen", "--servers", &servers.to_string(), "--events", &events.to_string()])
        .arg(&dir)
        .output()
        .expect("gen");
    assert!(generated.status.success(), "gen: {}", String::from_utf8_lossy(&generated.stderr));
    let started = Instant::now();
    cluster.import(&dir);
    println!("sprout db import: {servers} servers, {events} events in {}", ms(started.elapsed()));

    let file = FileStore::open(&dir);
    let db = sprout::store::pg::PgStore::open(&cluster.url(pg::OPERATORS[0]));
    let (cold, n) = first_rows(&file, 1);
    let (warm, _) = first_rows(&file, 5);
    let (pg_cold, pg_n) = first_rows(&db, 1);
    let (pg_warm, _) = first_rows(&db, 5);
    assert_eq!(n, pg_n, "both stores hold the same journal");
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!("first rows (a load, median), {servers} servers, {n} events:");
    println!("  data directory, no cache:   {}", ms(cold));
    println!("  PostgreSQL, no cache:       {} ({:.1}x the directory's)", ms(pg_cold), ratio(pg_cold, cold));
    println!("  data directory, cache:      {}", ms(warm));
    println!("  PostgreSQL, cache:          {} ({:.1}x the directory's)", ms(pg_warm), ratio(pg_warm, warm));
    let (f_med, f_max) = durable_records(&file, 30);
    let (p_med, p_max) = durable_records(&db, 30);
    println!("durable record (30 in a row, median / worst):");
    println!("  data directory (fsync):     {} / {}", ms(f_med), ms(f_max));
    println!("  PostgreSQL (commit, fsync): {} / {}", ms(p_med), ms(p_max));

    let rounds = env_count("SPROUT_PG_BENCH_ROUNDS", 5);
    let server = sprout::live::load(&file).expect("load").state.servers[0].name.clone();
    let dir_arg = dir.display().to_string();
    let url = cluster.url(pg::OPERATORS[0]);
    let (f_rec, f_status) = process_checkout(&dir_arg, &server, rounds);
    let (p_rec, p_status) = process_checkout(&url, &server, rounds);
    println!("a durable checkout as a whole process (`sprout record checkout`, median of {rounds}):");
    println!("  data directory:             {} (a whole `sprout server`: {})", ms(f_rec), ms(f_status));
    println!("  PostgreSQL:                 {} (a whole `sprout server`: {})", ms(p_rec), ms(p_status));

    let (wrote, notified, shown) = notify_to_view(&cluster.url(pg::OPERATORS[1]), &db, rounds.max(10));
    println!("NOTIFY to another dashboard's view (its own connection, as bob; median):");
    println!("  the record (alice):         {}", ms(wrote));
    println!("  record start to NOTIFY:     {}", ms(notified));
    println!("  record start to caught up:  {}", ms(shown));

    let each = env_count("SPROUT_PG_BENCH_WRITES", 5);
    let f_rate = eight_writers(&dir_arg, &server, each);
    let p_rate = eight_writers(&url, &server, each);
    println!("8 writers at once, {each} checkouts each, a process per record:");
    println!("  data directory:             {f_rate:.1} records/s");
    println!("  PostgreSQL:                 {p_rate:.1} records/s");
}

/// The median of `rounds` runs of the sprout binary with `args` (each must succeed), the
/// environment the bench's own (its cache directory).
fn process(args: &[String], rounds: usize) -> Duration {
    let mut times = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sprout"))
            .args(args)
            .env_remove("SPROUT_DATA")
            .output()
            .expect("run sprout");
        times.push(started.elapsed());
        assert!(out.status.success(), "sprout {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    median(times)
}

/// A checkout recorded by a whole `sprout record` process (start, cached load, lock, check,
/// append, commit), beside a whole `sprout server NAME` (start and the same cached load, one server
/// printed, no write).
fn process_checkout(data: &str, server: &str, rounds: usize) -> (Duration, Duration) {
    let data = data.to_string();
    let status = process(&["--data".into(), data.clone(), "server".into(), server.into()], rounds);
    let record: Vec<String> =
        ["--data", &data, "record", "checkout", server, "pass", "--note", "bench"].map(String::from).into();
    (process(&record, rounds), status)
}

/// 8 writers at once, each `each` checkouts in a row, each a new `sprout record` process (the
/// harness of the reliability test): records per second.
fn eight_writers(data: &str, server: &str, each: usize) -> f64 {
    let started = Instant::now();
    let children: Vec<_> = (0..8)
        .map(|w| {
            let script = format!(
                "i=0; while [ $i -lt {each} ]; do \"$0\" --data \"$1\" record checkout \"$2\" pass --note \"w{w} n$i\" >/dev/null || exit 1; i=$((i+1)); done"
            );
            std::process::Command::new("sh")
                .arg("-c")
                .arg(script)
                .arg(env!("CARGO_BIN_EXE_sprout"))
                .arg(data)
                .arg(server)
                .env_remove("SPROUT_DATA")
                .stderr(std::process::Stdio::null()) // "waiting for the lock held by ..."
                .spawn()
                .expect("spawn a writer")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait for a writer").success(), "a writer failed");
    }
    (8 * each) as f64 / started.elapsed().as_secs_f64()
}

/// Another dashboard's view (its own store, connection and LISTEN, as `role`): from the start
/// of a record on `writer` to the NOTIFY's arrival, and to the other view caught up (the state
/// the screen draws). Medians of `rounds`.
fn notify_to_view(url: &str, writer: &Arc<dyn Store>, rounds: usize) -> (Duration, Duration, Duration) {
    let other = sprout::store::pg::PgStore::open(url);
    let mut view = sprout::live::load(&other).expect("load the other view");
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _watching = other
        .watch(Box::new(move |c| {
            if matches!(c, sprout::store::Changed::Data) {
                let _ = tx.lock().map(|t| t.send(Instant::now()));
            }
        }))
        .expect("watch");
    std::thread::sleep(Duration::from_millis(500)); // the LISTEN in place
    while rx.try_recv().is_ok() {}
    let mut loaded = sprout::live::load(writer).expect("load");
    let server = loaded.state.servers[0].name.clone();
    let op = Operator { name: "bench".into(), from: None };
    let (mut notified, mut shown, mut wrote) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        let event = sprout::model::Event::Backup { server: server.to_string(), note: format!("notify {i}") };
        let before = view.data.journal.len();
        let started = Instant::now();
        sprout::live::record_in(
            &mut loaded,
            &op,
            chrono::Utc::now(),
            Default::default(),
            move |_, _, _| Ok(event),
            |_| {},
        )
        .expect("record");
        wrote.push(started.elapsed());
        let at = rx.recv_timeout(Duration::from_secs(10)).expect("a NOTIFY within 10 s");
        sprout::live::refresh(&mut view).expect("catch up");
        shown.push(started.elapsed());
        notified.push(at.duration_since(started));
        assert_eq!(view.data.journal.len(), before + 1, "the other view shows the new event");
        while rx.try_recv().is_ok() {}
    }
    (median(wrote), median(notified), median(shown))
}
