//! The minute tick derived on the clock's worker: keys go on while it runs, and what it takes
//! in is what a dashboard started at that minute shows, even when the data changed meanwhile.
//! The same for the hidden Agenda and Plan, derived ahead.

mod common;

use std::sync::mpsc::Receiver;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{NOW, Sample};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprout::app::ahead::STILL;
use sprout::app::clock::Clock;
use sprout::app::{Action, App, Column, Tab};
use sprout::model::Event;
use sprout::store::Operator;

fn open(s: &Sample, at: DateTime<Utc>) -> App {
    let op = Operator { name: "tester".into(), from: None };
    App::load(sprout::store::FileStore::open(s.path()), op, false, at, true, Some(0)).expect("load sample")
}

/// A clock whose worker says on `rx` when it is done.
fn clock() -> (Clock, Receiver<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    (
        Clock::new(move || {
            let _ = tx.send(());
        }),
        rx,
    )
}

/// Wait for the worker, then take its result in.
fn settle(clock: &mut Clock, rx: &Receiver<()>, app: &mut App) -> bool {
    rx.recv_timeout(Duration::from_secs(30)).expect("the clock's worker finishes");
    clock.poll(app)
}

fn sorted_by_soak(app: &mut App) {
    while app.panes.fleet.sort != Column::Soak {
        app.update(Action::SortNext);
    }
}

/// What a dashboard started at `at` shows, sorted by soak.
fn assert_fresh(s: &Sample, a: &App, at: DateTime<Utc>) {
    let mut fresh = open(s, at);
    sorted_by_soak(&mut fresh);
    assert_eq!(a.now, at, "the dashboard's clock is the new minute");
    assert!(a.view == fresh.view, "the derived rows at {at}");
    assert_eq!(a.panes.fleet.lines, fresh.panes.fleet.lines, "the fleet's lines at {at}");
    assert_eq!(a.current_members(), fresh.current_members(), "the phase's members at {at}");
}

#[test]
fn the_worker_derives_the_minute_while_keys_go_on_and_takes_in_a_fresh_starts_lines() {
    let s = Sample::new();
    let mut a = open(&s, NOW.parse().expect("time"));
    a.pinned = false;
    sorted_by_soak(&mut a);
    let (mut clock, rx) = clock();
    // Later the same day (soaks cross a day's mark), then the next date (everything derived).
    for later in ["2000-11-24T23:59:00Z", "2000-11-25T09:30:00Z"] {
        let at: DateTime<Utc> = later.parse().expect("time");
        let before = a.now;
        clock.start(&mut a, at);
        assert!(clock.busy(), "derived on the worker");
        assert_eq!(a.now, before, "nothing changes until the worker is done");
        a.handle_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
        assert!(settle(&mut clock, &rx, &mut a), "the minute is taken in");
        assert!(!clock.busy());
        assert_fresh(&s, &a, at);
    }
}

#[test]
fn a_minute_derived_from_data_that_changed_meanwhile_is_derived_again() {
    let s = Sample::new();
    let mut a = open(&s, NOW.parse().expect("time"));
    a.pinned = false;
    sorted_by_soak(&mut a);
    let (mut clock, rx) = clock();
    let at: DateTime<Utc> = "2000-11-24T23:59:00Z".parse().expect("time");
    clock.start(&mut a, at);
    let checkout = common::ims01_pass();
    common::record_as(&s, "mfinger", NOW, checkout).expect("recorded by another operator");
    assert!(a.watch(), "the dashboard reads the write while the worker runs");
    assert!(!settle(&mut clock, &rx, &mut a), "the result of the old state is dropped");
    assert!(clock.busy(), "and derived again from the state now");
    assert!(settle(&mut clock, &rx, &mut a));
    assert_fresh(&s, &a, at);
}

#[test]
fn a_pinned_clock_never_moves() {
    let s = Sample::new();
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let mut a = open(&s, now);
    let (mut clock, _rx) = clock();
    clock.start(&mut a, "2000-11-25T09:30:00Z".parse().expect("time"));
    assert!(!clock.busy());
    assert!(!clock.poll(&mut a));
    assert_eq!(a.now, now);
}

fn overdue_checkout_passed(s: &Sample) {
    let checkout = common::ims01_pass();
    common::record_as(s, "mfinger", NOW, checkout).expect("recorded by another operator");
}

/// Derive ahead once the data has been still, and wait for the worker.
fn derived_ahead(a: &mut App) {
    let t = std::time::Instant::now();
    assert!(!a.derive_ahead(t), "not before the data has been still");
    assert!(!a.derive_ahead(t + STILL / 2));
    assert!(a.derive_ahead(t + STILL), "the hidden views are derived ahead");
    assert!(!a.derive_ahead(t + STILL * 2), "once for the same state");
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while !a.ahead_ready() {
        assert!(std::time::Instant::now() < until, "the worker finishes");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The Risk grid, the Agenda and the Plan as a dashboard started now shows them.
fn assert_agenda_and_plan_fresh(s: &Sample, a: &mut App) {
    let mut fresh = open(s, NOW.parse().expect("time"));
    for tab in [Tab::Risk, Tab::Agenda, Tab::Plan] {
        a.update(Action::Tab(tab));
        fresh.update(Action::Tab(tab));
    }
    assert_eq!(a.panes.agenda.items, fresh.panes.agenda.items, "the agenda");
    assert_eq!(a.panes.agenda.rows, fresh.panes.agenda.rows, "the agenda's lines");
    assert!(a.panes.plan.forecast == fresh.panes.plan.forecast, "the plan");
    assert_eq!(a.panes.risk.counts, fresh.panes.risk.counts, "the risk grid");
    assert!(a.panes.risk.counts.iter().flatten().sum::<usize>() > 0, "a grid with servers in it");
    a.update(Action::Tab(Tab::Fleet));
}

#[test]
fn the_hidden_agenda_and_plan_derived_ahead_are_taken_only_for_the_state_shown() {
    let s = Sample::new();
    let mut a = open(&s, NOW.parse().expect("time"));
    derived_ahead(&mut a);
    assert_agenda_and_plan_fresh(&s, &mut a);
    // A write makes them out of date again: derived ahead, then the data changes once more
    // before they are shown. What the worker derived is of the state before: derived on show.
    common::record_as(&s, "mfinger", NOW, Event::Backup { server: "BOS-PF01".into(), note: "tape".into() })
        .expect("a write");
    assert!(a.watch());
    derived_ahead(&mut a);
    let mut before = open(&s, NOW.parse().expect("time"));
    before.update(Action::Tab(Tab::Agenda));
    overdue_checkout_passed(&s);
    assert!(a.watch());
    assert!(!a.ahead_ready(), "what was derived ahead is of the state before");
    assert_agenda_and_plan_fresh(&s, &mut a);
    assert_ne!(a.panes.agenda.items, before.panes.agenda.items, "the passed checkout changed the agenda");
}
