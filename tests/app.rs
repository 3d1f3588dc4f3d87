//! `App::update` without a terminal: navigation, filter, folds, forms, writes and refusals.

mod common;

use chrono::{DateTime, Utc};
use common::{NOW, Sample};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprout::app::{Action, App, Line, Overlay, Tab, Write};
use sprout::store::Operator;

fn app(s: &Sample, read_only: bool) -> App {
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let op = Operator { name: "tester".into(), from: None };
    App::load(sprout::store::FileStore::open(s.path()), op, read_only, now, true, Some(0)).expect("load sample")
}

fn keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn selected_name(app: &App) -> String {
    app.panes.fleet.selected_server().map(|i| app.live.state.servers[i].name.to_string()).unwrap_or_default()
}

#[test]
fn the_fleet_opens_grouped_by_role_in_fleet_order() {
    let s = Sample::new();
    let a = app(&s, false);
    let groups: Vec<&str> = a
        .panes
        .fleet
        .lines
        .iter()
        .filter_map(|l| match l {
            Line::Group { role, .. } => Some(a.live.data.fleet.roles[*role].name.as_str()),
            Line::Server(_) => None,
        })
        .collect();
    assert_eq!(groups[..3], ["News server", "Internet Mail Server", "Public folder server"]);
    assert_eq!(a.panes.fleet.lines.len(), 38 + 7);
}

#[test]
fn navigation_moves_pages_and_clamps() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.page = 10;
    a.update(Action::Down);
    assert_eq!(selected_name(&a), "BOS-NEWS01");
    a.update(Action::Bottom);
    assert_eq!(a.panes.fleet.scroll.cursor, a.panes.fleet.lines.len() - 1);
    a.update(Action::Down);
    assert_eq!(a.panes.fleet.scroll.cursor, a.panes.fleet.lines.len() - 1, "stays on the last line");
    a.update(Action::PageUp);
    assert_eq!(a.panes.fleet.scroll.cursor, a.panes.fleet.lines.len() - 11);
    assert!(
        a.panes.fleet.scroll.offset() <= a.panes.fleet.scroll.cursor
            && a.panes.fleet.scroll.cursor < a.panes.fleet.scroll.offset() + 10,
        "cursor stays in the window"
    );
    a.update(Action::Top);
    assert_eq!((a.panes.fleet.scroll.cursor, a.panes.fleet.scroll.offset()), (0, 0));
}

#[test]
fn filter_words_and_comparisons_narrow_the_fleet_and_esc_clears() {
    let s = Sample::new();
    let mut a = app(&s, false);
    keys(&mut a, "/overdue");
    assert!(matches!(a.overlay, Some(Overlay::Filter(_))));
    let servers: Vec<usize> =
        a.panes.fleet.lines.iter().filter_map(|l| if let Line::Server(i) = l { Some(*i) } else { None }).collect();
    assert_eq!(servers.len(), 1);
    assert_eq!(a.live.state.servers[servers[0]].name, "BOS-IMS01");
    key(&mut a, KeyCode::Enter);
    assert!(a.overlay.is_none());
    assert_eq!(a.panes.fleet.filter, "overdue");
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.panes.fleet.filter, "");
    keys(&mut a, "/behind>=2 MBX");
    let n = a.panes.fleet.lines.iter().filter(|l| matches!(l, Line::Server(_))).count();
    assert_eq!(n, 7, "4 mailbox servers at the limit and 3 in violation");
}

#[test]
fn folding_hides_a_group_and_enter_on_a_server_opens_it() {
    let s = Sample::new();
    let mut a = app(&s, false);
    let before = a.panes.fleet.lines.len();
    keys(&mut a, " ");
    assert_eq!(a.panes.fleet.lines.len(), before - 3, "the news group folds away its 3 servers");
    keys(&mut a, " ");
    assert_eq!(a.panes.fleet.lines.len(), before);
    keys(&mut a, "j");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.tab, Tab::Server);
    assert_eq!(a.selected.map(|i| a.live.state.servers[i].name.as_str()), Some("BOS-NEWS01"));
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.tab, Tab::Fleet);
}

