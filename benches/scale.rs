//! `cargo bench --bench scale`: the figures of docs/performance.md, printed as a table.
//! Sizes from SPROUT_BENCH_SERVERS (default "1000,10000,100000"); events are ten per server.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use sprout::app::{Action, App, Tab};
use sprout::model::Event;
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

/// The slowest of `n` runs of a key path (update plus one draw at 120x40).
fn key_path(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    theme: &Theme,
    n: usize,
    mut step: impl FnMut(&mut App),
) -> Duration {
    let mut worst = Duration::ZERO;
    for _ in 0..n {
        let (_, d) = time(|| {
            step(app);
            terminal.draw(|f| ui::draw(f, app, theme)).expect("draw");
        });
        worst = worst.max(d);
    }
    worst
}

fn main() {
    let sizes: Vec<usize> = std::env::var("SPROUT_BENCH_SERVERS")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().expect("time");
    let theme = Theme::new(true);
    println!(
        "| servers | events | load ms | replay ms | derive ms | first frame ms | move ms | page ms | filter key ms | switch tab ms | open server ms | durable checkout ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for servers in sizes {
        let events = servers * 10;
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("dir");
        for (name, text) in sprout::synthetic::generate(servers, events, now).expect("generate") {
            std::fs::write(data.join(name), text).expect("write");
        }
        let (loaded, load) = time(|| store::load(&data).expect("load"));
        let (state, replay) = time(|| State::replay(&loaded.data, &[]));
        let (_, derive) = time(|| FleetView::build(&loaded.data, &state, Some(0), now));
        drop((loaded, state));
        let op = Operator { name: "bench".into(), from: None };
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        let (mut app, first) = time(|| {
            let mut app = App::load(data.clone(), op.clone(), false, now, true, Some(0)).expect("app");
            app.page = ui::body_height(40).saturating_sub(2);
            terminal.draw(|f| ui::draw(f, &app, &theme)).expect("draw");
            app
        });
        let moves = key_path(&mut app, &mut terminal, &theme, 50, |a| a.update(Action::Down));
        let pages = key_path(&mut app, &mut terminal, &theme, 20, |a| a.update(Action::PageDown));
        app.update(Action::Filter);
        let filter = key_path(&mut app, &mut terminal, &theme, 5, |a| a.handle_key(KeyEvent::from(KeyCode::Char('m'))));
        app.handle_key(KeyEvent::from(KeyCode::Esc));
        let mut tab = 0;
        let switch = key_path(&mut app, &mut terminal, &theme, 10, |a| {
            tab = (tab + 1) % Tab::ALL.len();
            a.update(Action::Tab(Tab::ALL[tab]));
        });
        app.update(Action::Tab(Tab::Fleet));
        app.update(Action::Down);
        let open = key_path(&mut app, &mut terminal, &theme, 5, |a| {
            a.update(Action::Open);
            a.update(Action::Back);
        });
        let server =
            app.live.state.servers.iter().find(|s| s.name.starts_with("LAB-IMS")).map(|s| s.name.clone()).expect("lab");
        let (_, append) = time(|| {
            let event = Event::Checkout {
                rollout: "ex55-sp4".into(),
                server: server.clone(),
                phase: "Lab".into(),
                result: sprout::model::CheckoutResult::Pass,
                note: "bench".into(),
            };
            store::record(&data, &op, now, Default::default(), move |_, _, _| Ok(event), |_| {}).expect("record");
        });
        println!(
            "| {servers} | {events} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            ms(load),
            ms(replay),
            ms(derive),
            ms(first),
            ms(moves),
            ms(pages),
            ms(filter),
            ms(switch),
            ms(open),
            ms(append)
        );
    }
}
