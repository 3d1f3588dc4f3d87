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
use crate::model::{OnDemand, Server};
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
    /// The state it was derived from: its baseline (`baseline`), the journal's mark, events and sum.
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
    /// Those servers' records, in the same order.
    servers_shown: Vec<Server>,
}

/// The baseline a state was built from, by content where the store gives a digest of the fleet
/// (an identity taken within a minute of a change proves nothing: `Plans::key`), else by key.
fn baseline(loaded: &Loaded) -> String {
    match &loaded.fleet_digest {
        Some(digest) => format!("{}|{digest}", loaded.key_but_fleet),
        None => loaded.key.clone(),
    }
}

/// Whether `loaded` is the state `front` was derived from.
fn same_state(front: &Front, loaded: &Loaded) -> bool {
    !front.key.is_empty()
        && front.key == baseline(loaded)
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
        key: baseline(live),
        mark: live.mark.clone(),
        events: live.data.journal.len(),
        sum: live.data.journal.sum.clone(),
        rollout: app.view.rollout.as_ref().map(|v| v.rollout),
        derived_at: app.now,
        until,
        servers: app.view.rows.len(),
        longest: app.names.longest,
        lines: t.lines.clone(),
        servers_shown: rows.iter().map(|r| live.state.servers.at(r.index).cloned()).collect::<Option<_>>()?,
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
    /// The terminal's size.
    pub width: u16,
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
    let mut loaded = crate::live::restore_small(store)?;
    if !same_state(&front, &loaded) || loaded.torn.is_some() || loaded.state.servers.len() != front.servers {
        return None;
    }
    let rollout = crate::rules::lookup::chosen_rollout(&loaded.data, launch.rollout).ok()?;
    if rollout != front.rollout {
        return None;
    }
    let (rows, servers) = window(front.rows, front.servers_shown, &front.lines, front.servers)?;
    Arc::make_mut(&mut loaded.state).servers = servers;
    let current = rollout.and_then(|r| loaded.state.progress.get(r)).map(|p| p.current);
    let mut app = App::bare(loaded, launch.operator, launch.read_only, launch.now, launch.pinned, rollout);
    let heading = rollout.zip(current).map(|(r, current)| Arc::new(RolloutView::heading(r, current)));
    app.view = FleetView { rows: Arc::new(rows), rollout: heading };
    app.names = Arc::new(Names::with_longest(front.longest));
    app.panes.fleet = FleetTable::from_front(front.lines);
    app.tab = Tab::Fleet;
    // Drawn once aside: a frame that would read any server but the window's (a blank row, a
    // record not kept) marks the servers damaged, and the launch goes on as before.
    app.page = crate::ui::body_height(launch.height).saturating_sub(2);
    let mut aside = ratatui::Terminal::new(ratatui::backend::TestBackend::new(launch.width, launch.height)).ok()?;
    aside.draw(|f| crate::ui::draw(f, &app, &crate::ui::Theme::new(true))).ok()?;
    (!app.live.state.damaged()).then_some(app)
}

/// The view's rows and the state's servers by server index, from the window's kept in the
/// front: every other row is a blank whose server is not kept, so drawing it reads a server
/// the front does not have, which marks the servers damaged (`OnDemand`) and is never drawn.
fn window(rows: String, kept: Vec<Server>, lines: &[Line], n: usize) -> Option<(Vec<ServerRow>, OnDemand<Server>)> {
    let rows: Vec<ServerRow> = serde_json::from_str(&rows).ok()?;
    let shown = lines.iter().take(WINDOW).filter_map(|l| match l {
        Line::Server(i) => Some(*i),
        Line::Group { .. } => None,
    });
    let shown: Vec<usize> = shown.collect();
    if shown.len() != rows.len()
        || kept.len() != rows.len()
        || shown.iter().zip(&rows).any(|(&i, r)| r.index != i || i >= n)
    {
        return None;
    }
    // Each kept server a chunk of its own, the servers between them chunks never read back.
    let mut by_index: Vec<(usize, Server)> = shown.iter().copied().zip(kept).collect();
    by_index.sort_unstable_by_key(|(i, _)| *i);
    by_index.dedup_by_key(|(i, _)| *i);
    let mut starts = if n == 0 { Vec::new() } else { vec![0] };
    for &(i, _) in &by_index {
        for s in [i, i + 1] {
            if s < n && starts.last().is_some_and(|&last| s > last) {
                starts.push(s);
            }
        }
    }
    let chunk_starts = starts.clone();
    let fetch: crate::model::on_demand::Fetch<Server> = Arc::new(move |c, out| {
        let first = *chunk_starts.get(c)?;
        let end = chunk_starts.get(c + 1).copied().unwrap_or(n);
        let k = by_index.binary_search_by_key(&first, |(i, _)| *i).ok().filter(|_| end == first + 1)?;
        out.push(by_index[k].1.clone());
        Some(())
    });
    let servers = OnDemand::pending(n, starts, fetch, Arc::default())?;
    let mut all = Vec::with_capacity(n);
    let Some(first) = rows.first() else {
        return (n == 0).then_some((all, servers));
    };
    let blank = ServerRow { levels: smallvec::SmallVec::new(), ratings: None, ..first.clone() };
    all.extend((0..n).map(|index| ServerRow { index, ..blank.clone() }));
    for row in rows {
        let i = row.index;
        all[i] = row;
    }
    Some((all, servers))
}