#[test]
fn sorting_by_soak_descending_puts_overdue_first() {
    let s = Sample::new();
    let mut a = app(&s, false);
    while a.panes.fleet.sort != sprout::app::Column::Soak {
        a.update(Action::SortNext);
    }
    a.update(Action::SortReverse);
    let ims: Vec<String> = a
        .panes
        .fleet
        .lines
        .iter()
        .skip_while(|l| !matches!(l, Line::Group { role, .. } if a.live.data.fleet.roles[*role].id == "ims"))
        .skip(1)
        .take(4)
        .filter_map(|l| if let Line::Server(i) = l { Some(a.live.state.servers[*i].name.to_string()) } else { None })
        .collect();
    assert_eq!(ims[0], "BOS-IMS01");
}

#[test]
fn the_checkout_form_writes_only_on_save_and_the_gate_updates() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Rollout));
    assert_eq!(a.current_members().first().map(|&i| a.live.state.servers[i].name.as_str()), Some("BOS-IMS01"));
    let journal = std::fs::read(s.file("journal.ron")).expect("journal");
    keys(&mut a, "c");
    keys(&mut a, "quiet queues");
    assert_eq!(std::fs::read(s.file("journal.ron")).expect("journal"), journal, "nothing written before save");
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.notice.as_ref().map(|n| n.text.as_str()), Some("cancelled; nothing recorded"));
    assert_eq!(std::fs::read(s.file("journal.ron")).expect("journal"), journal, "nothing written on cancel");
    keys(&mut a, "c");
    keys(&mut a, "quiet queues");
    key(&mut a, KeyCode::Enter);
    let notice = a.notice.clone().expect("a confirmation");
    assert!(notice.ok && notice.text.contains("recorded #40: BOS-IMS01: checkout Pass: quiet queues"), "{notice:?}");
    let unmet = a.view.rollout.as_ref().map(|v| v.unmet()).unwrap_or_default();
    assert!(!unmet.iter().any(|u| u.starts_with("BOS-IMS01")), "{unmet:?}");
    let text = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    assert!(text.lines().last().is_some_and(|l| l.contains("by:\"tester\"") && l.contains("quiet queues")));
}

#[test]
fn a_refused_write_says_why_and_writes_nothing() {
    let s = Sample::new();
    let mut a = app(&s, false);
    let journal = std::fs::read(s.file("journal.ron")).expect("journal");
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Record(Write::Advance));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the advance form opens") };
    assert!(form.context[0].starts_with("OVERRIDE: 6 unmet"), "{:?}", form.context);
    key(&mut a, KeyCode::Enter);
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("still open: the reason is required") };
    assert_eq!(form.problem.as_deref(), Some("override reason is required"));
    key(&mut a, KeyCode::Esc);
    // An install on a server whose phase is not open is refused by the rules.
    a.update(Action::Tab(Tab::Fleet));
    keys(&mut a, "/BOS-MSM01");
    key(&mut a, KeyCode::Enter);
    a.update(Action::Down);
    assert_eq!(selected_name(&a), "BOS-MSM01");
    keys(&mut a, "i");
    key(&mut a, KeyCode::Enter);
    let notice = a.notice.clone().expect("a refusal");
    assert!(!notice.ok && notice.text.contains("is in phase 4 (Local high impact), which is not open"), "{notice:?}");
    assert_eq!(std::fs::read(s.file("journal.ron")).expect("journal"), journal);
}

#[test]
fn read_only_has_no_recording_keys_at_all() {
    let s = Sample::new();
    let mut a = app(&s, true);
    a.update(Action::Tab(Tab::Rollout));
    keys(&mut a, "csA");
    assert!(a.overlay.is_none(), "no form opens");
    assert!(a.notice.is_none());
}

