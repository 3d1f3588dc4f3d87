//! The gates that open the next phase: one definition each, with the exact reason it is unmet.
//!
//! A gate is either about each member (its lines carry the server, so an event about one server
//! re-evaluates only that server's lines) or about the phase as a whole. Adding a gate is adding
//! its entry to `GATES`; views, JSON, counts and overrides follow the list.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Catalog, CheckoutResult, Rollout};

use super::phase::{SoakState, Start, Target, Window, days_since, soak_state};
use super::replay::{MemberRecord, Progress, State};

/// What one member looks like to a gate.
pub struct Member<'a> {
    pub name: &'a str,
    pub record: &'a MemberRecord,
    pub window: Window,
    pub now: DateTime<Utc>,
    /// Where it stood against the target before any install was recorded.
    pub start: Start,
    /// What it must install first, when `start` is `Blocked`.
    pub needs: Option<&'a str>,
}

/// What the phase as a whole looks like to a gate.
pub struct PhaseFacts<'a> {
    pub rollout: &'a Rollout,
    pub progress: &'a Progress,
    pub phase: usize,
    /// For the lab phase: each role among the rollout's members, and the names of its lab
    /// members that passed (empty: none passed; `None` in the list: no lab server at all).
    pub lab: Option<&'a [LabRole]>,
}

/// One role of the rollout as the lab coverage gate sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRole {
    pub role: String,
    /// Lab members of the role in the lab phase.
    pub lab_members: usize,
    /// Of those, how many passed (a Pass after the soak, or at the target and verified).
    pub passed: usize,
}

/// How a gate is evaluated.
#[derive(Clone, Copy)]
pub enum Check {
    /// What one member still misses, if anything (excluded members are never asked).
    Member(fn(&Member) -> Option<String>),
    /// What the phase still misses; the lines are owed by a group or an approver, not a server.
    Phase(fn(&PhaseFacts) -> Vec<String>),
}

/// One gate: its id (in JSON), its label and its check.
#[derive(Clone, Copy)]
pub struct Definition {
    pub id: &'static str,
    pub label: &'static str,
    pub check: Check,
}

/// A gate, as the views and reports name it.
pub type Gate = &'static Definition;

impl std::fmt::Debug for Definition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

/// Gates are the same gate when their ids are.
impl PartialEq for Definition {
    fn eq(&self, other: &Definition) -> bool {
        self.id == other.id
    }
}

impl Eq for Definition {}

impl Serialize for Definition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

/// Every gate, in the order they are shown.
pub const GATES: &[Definition] = &[
    Definition {
        id: "installed",
        label: "every member installed and verified, or excluded",
        check: Check::Member(installed),
    },
    Definition { id: "soaked", label: "every member soaked the minimum days", check: Check::Member(soaked) },
    Definition {
        id: "checked_out",
        label: "every member has a Pass checkout after its soak",
        check: Check::Member(checked_out),
    },
    Definition { id: "signed_off", label: "every required sign-off recorded", check: Check::Phase(signed_off) },
    Definition {
        id: "lab_coverage",
        label: "every role in this rollout has a lab member that passed (lab phase only)",
        check: Check::Phase(lab_coverage),
    },
];

/// Gates that apply to the lab phase only.
pub fn applies(gate: &Definition, rollout: &Rollout, phase: usize) -> bool {
    gate.id != "lab_coverage" || rollout.phases[phase].is_lab()
}

impl Definition {
    pub fn label(&self) -> &'static str {
        self.label
    }
}

fn installed(m: &Member) -> Option<String> {
    let name = m.name;
    match (m.record.installed_at, &m.record.verified, m.start) {
        (Some(_), None, _) => Some(format!("{name}: install not verified (winver)")),
        (Some(_), Some(_), _) | (None, Some(_), Start::AtTarget) => None,
        (None, None, Start::AtTarget) => Some(format!("{name}: at the target already, not verified (winver)")),
        (None, _, Start::Blocked) => {
            Some(format!("{name}: blocked: needs {} first", m.needs.unwrap_or("a prerequisite")))
        }
        (None, _, Start::Installable) => Some(format!("{name}: target not installed")),
    }
}

