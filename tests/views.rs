//! Every view drawn on a TestBackend at 60x16 (the minimum), 80x24, 120x40 and 200x60 with the
//! clock pinned.
//! The snapshots were reviewed by eye; `cargo insta review` shows a change.

mod common;

use chrono::{DateTime, Utc};
use common::{NOW, Sample};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use sprout::app::{Action, App, Tab, Write};
use sprout::store::Operator;
use sprout::ui::{self, Theme};

fn app(s: &Sample) -> App {
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let op = Operator { name: "operator".into(), from: None };
    let mut app = App::load(sprout::store::FileStore::open(s.path()), op, false, now, true, Some(0)).expect("load");
    // The header shows the data directory; pin it so the snapshots do not depend on a temp path.
    app.place = "/srv/sprout".into();
    app
}

fn render(app: &mut App, width: u16, height: u16, theme: &Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    app.page = ui::body_height(height).saturating_sub(2);
    terminal.draw(|f| ui::draw(f, app, theme)).expect("draw");
    terminal
}

/// From the smallest terminal sprout draws on to a wide one.
const SIZES: [(u16, u16); 4] = [(60, 16), (80, 24), (120, 40), (200, 60)];

fn snapshot(name: &str, setup: impl Fn(&mut App)) {
    let s = Sample::new();
    for (w, h) in SIZES {
        let mut a = app(&s);
        setup(&mut a);
        let terminal = render(&mut a, w, h, &Theme::new(false));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn fleet() {
    snapshot("fleet", |_| {});
}

#[test]
fn fleet_filtered_to_overdue() {
    snapshot("fleet_overdue", |a| {
        a.update(Action::Filter);
        for c in "overdue".chars() {
            a.handle_key(ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::Char(c)));
        }
    });
}

#[test]
fn server() {
    snapshot("server", |a| {
        let i = a.live.state.server_index("BOS-BH01");
        a.selected = i;
        a.update(Action::Tab(Tab::Server));
    });
}

#[test]
fn rollout() {
    snapshot("rollout", |a| a.update(Action::Tab(Tab::Rollout)));
}

#[test]
fn journal() {
    snapshot("journal", |a| a.update(Action::Tab(Tab::Journal)));
}

#[test]
fn risk() {
    snapshot("risk", |a| a.update(Action::Tab(Tab::Risk)));
}

#[test]
fn agenda() {
    snapshot("agenda", |a| a.update(Action::Tab(Tab::Agenda)));
}

#[test]
fn plan() {
    snapshot("plan", |a| a.update(Action::Tab(Tab::Plan)));
}

#[test]
fn plan_items_scrolled_at_the_minimum_size() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Tab(Tab::Plan));
    let top = rows(&mut a, 60, 16).join("\n");
    assert!(top.contains("MSP-BH01: soaking, day 4 of 10: +7 days") && top.contains("more, ↓"), "{top}");
    a.update(Action::Bottom);
    let bottom = rows(&mut a, 60, 16).join("\n");
    assert!(bottom.contains("sign-off missing from Network services: +0 days"), "{bottom}");
    assert!(bottom.contains("above"), "{bottom}");
}

#[test]
fn help() {
    snapshot("help", |a| a.update(Action::Help));
}

#[test]
fn checkout_form() {
    snapshot("checkout_form", |a| {
        a.update(Action::Tab(Tab::Rollout));
        a.update(Action::Record(Write::Checkout));
    });
}

#[test]
fn override_form() {
    snapshot("override_form", |a| {
        a.update(Action::Tab(Tab::Rollout));
        a.update(Action::Record(Write::Advance));
    });
}

#[test]
fn too_small_says_so() {
    let s = Sample::new();
    let mut a = app(&s);
    let terminal = render(&mut a, 50, 12, &Theme::new(false));
    insta::assert_snapshot!("too_small_50x12", terminal.backend());
}

