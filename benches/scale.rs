//! `cargo bench --bench scale`: the figures of docs/performance.md, printed as tables.
//! Sizes from SPROUT_BENCH_SERVERS (default "1000,10000,100000"); events are ten per server.
//! Each key path is the slowest of several runs of update plus one draw at 120x40.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use sprout::app::{Action, App, Tab, Write};
use sprout::live::Source;
use sprout::rules::{FleetView, State};
use sprout::store::{self, Operator};
use sprout::ui::{self, Theme};

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let v = f();
    (v, start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

struct Bench {
    terminal: Terminal<TestBackend>,
    theme: Theme,
}

impl Bench {
    fn draw(&mut self, app: &App) {
        self.terminal.draw(|f| ui::draw(f, app, &self.theme)).expect("draw");
    }

    /// The slowest of `n` runs of `step` plus a draw.
    fn key_path(&mut self, app: &mut App, n: usize, mut step: impl FnMut(&mut App)) -> Duration {
        let mut worst = Duration::ZERO;
        for _ in 0..n {
            let start = Instant::now();
            step(app);
            self.draw(app);
            worst = worst.max(start.elapsed());
        }
        worst
    }
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::from(code));
}

fn main() {
    let sizes: Vec<usize> = std::env::var("SPROUT_BENCH_SERVERS")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().expect("time");
    let mut start_rows = Vec::new();
    let mut key_rows = Vec::new();
    for servers in sizes {
        let events = servers * 10;
        // Beside the build, on the disk the data would be on (not a RAM-backed /tmp).
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("dir");
        for (name, text) in sprout::synthetic::generate(servers, events, now).expect("generate") {
            std::fs::write(data.join(name), text).expect("write");
            // On disk, as a journal in use is: the first fsync must not flush the generator's pages.
            std::fs::File::open(data.join(name)).and_then(|f| f.sync_all()).expect("sync");
        }

        // Loads: without the cache (parse everything, replay, write the cache), then with it.
        let (full, load_full) = time(|| sprout::live::load_dir(&data).expect("load"));
        assert_eq!(full.source, Source::Full);
        let (cached, load_cached) = time(|| sprout::live::load_dir(&data).expect("load"));
        assert_eq!(cached.source, Source::Cache { tail: 0 }, "the second load uses the cache");
        assert_eq!(cached.state, full.state, "the cache restores exactly the replayed state");
        drop(cached);
        let text = std::fs::read_to_string(data.join(store::JOURNAL)).expect("journal");
        let entries = store::journal::parse(&text).expect("parse").entries;
        drop(text);
        let (state, replay) = time(|| State::replay(&full.data, &entries));
        drop(entries);
        let (_, derive) = time(|| FleetView::build(&full.data, &state, Some(0), now));
        drop((full, state));

        // First frame: a load with the cache, the dashboard derived, one frame drawn.
        let op = Operator { name: "bench".into(), from: None };
        let mut b =
            Bench { terminal: Terminal::new(TestBackend::new(120, 40)).expect("terminal"), theme: Theme::new(true) };
        let (mut app, first) = time(|| {
            let app = App::load(sprout::store::FileStore::open(data.clone()), op.clone(), false, now, true, Some(0))
                .expect("app");
            b.draw(&app);
            app
        });
        app.page = ui::body_height(40).saturating_sub(2);
        start_rows.push(format!(
            "| {servers} | {events} | {} | {} | {} | {} | {} |",
            ms(load_full),
            ms(load_cached),
            ms(replay),
            ms(derive),
            ms(first)
        ));

        let moves = b.key_path(&mut app, 50, |a| a.update(Action::Down));
        let pages = b.key_path(&mut app, 20, |a| a.update(Action::PageDown));
        app.update(Action::Filter);
        let mut typed = "mbx".chars().cycle();
        let filter = b.key_path(&mut app, 6, |a| key(a, KeyCode::Char(typed.next().expect("char"))));
        key(&mut app, KeyCode::Esc);
        let mut tab = 0;
        let mut switch = Duration::ZERO;
        let mut views = Vec::new();
        for _ in 0..Tab::ALL.len() * 2 {
            tab = (tab + 1) % Tab::ALL.len();
            let d = b.key_path(&mut app, 1, |a| a.update(Action::Tab(Tab::ALL[tab])));
            switch = switch.max(d);
            views.push((Tab::ALL[tab], d));
        }
        app.update(Action::Tab(Tab::Journal));
        app.update(Action::Filter);
        let mut typed = "lab".chars().cycle();
        let journal_filter = b.key_path(&mut app, 6, |a| key(a, KeyCode::Char(typed.next().expect("char"))));
        key(&mut app, KeyCode::Esc);
        let journal_move = b.key_path(&mut app, 50, |a| a.update(Action::Down));
        app.update(Action::Tab(Tab::Fleet));
        app.update(Action::Down);
        let open = b.key_path(&mut app, 5, |a| {
            a.update(Action::Open);
            a.update(Action::Back);
        });

        // A checkout recorded from the Rollout view: lock, catch up, check, append, fsync, apply,
        // derive, draw. The journal already holds `events` lines.
        // The first write to a directory no sprout has written starts the journal's generation
        // and caches it (once); the figure is the slowest of the writes after it.
        app.update(Action::Tab(Tab::Rollout));
        let check_out = |a: &mut App| {
            a.update(Action::Record(Write::Checkout));
            for _ in 0..4 {
                if a.overlay.is_none() {
                    break;
                }
                key(a, KeyCode::Enter);
            }
        };
        let first_write = b.key_path(&mut app, 1, check_out);
        let checkout = b.key_path(&mut app, 10, check_out);
        let notice = app.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default();
        assert!(notice.starts_with("✓ recorded"), "the checkout was recorded: {notice}");
        key_rows.push(format!(
            "| {servers} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            ms(moves),
            ms(pages),
            ms(filter),
            ms(journal_filter),
            ms(journal_move),
            ms(switch),
            ms(open),
            ms(checkout),
            ms(first_write),
            views
                .iter()
                .take(Tab::ALL.len())
                .map(|(t, d)| format!("{} {}", t.title(), ms(*d)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        // The cache is kept in the user's cache directory, not beside the data: remove it too.
        if let Some(cache) = store::FileStore::new(&data).cache_path() {
            let _ = std::fs::remove_file(cache);
        }
        if let Some(witness) = store::dir::witness::path(&data) {
            let _ = std::fs::remove_file(witness);
        }
    }
    println!("Start-up (ms):\n");
    println!("| servers | events | load, no cache | load, cache | replay | derive | first frame |");
    println!("|---|---|---|---|---|---|---|");
    for r in start_rows {
        println!("{r}");
    }
    println!("\nKeys, update plus draw at 120x40, slowest run (ms):\n");
    println!(
        "| servers | move | page | filter key | journal filter key | journal move | switch tab | open server | durable checkout | first write of a generation | each view |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in key_rows {
        println!("{r}");
    }
}
