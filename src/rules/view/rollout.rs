//! The selected rollout's view: its phases' members, the current phase's gates and lab
//! coverage, and who each unmet item waits on; derived with the rows it reads.

use chrono::{DateTime, Utc};

use crate::model::Data;

use super::super::gates;
use super::super::phase::{SoakState, Target, Window};
use super::super::replay::State;
use super::super::waiting;
use super::{RolloutView, Soaks};

/// Phases' members, the current phase's gates, and who it waits on.
pub(super) fn rollout_view(data: &Data, state: &State, r: usize, soaks: Soaks, now: DateTime<Utc>) -> RolloutView {
    let ro = &data.plan.rollouts[r];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ro.phases.len()];
    for i in 0..soaks.len() {
        if let Some(p) = soaks.phase(i) {
            members[p].push(i);
        }
    }
    let progress = &state.progress[r];
    let current = progress.current;
    let mut view = RolloutView {
        rollout: r,
        members,
        current,
        gates: Vec::new(),
        halted: None,
        waiting: Vec::new(),
        gate_owners: Default::default(),
        waiting_owners: Vec::new(),
    };
    let Some(p) = current else { return view };
    let members = &view.members[p];
    let window = Window::of(ro, p, progress.extra_days[p]);
    let target = Target { catalog: &data.catalog, rollout: ro };
    let owned = gates::evaluate_owned(&target, progress, state, window, members, now);
    let lab = ro.phases[p].is_lab().then(|| lab_roles(data, state, r, &view.members, soaks, p));
    let mut gates = gates::evaluate(&data.catalog, ro, progress, state, p, &[], lab.as_deref(), now);
    view.gate_owners = vec![Vec::new(); gates.len()];
    for ((lines, d), (owners, status)) in
        owned.into_iter().zip(gates::GATES).zip(view.gate_owners.iter_mut().zip(&mut gates))
    {
        if let gates::Check::Member(_) = d.check {
            (*owners, status.unmet) = lines.into_iter().unzip();
        }
    }
    let halted = waiting::halted(ro, state, progress, p);
    let target_name = waiting::target_name(data, ro);
    let holds = waiting::holds(data, state, r, p, members, now);
    let facts = waiting::Facts { target, target_name: &target_name, progress, halted: halted.is_some(), holds };
    let mut lines = Vec::new();
    for part in crate::parallel::halves(members, |_, part| waiting::members(&facts, state, part, soaks)) {
        for (kind, block) in part.into_iter().enumerate() {
            lines.push((kind, block));
        }
    }
    // Overdue first, then due, then to-do (each in member order), then sign-offs and approvers.
    lines.sort_by_key(|(kind, _)| *kind);
    for (kind, block) in lines {
        for (owner, line) in block {
            view.waiting_owners.push((kind as u8, owner));
            view.waiting.push(line);
        }
    }
    let owed = ro.phases[p].signoffs.iter().filter(|g| !progress.signoffs[p].iter().any(|s| &s.group == *g));
    for group in owed {
        view.waiting_owners.push((3, u32::MAX));
        view.waiting.push(format!("{group}: sign-off of phase {} ({})", p + 1, ro.phases[p].name));
    }
    for line in waiting::approvers(data, progress) {
        view.waiting_owners.push((4, u32::MAX));
        view.waiting.push(line);
    }
    view.halted = halted;
    view.gates = gates;
    // Kept until the next change: without the spare room pushing left (at 100,000 members).
    view.members.iter_mut().for_each(Vec::shrink_to_fit);
    view.waiting.shrink_to_fit();
    view.waiting_owners.shrink_to_fit();
    view
}

/// Each role among the rollout's members (in fleet.ron's order), with its lab members in phase
/// `lab` and how many of them passed: what the lab coverage gate asks.
fn lab_roles(
    data: &Data,
    state: &State,
    r: usize,
    members: &[Vec<usize>],
    soaks: Soaks,
    lab: usize,
) -> Vec<gates::LabRole> {
    let progress = &state.progress[r];
    let in_rollout = |i: usize| progress.members[i].excluded.is_none();
    let mut roles: Vec<gates::LabRole> = data
        .fleet
        .roles
        .iter()
        .filter(|role| members.iter().flatten().any(|&i| in_rollout(i) && state.servers[i].role == role.id))
        .map(|role| gates::LabRole { role: role.name.clone(), lab_members: 0, passed: 0 })
        .collect();
    for &i in members[lab].iter().filter(|&&i| in_rollout(i)) {
        let Some(k) = data.fleet.roles.iter().position(|x| x.id == state.servers[i].role) else { continue };
        let Some(line) = roles.iter_mut().find(|l| l.role == data.fleet.roles[k].name) else { continue };
        line.lab_members += 1;
        let passed = matches!(soaks.of(i), Some(SoakState::Ready { .. } | SoakState::AtTarget { verified: true }));
        line.passed += usize::from(passed);
    }
    roles
}
