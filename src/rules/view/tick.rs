//! The minute clock's share of a fleet view: only what reads the clock, derived apart from the
//! view (on a worker) and taken in.

use chrono::{DateTime, Utc};

use super::lines::{self, Lines};
use super::{FleetView, RolloutView, ServerRow, Soaks, rollout_view};
use crate::model::Data;
use crate::rules::phase::{SoakState, Start, Window, soak_state};
use crate::rules::replay::State;

/// What the clock changed in a fleet view within one day (`FleetView::ticked`): derived
/// apart from the view, on a worker, and taken in with `FleetView::take_tick`.
#[derive(Debug, Clone)]
pub struct Ticked {
    /// At a new date, the rows that changed (levels and hot fixes read the date), whole.
    rows: Vec<(usize, ServerRow)>,
    /// The servers whose soak changed, and their soak now.
    soaks: Vec<(usize, Option<SoakState>)>,
    /// What changed in the selected rollout's view (`None`: nothing).
    rollout: Option<RolloutTick>,
}

/// What the clock changed in the rollout's view.
#[derive(Debug, Clone)]
enum RolloutTick {
    /// The lines of the current phase's members whose soak changed: only theirs read the
    /// clock, so the view shown is kept and these are put in place of theirs.
    Lines(Lines),
    /// The view derived again, where one soak reaches other members' lines (the lab phase's
    /// coverage, a staggered start's holds).
    Whole(std::sync::Arc<RolloutView>),
}