#[test]
fn q_types_into_a_note_instead_of_quitting() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Rollout));
    keys(&mut a, "c");
    keys(&mut a, "q");
    assert!(!a.quit);
    key(&mut a, KeyCode::Esc);
    keys(&mut a, "q");
    assert!(a.quit);
}

#[test]
fn the_risk_grid_filters_the_fleet_to_its_cell() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Risk));
    assert_eq!(a.panes.risk.counts[0][0], 4, "High/Low: the 4 Exchange IMS servers (lab included)");
    a.update(Action::Down);
    a.update(Action::Down);
    a.update(Action::Right);
    a.update(Action::Right);
    a.update(Action::Open);
    assert_eq!(a.tab, Tab::Fleet);
    assert_eq!(a.panes.fleet.filter, "without=low tier=high");
    let n = a.panes.fleet.lines.iter().filter(|l| matches!(l, Line::Server(_))).count();
    assert_eq!(n, a.panes.risk.counts[2][2]);
}

#[test]
fn commands_switch_views_and_find_servers() {
    let s = Sample::new();
    let mut a = app(&s, false);
    keys(&mut a, ":server den-ims01");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.tab, Tab::Server);
    assert_eq!(a.selected.map(|i| a.live.state.servers[i].name.as_str()), Some("DEN-IMS01"));
    keys(&mut a, ":nonsense");
    key(&mut a, KeyCode::Enter);
    assert!(a.notice.as_ref().is_some_and(|n| !n.ok && n.text.contains("unknown command ':nonsense'")));
}

#[test]
fn another_process_writing_is_seen_and_marked() {
    let s = Sample::new();
    let mut a = app(&s, false);
    let r = s.run(&["record", "backup", "BOS-PF01", "--note", "tape P-500"]);
    assert!(r.ok, "{}", r.stderr);
    a.reload_external();
    assert_eq!(a.live.data.journal.len(), 40);
    assert!(a.notice.as_ref().is_some_and(|n| n.text.contains("1 new event") && n.text.contains("BOS-PF01")));
    assert_eq!(a.seen_events, 39, "the new event stays marked until the operator records");
}

#[test]
fn opening_a_phase_with_an_override_from_the_form_records_it() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Record(Write::Advance));
    keys(&mut a, "change board approved");
    key(&mut a, KeyCode::Tab);
    keys(&mut a, "mtracy");
    key(&mut a, KeyCode::Enter);
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the summary shows before it is recorded") };
    assert!(form.confirm.as_deref().is_some_and(|c| c.contains("by OVERRIDE")), "{:?}", form.confirm);
    keys(&mut a, "y");
    let notice = a.notice.clone().expect("a confirmation");
    assert!(notice.ok, "{notice:?}");
    assert!(
        notice.text.contains("phase 'Local high impact' opened by OVERRIDE (6 unmet), approved by mtracy"),
        "{notice:?}"
    );
    assert_eq!(a.view.rollout.as_ref().and_then(|v| v.current), Some(3));
}

#[test]
fn a_phase_opened_meanwhile_by_someone_else_is_not_skipped() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Record(Write::Advance));
    // Another operator opens phase 4 while this form is open.
    let other = s.run(&["advance", "--override", "already decided", "--approver", "mfinger"]);
    assert!(other.ok, "{}", other.stderr);
    keys(&mut a, "change board approved");
    key(&mut a, KeyCode::Tab);
    keys(&mut a, "mtracy");
    key(&mut a, KeyCode::Enter);
    keys(&mut a, "y");
    let notice = a.notice.clone().expect("a refusal");
    assert!(!notice.ok && notice.text.contains("phase 4 (Local high impact) is already open"), "{notice:?}");
    assert_eq!(a.view.rollout.as_ref().and_then(|v| v.current), Some(3), "still phase 4, not 5");
}

