//! `sprout frame`: one dashboard frame as text, which times the whole start-up.

use std::io::Write;

use crate::{live, store};

use super::{Context, Failure, Outcome, rollout_index};

/// One frame of the dashboard, drawn on a test backend and printed: times the whole start-up.
pub fn run(ctx: &Context, width: u16, height: u16, view: &str, out: &mut dyn Write) -> Outcome {
    use ratatui::{Terminal, backend::TestBackend};
    // As the dashboard: a full load's cache is written beside the frame, which is printed first
    // (at the normal priority: the process waits for it before it ends).
    let (loaded, unsaved) = live::load_unsaved(&ctx.store(), &crate::progress::Progress::new())?;
    let saving = unsaved.then(|| {
        let loaded = loaded.clone();
        std::thread::spawn(move || live::cache::save(&loaded))
    });
    let rollout = rollout_index(&loaded, ctx.rollout.as_deref())?;
    let op = store::Operator::current();
    // The operator's keys and theme, as the dashboard would start with them (a bad file is refused).
    let settings = crate::config::load(crate::config::dir().as_deref(), &ctx.asked).map_err(Failure)?;
    let mut app = crate::app::App::from_loaded(loaded, op, true, ctx.now, true, rollout);
    app.keys = settings.keys;
    let tab = crate::app::Tab::from_name(view).ok_or_else(|| {
        let names: Vec<String> = crate::app::Tab::ALL.iter().map(|t| t.title().to_lowercase()).collect();
        Failure(format!("unknown view '{view}': one of {}", names.join(", ")))
    })?;
    app.update(crate::app::Action::Tab(tab));
    let mut terminal = Terminal::new(TestBackend::new(width, height))?;
    app.page = crate::ui::body_height(height).saturating_sub(2);
    // Text only: colours do not print, so the monochrome theme (and the ASCII choice) draws it.
    let theme = crate::ui::Theme { ascii: settings.theme.ascii, ..crate::ui::Theme::new(true) };
    terminal.draw(|f| crate::ui::draw(f, &app, &theme))?;
    let buffer = terminal.backend().buffer();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        writeln!(out, "{}", line.trim_end())?;
    }
    out.flush()?;
    if let Some(saving) = saving {
        let _ = saving.join();
    }
    Ok(())
}