impl FleetView {
    /// The clock moved from `before` to `now`: re-derive only what reads the clock. Within one
    /// day (UTC, the date levels and hot fixes are judged on) that is the soak of servers
    /// installed in a phase and the rollout's gates and waiting-on: the same result as `build`
    /// at `now`, without building 100,000 rows. Returns the servers whose row changed, or `None`
    /// when the date changed and everything must be derived again.
    pub fn tick(
        &mut self,
        data: &Data,
        state: &State,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<Vec<usize>> {
        let ticked = self.ticked(data, state, before, now)?;
        Some(self.take_tick(ticked, data, state, now).0)
    }

    /// `tick` without changing the view: what changed, for `take_tick` (`None`: the date
    /// changed, build everything again). Reads the view, so a worker can derive it while the
    /// dashboard goes on with keys.
    pub fn ticked(&self, data: &Data, state: &State, before: DateTime<Utc>, now: DateTime<Utc>) -> Option<Ticked> {
        Self::ticked_rows(&self.rows, self.rollout.as_ref().map(|v| v.rollout), data, state, before, now)
    }

    /// `ticked` over a view's rows with rollout `r` selected: all a worker needs of the view.
    pub fn ticked_rows(
        rows: &[ServerRow],
        r: Option<usize>,
        data: &Data,
        state: &State,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<Ticked> {
        if before.date_naive() != now.date_naive() {
            return None;
        }
        let Some(r) = r else {
            return Some(Ticked { rows: Vec::new(), soaks: Vec::new(), rollout: None });
        };
        let (ro, progress) = (&data.plan.rollouts[r], &state.progress[r]);
        let mut soaks = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let (Some(p), Some(_), Some(record)) = (row.phase, row.soak, progress.members.get(i)) else { continue };
            // Before an install, a soak's state does not read the clock.
            if record.installed_at.is_none() {
                continue;
            }
            let window = Window::of(ro, p, progress.extra_days[p]);
            let soak = Some(soak_state(record, Start::Installable, window, now));
            if soak != row.soak {
                soaks.push((i, soak));
            }
        }
        let rollout = Some(rollout_ticked(data, state, r, rows, &soaks, now));
        Some(Ticked { rows: Vec::new(), soaks, rollout })
    }

    /// The clock moved to a new date: every row derived again at `now` (on a worker), but only
    /// the rows that changed kept (the soaks' day counts; levels and hot fixes where a release
    /// date passed), not a second view of every row beside the one shown (35 MB at 100,000
    /// servers). A server's phase and its soak before an install do not read the clock.
    pub fn dated_rows(rows: &[ServerRow], r: Option<usize>, data: &Data, state: &State, now: DateTime<Utc>) -> Ticked {
        let mut changed = Vec::new();
        let mut soaks = Vec::new();
        for (i, row) in rows.iter().enumerate().filter(|&(i, _)| i < state.servers.len()) {
            let new = super::server_row(data, state, r, i, now);
            if new.soak != row.soak {
                soaks.push((i, new.soak));
            }
            if new != *row {
                changed.push((i, new));
            }
        }
        let rollout = r.map(|r| rollout_ticked(data, state, r, rows, &soaks, now));
        Ticked { rows: changed, soaks, rollout }
    }

    /// Take in what `ticked` derived from this view (at `now`, of `data` and `state`): returns
    /// the servers whose row changed, and the rollout's view it replaced when the view was
    /// derived again (the caller may free it off the input path).
    pub fn take_tick(
        &mut self,
        ticked: Ticked,
        data: &Data,
        state: &State,
        now: DateTime<Utc>,
    ) -> (Vec<usize>, Option<std::sync::Arc<RolloutView>>) {
        let mut changed: Vec<usize> = ticked.soaks.iter().map(|&(i, _)| i).collect();
        if !ticked.soaks.is_empty() || !ticked.rows.is_empty() {
            let rows = std::sync::Arc::make_mut(&mut self.rows);
            for &(i, soak) in &ticked.soaks {
                rows[i].soak = soak;
            }
            for (i, row) in ticked.rows {
                rows[i] = row;
                changed.push(i);
            }
            changed.sort_unstable();
            changed.dedup();
        }
        let old = match ticked.rollout {
            Some(RolloutTick::Whole(new)) => self.rollout.replace(new),
            Some(RolloutTick::Lines(lines)) => {
                let put = self.rollout.as_mut().is_none_or(|v| std::sync::Arc::make_mut(v).put(lines));
                match self.rollout.as_ref().map(|v| v.rollout) {
                    // A halt began or ended since the lines were derived: derive the view here.
                    Some(r) if !put => self.rollout.replace(std::sync::Arc::new(rollout_view(
                        data,
                        state,
                        r,
                        Soaks::of_rows(&self.rows),
                        now,
                    ))),
                    _ => None,
                }
            }
            None => None,
        };
        (changed, old)
    }
}

/// What the clock changed in rollout `r`'s view, the soaks in `soaks` read over `rows`: every
/// line that reads the clock reads a soak's day count, so only the members whose soak changed
/// have other lines (unless one soak reaches other members' lines: then the whole view).
fn rollout_ticked(
    data: &Data,
    state: &State,
    r: usize,
    rows: &[ServerRow],
    soaks: &[(usize, Option<SoakState>)],
    now: DateTime<Utc>,
) -> RolloutTick {
    let read = Soaks::of_rows(rows).changed(soaks);
    let changed: Vec<usize> = soaks.iter().map(|&(i, _)| i).collect();
    match lines::lines_of(data, state, r, &changed, read, now) {
        Some(lines) => RolloutTick::Lines(lines),
        None => RolloutTick::Whole(std::sync::Arc::new(rollout_view(data, state, r, read, now))),
    }
}

impl FleetView {
    /// Until when the rows of this view, derived at `now`, stay exactly what `build` derives
    /// at a later time: the next midnight UTC (levels, hot fixes and a checkout's age read the
    /// date), or sooner the first instant a soak the clock moves (`ticked_rows`'s rows: members
    /// with a phase, installed) reads another day count (`days_since`, whole days since the
    /// install). The rollout's own view (gates, waiting-on) is not covered.
    pub fn rows_exact_until(&self, state: &State, now: DateTime<Utc>) -> DateTime<Utc> {
        let midnight = (now.date_naive() + chrono::Days::new(1)).and_time(chrono::NaiveTime::MIN).and_utc();
        let Some(r) = self.rollout.as_ref().map(|v| v.rollout) else { return midnight };
        let Some(progress) = state.progress.get(r) else { return now };
        let mut until = midnight;
        for (i, row) in self.rows.iter().enumerate() {
            let (Some(_), Some(_), Some(record)) = (row.phase, row.soak, progress.members.get(i)) else { continue };
            let Some(installed) = record.installed_at else { continue };
            let days = i64::from(crate::rules::phase::days_since(installed, now)) + 1;
            // A day count past the calendar never changes again.
            let next = installed.checked_add_signed(chrono::Duration::days(days)).unwrap_or(DateTime::<Utc>::MAX_UTC);
            until = until.min(next);
        }
        until
    }
}

impl RolloutView {
    /// The selected rollout's view as the first frame's header and override line read it
    /// (`app::front`): which rollout, and its open phase. Members, gates and waiting-on come
    /// with the full view, which replaces it before any key is taken.
    pub fn heading(rollout: usize, current: Option<usize>) -> RolloutView {
        RolloutView {
            rollout,
            members: Vec::new(),
            current,
            gates: Vec::new(),
            halted: None,
            waiting: Vec::new(),
            gate_owners: Vec::new(),
            waiting_owners: Vec::new(),
        }
    }
}