#[test]
fn a_sign_off_goes_to_the_phase_the_form_showed() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Record(Write::SignOff));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the sign-off form opens") };
    assert_eq!(form.value("group"), "Network services", "only the missing sign-off is offered");
    key(&mut a, KeyCode::Enter);
    let notice = a.notice.clone().expect("a confirmation");
    assert!(notice.ok && notice.text.contains("Network services signed off phase 'Local low impact'"), "{notice:?}");
    a.update(Action::Record(Write::SignOff));
    assert!(a.notice.as_ref().is_some_and(|n| !n.ok && n.text.contains("no sign-off is owed")), "{:?}", a.notice);
}

#[test]
fn the_journal_filter_matches_operator_kind_and_server_and_reads_rows_from_disk() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Journal));
    let all = a.journal_len();
    keys(&mut a, "/checkout bos-ims02");
    let shown: Vec<usize> = (0..a.journal_len()).filter_map(|n| a.journal_shown(n)).collect();
    assert_eq!(shown.len(), 2, "both checkouts of BOS-IMS02, of {all} events");
    for e in a.entries(&shown).into_iter().map(|e| e.expect("the event reads back")) {
        assert_eq!(e.event.kind(), "checkout");
        assert_eq!(e.event.server(), Some("BOS-IMS02"));
    }
    // Newest first.
    assert!(shown.windows(2).all(|w| w[0] > w[1]));
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.journal_len(), all);
}

#[test]
fn the_dashboard_runs_on_any_store_and_a_second_dashboard_sees_its_write() {
    use std::sync::Arc;
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let memory = Arc::new(sprout::store::MemoryStore::sample(now).expect("sample"));
    let open = |name: &str| {
        let op = Operator { name: name.into(), from: None };
        App::load(memory.clone(), op, false, now, true, Some(0)).expect("load")
    };
    let (mut driver, mut watcher) = (open("tester"), open("watcher"));
    assert_eq!(driver.place, "(in memory)");
    driver.update(Action::Tab(Tab::Rollout));
    keys(&mut driver, "c");
    keys(&mut driver, "quiet queues");
    key(&mut driver, KeyCode::Enter);
    let notice = driver.notice.clone().expect("a confirmation");
    assert!(notice.text.contains("recorded #40: BOS-IMS01: checkout Pass: quiet queues"), "{notice:?}");
    assert!(memory.lines().last().is_some_and(|l| l.contains("by:\"tester\"") && l.contains("quiet queues")));
    assert!(watcher.watch(), "the watcher sees the store changed");
    let notice = watcher.notice.clone().expect("a live notice");
    assert!(notice.text.contains("1 new event from tester: BOS-IMS01: checkout Pass"), "{notice:?}");
    let unmet = watcher.view.rollout.as_ref().map(|v| v.unmet()).unwrap_or_default();
    assert!(!unmet.iter().any(|u| u.starts_with("BOS-IMS01")), "{unmet:?}");
}

fn app_as(s: &Sample, name: &str) -> App {
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let op = Operator { name: name.into(), from: None };
    App::load(sprout::store::FileStore::open(s.path()), op, false, now, true, Some(0)).expect("load sample")
}

fn screen(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).expect("terminal");
    let theme = sprout::ui::Theme::new(true);
    terminal.draw(|f| sprout::ui::draw(f, app, &theme)).expect("draw");
    let buffer = terminal.backend().buffer();
    (0..height).map(|y| (0..width).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}

