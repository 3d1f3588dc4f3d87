//! One phase's open items and when each is met: its members' installs, soaks, checkouts and
//! verifications (with a staggered start and a halt), then its sign-offs.

use chrono::{DateTime, Duration, Utc};

use super::{Ctx, Key, OpenItem, passed, soak, target, window};
use crate::rules::phase::SoakState;

/// The later of two times, or `None` when either never comes.
fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    Some(a?.max(b?))
}

fn item(server: usize, key: Key, at: Option<DateTime<Utc>>, text: String) -> OpenItem {
    OpenItem { server: Some(server), text, at, days: None, key }
}

impl Ctx<'_> {
    /// The open items of phase `p`, opened (or opening) at `start`, with `resolved` met now.
    pub(super) fn phase(&self, p: usize, start: DateTime<Utc>, resolved: Option<Key>) -> Vec<OpenItem> {
        // About one item a member at most: room for them at once (doubling into 100,000 held
        // the old and the new vector together), and no room to spare kept after.
        let members = self.view.rollout.as_ref().map_or(0, |rv| rv.members.get(p).map_or(0, Vec::len));
        let mut items = Vec::with_capacity(members + self.ro.phases[p].signoffs.len());
        self.phase_each(p, start, resolved, &mut |item| items.push(item));
        items.shrink_to_fit();
        items
    }

    /// When phase `p`'s open items are all met (`finish` of `phase`), without keeping them: a
    /// later phase's 100,000 items were 11 MB held for the one date.
    pub(super) fn phase_finish(&self, p: usize, start: DateTime<Utc>, resolved: Option<Key>) -> Option<DateTime<Utc>> {
        let mut last = Some(start);
        self.phase_each(p, start, resolved, &mut |item| last = later_of(last, item.at));
        last
    }

    /// Each open item of phase `p`, in order, to `sink`.
    fn phase_each(&self, p: usize, start: DateTime<Utc>, resolved: Option<Key>, sink: &mut dyn FnMut(OpenItem)) {
        let Some(rv) = self.view.rollout.as_ref() else { return };
        let progress = &self.state.progress[self.r];
        let phase = &self.ro.phases[p];
        let (_, min) = window(self.ro, self.state, self.r, p);
        let members: Vec<usize> =
            rv.members[p].iter().copied().filter(|&i| progress.members[i].excluded.is_none()).collect();
        let met = |key| resolved == Some(key);
        let install = |i, from| self.slot(i, Some(phase.window), from);
        let working = |i, from| self.slot(i, None, from);
        let soaked = |at: DateTime<Utc>, d: Duration| at.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC);
        // A back-out halts the phase: the other installs wait until it has installed again.
        let mut halt = Some(start);
        for &i in &members {
            if soak(self.view, i) == Some(SoakState::BackedOut) && !met(Key::Member(i as u32)) {
                halt = later(halt, install(i, start));
            }
        }
        let (firsts, clear) = self.stagger(p, &members, start, halt, resolved);
        // When the items so far are met: sign-offs come with the last of them.
        let mut last = Some(start);
        let mut emit = |item: OpenItem| {
            last = later_of(last, item.at);
            sink(item);
        };
        for &i in &members {
            let record = &progress.members[i];
            let name = &self.state.servers[i].name;
            let state = soak(self.view, i);
            let unverified = (record.installed_at.is_some() && record.verified.is_none())
                || state == Some(SoakState::AtTarget { verified: false });
            let k = i as u32;
            if unverified && !met(Key::Verify(k)) {
                emit(item(i, Key::Verify(k), working(i, start), format!("{name}: verify the install (winver)")));
            }
            if met(Key::Member(k)) {
                continue;
            }
            // Installs wait for a halt to end and, but for the first ones, for the staggered start.
            let group = clear.iter().find(|(g, _)| g.is_empty() || *g == self.state.servers[i].role);
            let from = match group {
                Some((_, clear)) if !firsts.contains(&i) => later(halt, *clear),
                _ => halt,
            };
            let installed = |from: Option<DateTime<Utc>>| {
                let at = install(i, from?)?;
                working(i, soaked(at, min))
            };
            let (at, text) = match state {
                Some(SoakState::Soaking { day, min: m, .. }) => {
                    let end = record.installed_at.map(|at| soaked(at, min).max(start));
                    (end.and_then(|end| working(i, end)), format!("{name}: soaking, day {day} of {m}"))
                }
                Some(SoakState::CheckoutDue { day, max, .. }) => {
                    (working(i, start), format!("{name}: checkout due (day {day} of {max})"))
                }
                Some(SoakState::Overdue { day, max }) => {
                    (working(i, start), format!("{name}: checkout OVERDUE (day {day}, max {max})"))
                }
                Some(SoakState::Failed { .. }) => (working(i, start), format!("{name}: latest checkout is Fail")),
                Some(SoakState::NotStarted) => (installed(from), format!("{name}: not installed")),
                Some(SoakState::Blocked) => {
                    let needs = target(self.data, self.ro).needs(&self.state.servers[i]).unwrap_or_default();
                    (installed(from), format!("{name}: blocked: needs {needs} first"))
                }
                Some(SoakState::BackedOut) => {
                    (installed(Some(start)), format!("{name}: backed out: halts the phase until it installs again"))
                }
                _ => continue,
            };
            emit(item(i, Key::Member(k), at, text));
        }
        // Sign-offs come with the last checkout.
        for (k, group) in phase.signoffs.iter().enumerate() {
            if progress.signoffs[p].iter().any(|s| &s.group == group) || met(Key::SignOff(k as u32)) {
                continue;
            }
            let text = format!("sign-off missing from {group}");
            sink(OpenItem { server: None, text, at: last, days: None, key: Key::SignOff(k as u32) });
        }
    }

    /// A staggered start's first ones (those installed, in install order, then the others in
    /// the fleet's order) and, per group (the phase, or each role), when the rest may install.
    #[allow(clippy::type_complexity)]
    fn stagger(
        &self,
        p: usize,
        members: &[usize],
        start: DateTime<Utc>,
        halt: Option<DateTime<Utc>>,
        resolved: Option<Key>,
    ) -> (Vec<usize>, Vec<(String, Option<DateTime<Utc>>)>) {
        let Some(stagger) = self.ro.phases[p].stagger else { return (Vec::new(), Vec::new()) };
        let progress = &self.state.progress[self.r];
        let days = Duration::days(i64::from(stagger.days));
        let first = stagger.first as usize;
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for &i in members {
            let g = if stagger.per_role { self.state.servers[i].role.clone() } else { Default::default() };
            match groups.iter_mut().find(|(x, _)| *x == g) {
                Some((_, list)) => list.push(i),
                None => groups.push((g.to_string(), vec![i])),
            }
        }
        let mut firsts = Vec::new();
        let mut clear = Vec::new();
        for (g, list) in groups {
            let mut installed: Vec<(DateTime<Utc>, usize)> =
                list.iter().filter_map(|&i| progress.members[i].installed_at.map(|at| (at, i))).collect();
            installed.sort();
            installed.truncate(first);
            let mut until = Some(start);
            for &(at, i) in &installed {
                firsts.push(i);
                let soaked = at.checked_add_signed(days).is_some_and(|end| end <= start);
                if !(resolved == Some(Key::Member(i as u32)) || soaked && passed(&progress.members[i], p)) {
                    let end = at.checked_add_signed(days).unwrap_or(DateTime::<Utc>::MAX_UTC).max(start);
                    until = later(until, self.slot(i, None, end));
                }
            }
            let waiting = list
                .iter()
                .copied()
                .filter(|&i| matches!(soak(self.view, i), Some(SoakState::NotStarted | SoakState::Blocked)));
            for i in waiting.take(first - installed.len()) {
                firsts.push(i);
                if resolved == Some(Key::Member(i as u32)) {
                    continue;
                }
                let at = halt.and_then(|from| self.slot(i, Some(self.ro.phases[p].window), from));
                let end = at.and_then(|at| at.checked_add_signed(days));
                until = later(until, end.and_then(|end| self.slot(i, None, end)));
            }
            clear.push((g, until));
        }
        (firsts, clear)
    }
}

/// `finish`'s fold, one item at a time: the later date, or none once an item has none.
fn later_of(last: Option<DateTime<Utc>>, at: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    last.zip(at).map(|(last, at)| last.max(at))
}
