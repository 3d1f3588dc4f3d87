//! Every view drawn on a TestBackend at 80x24 and 120x40 with the clock pinned.
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

fn snapshot(name: &str, setup: impl Fn(&mut App)) {
    let s = Sample::new();
    for (w, h) in [(80, 24), (120, 40)] {
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
    for tab in [Tab::Fleet, Tab::Rollout, Tab::Risk, Tab::Server] {
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
    let at_bottom = top_line(&mut a);
    assert!(at_bottom.contains("#32"), "{at_bottom}");
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