#[test]
fn read_only_footer_has_no_recording_keys() {
    let s = Sample::new();
    let mut a = app(&s);
    a.read_only = true;
    a.update(Action::Tab(Tab::Rollout));
    let terminal = render(&mut a, 80, 24, &Theme::new(false));
    let text = terminal.backend().to_string();
    assert!(text.contains("READ-ONLY"));
    assert!(!text.contains("checkout") || !text.contains("c checkout"), "{text}");
    assert!(!text.contains("A advance"), "{text}");
}

#[test]
fn no_color_keeps_emphasis_and_symbols_without_colour() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Tab(Tab::Rollout));
    let terminal = render(&mut a, 80, 24, &Theme::new(true));
    let buffer = terminal.backend().buffer();
    let mut reversed = 0;
    for cell in buffer.content() {
        assert_eq!(cell.fg, Color::Reset, "no foreground colour under NO_COLOR at {:?}", cell.symbol());
        assert_eq!(cell.bg, Color::Reset, "no background colour under NO_COLOR");
        if cell.modifier.contains(Modifier::REVERSED) {
            reversed += 1;
        }
    }
    assert!(reversed > 0, "the selection is still shown, by reverse video");
    let text = terminal.backend().to_string();
    assert!(text.contains("✗ overdue 15/14") && text.contains("✓ ready"), "state is shown by symbol and word:\n{text}");
}

#[test]
fn colour_never_stands_alone() {
    // Every run of red or yellow cells carries text of its own (a symbol or a word),
    // so nothing is told by a coloured blank.
    let s = Sample::new();
    for tab in [Tab::Fleet, Tab::Rollout, Tab::Risk, Tab::Server, Tab::Plan] {
        let mut a = app(&s);
        a.selected = a.live.state.server_index("MSP-MBX06");
        a.update(Action::Tab(tab));
        let theme = Theme::new(false);
        let terminal = render(&mut a, 120, 40, &theme);
        let buffer = terminal.backend().buffer();
        let warm_colours = [theme.bad.fg, theme.warn.fg, theme.ok.fg].map(|c| c.expect("a colour"));
        let mut seen = 0;
        for y in 0..buffer.area.height {
            let mut run = String::new();
            for x in 0..=buffer.area.width {
                let warm = x < buffer.area.width && warm_colours.contains(&buffer[(x, y)].fg);
                seen += usize::from(warm);
                if warm {
                    run.push_str(buffer[(x, y)].symbol());
                } else if !run.is_empty() {
                    assert!(!run.trim().is_empty(), "{tab:?}: a coloured blank on row {y}");
                    run.clear();
                }
            }
        }
        assert!(seen > 0, "{tab:?}: the sample shows some state in colour");
    }
}

#[test]
fn a_list_window_moves_only_when_the_cursor_leaves_it() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Tab(Tab::Journal));
    let top_line = |a: &mut App| {
        let t = render(a, 80, 24, &Theme::new(true));
        let b = t.backend().buffer();
        (0..80).map(|x| b[(x, 3)].symbol()).collect::<String>()
    };
    for _ in 0..25 {
        a.update(Action::Down);
    }
    // 19 rows, the last for the "more" line: the cursor on the 26th event puts the 8th on top.
    let at_bottom = top_line(&mut a);
    assert!(at_bottom.contains("#31"), "{at_bottom}");
    a.update(Action::Up);
    a.update(Action::Up);
    assert_eq!(top_line(&mut a), at_bottom, "moving up inside the window does not scroll it");
    for _ in 0..20 {
        a.update(Action::Up);
    }
    assert!(top_line(&mut a).contains("#36"), "above the window: it follows the cursor, no further");
    a.update(Action::Top);
    assert!(top_line(&mut a).contains("#39"), "back at the top, the newest event is first");
}

/// The text of a frame, one string per row.
fn rows(app: &mut App, width: u16, height: u16) -> Vec<String> {
    let t = render(app, width, height, &Theme::new(true));
    let b = t.backend().buffer();
    (0..height).map(|y| (0..width).map(|x| b[(x, y)].symbol()).collect::<String>()).collect()
}

