//! The conventions people expect of a terminal tool, without a terminal: esc goes back, a
//! message log, a journal event whole, `:` completion and history, copy, the operator's own
//! keys and theme (and a located error for a wrong file), ASCII, the mouse, the header's
//! count of `check` problems.

mod common;

use chrono::{DateTime, Utc};
use common::{NOW, Sample};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprout::app::{Action, App, Overlay, Page, Tab};
use sprout::store::Operator;
use sprout::ui::{self, Theme};

fn app(s: &Sample) -> App {
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let op = Operator { name: "tester".into(), from: None };
    let mut app =
        App::load(sprout::store::FileStore::open(s.path()), op, false, now, true, Some(0)).expect("load sample");
    app.place = "/srv/sprout".into();
    app
}

fn type_keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn screen(app: &mut App, width: u16, height: u16, theme: &Theme) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    app.page = ui::body_height(height).saturating_sub(2);
    terminal.draw(|f| ui::draw(f, app, theme)).expect("draw");
    let buffer = terminal.backend().buffer();
    (0..height).map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect::<String>() + "\n").collect()
}

fn open_server(app: &mut App, name: &str) {
    app.command(&format!("server {name}"));
    assert_eq!(app.tab, Tab::Server, "{:?}", app.notice);
}

#[test]
fn esc_goes_back_to_where_you_came_from_like_a_browser() {
    let s = Sample::new();
    let mut a = app(&s);
    open_server(&mut a, "BOS-IMS01");
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Tab(Tab::Journal));
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.tab, Tab::Rollout);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.tab, Tab::Server);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.tab, Tab::Fleet);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.tab, Tab::Fleet, "nothing further back: esc stays");
    // esc closes what is on top before it goes back: a filter first.
    a.update(Action::Tab(Tab::Journal));
    a.update(Action::Filter);
    type_keys(&mut a, "checkout");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Esc);
    assert_eq!((a.tab, a.panes.journal.filter.as_str()), (Tab::Journal, ""), "the filter went, the view stayed");
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.tab, Tab::Fleet);
}

#[test]
fn every_message_is_kept_and_shown_whole_on_m() {
    let s = Sample::new();
    let mut a = app(&s);
    a.command("server NOPE-01");
    a.command("frobnicate");
    type_keys(&mut a, "j");
    assert!(a.notice.is_none(), "a notice is read by the next key");
    type_keys(&mut a, "m");
    assert!(matches!(a.overlay, Some(Overlay::Page { page: Page::Messages, .. })));
    let text = screen(&mut a, 80, 24, &Theme::new(true));
    assert!(text.contains("unknown server 'NOPE-01'"), "{text}");
    assert!(text.contains("unknown command ':frobnicate'"), "{text}");
    key(&mut a, KeyCode::Esc);
    assert!(a.overlay.is_none());
    // Bounded whatever the session's length.
    for n in 0..sprout::app::MESSAGES_KEPT + 50 {
        a.command(&format!("server NONE-{n}"));
    }
    assert_eq!(a.messages.len(), sprout::app::MESSAGES_KEPT);
    assert!(
        a.messages.back().is_some_and(|(_, m)| m.text.contains(&format!("NONE-{}", sprout::app::MESSAGES_KEPT + 49)))
    );
}

#[test]
fn enter_on_the_journal_shows_the_event_whole_and_enter_again_its_server() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Tab(Tab::Journal));
    // Newest first: the sample's last event is a backup of BOS-MSM01 with a long note.
    key(&mut a, KeyCode::Enter);
    let Some(Overlay::Page { page: Page::Entry(p), .. }) = a.overlay else {
        panic!("the event opens: {:?}", a.overlay)
    };
    assert_eq!(p, a.live.data.journal.len() - 1);
    let text = screen(&mut a, 80, 24, &Theme::new(true));
    for want in ["#39 backup", "jsmith", "BOS-MSM01", "sum", "prev", "enter opens its server"] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.tab, Tab::Server);
    assert_eq!(a.selected, a.live.state.server_index("BOS-MSM01"));
}

#[test]
fn the_command_line_completes_and_remembers() {
    let s = Sample::new();
    let mut a = app(&s);
    assert_eq!(a.complete("ser"), ("server ".to_string(), vec![]));
    let (line, offered) = a.complete("server bos-ims");
    assert_eq!(line, "server BOS-IMS0");
    assert_eq!(offered, ["BOS-IMS01", "BOS-IMS02"]);
    assert_eq!(a.complete("server BOS-IMS02").0, "server BOS-IMS02 ");
    assert_eq!(a.complete("copy ma").0, "copy manifest ");
    // Typed as a person types: tab completes, enter runs, ↑ brings it back.
    type_keys(&mut a, ":");
    type_keys(&mut a, "server lab-ms");
    key(&mut a, KeyCode::Tab);
    let Some(Overlay::Command(line)) = &a.overlay else { panic!("the command line stays open") };
    assert_eq!(line.input.value(), "server LAB-MSM01 ");
    key(&mut a, KeyCode::Enter);
    assert_eq!((a.tab, a.selected), (Tab::Server, a.live.state.server_index("LAB-MSM01")));
    type_keys(&mut a, ":");
    key(&mut a, KeyCode::Up);
    let Some(Overlay::Command(line)) = &a.overlay else { panic!("open") };
    assert_eq!(line.input.value(), "server LAB-MSM01");
    key(&mut a, KeyCode::Down);
    let Some(Overlay::Command(line)) = &a.overlay else { panic!("open") };
    assert_eq!(line.input.value(), "", "down past the newest: what was being typed");
}