fn soaked(m: &Member) -> Option<String> {
    let name = m.name;
    let Some(at) = m.record.installed_at else {
        return match m.start {
            Start::AtTarget => None,
            Start::Blocked => Some(format!("{name}: soak not started (blocked)")),
            Start::Installable => Some(format!("{name}: soak not started")),
        };
    };
    let day = days_since(at, m.now);
    (day < m.window.min).then(|| {
        let left = m.window.min - day;
        format!("{name}: day {day} of {}, {left} day{} left", m.window.min, plural(left))
    })
}

fn checked_out(m: &Member) -> Option<String> {
    let name = m.name;
    if m.record.installed_at.is_none() {
        return match m.start {
            Start::AtTarget => None,
            Start::Blocked => Some(format!("{name}: no checkout (blocked)")),
            Start::Installable => Some(format!("{name}: no checkout (not installed)")),
        };
    }
    match soak_state(m.record, m.start, m.window, m.now) {
        SoakState::Ready { .. } => None,
        SoakState::Failed { .. } => Some(format!("{name}: latest checkout is Fail")),
        SoakState::Overdue { day, max } => {
            Some(format!("{name}: OVERDUE, no Pass checkout by day {day} (maximum {max})"))
        }
        _ => {
            let note = match m.record.checkouts_in(m.window.phase).last() {
                Some(c) if c.result != CheckoutResult::Pass => format!(" (latest: {})", c.result.label()),
                Some(_) => " (its Pass came too early)".to_string(),
                None => String::new(),
            };
            Some(format!("{name}: needs a Pass checkout on or after day {}{note}", m.window.min))
        }
    }
}

fn signed_off(p: &PhaseFacts) -> Vec<String> {
    p.rollout.phases[p.phase]
        .signoffs
        .iter()
        .filter(|g| !p.progress.signoffs[p.phase].iter().any(|s| &s.group == *g))
        .map(|g| format!("sign-off missing from {g}"))
        .collect()
}

/// Seed: "at least one lab server of every role".
fn lab_coverage(p: &PhaseFacts) -> Vec<String> {
    p.lab
        .unwrap_or_default()
        .iter()
        .filter(|r| r.passed == 0)
        .map(|r| match r.lab_members {
            0 => format!("role {}: no lab server in this phase", r.role),
            n => format!("role {}: none of its {n} lab server(s) passed yet", r.role),
        })
        .collect()
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

/// Evaluate every gate of `phase`: the phase-level ones in full, the member ones for
/// `members` (indices into `state.servers`).
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    catalog: &Catalog,
    rollout: &Rollout,
    progress: &Progress,
    state: &State,
    phase: usize,
    members: &[usize],
    lab: Option<&[LabRole]>,
    now: DateTime<Utc>,
) -> Vec<GateStatus> {
    let window = Window::of(rollout, phase, progress.extra_days[phase]);
    let facts = PhaseFacts { rollout, progress, phase, lab };
    evaluate_owned(&Target { catalog, rollout }, progress, state, window, members, now)
        .into_iter()
        .zip(GATES)
        .filter(|(_, d)| applies(d, rollout, phase))
        .map(|(lines, d)| GateStatus {
            gate: d,
            unmet: match d.check {
                Check::Member(_) => lines.into_iter().map(|(_, line)| line).collect(),
                Check::Phase(check) => check(&facts),
            },
        })
        .collect()
}

/// The member gates' lines, one list per entry of `GATES` (empty for phase gates), each line
/// with the server it is about, in `members` order (on two threads for a large phase).
pub fn evaluate_owned(
    target: &Target,
    progress: &Progress,
    state: &State,
    window: Window,
    members: &[usize],
    now: DateTime<Utc>,
) -> Vec<Vec<(u32, String)>> {
    let mut out: Vec<Vec<(u32, String)>> = vec![Vec::new(); GATES.len()];
    for part in crate::parallel::halves(members, |_, part| unmet(target, progress, state, window, part, now)) {
        for (all, lines) in out.iter_mut().zip(part) {
            all.extend(lines);
        }
    }
    out
}

