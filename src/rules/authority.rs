//! Who may record what: approvers from `team.ron`, and no one checks their own work.

use crate::model::{Data, Event};

use super::lookup::{Refusal, phase_index, refuse, rollout_index};
use super::replay::State;
use super::view::placement;

/// Who may record what: with a `team.ron`, overriding a gate, signing off and backing out
/// need an approver; nobody signs off a phase in which they recorded a checkout.
pub fn check(data: &Data, state: &State, event: &Event, operator: &str) -> Result<(), Refusal> {
    let needs_approver = match event {
        Event::PhaseOpened { override_reason: Some(_), .. } => Some("override a gate"),
        Event::SignOff { .. } => Some("sign off for a group"),
        Event::BackedOut { .. } => Some("back out an install"),
        Event::PhaseOpened { override_reason: None, .. }
        | Event::Install { .. }
        | Event::Verify { .. }
        | Event::Backup { .. }
        | Event::Checkout { .. }
        | Event::SoakExtended { .. }
        | Event::Excluded { .. }
        | Event::HotFixApplied { .. }
        | Event::RiskOverride { .. } => None,
    };
    if let (Some(what), Some(team)) = (needs_approver, &data.team)
        && !team.may_approve(operator)
    {
        return refuse(format!(
            "only an approver may {what}; {operator} is not among the approvers in team.ron ({})",
            team.approvers.join(", ")
        ));
    }
    if let Event::SignOff { rollout, phase, .. } = event {
        let r = rollout_index(data, rollout)?;
        let ro = &data.plan.rollouts[r];
        let p = phase_index(ro, phase)?;
        let own = state.progress[r].members.iter().enumerate().find(|(i, m)| {
            placement(ro, m, &state.servers[*i]).2 == Some(p) && m.checkouts_since_install().any(|c| c.by == operator)
        });
        if let Some((i, _)) = own {
            return refuse(format!(
                "{operator} recorded the checkout of {} in this phase; a sign-off must come from someone else",
                state.servers[i].name
            ));
        }
    }
    if let Event::Checkout { rollout, phase, .. } = event {
        let r = rollout_index(data, rollout)?;
        let p = phase_index(&data.plan.rollouts[r], phase)?;
        if let Some(s) = state.progress[r].signoffs[p].iter().find(|s| s.by == operator) {
            return refuse(format!(
                "{operator} signed off this phase for {}; a checkout must come from someone else",
                s.group
            ));
        }
    }
    Ok(())
}
