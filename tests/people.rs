//! Presence and following without a terminal: what a dashboard announces, whom it lists, and
//! how a follower mirrors the driver (view, server, filter, the agenda's row); any key of its
//! own stops following.

mod common;

use chrono::{DateTime, Utc};
use common::{NOW, Sample};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprout::app::{Action, App, Tab};
use sprout::store::{Operator, Presence};

fn app(s: &Sample, name: &str) -> App {
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let op = Operator { name: name.into(), from: Some("ssh 10.0.0.7".into()) };
    let mut app = App::load(sprout::store::FileStore::open(s.path()), op, false, now, true, Some(0)).expect("load");
    app.session = Some(format!("{name}-session"));
    app
}

fn key(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
}

#[test]
fn a_follower_mirrors_the_presenter_and_stops_on_a_key_of_its_own() {
    let s = Sample::new();
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let mut driver = app(&s, "mtracy");
    let mut follower = app(&s, "jsmith");
    key(&mut driver, 'P');
    let people = |d: &App, f: &App| -> Vec<Presence> {
        vec![d.presence("mtracy-session", now), f.presence("jsmith-session", now)]
    };
    follower.set_people(people(&driver, &follower));
    assert!(follower.notice.as_ref().is_some_and(|n| n.text.contains("mtracy is presenting: press f")));
    key(&mut follower, 'f');
    assert_eq!(follower.following.as_deref(), Some("mtracy"));

    // The driver opens a server, then steps through the agenda: the follower goes along.
    driver.command("server MSP-BH01");
    follower.set_people(people(&driver, &follower));
    assert_eq!((follower.tab, follower.selected), (Tab::Server, follower.live.state.server_index("MSP-BH01")));
    driver.update(Action::Tab(Tab::Agenda));
    for _ in 0..4 {
        driver.update(Action::Down);
    }
    follower.set_people(people(&driver, &follower));
    assert_eq!(follower.tab, Tab::Agenda);
    assert_eq!(follower.panes.agenda.scroll.cursor, driver.panes.agenda.scroll.cursor);
    assert_eq!(follower.target_server(), driver.target_server(), "the same item, so the same server");
    // A filter too.
    driver.update(Action::Tab(Tab::Fleet));
    driver.update(Action::Filter);
    for c in "overdue".chars() {
        key(&mut driver, c);
    }
    follower.set_people(people(&driver, &follower));
    assert_eq!(follower.panes.fleet.filter, "overdue");

    // Help does not stop following; a key of one's own does, and f follows again.
    key(&mut follower, '?');
    follower.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(follower.following.as_deref(), Some("mtracy"));
    key(&mut follower, '3');
    assert_eq!((follower.following.as_deref(), follower.tab), (None, Tab::Rollout));
    key(&mut follower, 'f');
    assert_eq!((follower.following.as_deref(), follower.tab), (Some("mtracy"), Tab::Fleet));

    // The driver leaves: the follower says so and stops.
    follower.set_people(vec![follower.presence("jsmith-session", now)]);
    assert_eq!(follower.following, None);
    assert!(follower.notice.as_ref().is_some_and(|n| n.text.contains("mtracy is no longer here")));
}

#[test]
fn presence_says_who_from_where_and_what_and_never_touches_the_journal() {
    let s = Sample::new();
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let mut a = app(&s, "jsmith");
    a.command("server BOS-IMS01");
    let journal = std::fs::read(s.file("journal.ron")).expect("journal");
    let p = a.presence("jsmith-session", now);
    assert_eq!((p.operator.as_str(), p.from.as_deref()), ("jsmith", Some("ssh 10.0.0.7")));
    assert_eq!(p.looking_at, "Server BOS-IMS01");
    assert_eq!(p.look.server.as_deref(), Some("BOS-IMS01"));
    a.live.store.announce(&p).expect("announce");
    let here = a.live.store.present(now);
    assert_eq!(here.len(), 1);
    // The test runs as root, whose files keep their claim; another account's would not.
    assert_eq!(here[0].looking_at, "Server BOS-IMS01");
    assert_eq!(std::fs::read(s.file("journal.ron")).expect("journal"), journal, "presence is not data");
    a.live.store.withdraw("jsmith-session");
    assert!(a.live.store.present(now).is_empty());
}

#[test]
fn the_driver_starts_and_ends_a_meeting_and_its_dashboard_minutes_who_comes_and_goes() {
    let s = Sample::new();
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let mut driver = app(&s, "mtracy");
    let watcher = app(&s, "jsmith");
    let store = driver.live.store.clone();
    store.announce(&driver.presence("mtracy-session", now)).expect("announce");
    store.announce(&watcher.presence("jsmith-session", now)).expect("announce");
    key(&mut driver, 'M');
    let Some(sprout::app::Overlay::Form(form)) = &driver.overlay else {
        panic!("the meeting form: {:?}", driver.notice)
    };
    assert!(form.context[0].contains("jsmith") && form.context[0].contains("mtracy"), "{:?}", form.context);
    for c in "Weekly review".chars() {
        key(&mut driver, c);
    }
    driver.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let open = driver.live.state.meeting.clone().expect("a meeting is open");
    assert_eq!(open.title, "Weekly review");
    let names: Vec<&str> = open.attendees.iter().map(|a| a.operator.as_str()).collect();
    assert_eq!(names, ["mtracy", "jsmith"], "who started it first, then who else is present");
    // jsmith leaves (the presence file goes); the driver's dashboard, which saw jsmith there,
    // minutes it once the absence has settled (no wait here).
    driver.settle = std::time::Duration::ZERO;
    driver.minute_presence();
    store.withdraw("jsmith-session");
    driver.minute_presence();
    let open = driver.live.state.meeting.clone().expect("still open");
    assert_eq!(open.attendees.iter().map(|a| a.operator.as_str()).collect::<Vec<_>>(), ["mtracy"]);
    assert!(driver.notice.as_ref().is_some_and(|n| n.text.starts_with("✓ minuted")), "{:?}", driver.notice);
    // M again ends it, after a second key.
    key(&mut driver, 'M');
    driver.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(driver.live.state.meeting.is_some(), "not before y");
    key(&mut driver, 'y');
    assert!(driver.live.state.meeting.is_none(), "ended: {:?}", driver.notice);
    let minutes = s.run(&["minutes"]);
    assert!(minutes.ok, "{}", minutes.stderr);
    assert!(minutes.stdout.contains("Weekly review") && minutes.stdout.contains("jsmith"), "{}", minutes.stdout);
}

