//! What a new operator found on the dashboard at 80x24 with signed events, each fixed: the help
//! scrolls back after `G`, the marks' legend, a cut notice says where it shows whole, the
//! Journal's own filter words (marks among them), the Server view's levels, the header's count
//! of failing signatures.
mod common;
#[path = "common/signing.rs"]
mod signing;

use ratatui::crossterm::event::KeyCode;
use signing::{World, backup};
use sprout::app::{App, Tab};
use sprout::model::Event;

use common::{app_on, press};

/// The dashboard at 80x24, as a terminal shows it.
fn screen(app: &mut App) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
    app.page = sprout::ui::body_height(24).saturating_sub(2);
    terminal.draw(|f| sprout::ui::draw(f, app, &sprout::ui::Theme::new(true))).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    (0..24).map(|y| (0..80).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}

fn checkout(server: &str) -> Event {
    Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: server.into(),
        phase: "Local low impact".into(),
        result: sprout::model::CheckoutResult::Pass,
        note: "queues normal".into(),
    }
}

#[test]
fn the_help_scrolls_back_up_after_g() {
    let s = common::Sample::new();
    let mut a = app_on(s.path());
    a.update(sprout::app::Action::Tab(Tab::Rollout));
    press(&mut a, KeyCode::Char('?'));
    press(&mut a, KeyCode::Char('G'));
    let bottom = screen(&mut a);
    assert!(bottom.contains("above"), "the help is longer than 24 rows: {bottom}");
    press(&mut a, KeyCode::Char('k'));
    let one_up = screen(&mut a);
    assert_ne!(one_up, bottom, "one k after G moves at once: {one_up}");
    for _ in 0..3 {
        press(&mut a, KeyCode::PageUp);
        screen(&mut a);
    }
    let top = screen(&mut a);
    assert!(!top.contains("above") && top.contains("Keys on the Rollout view"), "PgUp reaches the top: {top}");
}

#[test]
fn a_gates_second_mark_and_its_events_read_plainly_and_the_legend_says_them() {
    let w = World::new();
    let before = w.run(&["frame", "--view", "rollout", "--width", "80", "--height", "24"]).stdout;
    assert!(before.contains("! due day 11/14"), "a day, not a date: {before}");
    let first = w.record_event("alice", checkout("BOS-IMS01")).expect("written unsigned").entry.seq;
    w.record_event("bob", checkout("BOS-BH01")).expect("written unsigned");
    let frame = w.run(&["frame", "--view", "rollout", "--width", "80", "--height", "24"]);
    assert!(frame.ok, "{}", frame.stderr);
    let row = frame.stdout.lines().find(|r| r.contains("Pass checkout")).expect("the gate's row");
    assert!(row.contains(&format!("rests on #{first} and 1 more")) && !row.contains(" +1"), "{}", frame.stdout);

    let mut a = app_on(w.s.path());
    a.update(sprout::app::Action::Tab(Tab::Rollout));
    press(&mut a, KeyCode::Char('?'));
    press(&mut a, KeyCode::Char('G'));
    let legend = screen(&mut a);
    assert!(legend.contains("✓ ? ✗ ✗") && legend.contains("a gate's second mark"), "{legend}");
    assert!(legend.contains("k more  rests on #n and k more"), "{legend}");
}

#[test]
fn a_cut_notice_says_where_it_shows_whole_and_messages_wrap_between_words() {
    let s = common::Sample::new();
    let mut a = app_on(s.path());
    let refusal = "✗ refused: signing failed: no key of yours is in your ssh-agent here; forward \
                   your agent (`ssh -A`) or name a key file in SPROUT_SIGNING_KEY and try again";
    press(&mut a, KeyCode::Char('j'));
    press(&mut a, KeyCode::Char('c'));
    a.say(false, refusal);
    let form = screen(&mut a);
    let notice = form.lines().nth(22).expect("the notice line");
    assert!(notice.trim_end().ends_with("… (esc, m: whole)"), "{form}");
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('m'));
    let messages = screen(&mut a);
    assert!(messages.contains("(`ssh -A`)"), "the code span is not split: {messages}");
    for line in messages.lines().filter(|l| l.starts_with('│')) {
        let inner = line.trim_start_matches('│');
        assert!(!inner.starts_with("       "), "no indent past the time's: {messages}");
    }
}