#[test]
fn copy_puts_a_name_a_manifest_or_the_status_on_the_clipboard() {
    let s = Sample::new();
    let mut a = app(&s);
    open_server(&mut a, "BOS-IMS01");
    type_keys(&mut a, "Y");
    assert_eq!(a.clipboard.take().as_deref(), Some("BOS-IMS01"));
    a.command("copy manifest");
    let manifest = a.clipboard.take().expect("a manifest");
    assert!(manifest.contains("BOS-IMS01") && manifest.contains("SP"), "{manifest}");
    a.command("copy status");
    let status = a.clipboard.take().expect("the status");
    assert!(status.starts_with('#') && status.contains("Gates"), "Markdown, for a change record:\n{status}");
    a.command("copy everything");
    assert!(a.clipboard.is_none());
    assert!(a.notice.as_ref().is_some_and(|n| !n.ok && n.text.contains(":copy manifest")), "{:?}", a.notice);
}

#[test]
fn the_operators_own_keys_replace_the_defaults_in_keys_footer_and_help() {
    let s = Sample::new();
    let mut a = app(&s);
    a.keys =
        sprout::config::Keys::parse("{\"checkout\": [\"C\"], \"help\": [\"f1\"]}", "key_bindings.ron").expect("keys");
    open_server(&mut a, "BOS-IMS01");
    type_keys(&mut a, "c");
    assert!(a.overlay.is_none(), "c no longer opens the checkout form");
    type_keys(&mut a, "C");
    assert!(matches!(&a.overlay, Some(Overlay::Form(f)) if f.title.contains("checkout")));
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::F(1));
    let text = screen(&mut a, 120, 40, &Theme::new(true));
    assert!(text.contains("F1     help"), "{text}");
    assert!(text.contains("C      record a checkout"), "{text}");
    key(&mut a, KeyCode::Esc);
    let footer = screen(&mut a, 120, 40, &Theme::new(true));
    assert!(footer.lines().last().is_some_and(|l| l.contains("F1 help") && l.contains("C checkout")), "{footer}");
}

#[test]
fn a_wrong_config_file_is_refused_with_where_and_what() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid-config");
    let expected = std::fs::read_to_string(fixtures.join("expected.txt")).expect("expected.txt");
    let s = Sample::new();
    let config = s.path().parent().expect("parent").join("config");
    let mut checked = 0;
    for line in expected.lines() {
        let (fixture, want) = line.split_once('\t').expect("fixture<TAB>message");
        let name = fixture.split_once('-').expect("name-case").0.to_string() + ".ron";
        let _ = std::fs::remove_dir_all(&config);
        std::fs::create_dir_all(&config).expect("config dir");
        std::fs::copy(fixtures.join(fixture), config.join(&name)).expect("copy");
        let run = s.run(&["frame"]);
        assert!(!run.ok, "{fixture}: refused");
        let path = config.join(&name).display().to_string();
        let located = want.replacen(&name, &path, 1);
        assert!(run.stderr.contains(&located), "{fixture}: wanted '{located}' in:\n{}", run.stderr);
        checked += 1;
    }
    assert_eq!(checked, 8);
    // The same files, right, are taken.
    let _ = std::fs::remove_dir_all(&config);
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("key_bindings.ron"), "{\"down\": [\"n\"]}").expect("write");
    std::fs::write(config.join("theme.ron"), "(palette: \"light\", ok: (fg: \"#0072b2\"))").expect("write");
    std::fs::write(config.join("config.ron"), "(mouse: true, ascii: true)").expect("write");
    let run = s.run(&["frame", "--width", "80", "--height", "24"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.is_ascii(), "ascii: true in config.ron draws only ASCII:\n{}", run.stdout);
}

#[test]
fn ascii_draws_every_view_without_a_symbol() {
    let s = Sample::new();
    let mut a = app(&s);
    let theme = Theme { ascii: true, ..Theme::new(false) };
    for &tab in Tab::ALL {
        a.update(Action::Tab(tab));
        let text = screen(&mut a, 120, 40, &theme);
        assert!(text.is_ascii(), "{tab:?}:\n{text}");
        assert!(text.contains("1 Fleet"), "{tab:?}: still drawn");
    }
    a.update(Action::Tab(Tab::Rollout));
    let text = screen(&mut a, 120, 40, &theme);
    assert!(text.contains("x overdue"), "✗ stands as x:\n{text}");
}

