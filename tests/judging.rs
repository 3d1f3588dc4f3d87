//! The Journal's filter on a worker: the mark words judge every event off the input path, and
//! the list they give is the one judging on the input thread gives; the screen says it is
//! judging meanwhile, and esc cancels it. A long journal's word filter goes the same way.
mod common;
#[path = "common/signing.rs"]
mod signing;

use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use signing::{World, backup};
use sprout::app::{Action, App, Tab};

use common::{app_on, press};

fn type_filter(a: &mut App, words: &str) {
    a.update(Action::Filter);
    for c in words.chars() {
        press(a, KeyCode::Char(c));
    }
}

/// The journal positions listed, oldest first.
fn listed(a: &App) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..a.journal_len()).filter_map(|n| a.journal_shown(n)).collect();
    shown.reverse();
    shown
}

/// What judging on the input thread lists for `filter` (the dashboard's way before the worker).
fn judged_here(a: &App, filter: &str) -> Vec<usize> {
    let snap = a.snapshot();
    match sprout::views::journal::matches_now(&snap, filter) {
        Some(m) => m.into_iter().map(|p| p as usize).collect(),
        None => (0..a.live.data.journal.len()).collect(),
    }
}

fn title(a: &mut App) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 24)).expect("terminal");
    terminal.draw(|f| sprout::ui::draw(f, a, &sprout::ui::Theme::new(true))).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    (0..24)
        .map(|y| (0..100).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>())
        .find(|l| l.contains("Journal:"))
        .expect("the journal's title")
}

/// Signed, unsigned and failing events beside the sample's own.
fn world() -> World {
    let w = World::new();
    w.agent.add(&w.keys[1].0);
    w.record("bob", "tape B-1").expect("bob signs");
    w.record("alice", "tape A-1").expect("written unsigned");
    w.append_signed("bob", &w.keys[0], backup("signed with alice's key"));
    w.record("bob", "tape B-2").expect("bob signs");
    w
}

#[test]
fn the_mark_filter_judged_on_the_worker_lists_what_judging_here_lists() {
    let w = world();
    let mut a = app_on(w.s.path());
    a.update(Action::Tab(Tab::Journal));
    for filter in ["unsigned", "failed", "unproven", "unproven backup", "failed bob", "backup unsigned alice"] {
        type_filter(&mut a, filter);
        press(&mut a, KeyCode::Enter);
        assert!(a.filter_pending(), "{filter}: judged on the worker");
        assert_eq!(a.filter_wait(), Some(Duration::from_millis(50)), "{filter}: looked for less often");
        assert!(title(&mut a).contains("judging signatures"), "{filter}: the screen says it judges");
        assert!(a.settle_filter(Duration::from_secs(30)), "{filter}: the worker finishes");
        let expected = judged_here(&a, filter);
        assert_eq!(listed(&a), expected, "{filter}");
        assert!(title(&mut a).contains(&format!("Journal: {} of", expected.len())), "{filter}");
        press(&mut a, KeyCode::Esc);
    }
    // The filters mean something: each finds some events and not all.
    let all = a.live.data.journal.len();
    for filter in ["unsigned", "failed", "unproven"] {
        let n = judged_here(&a, filter).len();
        assert!(n > 0 && n < all, "{filter}: {n} of {all}");
    }
}

#[test]
fn esc_cancels_the_judging_and_its_result_is_never_taken() {
    let w = world();
    let mut a = app_on(w.s.path());
    a.update(Action::Tab(Tab::Journal));
    let all = listed(&a);
    type_filter(&mut a, "unproven");
    assert!(a.filter_pending());
    press(&mut a, KeyCode::Esc);
    assert!(!a.filter_pending(), "esc cancels the judging");
    assert_eq!(listed(&a), all, "every event listed again");
    std::thread::sleep(Duration::from_millis(200));
    assert!(!a.take_filtered(), "what the worker found is not taken");
    assert_eq!(listed(&a), all);
    assert!(title(&mut a).contains(&format!("Journal: {} of {}", all.len(), all.len())));
    // After enter too: esc on the view clears the filter and cancels.
    type_filter(&mut a, "failed");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Esc);
    assert!(!a.filter_pending());
    assert_eq!(listed(&a), all);
}

/// Two dashboards on the Journal of `s`: one whose filter goes to the worker at any length,
/// one that matches on the input thread.
fn on_the_journal(s: &common::Sample) -> (App, App) {
    let mut a = app_on(s.path());
    let mut here = app_on(s.path());
    a.panes.journal.on_worker = 0;
    for app in [&mut a, &mut here] {
        app.update(Action::Tab(Tab::Journal));
    }
    (a, here)
}

#[test]
fn a_long_journals_word_filter_is_matched_on_the_worker_as_it_would_be_here() {
    let s = common::Sample::new();
    let (mut a, mut here) = on_the_journal(&s);
    for app in [&mut a, &mut here] {
        type_filter(app, "checkout bos");
    }
    assert!(a.filter_pending() && !here.filter_pending(), "only the long journal's goes to the worker");
    assert!(a.settle_filter(Duration::from_secs(30)));
    assert!(!listed(&here).is_empty() && listed(&here).len() < here.live.data.journal.len());
    assert_eq!(listed(&a), listed(&here));
    // A filter typed on while the worker matches: only the last is taken.
    press(&mut a, KeyCode::Char('-'));
    press(&mut a, KeyCode::Char('i'));
    press(&mut here, KeyCode::Char('-'));
    press(&mut here, KeyCode::Char('i'));
    assert!(a.settle_filter(Duration::from_secs(30)));
    assert_eq!(listed(&a), listed(&here));
    assert_eq!(a.panes.journal.filter, "checkout bos-i");
}

