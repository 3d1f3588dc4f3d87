//! `SPROUT_BENCH_DATA=DIR cargo bench --bench breakdown`: where a warm start and the minute
//! tick spend their time, in process, over a data directory whose derived-state cache is
//! present (run `sprout --data DIR frame` once first). Three rounds; each line prints one.
//!
//! - the cache file read, then `live::load` (read, hash, decode, the journal's tail);
//! - `FleetView::build` alone, and `App::from_loaded` (the fleet view, the names, the views);
//! - the minute tick as the input thread paid for it before the clock's worker
//!   (`FleetView::tick`), what the worker now derives (`FleetView::ticked`), and what the
//!   input thread still pays to take it in (`FleetView::take_tick` and the views);
//! - the fleet view copied for the worker that derives the Agenda and Plan ahead (its rows are
//!   shared, the rollout's part copied), on the input thread;
//! - the first show of the Agenda and of the Plan (derived on the input thread);
//! - keys on the input thread without drawing: the fleet's filter and sorts (sorting here, then
//!   from the orders sorted ahead, and how long the worker took to sort them), the journal's
//!   filter, each filter key with its lines (until the worker's doorbell and the take-in);
//! - the filters' parts: names searched for a word, the journal's full scan for a word.

use std::time::Instant;

use chrono::{Duration, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprout::app::{App, Tab};
use sprout::rules::FleetView;
use sprout::store::{FileStore, Operator};

fn ms(d: std::time::Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let Some(dir) = std::env::var_os("SPROUT_BENCH_DATA") else {
        eprintln!("set SPROUT_BENCH_DATA to a data directory (sprout gen --servers 100000 --events 1000000 DIR)");
        return;
    };
    let now = Utc::now();
    let op = || Operator { name: "bench".into(), from: None };
    for round in 1..=3 {
        let store = FileStore::open(&dir);
        let t = Instant::now();
        let bytes = store.cache().map_or(0, |b| b.len());
        let read = t.elapsed();
        let t = Instant::now();
        let loaded = sprout::live::load(&store).expect("load");
        let load = t.elapsed();
        let t = Instant::now();
        let view = FleetView::build(&loaded.data, &loaded.state, Some(0), now);
        let build = t.elapsed();
        drop(view);
        let source = loaded.source;
        let t = Instant::now();
        let mut app = App::from_loaded(loaded, op(), false, now, false, Some(0));
        let from_loaded = t.elapsed();
        println!(
            "round {round}: cache file {} MB read {} | live::load {} ({source:?}) | FleetView::build {} | App::from_loaded {}",
            bytes >> 20,
            ms(read),
            ms(load),
            ms(build),
            ms(from_loaded)
        );
        if round == 1 {
            // The header's problem count: `check`'s whole replay, then from the judgement it
            // kept (the files' and the state's problems only, as after a write).
            let t = Instant::now();
            let (full, _) = sprout::live::checked::count_full(&store, now);
            let replay = t.elapsed();
            let judged = sprout::live::load(&store).expect("load");
            let t = Instant::now();
            let counted = sprout::live::checked::count_loaded(&judged);
            let took = t.elapsed();
            println!(
                "round {round}: problem count by a whole replay {} ({full}) | from the kept judgement {} ({counted:?})",
                ms(replay),
                ms(took)
            );
        }
        // The dashboard's proof, now and then in the background, that the files still hold what
        // the state was built from (`live::audit`): the small files, the fleet, the journal.
        let basis = sprout::live::audit::Basis::of(&app.live);
        let t = Instant::now();
        let proved = sprout::live::audit::audit(&store, &basis);
        println!(
            "round {round}: the content proved again (live::audit) {} ({:?})",
            ms(t.elapsed()),
            proved.map_err(|e| e.len())
        );
        if round == 1 {
            // journal.ron touched (a new identity, the same bytes): what a running dashboard does
            // at its next look (the lines it read proved by their chain, nothing read again).
            let journal = std::path::Path::new(&dir).join(sprout::store::JOURNAL);
            let file = std::fs::File::options().write(true).open(&journal);
            file.and_then(|f| f.set_modified(std::time::SystemTime::now())).expect("touch journal.ron");
            let t = Instant::now();
            let caught = sprout::live::refresh(&mut app.live).expect("refresh");
            println!(
                "round {round}: a look after journal.ron was touched (live::refresh) {} ({caught:?})",
                ms(t.elapsed())
            );
        }
        let at = now + Duration::minutes(1);
        let mut view = app.view.clone();
        let t = Instant::now();
        let _ = view.tick(&app.live.data, &app.live.state, now, at);
        let tick = t.elapsed();
        let t = Instant::now();
        let ticked = app.view.ticked(&app.live.data, &app.live.state, now, at).expect("the same day");
        let worker = t.elapsed();
        let t = Instant::now();
        // The replaced rollout view is freed after: the clock frees it on another thread.
        let (_, replaced) = app.view.take_tick(ticked, &app.live.data, &app.live.state, at);
        let take = t.elapsed();
        drop(replaced);
        println!(
            "round {round}: tick on the input thread before {} | on the worker now {} | taken in {}",
            ms(tick),
            ms(worker),
            ms(take)
        );
        // The whole take-in as the terminal loop pays it: the clock's worker run, then
        // `Clock::poll` on this thread (the rows and rollout taken, every shown view derived).
        let (rang, rung) = std::sync::mpsc::channel();
        let mut clock = sprout::app::clock::Clock::new(move || {
            let _ = rang.send(());
        });
        app.pinned = false;
        clock.start(&mut app, at + Duration::minutes(1));
        rung.recv().expect("the clock's worker rings");
        let t = Instant::now();
        let taken = clock.poll(&mut app);
        let polled = t.elapsed();
        println!(
            "round {round}: a tick taken in by the terminal loop (Clock::poll, views derived) {} (changed: {taken})",
            ms(polled)
        );
        let t = Instant::now();
        let copy = app.view.clone();
        let cloned = t.elapsed();
        drop(copy);
        println!("round {round}: the fleet view copied for the Agenda and Plan's worker {}", ms(cloned));
        let mut shown = Vec::new();
        for tab in [Tab::Agenda, Tab::Plan] {
            let t = Instant::now();
            app.show(tab);
            shown.push(format!("{tab:?} {}", ms(t.elapsed())));
        }
        println!("round {round}: first show (derived on the input thread) {}", shown.join(" | "));
        // Keys on the input thread (no drawing): the fleet's filter and sorts, the journal's filter.
        app.show(Tab::Fleet);
        let mut keys = Vec::new();
        let press = |app: &mut App, keys: &mut Vec<String>, label: &str, code: KeyCode| {
            let t = Instant::now();
            app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
            keys.push(format!("{label} {}", ms(t.elapsed())));
        };
        // Each filter key, then until the worker's lines are taken in (what the second frame
        // shows): woken by the worker's doorbell as the terminal loop is, not spinning (a
        // spinning thread takes a core from the worker's two halves).
        let (rang, rung) = std::sync::mpsc::channel();
        app.set_doorbell(sprout::views::Doorbell::new(move || {
            let _ = rang.send(());
        }));
        let press_filtered = |app: &mut App, keys: &mut Vec<String>, label: &str, c: char| {
            let t = Instant::now();
            app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            let key = t.elapsed();
            while app.filter_pending() && !app.take_filtered() {
                let _ = rung.recv_timeout(std::time::Duration::from_millis(20));
            }
            keys.push(format!("{label} {} (lines {})", ms(key), ms(t.elapsed())));
        };
        press(&mut app, &mut keys, "/", KeyCode::Char('/'));
        for (label, c) in [("m", 'm'), ("b", 'b'), ("x", 'x')] {
            press_filtered(&mut app, &mut keys, label, c);
        }
        press(&mut app, &mut keys, "bksp", KeyCode::Backspace);
        press(&mut app, &mut keys, "enter", KeyCode::Enter);
        press(&mut app, &mut keys, "esc", KeyCode::Esc);
        for _ in 0..3 {
            press(&mut app, &mut keys, "o", KeyCode::Char('o'));
        }
        // Every column both ways, on the worker at the lowest priority (a core's time after each
        // change of the rows).
        let t = Instant::now();
        if let Some(h) = app.sort_ahead() {
            let _ = h.join();
        }
        let sorted_ahead = t.elapsed();
        for _ in 0..3 {
            press(&mut app, &mut keys, "o (ready)", KeyCode::Char('o'));
        }
        press(&mut app, &mut keys, "O (ready)", KeyCode::Char('O'));
        app.show(Tab::Journal);
        press(&mut app, &mut keys, "j/", KeyCode::Char('/'));
        // The events' keys derived ahead once the filter is open (the terminal loop starts
        // this when idle), on a worker.
        let t = Instant::now();
        app.filter_ahead();
        app.settle_filter_ahead(std::time::Duration::from_secs(10));
        let keyed = t.elapsed();
        for (label, c) in [("l", 'l'), ("a", 'a'), ("b", 'b')] {
            press_filtered(&mut app, &mut keys, label, c);
        }
        press(&mut app, &mut keys, "jenter", KeyCode::Enter);
        press(&mut app, &mut keys, "jesc", KeyCode::Esc);
        println!(
            "round {round}: keys on the input thread: {} | every order sorted ahead on the worker {} | the journal's keys derived ahead {}",
            keys.join(" | "),
            ms(sorted_ahead),
            ms(keyed)
        );
        // The filters' parts on this thread (each in two halves on two threads): every server's
        // name searched for a word, and the journal's full scan for one.
        let snap = app.snapshot();
        let mut parts = Vec::new();
        for w in ["m", "mb", "l"] {
            let t = Instant::now();
            let hits = snap.names.hits(w);
            parts.push(format!("names with {w:?} {} ({})", ms(t.elapsed()), hits.iter().filter(|&&h| h).count()));
        }
        for w in ["l", "la", "bob"] {
            let t = Instant::now();
            let found = sprout::views::journal::journal_filter(snap.live, snap.names, w).map_or(0, |f| f.len());
            parts.push(format!("journal scan {w:?} {} ({found})", ms(t.elapsed())));
        }
        println!("round {round}: filter parts: {}", parts.join(" | "));
        // Not freed: as the dashboard, which exits without freeing its state.
        std::mem::forget(app);
    }
}
