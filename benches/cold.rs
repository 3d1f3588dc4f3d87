//! `SPROUT_BENCH_DATA=DIR cargo bench --bench cold`: where a start with no valid cache spends
//! its time (issue #14, "launch after an outside edit"), in process, each stage alone and then
//! the whole load as the dashboard runs it. Three rounds; each prints one line of stages.
//!
//! - `plans`: the small baseline files (catalog, rollouts, team) read and parsed;
//! - `fleet`: `fleet.ron` read and parsed;
//! - `journal read`: `journal.ron`'s bytes into memory (from the page cache);
//! - `ron`, `sums`, `decode`: every line through the general RON parser, its checksum alone, and
//!   `journal::decode` as a load runs it (sprout's own lines taken apart by hand, `store::line`);
//! - `chain`: every line's link to the one before (`journal::link`), over the decoded lines;
//! - `apply`: `State::new` and every event applied, with the journal index built;
//! - `load`: `live::load` with the derived-state cache removed first (what a start after an
//!   outside edit does): in round 1 with no decoded journal blocks kept (`store::blocks`, removed
//!   before it), so every block is decoded and kept; in rounds 2 and 3 with them, as a start
//!   after an outside edit of the baseline finds them;
//! - `cache write`: `live::cache::save` of that state;
//! - `derive`: `App::from_loaded`, the first derivation of the dashboard's views.
//!
//! The data directory's cache is removed by the bench: run `sprout --data DIR frame` after it
//! to have one again.

use std::time::{Duration, Instant};

use chrono::Utc;
use sprout::app::App;
use sprout::model::{Data, Entry};
use sprout::rules::State;
use sprout::store::{FileStore, Operator, Store, journal, parse};

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn main() {
    let Some(dir) = std::env::var_os("SPROUT_BENCH_DATA") else {
        eprintln!("set SPROUT_BENCH_DATA to a data directory (sprout gen --servers 100000 --events 1000000 DIR)");
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    println!("cold load of {}, {} cores", dir.display(), std::thread::available_parallelism().map_or(1, |n| n.get()));
    let blocks = FileStore::new(&dir).blocks().expect("a cache directory");
    if let Some(path) = FileStore::new(&dir).cache_path() {
        let _ = std::fs::remove_dir_all(path.with_extension("blocks"));
    }
    for round in 1..=3 {
        let store = FileStore::new(&dir);
        let (plans, t_plans) = timed(|| store.plans().expect("plans"));
        let (fleet, t_fleet) = timed(|| store.fleet().expect("fleet"));
        let (text, t_read) = timed(|| std::fs::read_to_string(dir.join(sprout::store::JOURNAL)).expect("journal"));
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let (_, t_ron) = timed(|| {
            for (n, line) in lines.iter().enumerate() {
                let e: Entry = parse::ron(sprout::store::JOURNAL, line, n + 1).expect("ron");
                std::hint::black_box(e);
            }
        });
        let (_, t_sums) = timed(|| {
            for line in &lines {
                std::hint::black_box(journal::checksum(line));
            }
        });
        let (entries, t_decode) = timed(|| {
            lines.iter().enumerate().map(|(n, l)| journal::decode(l, n + 1).expect("decode")).collect::<Vec<_>>()
        });
        drop(lines);
        let (_, t_chain) = timed(|| {
            let (mut seq, mut sum) = (0, String::new());
            for (n, e) in entries.iter().enumerate() {
                let e = journal::link(seq, &sum, e.clone(), n + 1).expect("chain");
                (seq, sum) = (e.seq, e.sum);
            }
        });
        let mut data =
            Data { catalog: plans.catalog, fleet, plan: plans.plan, journal: Default::default(), team: plans.team };
        let (_, t_apply) = timed(|| {
            let mut state = State::new(&data);
            for (pos, e) in entries.iter().enumerate() {
                let server = state.apply(&data, pos, e);
                data.journal.push(e, pos as u64, pos as u64 + 1, server);
            }
            std::hint::black_box(state);
        });
        drop((entries, text, data));
        if let Some(path) = store.cache_path() {
            let _ = std::fs::remove_file(path);
        }
        let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(store.clone());
        let (loaded, t_load) = timed(|| sprout::live::load(&store).expect("load"));
        assert_eq!(loaded.source, sprout::live::Source::Full, "the cache was removed: a full load");
        let (_, t_save) = timed(|| sprout::live::cache::save(&loaded));
        let op = Operator { name: "bench".into(), from: None };
        let (app, t_derive) = timed(|| App::from_loaded(loaded, op, true, Utc::now(), true, Some(0)));
        println!(
            "round {round}: plans {} | fleet {} | journal read {} | ron {} | sums {} | decode {} | chain {} | apply {} \
             || load, no cache (its cache write included), {} {} | cache write again {} | derive {} | blocks kept {:.0} MB",
            ms(t_plans),
            ms(t_fleet),
            ms(t_read),
            ms(t_ron),
            ms(t_sums),
            ms(t_decode),
            ms(t_chain),
            ms(t_apply),
            if round == 1 { "no blocks kept" } else { "blocks kept" },
            ms(t_load),
            ms(t_save),
            ms(t_derive),
            blocks.disk_bytes() as f64 / 1e6
        );
        // Not freed: as the dashboard, which exits without freeing its state.
        std::mem::forget(app);
    }
}
