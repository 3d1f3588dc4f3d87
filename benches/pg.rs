//! The PostgreSQL store beside the data directory, on the same generated rollout: how long the
//! first rows take (a full load: baseline and journal read, checked and replayed) and a durable
//! record (lock, catch up, check, append, commit or fsync). Starts a throwaway cluster with
//! fsync on, over a Unix socket.
//!
//! `cargo bench --bench pg` (sizes: SPROUT_PG_BENCH_SERVERS, SPROUT_PG_BENCH_EVENTS).

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
        let event = sprout::model::Event::Backup { server: server.clone(), note: format!("bench {i}") };
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
}