/// With a team, one operator asks for an override from the dashboard, every dashboard shows the
/// request, the one who asked cannot confirm it, and another approver confirms it from theirs.
#[test]
fn an_override_asked_on_one_dashboard_is_confirmed_on_another() {
    let s = Sample::new();
    std::fs::write(s.file("team.ron"), "(approvers: [\"jsmith\", \"mtracy\"])").expect("team.ron");
    let mut asker = app_as(&s, "jsmith");
    let mut approver = app_as(&s, "mtracy");
    asker.update(Action::Tab(Tab::Rollout));
    asker.update(Action::Record(Write::Advance));
    let Some(Overlay::Form(form)) = &asker.overlay else { panic!("the advance form opens") };
    assert!(form.title.starts_with("Ask to open phase 4"), "{}", form.title);
    keys(&mut asker, "change board");
    key(&mut asker, KeyCode::Enter);
    keys(&mut asker, "y");
    let notice = asker.notice.clone().expect("recorded");
    assert!(notice.ok && notice.text.contains("OVERRIDE ASKED") && notice.text.contains("waits for 1 more approver"));
    assert_eq!(asker.view.rollout.as_ref().and_then(|v| v.current), Some(2), "asking opens nothing");
    asker.update(Action::Record(Write::Confirm));
    let refusal = asker.notice.clone().expect("refused before a form");
    assert!(asker.overlay.is_none() && !refusal.ok, "{refusal:?}");
    assert!(refusal.text.contains("an approver may not approve their own override"), "{refusal:?}");
    // Longer than the line: it opens whole, wrapped, at 80x24.
    let shown = screen(&mut asker, 80, 24);
    let flat: String = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("another approver must confirm it"), "the end of the message is on screen:\n{shown}");

    approver.reload_external();
    approver.notice = None;
    let shown = screen(&mut approver, 80, 24);
    assert!(shown.contains("⚑ OVERRIDE ASKED #"), "every dashboard shows the request:\n{shown}");
    assert!(shown.contains("by jsmith: open phase 4"), "{shown}");
    let wide = screen(&mut approver, 200, 40);
    let banner = wide.lines().find(|l| l.contains("OVERRIDE ASKED")).unwrap_or_default().to_string();
    assert!(banner.contains("0/1 confirmed; approvers: "), "who can confirm it: {banner}");
    assert!(!banner.contains("approvers: jsmith"), "not who asked: {banner}");
    approver.update(Action::Tab(Tab::Rollout));
    approver.update(Action::Record(Write::Confirm));
    let Some(Overlay::Form(form)) = &approver.overlay else { panic!("the confirm form opens: {:?}", approver.notice) };
    assert!(form.context.iter().any(|l| l.starts_with("It overrides 6 unmet gate item(s)")), "{:?}", form.context);
    key(&mut approver, KeyCode::Enter);
    keys(&mut approver, "y");
    let notice = approver.notice.clone().expect("confirmed");
    assert!(notice.ok && notice.text.contains("phase 4 (Local high impact) is open"), "{notice:?}");
    approver.notice = None;
    assert!(!screen(&mut approver, 80, 24).contains("OVERRIDE ASKED #"), "nothing pending any more");
}

/// A form over hundreds of unmet items at 80x24 still shows its fields and its keys: the list
/// scrolls inside it (PgDn) and says how much more there is.
#[test]
fn an_override_form_over_hundreds_of_unmet_items_keeps_its_fields_on_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now: DateTime<Utc> = NOW.parse().expect("time");
    for (name, text) in sprout::synthetic::generate(3000, 3000, now).expect("generate") {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let op = Operator { name: "tester".into(), from: None };
    let mut a = App::load(sprout::store::FileStore::open(dir.path().to_path_buf()), op, false, now, true, Some(0))
        .expect("load");
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Record(Write::Advance));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the advance form opens: {:?}", a.notice) };
    let items = form.context.len();
    assert!(items > 200, "hundreds of unmet items ({items})");
    let shown = screen(&mut a, 80, 24);
    for needed in ["override reason:", "approver:", "enter save", "more ↓ (PgUp/PgDn)"] {
        assert!(shown.contains(needed), "'{needed}' is on screen:\n{shown}");
    }
    key(&mut a, KeyCode::PageDown);
    let scrolled = screen(&mut a, 80, 24);
    assert!(scrolled.contains("… lines 11-"), "PgDn scrolls the list:\n{scrolled}");
    assert!(scrolled.contains("override reason:"), "{scrolled}");
    let _ = std::fs::remove_file(sprout::store::FileStore::new(dir.path()).cache_path().expect("cache"));
    let _ = sprout::store::dir::witness::path(dir.path()).map(std::fs::remove_file);
}

