//! The four gates that open the next phase, each with the exact reason it is unmet.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{CheckoutResult, Rollout};

use super::phase::{SoakState, Window, days_since, soak_state};
use super::replay::{Progress, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    Installed,
    Soaked,
    CheckedOut,
    SignedOff,
}

impl Gate {
    pub fn label(self) -> &'static str {
        match self {
            Gate::Installed => "every member installed and verified, or excluded",
            Gate::Soaked => "every member soaked the minimum days",
            Gate::CheckedOut => "every member has a Pass checkout after its soak",
            Gate::SignedOff => "every required sign-off recorded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateStatus {
    pub gate: Gate,
    /// One line for each thing still missing; empty when met.
    pub unmet: Vec<String>,
}

impl GateStatus {
    pub fn met(&self) -> bool {
        self.unmet.is_empty()
    }
}

/// Evaluate the gates of `phase` for its `members` (indices into `state.servers`).
pub fn evaluate(
    rollout: &Rollout,
    progress: &Progress,
    state: &State,
    phase: usize,
    members: &[usize],
    now: DateTime<Utc>,
) -> Vec<GateStatus> {
    let window = Window::of(&rollout.phases[phase], progress.extra_days[phase]);
    let [installed, soaked, checked] = evaluate_owned(progress, state, window, members, now)
        .map(|lines| lines.into_iter().map(|(_, line)| line).collect());
    let signed: Vec<String> = rollout.phases[phase]
        .signoffs
        .iter()
        .filter(|g| !progress.signoffs[phase].iter().any(|s| &s.group == *g))
        .map(|g| format!("sign-off missing from {g}"))
        .collect();
    vec![
        GateStatus { gate: Gate::Installed, unmet: installed },
        GateStatus { gate: Gate::Soaked, unmet: soaked },
        GateStatus { gate: Gate::CheckedOut, unmet: checked },
        GateStatus { gate: Gate::SignedOff, unmet: signed },
    ]
}

/// Lines of the installed, soaked and checked-out gates, each with the server it is about, in
/// `members` order (two threads for a large phase).
pub fn evaluate_owned(
    progress: &Progress,
    state: &State,
    window: Window,
    members: &[usize],
    now: DateTime<Utc>,
) -> [Vec<(u32, String)>; 3] {
    let mut out: [Vec<(u32, String)>; 3] = Default::default();
    for part in super::in_halves(members, |part| unmet(progress, state, window, part, now)) {
        for (all, lines) in out.iter_mut().zip(part) {
            all.extend(lines);
        }
    }
    out
}

/// What `members` still miss for the installed, soaked and checked-out gates.
fn unmet(
    progress: &Progress,
    state: &State,
    window: Window,
    members: &[usize],
    now: DateTime<Utc>,
) -> [Vec<(u32, String)>; 3] {
    let mut installed = Vec::new();
    let mut soaked = Vec::new();
    let mut checked = Vec::new();
    for &i in members {
        let name = &state.servers[i].name;
        let owner = i as u32;
        let installed = &mut Owned(owner, &mut installed);
        let soaked = &mut Owned(owner, &mut soaked);
        let checked = &mut Owned(owner, &mut checked);
        let record = &progress.members[i];
        if record.excluded.is_some() {
            continue;
        }
        let Some(at) = record.installed_at else {
            installed.push(format!("{name}: target not installed"));
            soaked.push(format!("{name}: soak not started"));
            checked.push(format!("{name}: no checkout (not installed)"));
            continue;
        };
        if record.verified.is_none() {
            installed.push(format!("{name}: install not verified (winver)"));
        }
        let day = days_since(at, now);
        if day < window.min {
            let left = window.min - day;
            soaked.push(format!("{name}: day {day} of {}, {left} day{} left", window.min, plural(left)));
        }
        match soak_state(record, window, now) {
            SoakState::Ready { .. } => {}
            SoakState::Failed { .. } => checked.push(format!("{name}: latest checkout is Fail")),
            SoakState::Overdue { day, max } => {
                checked.push(format!("{name}: OVERDUE, no Pass checkout by day {day} (maximum {max})"));
            }
            _ => {
                let latest = record.checkouts_since_install().last();
                let note = match latest {
                    Some(c) if c.result != CheckoutResult::Pass => {
                        format!(" (latest: {})", c.result.label())
                    }
                    Some(_) => " (its Pass came too early)".to_string(),
                    None => String::new(),
                };
                checked.push(format!("{name}: needs a Pass checkout on or after day {}{note}", window.min));
            }
        }
    }
    [installed, soaked, checked]
}

/// Pushes lines tagged with the server they are about.
pub(crate) struct Owned<'a>(pub u32, pub &'a mut Vec<(u32, String)>);

impl Owned<'_> {
    pub fn push(&mut self, line: String) {
        self.1.push((self.0, line));
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}