fn open_server(a: &mut App, name: &str) {
    a.selected = a.live.state.server_index(name);
    a.update(Action::Tab(Tab::Server));
}

#[test]
fn server_scrolled_to_the_end() {
    let s = Sample::new();
    let mut a = app(&s);
    open_server(&mut a, "BOS-BH01");
    render(&mut a, 80, 24, &Theme::new(false));
    a.update(Action::Bottom);
    let terminal = render(&mut a, 80, 24, &Theme::new(false));
    insta::assert_snapshot!("server_bottom_80x24", terminal.backend());
}

#[test]
fn rollout_gates_scrolled() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Left);
    // As in the terminal, a frame is drawn between two keys: G goes as far as it showed.
    render(&mut a, 60, 16, &Theme::new(false));
    a.update(Action::Bottom);
    let terminal = render(&mut a, 60, 16, &Theme::new(false));
    insta::assert_snapshot!("rollout_gates_bottom_60x16", terminal.backend());
    a.update(Action::Right);
    a.update(Action::Right);
    a.update(Action::Bottom);
    let terminal = render(&mut a, 80, 24, &Theme::new(false));
    insta::assert_snapshot!("rollout_waiting_bottom_80x24", terminal.backend());
}

#[test]
fn the_server_view_ends_on_its_last_line_never_a_blank_pane() {
    let s = Sample::new();
    let mut a = app(&s);
    open_server(&mut a, "BOS-BH01");
    let i = a.selected.expect("BOS-BH01");
    // The oldest event is the server view's last line.
    let oldest = a.live.state.history[i][0] as usize;
    let last = a.entries(&[oldest]).pop().flatten().expect("oldest event");
    let last = sprout::describe::event(&last.event);
    // Where it all fits (120x40; 200x60 in two columns) there is no "more" line and G changes nothing.
    for (w, h) in SIZES {
        let top = rows(&mut a, w, h);
        if !top.iter().any(|r| r.contains("… ") && r.contains("more, ↓")) {
            assert!(top.iter().any(|r| r.contains(&last[..30])), "{w}x{h}: all of it shows:\n{top:#?}");
            a.update(Action::Bottom);
            assert_eq!(rows(&mut a, w, h), top, "{w}x{h}");
            continue;
        }
        a.update(Action::Bottom);
        let bottom = rows(&mut a, w, h);
        let body = &bottom[3..usize::from(h) - 2];
        assert!(body.iter().filter(|r| !r.trim().is_empty()).count() > body.len() / 2, "{w}x{h}: {bottom:#?}");
        assert!(bottom.iter().any(|r| r.contains(&last[..30])), "{w}x{h}: the last line shows:\n{bottom:#?}");
        assert!(bottom.iter().any(|r| r.contains("↑ ") && r.contains(" above")), "{w}x{h}: {bottom:#?}");
        // One step up moves at once: the scroll is not parked past the end.
        a.update(Action::Up);
        assert_ne!(rows(&mut a, w, h), bottom, "{w}x{h}: ↑ after G moves");
        a.update(Action::Top);
    }
}

#[test]
fn the_more_line_counts_what_is_out_of_sight() {
    let s = Sample::new();
    let mut a = app(&s);
    let shown = rows(&mut a, 80, 24);
    // Fleet: 38 servers and 7 group lines; 17 rows under the header and one for the count.
    let total = a.panes.fleet.lines.len();
    let listed =
        shown[4..].iter().take_while(|r| r.starts_with("  ") || r.starts_with("▾") || r.starts_with("▶")).count();
    let more = format!("… {} more, ↓", total - listed);
    assert!(shown.iter().any(|r| r.starts_with(&more)), "{more}:\n{shown:#?}");
    a.update(Action::Bottom);
    let shown = rows(&mut a, 80, 24);
    assert!(shown.iter().any(|r| r.starts_with(&format!("↑ {} above", total - listed))), "{shown:#?}");
    assert!(!shown.iter().any(|r| r.contains("more, ↓")), "nothing below the last line:\n{shown:#?}");
}