/// The first key typed after `/` comes while the events' lists are being built: its worker
/// reads the index meanwhile and lists what matching here lists, and so do the lists once
/// built.
#[test]
fn a_filter_typed_while_the_journals_lists_are_built_lists_what_matching_here_lists() {
    let s = common::Sample::new();
    let (mut a, mut here) = on_the_journal(&s);
    for app in [&mut a, &mut here] {
        app.update(Action::Filter);
    }
    assert!(a.filter_ahead(), "the lists are built once the filter is open");
    for c in "bos".chars() {
        press(&mut a, KeyCode::Char(c));
        press(&mut here, KeyCode::Char(c));
        assert!(a.settle_filter(Duration::from_secs(30)));
        assert_eq!(listed(&a), listed(&here), "after {c:?}");
    }
    assert!(a.settle_filter_ahead(Duration::from_secs(30)) && !a.filter_ahead(), "built once");
    press(&mut a, KeyCode::Char('-'));
    press(&mut here, KeyCode::Char('-'));
    assert!(a.settle_filter(Duration::from_secs(30)));
    assert!(!listed(&here).is_empty() && listed(&here).len() < here.live.data.journal.len());
    assert_eq!(listed(&a), listed(&here), "from the lists built");
}

#[test]
fn a_large_fleets_filter_is_matched_on_the_worker_as_it_would_be_here() {
    let s = common::Sample::new();
    let mut a = app_on(s.path());
    let mut here = app_on(s.path());
    a.panes.fleet.on_worker = 0;
    // The worker rings the terminal loop when its lines are ready, once per filter matched.
    let rung = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ring = std::sync::Arc::clone(&rung);
    a.set_doorbell(sprout::views::Doorbell::new(move || {
        ring.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }));
    for (n, words) in ["bos", "bos mailbox", "behind>=1 bos"].into_iter().enumerate() {
        for app in [&mut a, &mut here] {
            type_filter(app, words);
        }
        assert!(a.filter_pending() && !here.filter_pending(), "{words}: only the large fleet's on the worker");
        assert!(a.filter_wait().is_some(), "{words}: looked at while under way");
        assert_eq!(here.filter_wait(), None);
        assert!(a.settle_filter(Duration::from_secs(30)));
        let rings = rung.load(std::sync::atomic::Ordering::SeqCst);
        assert!(rings > n, "{words}: the worker rang ({rings} rings after {} filters)", n + 1);
        assert_eq!(a.panes.fleet.lines, here.panes.fleet.lines, "{words}");
        assert_eq!(
            a.panes.fleet.scroll.cursor, here.panes.fleet.scroll.cursor,
            "{words}: the same server under the cursor"
        );
        assert_eq!(a.panes.fleet.matched, here.panes.fleet.matched, "{words}");
        assert!(here.panes.fleet.matched > 0 && here.panes.fleet.matched < here.live.state.servers.len(), "{words}");
        for app in [&mut a, &mut here] {
            press(app, KeyCode::Esc);
        }
        assert!(!a.filter_pending(), "esc clears the filter");
        assert_eq!(a.panes.fleet.lines, here.panes.fleet.lines, "{words}: every server again");
    }
    // Typed on and sorted while the worker matches: what shows is the last text, in the new order.
    type_filter(&mut a, "bos");
    a.update(Action::SortNext);
    assert!(!a.filter_pending(), "the sort applied the filter itself");
    type_filter(&mut here, "bos");
    here.update(Action::SortNext);
    assert_eq!(a.panes.fleet.lines, here.panes.fleet.lines);
}

/// Typing on narrows the list: each keystroke looks only at the events the last list held (and
/// any recorded since), and lists exactly what matching the whole journal lists, on the input
/// thread and on the worker, through a backspace, a second word and another operator's write.
#[test]
fn a_narrowing_filter_lists_what_matching_the_whole_journal_lists() {
    let s = common::Sample::new();
    for on_worker in [usize::MAX, 0] {
        let mut a = app_on(s.path());
        a.panes.journal.on_worker = on_worker;
        a.update(Action::Tab(Tab::Journal));
        a.update(Action::Filter);
        let mut typed = String::new();
        let mut step = |a: &mut App, code: KeyCode| {
            press(a, code);
            assert!(a.settle_filter(Duration::from_secs(30)));
            match code {
                KeyCode::Backspace => drop(typed.pop()),
                KeyCode::Char(c) => typed.push(c),
                _ => {}
            }
            assert_eq!(a.panes.journal.filter, typed);
            assert_eq!(listed(a), judged_here(a, &typed), "the list for {typed:?} (on_worker {on_worker})");
        };
        for c in "chec".chars() {
            step(&mut a, KeyCode::Char(c));
        }
        let narrowed = listed(&a).len();
        // Another operator's checkout of BOS-IMS01 lands while the filter is set: it is listed.
        common::record_as(&s, "bob", common::NOW, common::ims01_pass()).expect("bob's checkout");
        assert!(a.watch());
        assert!(a.settle_filter(Duration::from_secs(30)));
        assert_eq!(listed(&a).len(), narrowed + 1, "the new checkout is listed");
        for code in [KeyCode::Char('k'), KeyCode::Char(' '), KeyCode::Char('i'), KeyCode::Char('m')] {
            step(&mut a, code);
        }
        assert!(!listed(&a).is_empty() && listed(&a).len() < narrowed, "a second word narrows");
        for code in [KeyCode::Backspace, KeyCode::Backspace, KeyCode::Backspace, KeyCode::Char('x')] {
            step(&mut a, code);
        }
    }
}