#[test]
fn the_journal_filters_by_mark_and_says_its_words() {
    let w = World::new();
    w.agent.add(&w.keys[1].0);
    let signed = w.record("bob", "tape B-1").expect("bob signs").entry.seq;
    let unsigned = w.record("alice", "tape A-1").expect("written unsigned").entry.seq;
    let failed = w.append_signed("bob", &w.keys[0], backup("signed with alice's key")).seq;
    let mut a = app_on(w.s.path());
    a.update(sprout::app::Action::Tab(Tab::Journal));
    let filtered = |a: &mut App, words: &str| {
        a.update(sprout::app::Action::Filter);
        for c in words.chars() {
            press(a, KeyCode::Char(c));
        }
        press(a, KeyCode::Enter);
        // The marks are judged on a worker.
        assert!(a.settle_filter(std::time::Duration::from_secs(30)), "the marks are judged");
        let text = screen(a);
        press(a, KeyCode::Esc);
        text
    };
    let row = |seq: u64| format!("#{seq} ");
    let text = filtered(&mut a, "failed");
    assert!(text.contains(&row(failed)) && !text.contains(&row(unsigned)), "{text}");
    let text = filtered(&mut a, "unsigned");
    assert!(text.contains(&row(unsigned)) && !text.contains(&row(failed)), "{text}");
    let text = filtered(&mut a, "unproven backup");
    assert!(text.contains(&row(unsigned)) && text.contains(&row(failed)) && !text.contains(&row(signed)), "{text}");
    let text = filtered(&mut a, "nosuchword");
    assert!(text.contains("none match: words are operators, kinds, servers, unsigned"), "{text}");
    press(&mut a, KeyCode::Char('?'));
    let help = screen(&mut a);
    assert!(help.contains("/checkout BOS-IMS01") && !help.contains("/behind>=2"), "{help}");
}

#[test]
fn the_server_view_says_what_set_a_level_plainly_and_its_legend_the_tick() {
    let w = World::new();
    let install = Event::Install { server: "BOS-NEWS01".into(), product: "ex55".into(), level: 4, verified: None };
    // Written in alice's name with bob's key, past the rules (as by hand): its signature fails.
    let seq = w.append_signed("alice", &w.keys[1], install).seq;
    let mut a = app_on(w.s.path());
    a.selected = a.live.state.server_index("BOS-NEWS01");
    a.update(sprout::app::Action::Tab(Tab::Server));
    let text = screen(&mut a);
    let level = text.lines().find(|l| l.contains("SP4 of SP4")).expect("the level's line");
    assert!(level.contains(&format!("SP4 of SP4  current (set by #{seq}: ✗ signature fails)")), "one line: {text}");
    press(&mut a, KeyCode::Char('?'));
    press(&mut a, KeyCode::Char('G'));
    let help = screen(&mut a);
    assert!(help.contains("on a history line: signed"), "{help}");
}

#[test]
fn the_header_counts_failing_signatures_judged_on_the_worker() {
    let w = World::new();
    w.agent.add(&w.keys[1].0);
    w.record("bob", "tape B-1").expect("bob signs");
    w.append_signed("bob", &w.keys[0], backup("signed with alice's key"));
    w.append_signed("bob", &w.keys[0], backup("again"));
    let store: std::sync::Arc<dyn sprout::store::Store> = sprout::store::FileStore::open(w.s.path());
    let mut a = app_on(w.s.path());
    assert!(!screen(&mut a).contains("signatures fail"), "not judged yet: nothing said");
    a.failing = sprout::live::checker::failing(&store);
    let header = screen(&mut a);
    assert!(header.lines().next().is_some_and(|h| h.contains("✗ 2 signatures fail")), "{header}");
}
