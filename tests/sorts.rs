//! The fleet's sort orders sorted ahead on a worker: a sort key that takes one shows exactly
//! the lines a sort on the input thread shows (ties included), after a write and after the
//! minute tick too, and an order sorted from rows that changed since is never taken.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{NOW, Sample};
use sprout::app::clock::Clock;
use sprout::app::{Action, App, Column, Line};
use sprout::store::Operator;

fn open(s: &Sample, at: DateTime<Utc>) -> App {
    let op = Operator { name: "tester".into(), from: None };
    App::load(sprout::store::FileStore::open(s.path()), op, false, at, true, Some(0)).expect("load sample")
}

/// The lines after each sort key: every column, both ways (o, then O twice).
type Sorted = Vec<(Column, bool, Vec<Line>)>;

fn every_sort(a: &mut App) -> Sorted {
    let mut seen = Vec::new();
    let note = |a: &App| (a.panes.fleet.sort, a.panes.fleet.descending, a.panes.fleet.lines.clone());
    for _ in Column::ALL {
        a.update(Action::SortNext);
        seen.push(note(a));
        for _ in 0..2 {
            a.update(Action::SortReverse);
            seen.push(note(a));
        }
    }
    seen
}

/// Run the sorting worker for the rows shown now and wait for it.
fn sorted_ahead(a: &mut App) {
    let worker = a.sort_ahead().expect("a worker starts for rows not sorted ahead");
    worker.join().expect("the sorting worker finishes");
    assert!(a.panes.fleet.orders_ready(), "every order is ready for the rows shown");
    assert!(a.sort_ahead().is_none(), "and not sorted again for the same rows");
}

/// Every sort of `a` takes an order sorted ahead, and shows what sorting here shows in `fresh`.
fn assert_taken_and_same(a: &mut App, fresh: &mut App, when: &str) {
    let taken = a.panes.fleet.sorts_taken;
    let ahead = every_sort(a);
    assert_eq!(a.panes.fleet.sorts_taken - taken, ahead.len(), "{when}: every sort key took a ready order");
    let here = every_sort(fresh);
    assert_eq!(fresh.panes.fleet.sorts_taken, 0, "{when}: the fresh dashboard sorted on the input thread");
    for (a, f) in ahead.iter().zip(&here) {
        assert_eq!(a, f, "{when}: by {:?}, descending {}", a.0, a.1);
    }
}

fn by(sorted: &Sorted, column: Column, descending: bool) -> &[Line] {
    sorted.iter().find(|s| s.0 == column && s.1 == descending).map(|s| s.2.as_slice()).expect("sorted")
}

#[test]
fn a_ready_order_shows_the_lines_a_sort_on_the_input_thread_shows() {
    let s = Sample::new();
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let mut a = open(&s, now);
    sorted_ahead(&mut a);
    assert_taken_and_same(&mut a, &mut open(&s, now), "at start");
    // The sorts mean something: the soak and checkout orders are not the name order.
    let sorted = every_sort(&mut open(&s, now));
    assert_ne!(by(&sorted, Column::Soak, true), by(&sorted, Column::Server, false));
    assert_ne!(by(&sorted, Column::Checkout, false), by(&sorted, Column::Checkout, true));
}

#[test]
fn an_order_sorted_before_a_write_is_never_taken_after_it() {
    let s = Sample::new();
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let mut a = open(&s, now);
    sorted_ahead(&mut a);
    let before = every_sort(&mut open(&s, now));
    let checkout = common::ims01_pass();
    common::record_as(&s, "mfinger", NOW, checkout).expect("recorded by another operator");
    assert!(a.watch(), "the dashboard reads the write");
    assert!(!a.panes.fleet.orders_ready(), "the orders are of the rows before the write");
    // Sorted on the input thread until the worker has sorted the new rows; but by site, which
    // reads no row: that order holds for the fleet (three presses of the site column).
    let taken = a.panes.fleet.sorts_taken;
    let stale = every_sort(&mut a);
    assert_eq!(a.panes.fleet.sorts_taken, taken + 3, "no order of the rows before the write was taken, but by site");
    let fresh = every_sort(&mut open(&s, now));
    assert_eq!(stale, fresh, "after the write, sorted on the input thread");
    assert_ne!(
        by(&fresh, Column::Checkout, true),
        by(&before, Column::Checkout, true),
        "the write moved a server in the last checkout's order"
    );
    sorted_ahead(&mut a);
    assert_taken_and_same(&mut a, &mut open(&s, now), "after the write, sorted ahead");
}

#[test]
fn after_the_minute_tick_a_ready_order_is_of_the_ticked_rows() {
    let s = Sample::new();
    let mut a = open(&s, NOW.parse().expect("time"));
    a.pinned = false;
    sorted_ahead(&mut a);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut clock = Clock::new(move || {
        let _ = tx.send(());
    });
    // Later the same day (soaks cross a day's mark), then the next date (everything derived).
    for later in ["2000-11-24T23:59:00Z", "2000-11-25T09:30:00Z"] {
        let at: DateTime<Utc> = later.parse().expect("time");
        clock.start(&mut a, at);
        rx.recv_timeout(Duration::from_secs(30)).expect("the clock's worker finishes");
        assert!(clock.poll(&mut a), "the minute is taken in");
        assert!(!a.panes.fleet.orders_ready(), "the orders are of the rows before the tick");
        sorted_ahead(&mut a);
        assert_taken_and_same(&mut a, &mut open(&s, at), &format!("after the tick to {at}"));
    }
}