#[test]
fn the_mouse_selects_a_tab_and_a_row_and_scrolls() {
    let s = Sample::new();
    let mut a = app(&s);
    a.page = ui::body_height(24).saturating_sub(2);
    // " 1 Fleet " then a space: "3 Rollout" starts at column 22.
    assert_eq!(ui::hit(&a, 25, 1, 80, 24), ui::Hit::Tab(Tab::Rollout));
    a.click_tab(Tab::Rollout);
    assert_eq!(a.tab, Tab::Rollout);
    a.update(Action::Tab(Tab::Fleet));
    // Row 2 of the screen is the block's top border, 3 the headings, 4 the first group, 5 its first server.
    assert_eq!(ui::hit(&a, 5, 5, 80, 24), ui::Hit::Body(3));
    a.click(3);
    assert_eq!(a.live.state.servers[a.selected.expect("a server")].name, "BOS-NEWS01");
    assert_eq!(a.panes.fleet.scroll.cursor, 1, "line 0 is the role's group line");
    a.wheel(3);
    assert_eq!(a.panes.fleet.scroll.cursor, 1 + 3);
    a.wheel(-3);
    assert_eq!(a.panes.fleet.scroll.cursor, 1);
    // A form is never changed by the wheel, and a click lands on nothing behind it.
    a.update(Action::Record(sprout::app::Write::Checkout));
    assert!(matches!(a.overlay, Some(Overlay::Form(_))));
    a.wheel(3);
    assert!(matches!(&a.overlay, Some(Overlay::Form(f)) if f.value("result") == "Pass"));
    assert_eq!(ui::hit(&a, 5, 8, 80, 24), ui::Hit::Nothing);
}

#[test]
fn the_header_says_how_many_problems_check_found() {
    let s = Sample::new();
    let mut a = app(&s);
    a.problems = Some(0);
    assert!(!screen(&mut a, 120, 40, &Theme::new(true)).contains("problem"));
    a.problems = Some(3);
    let first = screen(&mut a, 120, 40, &Theme::new(true)).lines().next().unwrap_or_default().to_string();
    assert!(first.contains("⚠ check: 3 problems"), "{first}");
    let narrow = screen(&mut a, 60, 16, &Theme::new(true)).lines().next().unwrap_or_default().to_string();
    assert!(narrow.contains("⚠ 3 problems") && narrow.contains("UTC"), "{narrow}");
}

#[test]
fn ctrl_z_asks_the_terminal_loop_to_suspend() {
    let s = Sample::new();
    let mut a = app(&s);
    a.handle_key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL));
    assert!(a.suspend);
}

#[test]
fn the_sorted_column_carries_its_direction_in_its_heading() {
    let s = Sample::new();
    let mut a = app(&s);
    let heading = |a: &mut App| screen(a, 120, 40, &Theme::new(true)).lines().nth(3).unwrap_or_default().to_string();
    assert!(heading(&mut a).starts_with("server↑"), "{}", heading(&mut a));
    a.update(Action::SortReverse);
    assert!(heading(&mut a).starts_with("server↓"), "{}", heading(&mut a));
    a.update(Action::SortNext);
    let h = heading(&mut a);
    assert!(h.starts_with("server ") && h.contains("site↓"), "the mark moves with the sort: {h}");
}

#[test]
fn below_the_minimum_size_no_key_but_quit_acts() {
    let s = Sample::new();
    let mut a = app(&s);
    a.too_small = true;
    type_keys(&mut a, "3jc");
    a.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!((a.tab, a.overlay.is_none()), (Tab::Fleet, true), "nothing moved, nothing opened");
    type_keys(&mut a, "q");
    assert!(a.quit);
}

#[test]
fn a_paste_is_text_for_a_field_never_keys_that_confirm() {
    let s = Sample::new();
    let mut a = app(&s);
    open_server(&mut a, "BOS-IMS01");
    // Outside a field: ignored, and said.
    a.paste("Bpasted text\ry");
    assert!(a.overlay.is_none());
    assert!(a.notice.as_ref().is_some_and(|n| n.text.starts_with("paste ignored")));
    // In the note: the newline is a blank, the form stays open.
    a.update(Action::Record(sprout::app::Write::Checkout));
    a.paste("queues\nnormal");
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the form stays open") };
    assert_eq!(form.value("note"), "queues normal");
    assert_eq!(form.value("result"), "Pass");
    let journal = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    assert_eq!(journal.lines().count(), 39, "nothing recorded by a paste");
}

#[test]
fn on_the_rollout_view_a_record_key_acts_only_on_the_members_panel() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Right);
    type_keys(&mut a, "c");
    assert!(a.overlay.is_none(), "the waiting-on panel is in focus: no member is selected");
    assert!(a.notice.as_ref().is_some_and(|n| n.text.contains("members' panel")), "{:?}", a.notice);
    a.update(Action::Left);
    type_keys(&mut a, "c");
    assert!(matches!(a.overlay, Some(Overlay::Form(_))));
}

#[test]
fn the_back_out_form_says_the_levels_it_goes_from_and_to() {
    let s = Sample::new();
    let mut a = app(&s);
    open_server(&mut a, "BOS-IMS01");
    a.update(Action::Record(sprout::app::Write::BackOut));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the back-out form: {:?}", a.notice) };
    assert!(form.context[0].starts_with("BOS-IMS01 returns from Exchange Server 5.5 SP4 to SP3"), "{:?}", form.context);
}