/// Refuse before the form: a sign-off by whoever checked the phase out is not opened; and a
/// refusal after the form keeps it, with what was typed.
#[test]
fn a_form_the_rules_would_refuse_is_not_opened_and_a_refused_one_keeps_what_was_typed() {
    let s = Sample::new();
    let mut checker = app_as(&s, "mfinger");
    checker.update(Action::Tab(Tab::Rollout));
    checker.update(Action::Record(Write::SignOff));
    assert!(checker.overlay.is_none(), "no form opens");
    let notice = checker.notice.clone().expect("why");
    assert!(notice.text.contains("mfinger recorded the checkout of BOS-"), "{notice:?}");

    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Record(Write::Extend));
    keys(&mut a, "two");
    key(&mut a, KeyCode::Tab);
    keys(&mut a, "holiday freeze");
    key(&mut a, KeyCode::Enter);
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the form stays after the refusal") };
    assert_eq!(form.problem.as_deref(), Some("refused: days must be a whole number, not 'two'"));
    assert_eq!(form.value("reason"), "holiday freeze", "what was typed is kept");
}

#[test]
fn ctrl_c_quits_like_q_outside_forms_and_types_nothing_inside_one() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.update(Action::Tab(Tab::Rollout));
    keys(&mut a, "c");
    a.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(!a.quit, "inside a form Ctrl-C does not quit");
    key(&mut a, KeyCode::Esc);
    a.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(a.quit);
}

/// A server the files make invalid (a role fleet.ron does not list) still shows, in a group of
/// its own that says why: nothing disappears silently.
#[test]
fn a_server_with_an_unknown_role_shows_in_an_invalid_group() {
    let s = Sample::new();
    let fleet = std::fs::read_to_string(s.file("fleet.ron")).expect("fleet");
    let broken = fleet.replacen("(name: \"BOS-NEWS01\", role: \"news\"", "(name: \"BOS-NEWS01\", role: \"printer\"", 1);
    assert_ne!(broken, fleet);
    std::fs::write(s.file("fleet.ron"), broken).expect("fleet");
    let mut a = app(&s, false);
    let roles = a.live.data.fleet.roles.len();
    let i = a.live.state.server_index("BOS-NEWS01").expect("server");
    let at = a.panes.fleet.lines.iter().position(|l| matches!(l, Line::Group { role, .. } if *role == roles));
    let at = at.expect("an invalid group");
    assert_eq!(a.panes.fleet.lines.get(at + 1), Some(&Line::Server(i)));
    assert_eq!(a.panes.fleet.lines.len(), 38 + 8, "every server, in seven roles and the invalid group");
    let shown = screen(&mut a, 120, 60);
    assert!(shown.contains("✗ INVALID: a role fleet.ron does not list (sprout check) (1)"), "{shown}");
}