#[test]
fn the_rollout_gates_and_waiting_list_are_reachable_at_the_minimum_size() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Tab(Tab::Rollout));
    let shown = rows(&mut a, 60, 16);
    let text = shown.join("\n");
    assert!(!text.contains("sign-off missing from Network services"), "the last gate is out of sight:\n{text}");
    assert!(text.contains("→/l panel"), "the footer says how to reach the other panels:\n{text}");
    assert!(text.contains("more, ↓"), "{text}");
    // ← puts the gates in focus; G shows their end.
    a.update(Action::Left);
    a.update(Action::Bottom);
    let text = rows(&mut a, 60, 16).join("\n");
    assert!(text.contains("▶ Gates of phase"), "{text}");
    assert!(text.contains("sign-off missing from Network services"), "{text}");
    assert!(text.contains("↑ ") && text.contains(" above"), "{text}");
    // The member under the cursor did not move while the gates scrolled.
    let rollout = &a.panes.rollout;
    assert_eq!(rollout.members.get(rollout.scroll.cursor).copied(), a.live.state.server_index("BOS-IMS01"));
    assert_eq!(a.target_server(), None, "no record key acts on a member while the gates are in focus");
    // Twice → : the waiting-on list, whose last entry G brings into sight.
    a.update(Action::Right);
    a.update(Action::Right);
    a.update(Action::Bottom);
    let text = rows(&mut a, 60, 16).join("\n");
    assert!(text.contains("▶ Waiting on"), "{text}");
    assert!(text.contains("│Network services:") && text.contains("↑ 3 above"), "{text}");
}

#[test]
fn every_view_keeps_its_title_and_footer_at_the_minimum_size() {
    let s = Sample::new();
    for (tab, title) in [
        (Tab::Fleet, "Fleet: 38 servers"),
        (Tab::Server, "(esc back, ↑/↓ scroll)"),
        (Tab::Rollout, "Gates of phase 3"),
        (Tab::Journal, "Journal: 39 of 39"),
        (Tab::Risk, "Risk in ex55-sp4"),
        (Tab::Plan, "Plan of ex55-sp4: projected end"),
    ] {
        let mut a = app(&s);
        a.selected = a.live.state.server_index("BOS-BH01");
        a.update(Action::Tab(tab));
        let shown = rows(&mut a, 60, 16);
        assert!(shown[2..5].iter().any(|r| r.contains(title)), "{tab:?}: {title}\n{shown:#?}");
        assert!(shown[15].starts_with("? help  q quit"), "{tab:?}: the footer\n{shown:#?}");
        assert!(shown[0].ends_with("2000-11-24 12:00 UTC "), "{tab:?}: the clock\n{shown:#?}");
        assert!(shown[0].contains("…  2000") || !shown[0].contains("… 2000"), "two blanks before the clock");
    }
}

#[test]
fn help_says_there_is_more_and_scrolls_to_it() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Help);
    let top = rows(&mut a, 60, 16);
    assert!(top[0].contains("more, ↓"), "{top:#?}");
    a.handle_key(ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::Char('G')));
    let bottom = rows(&mut a, 60, 16);
    assert!(bottom[0].contains("above") && !bottom[0].contains("more, ↓"), "{bottom:#?}");
    assert!(bottom.iter().any(|r| r.contains("days ago")), "the last line of help (the legend) shows:\n{bottom:#?}");
}

#[test]
fn help_on_a_narrow_terminal_wraps_between_words() {
    let s = Sample::new();
    let mut a = app(&s);
    a.update(Action::Tab(Tab::Rollout));
    a.update(Action::Help);
    a.handle_key(ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::Char('G')));
    let terminal = render(&mut a, 60, 16, &Theme::new(false));
    insta::assert_snapshot!("help_rollout_bottom_60x16", terminal.backend());
}
