//! The front of the derived-state cache: the fleet view as the dashboard's first frame shows it
//! (the default order's lines, the rows of its first window, the longest name), kept beside
//! the cache with the state it was derived from (baseline key, journal mark, events and sum),
//! the instant it was derived at and the instant until which its rows stay exact
//! (`FleetView::rows_exact_until`). A launch whose state and clock match draws its first frame
//! from it and the cache's small parts alone, then loads and derives everything as before.
//! Anything that does not match (another state, program or rollout, a damaged or foreign
//! file, a clock outside the span, a taller terminal) means no front: a launch as before.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::live::Loaded;
use crate::rules::{FleetView, RolloutView, ServerRow};
use crate::store::{Mark, Operator, Store};
use crate::views::Names;
use crate::views::fleet::{FleetTable, Line};

use super::{App, Tab};

/// The part's name beside the cache (`Store::cache_part`).
const PART: &str = "front";
const MAGIC: &[u8; 16] = b"sprout-front-v1\n";
/// Rows kept: a terminal whose fleet window is taller launches as before.
pub const WINDOW: usize = 256;

#[derive(Debug, Serialize, Deserialize)]
struct Front {
    /// The program that wrote it (`live::cache::PROGRAM`): the rules may differ between versions.
    program: String,
    /// The state it was derived from: the baseline's key, the journal's mark, events and sum.
    key: String,
    mark: Mark,
    events: usize,
    sum: String,
    /// The selected rollout the rows were derived for.
    rollout: Option<usize>,
    derived_at: DateTime<Utc>,
    /// The rows are exact from `derived_at` until just before this instant.
    until: DateTime<Utc>,
    servers: usize,
    longest: usize,
    /// Every line of the table in the default order.
    lines: Vec<Line>,
    /// The rows of the servers among the first `WINDOW` lines, in line order (JSON: a soak's
    /// state is a tagged enum).
    rows: String,
}

/// Whether `loaded` is the state `front` was derived from.
fn same_state(front: &Front, loaded: &Loaded) -> bool {
    front.key == loaded.key
        && front.mark == loaded.mark
        && front.events == loaded.data.journal.len()
        && front.sum == loaded.data.journal.sum
}

/// Keep the front of `app`'s fleet view beside the derived-state cache (best effort): only for
/// a table as it first shows (`FleetTable::at_start`), a whole state, and rows exact for a while.
pub fn save(app: &App) {
    if let Some(bytes) = encode(app) {
        app.live.store.save_cache_part(PART, &bytes);
    }
}

/// The bytes `save` keeps: magic, the body's BLAKE3, the body (postcard).
fn encode(app: &App) -> Option<Vec<u8>> {
    let (live, t) = (&app.live, &app.panes.fleet);
    let whole = matches!(live.source, crate::live::Source::Full | crate::live::Source::Cache { .. });
    if !whole || live.torn.is_some() || live.state.damaged() || !t.at_start() || t.matching() {
        return None;
    }
    let until = app.view.rows_exact_until(&live.state, app.now);
    if until <= app.now {
        return None;
    }
    let rows: Vec<&ServerRow> = (t.lines.iter().take(WINDOW))
        .filter_map(|l| match l {
            Line::Server(i) => app.view.rows.get(*i),
            Line::Group { .. } => None,
        })
        .collect();
    let front = Front {
        program: crate::live::cache::PROGRAM.to_string(),
        key: live.key.clone(),
        mark: live.mark.clone(),
        events: live.data.journal.len(),
        sum: live.data.journal.sum.clone(),
        rollout: app.view.rollout.as_ref().map(|v| v.rollout),
        derived_at: app.now,
        until,
        servers: app.view.rows.len(),
        longest: app.names.longest,
        lines: t.lines.clone(),
        rows: serde_json::to_string(&rows).ok()?,
    };
    let body = postcard::to_stdvec(&front).ok()?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 32 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(blake3::hash(&body).as_bytes());
    bytes.extend_from_slice(&body);
    Some(bytes)
}

/// The front kept for `store`, when its sum holds and this program wrote it.
fn read(store: &Arc<dyn Store>) -> Option<Front> {
    let bytes = store.cache_part(PART)?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sum, body) = rest.split_first_chunk::<32>()?;
    if blake3::hash(body).as_bytes() != sum {
        return None;
    }
    let front: Front = postcard::from_bytes(body).ok()?;
    (front.program == crate::live::cache::PROGRAM).then_some(front)
}

/// What a launch draws its first frame with.
pub struct Launch<'a> {
    pub operator: Operator,
    pub read_only: bool,
    pub now: DateTime<Utc>,
    pub pinned: bool,
    /// `--rollout`.
    pub rollout: Option<&'a str>,
    /// The terminal's height.
    pub height: u16,
}

/// An app that draws the first frame of the Fleet from the front alone, or `None` (launch as
/// before). Only for drawing that frame: it holds the cache's small parts and the first
/// window's rows, so it is dropped for the full app (`App::from_loaded`) before any key.
pub fn open(store: &Arc<dyn Store>, launch: Launch) -> Option<App> {
    let front = read(store)?;
    if launch.now < front.derived_at || launch.now >= front.until || crate::ui::body_height(launch.height) > WINDOW {
        return None;
    }
    let loaded = crate::live::restore_small(store)?;
    if !same_state(&front, &loaded) || loaded.torn.is_some() || loaded.state.servers.len() != front.servers {
        return None;
    }
    let rollout = crate::rules::lookup::chosen_rollout(&loaded.data, launch.rollout).ok()?;
    if rollout != front.rollout {
        return None;
    }
    let rows = window_rows(&front, &loaded)?;
    let current = rollout.and_then(|r| loaded.state.progress.get(r)).map(|p| p.current);
    let mut app = App::bare(loaded, launch.operator, launch.read_only, launch.now, launch.pinned, rollout);
    let heading = rollout.zip(current).map(|(r, current)| Arc::new(RolloutView::heading(r, current)));
    app.view = FleetView { rows: Arc::new(rows), rollout: heading };
    app.names = Arc::new(Names::with_longest(front.longest));
    app.panes.fleet = FleetTable::from_front(front.lines);
    app.tab = Tab::Fleet;
    Some(app)
}

/// The view's rows by server index: the first window's from the front, every other one a
/// blank copy of one of them that no line of the first frame shows. Each window server's
/// record is read from the cache (checked) so the frame never draws a damaged chunk.
fn window_rows(front: &Front, loaded: &Loaded) -> Option<Vec<ServerRow>> {
    let kept: Vec<ServerRow> = serde_json::from_str(&front.rows).ok()?;
    let shown: Vec<usize> = (front.lines.iter().take(WINDOW))
        .filter_map(|l| match l {
            Line::Server(i) => Some(*i),
            Line::Group { .. } => None,
        })
        .collect();
    if shown.len() != kept.len() || shown.iter().zip(&kept).any(|(&i, row)| row.index != i || i >= front.servers) {
        return None;
    }
    if shown.iter().any(|&i| loaded.state.servers.at(i).is_none()) || loaded.state.damaged() {
        return None;
    }
    let Some(first) = kept.first() else {
        return (front.servers == 0).then(Vec::new);
    };
    let blank = ServerRow { levels: Vec::new(), ratings: None, ..first.clone() };
    let mut rows = vec![blank; front.servers];
    for row in kept {
        let i = row.index;
        rows[i] = row;
    }
    Some(rows)
}