/// What `members` still miss for each member gate.
fn unmet(
    target: &Target,
    progress: &Progress,
    state: &State,
    window: Window,
    members: &[usize],
    now: DateTime<Utc>,
) -> Vec<Vec<(u32, String)>> {
    let mut out: Vec<Vec<(u32, String)>> = vec![Vec::new(); GATES.len()];
    for &i in members {
        let record = &progress.members[i];
        if record.excluded.is_some() {
            continue;
        }
        let server = &state.servers[i];
        let start = if record.installed_at.is_some() { Start::Installable } else { target.start(server) };
        let needs = if start == Start::Blocked { target.needs(server) } else { None };
        let member = Member { name: &server.name, record, window, now, start, needs: needs.as_deref() };
        for (lines, d) in out.iter_mut().zip(GATES) {
            if let Check::Member(check) = d.check
                && let Some(line) = check(&member)
            {
                lines.push((i as u32, line));
            }
        }
    }
    out
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::replay::CheckoutRecord;

    fn at(day: i64) -> DateTime<Utc> {
        crate::store::sample::anchor() + chrono::Duration::days(day)
    }

    fn member(record: &MemberRecord, today: i64) -> Vec<String> {
        let m = Member {
            name: "BOS-IMS01",
            record,
            window: Window { min: 3, max: 14, phase: 0 },
            now: at(today),
            start: Start::Installable,
            needs: None,
        };
        GATES
            .iter()
            .filter_map(|d| match d.check {
                Check::Member(check) => check(&m),
                Check::Phase(_) => None,
            })
            .collect()
    }

    fn checkout(day: i64, result: CheckoutResult) -> CheckoutRecord {
        CheckoutRecord { at: at(day), result, phase: 0, seq: 1 }
    }

    #[test]
    fn a_member_not_installed_misses_every_member_gate_with_its_own_reason() {
        let lines = member(&MemberRecord::default(), 0);
        assert_eq!(
            lines,
            [
                "BOS-IMS01: target not installed",
                "BOS-IMS01: soak not started",
                "BOS-IMS01: no checkout (not installed)"
            ]
        );
    }

    #[test]
    fn the_soak_counts_whole_days_and_a_pass_must_come_after_the_minimum() {
        let mut r = MemberRecord { installed_at: Some(at(0)), verified: Some("winver".into()), ..Default::default() };
        assert_eq!(
            member(&r, 2),
            ["BOS-IMS01: day 2 of 3, 1 day left", "BOS-IMS01: needs a Pass checkout on or after day 3"]
        );
        r.checkouts.push(checkout(2, CheckoutResult::Pass));
        assert_eq!(member(&r, 3), ["BOS-IMS01: needs a Pass checkout on or after day 3 (its Pass came too early)"]);
        r.checkouts.push(checkout(3, CheckoutResult::Pass));
        assert!(member(&r, 3).is_empty(), "soaked, verified, a Pass on day 3: every member gate met");
        r.checkouts.push(checkout(4, CheckoutResult::Fail));
        assert_eq!(member(&r, 5), ["BOS-IMS01: latest checkout is Fail"]);
    }

    #[test]
    fn past_the_maximum_without_a_pass_is_overdue() {
        let r = MemberRecord { installed_at: Some(at(0)), verified: Some("winver".into()), ..Default::default() };
        assert_eq!(member(&r, 15), ["BOS-IMS01: OVERDUE, no Pass checkout by day 15 (maximum 14)"]);
    }

    #[test]
    fn every_gate_has_an_id_and_a_label_and_the_list_is_the_order_shown() {
        let order: Vec<&str> = GATES.iter().map(|d| d.id).collect();
        assert_eq!(order, ["installed", "soaked", "checked_out", "signed_off", "lab_coverage"], "JSON names them so");
        assert!(GATES.iter().all(|d| !d.label.is_empty()));
        let ids: std::collections::HashSet<&str> = order.into_iter().collect();
        assert_eq!(ids.len(), GATES.len(), "ids are unique");
    }
}
