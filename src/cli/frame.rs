//! `sprout frame`: one dashboard frame as text, which times the whole start-up.

use std::io::Write;

use crate::{live, store};

use super::{Context, Failure, Outcome, rollout_index};

/// One frame of the dashboard, drawn on a test backend and printed: times the whole start-up.
pub fn run(ctx: &Context, width: u16, height: u16, view: &str, out: &mut dyn Write) -> Outcome {
    // The operator's keys and theme, as the dashboard would start with them (a bad file is refused).
    let settings = crate::config::load(crate::config::dir().as_deref(), &ctx.asked).map_err(Failure)?;
    let tab = crate::app::Tab::from_name(view).ok_or_else(|| {
        let names: Vec<String> = crate::app::Tab::ALL.iter().map(|t| t.title().to_lowercase()).collect();
        Failure(format!("unknown view '{view}': one of {}", names.join(", ")))
    })?;
    // As the dashboard: the Fleet's first frame from the front of the derived-state cache
    // when it matches the state and the clock (`app::front`).
    let launch = crate::app::front::Launch {
        operator: store::Operator::current(),
        read_only: true,
        now: ctx.now,
        pinned: true,
        rollout: ctx.rollout.as_deref(),
        width,
        height,
    };
    if tab == crate::app::Tab::Fleet
        && let Some(mut app) = crate::app::front::open(&ctx.store(), launch)
    {
        app.keys = settings.keys;
        print(&mut app, &settings.theme, width, height, out)?;
        // The process ends with this command: its heap goes with it, not freed piece by piece.
        std::mem::forget(app);
        return Ok(());
    }
    // As the dashboard: a full load's cache is written beside the frame, which is printed first
    // (at the normal priority: the process waits for it before it ends).
    let (loaded, unsaved) = live::load_unsaved(&ctx.store(), &crate::progress::Progress::new())?;
    let saving = unsaved.then(|| {
        let loaded = loaded.clone();
        std::thread::spawn(move || live::cache::save(&loaded))
    });
    let rollout = rollout_index(&loaded, ctx.rollout.as_deref())?;
    let op = store::Operator::current();
    let mut app = crate::app::App::from_loaded(loaded, op, true, ctx.now, true, rollout);
    app.keys = settings.keys;
    app.update(crate::app::Action::Tab(tab));
    print(&mut app, &settings.theme, width, height, out)?;
    crate::app::front::save(&app);
    if let Some(saving) = saving {
        let _ = saving.join();
    }
    // The process ends with this command: the fleet's views and state (about 180 MB at
    // 100,000 servers) go with it, not freed piece by piece.
    std::mem::forget(app);
    Ok(())
}

/// Draw `app` on a `width` x `height` test backend and print it as text.
fn print(app: &mut crate::app::App, theme: &crate::ui::Theme, width: u16, height: u16, out: &mut dyn Write) -> Outcome {
    use ratatui::{Terminal, backend::TestBackend};
    let mut terminal = Terminal::new(TestBackend::new(width, height))?;
    app.page = crate::ui::body_height(height).saturating_sub(2);
    // Text only: colours do not print, so the monochrome theme (and the ASCII choice) draws it.
    let theme = crate::ui::Theme { ascii: theme.ascii, ..crate::ui::Theme::new(true) };
    terminal.draw(|f| crate::ui::draw(f, app, &theme))?;
    let buffer = terminal.backend().buffer();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        writeln!(out, "{}", line.trim_end())?;
    }
    out.flush()?;
    Ok(())
}
