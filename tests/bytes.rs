//! What a watcher on a slow link receives when another operator records something: only the
//! cells that changed, measured as the bytes the dashboard writes to its terminal.

mod common;

use chrono::{DateTime, Utc};
use common::{NOW, Sample};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use sprout::app::{Action, App, Tab};
use sprout::store::Operator;
use sprout::ui::{self, Theme};

/// Counts the bytes written to it: the terminal's side of the link.
#[derive(Clone, Default)]
struct Link(std::rc::Rc<std::cell::Cell<usize>>);

impl std::io::Write for Link {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A terminal of `width` x `height` whose output is counted.
fn terminal(width: u16, height: u16, link: &Link) -> Terminal<CrosstermBackend<Link>> {
    let viewport = Viewport::Fixed(Rect::new(0, 0, width, height));
    Terminal::with_options(CrosstermBackend::new(link.clone()), TerminalOptions { viewport }).expect("terminal")
}

#[test]
fn one_remote_checkout_costs_a_watcher_under_two_kilobytes() {
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let op = Operator { name: "watcher".into(), from: None };
    for tab in [Tab::Fleet, Tab::Rollout] {
        let s = Sample::new();
        let mut app =
            App::load(sprout::store::FileStore::open(s.path()), op.clone(), true, now, true, Some(0)).expect("load");
        app.update(Action::Tab(tab));
        let link = Link::default();
        let mut t = terminal(120, 40, &link);
        app.page = ui::body_height(40).saturating_sub(2);
        let theme = Theme::new(false);
        t.draw(|f| ui::draw(f, &app, &theme)).expect("first frame");
        let first = link.0.get();
        let checkout = common::ims01_pass();
        common::record_as(&s, "mfinger", NOW, checkout).expect("recorded by another operator");
        assert!(app.watch(), "the watcher sees the change");
        t.draw(|f| ui::draw(f, &app, &theme)).expect("second frame");
        let change = link.0.get() - first;
        println!("{tab:?} view at 120x40: first frame {first} bytes, one remote checkout {change} bytes");
        assert!(change < 2048, "{tab:?}: {change} bytes for one checkout");
        assert!(change * 2 < first, "{tab:?}: the change is less than half a whole frame ({first} bytes)");
    }
}