/// Filters mean what they say: a word that names a role, a site or a status means that field
/// only, `/remote` finds every remote server, `field:value` is exact.
#[test]
fn filter_words_mean_the_field_they_name() {
    let s = Sample::new();
    let mut a = app(&s, false);
    let shown = |a: &App| -> Vec<String> {
        a.panes
            .fleet
            .lines
            .iter()
            .filter_map(
                |l| if let Line::Server(i) = l { Some(a.live.state.servers[*i].name.to_string()) } else { None },
            )
            .collect()
    };
    let expected = |a: &App, keep: &dyn Fn(&sprout::model::Server) -> bool| -> usize {
        a.live.state.servers.iter().filter(|s| keep(s)).count()
    };
    keys(&mut a, "/BOS mailbox");
    let bos_mailbox = expected(&a, &|s| s.site == "BOS" && s.role == "mailbox");
    assert_eq!(shown(&a).len(), bos_mailbox, "{:?}", shown(&a));
    let server = |a: &App, n: &str| a.live.state.server(n).cloned().expect("server");
    assert!(
        bos_mailbox > 0 && shown(&a).iter().all(|n| server(&a, n).site == "BOS" && server(&a, n).role == "mailbox"),
        "{:?}",
        shown(&a)
    );
    key(&mut a, KeyCode::Esc);
    keys(&mut a, "/remote");
    let remote = expected(&a, &|s| s.remote);
    assert!(remote > 1, "the sample has several remote servers");
    assert_eq!(shown(&a).len(), remote, "every remote server, not the one remote phase: {:?}", shown(&a));
    key(&mut a, KeyCode::Esc);
    keys(&mut a, "/site:msp role:mailbox");
    assert_eq!(shown(&a).len(), expected(&a, &|s| s.site == "MSP" && s.role == "mailbox"));
    key(&mut a, KeyCode::Esc);
    keys(&mut a, "/status:overdue");
    assert_eq!(shown(&a), ["BOS-IMS01"]);
}

#[test]
fn on_the_rollout_view_left_and_right_pick_the_panel_the_move_keys_work_in() {
    use sprout::views::rollout::Panel;
    let s = Sample::new();
    let mut a = app(&s, false);
    keys(&mut a, "3");
    assert_eq!(a.panes.rollout.panel, Panel::Members, "the members first: the record keys apply to them");
    keys(&mut a, "j");
    let second = a.target_server();
    assert_eq!(a.selected, second, "moving through the members selects the one under the cursor");
    keys(&mut a, "h");
    assert_eq!(a.panes.rollout.panel, Panel::Gates);
    keys(&mut a, "jjG");
    let member = a.panes.rollout.members.get(a.panes.rollout.scroll.cursor).copied();
    assert_eq!(member, second, "scrolling the gates leaves the member cursor where it was");
    assert_eq!(a.target_server(), None, "and no record key acts on it while the gates are in focus");
    assert!(a.panes.rollout.gates.top() > 0, "G went down the gates");
    keys(&mut a, "ll");
    assert_eq!(a.panes.rollout.panel, Panel::Waiting);
    keys(&mut a, "l");
    assert_eq!(a.panes.rollout.panel, Panel::Gates, "→ goes round");
    keys(&mut a, "g");
    assert_eq!(a.panes.rollout.gates.top(), 0);
}

#[test]
fn a_minute_tick_shows_what_a_fresh_start_at_that_time_shows() {
    let s = Sample::new();
    let mut a = app(&s, false);
    a.pinned = false;
    for (sort, descending) in [(sprout::app::Column::Soak, true), (sprout::app::Column::Server, false)] {
        while a.panes.fleet.sort != sort {
            a.update(Action::SortNext);
        }
        if a.panes.fleet.descending != descending {
            a.update(Action::SortReverse);
        }
        // Later the same day, then the next day: each as a dashboard started then shows it.
        for later in ["2000-11-24T23:59:00Z", "2000-11-25T09:30:00Z"] {
            let at: DateTime<Utc> = later.parse().expect("time");
            a.tick(at);
            let op = Operator { name: "tester".into(), from: None };
            let mut fresh =
                App::load(sprout::store::FileStore::open(s.path()), op, false, at, true, Some(0)).expect("load");
            while fresh.panes.fleet.sort != sort {
                fresh.update(Action::SortNext);
            }
            if fresh.panes.fleet.descending != descending {
                fresh.update(Action::SortReverse);
            }
            assert!(a.view == fresh.view, "the derived rows at {later}");
            assert_eq!(a.panes.fleet.lines, fresh.panes.fleet.lines, "the fleet's lines at {later}");
            assert_eq!(a.current_members(), fresh.current_members(), "the phase's members at {later}");
        }
        a.tick(NOW.parse().expect("time"));
    }
}