/// Another operator's passing checkout of the overdue BOS-IMS01, recorded in the store.
fn passing_checkout_of_bos_ims01(s: &Sample) {
    let checkout = sprout::model::Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "BOS-IMS01".into(),
        phase: "Local low impact".into(),
        result: sprout::model::CheckoutResult::Pass,
        note: "queues normal".into(),
    };
    common::record_as(s, "jsmith", NOW, checkout).expect("recorded");
}

#[test]
fn a_view_hidden_during_a_change_is_derived_when_it_is_shown() {
    let s = Sample::new();
    let mut a = app(&s, "mfinger");
    a.update(Action::Tab(Tab::Agenda));
    let before = a.panes.agenda.items.len();
    a.update(Action::Tab(Tab::Fleet));
    // Another operator's passing checkout of the overdue server, while the agenda is hidden.
    passing_checkout_of_bos_ims01(&s);
    assert!(a.watch());
    assert!(a.panes.agenda.items.is_empty(), "hidden: let go, and not derived again until shown");
    a.update(Action::Tab(Tab::Agenda));
    assert!(a.panes.agenda.items.len() < before, "shown: the overdue item is gone");
    assert!(!a.panes.agenda.items.iter().any(|i| i.text(&a.live.state).starts_with("BOS-IMS01: checkout OVERDUE")));
}

#[test]
fn the_agenda_item_under_the_cursor_stays_under_it_after_a_change_while_hidden() {
    let s = Sample::new();
    let mut a = app(&s, "mfinger");
    a.update(Action::Tab(Tab::Agenda));
    let under = |a: &App| match a.panes.agenda.rows.get(a.panes.agenda.scroll.cursor) {
        Some(sprout::views::agenda::Row::Item(k)) => a.panes.agenda.items.get(*k).cloned(),
        _ => None,
    };
    // The cursor onto an item below the overdue one the change takes away: its line moves.
    let items = &a.panes.agenda.items;
    let overdue =
        items.iter().position(|i| i.text(&a.live.state).starts_with("BOS-IMS01: checkout OVERDUE")).expect("overdue");
    let below = (overdue + 1..items.len())
        .find(|&k| items[k].section != sprout::rules::agenda::Section::Decisions && items[k].server.is_some())
        .expect("an item below it");
    let row = a.panes.agenda.rows.iter().position(|r| *r == sprout::views::agenda::Row::Item(below)).expect("row");
    a.panes.agenda.scroll.cursor = row;
    let before = under(&a).expect("the cursor on an item");
    a.update(Action::Tab(Tab::Fleet));
    passing_checkout_of_bos_ims01(&s);
    assert!(a.watch());
    a.update(Action::Tab(Tab::Agenda));
    assert_eq!(under(&a), Some(before), "the same item under the cursor");
    assert_ne!(a.panes.agenda.scroll.cursor, row, "on another line than before");
}

#[test]
fn handing_the_driver_role_over_is_recorded_and_the_new_driver_minutes_attendance() {
    let s = Sample::new();
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let mut first = app(&s, "mtracy");
    let mut second = app(&s, "jsmith");
    let store = first.live.store.clone();
    store.announce(&first.presence("mtracy-session", now)).expect("announce");
    store.announce(&second.presence("jsmith-session", now)).expect("announce");
    key(&mut first, 'M');
    first.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(first.live.state.meeting.as_ref().is_some_and(|m| m.driver == "mtracy"));
    // jsmith presents: the role is handed over, and the journal says so.
    assert!(second.watch());
    key(&mut second, 'P');
    assert!(second.presenting);
    let m = second.live.state.meeting.clone().expect("open");
    assert_eq!(m.driver, "jsmith", "{:?}", second.notice);
    let last = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    assert!(last.lines().last().is_some_and(|l| l.contains("by:\"jsmith\"") && l.contains("MeetingDriver")));
    // Now jsmith's dashboard minutes attendance, mtracy's no longer does.
    first.settle = std::time::Duration::ZERO;
    second.settle = std::time::Duration::ZERO;
    second.minute_presence();
    store.withdraw("mtracy-session");
    first.watch();
    first.minute_presence();
    assert!(
        first.live.state.meeting.as_ref().is_some_and(|m| m.attending("mtracy")),
        "not the driver: nothing recorded"
    );
    second.minute_presence();
    assert!(second.live.state.meeting.as_ref().is_some_and(|m| !m.attending("mtracy")), "{:?}", second.notice);
    let minutes = s.run(&["minutes"]);
    assert!(minutes.stdout.contains("jsmith took over as the driver"), "{}", minutes.stdout);
}
