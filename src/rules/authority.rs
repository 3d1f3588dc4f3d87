//! Who may record what: approvers from `team.ron`, and no one checks their own work.

use crate::model::{Data, Event};

use super::lookup::{Refusal, phase_index, refuse, rollout_index};
use super::replay::State;

/// Who may record what: with a `team.ron`, overriding a gate, signing off and backing out
/// need an approver; nobody signs off a phase in which they recorded a checkout.
pub fn check(data: &Data, state: &State, event: &Event, operator: &str) -> Result<(), Refusal> {
    let needs_approver = event.approval();
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
        let p = phase_index(&data.plan.rollouts[r], phase)?;
        // Over the whole history: a server since moved out of the phase still counts.
        if let Some((_, i)) = state.progress[r].checked[p].iter().find(|(by, _)| by == operator) {
            return refuse(format!(
                "{operator} recorded the checkout of {} in this phase; a sign-off must come from someone else",
                state.servers[*i as usize].name
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckoutResult, Team};
    use crate::rules::fixture::{apply, sample};

    fn sign_off(group: &str) -> Event {
        Event::SignOff {
            rollout: "ex55-sp4".into(),
            phase: "Local low impact".into(),
            group: group.into(),
            note: String::new(),
        }
    }

    fn checkout(server: &str) -> Event {
        Event::Checkout {
            rollout: "ex55-sp4".into(),
            server: server.into(),
            phase: "Local low impact".into(),
            result: CheckoutResult::Pass,
            note: String::new(),
        }
    }

    #[test]
    fn with_a_team_only_an_approver_signs_off_overrides_or_backs_out() {
        let (mut data, state) = sample();
        assert!(check(&data, &state, &sign_off("Network services"), "anyone").is_ok(), "no team: no approvers");
        data.team = Some(Team { approvers: vec!["mtracy".into()] });
        let e = check(&data, &state, &sign_off("Network services"), "jsmith").expect_err("not an approver");
        assert_eq!(
            e.0,
            "only an approver may sign off for a group; jsmith is not among the approvers in team.ron (mtracy)"
        );
        assert!(check(&data, &state, &sign_off("Network services"), "mtracy").is_ok());
        let back_out =
            Event::BackedOut { server: "BOS-IMS02".into(), product: "ex55".into(), to_level: 3, reason: "r".into() };
        assert!(check(&data, &state, &back_out, "jsmith").expect_err("not an approver").0.contains("back out"));
    }

    #[test]
    fn moving_a_server_out_of_the_phase_does_not_launder_its_checkout() {
        let (mut data, mut state) = sample();
        apply(&data, &mut state, "jsmith", checkout("BOS-IMS02"));
        // A priority override moves BOS-IMS02 out of the phase (priority 1 is its selector).
        let moved = Event::RiskOverride {
            rollout: "ex55-sp4".into(),
            server: "BOS-IMS02".into(),
            priority: 3,
            reason: "r".into(),
            approver: Some("mtracy".into()),
        };
        apply(&data, &mut state, "jsmith", moved.clone());
        let e = check(&data, &state, &sign_off("Network services"), "jsmith").expect_err("still its checker");
        assert_eq!(
            e.0,
            "jsmith recorded the checkout of BOS-IMS02 in this phase; a sign-off must come from someone else"
        );
        // With a team, moving a server between phases is asked for and confirmed by an approver.
        data.team = Some(Team { approvers: vec!["mtracy".into()] });
        let e = crate::rules::approval::check(&data, &state, &moved, "mtracy", crate::rules::fixture::now())
            .expect_err("asked and confirmed");
        assert!(e.0.starts_with("with team.ron a priority override is asked for"), "{e}");
    }

    #[test]
    fn nobody_signs_off_a_phase_they_checked_out_nor_checks_out_one_they_signed() {
        let (data, mut state) = sample();
        // mfinger recorded checkouts of BOS-BH01 and BOS-IMS02 in phase 3.
        let e = check(&data, &state, &sign_off("Network services"), "mfinger").expect_err("own checkout");
        assert!(e.0.starts_with("mfinger recorded the checkout of BOS-"), "{e}");
        assert!(check(&data, &state, &sign_off("Network services"), "jsmith").is_ok());
        apply(&data, &mut state, "jsmith", sign_off("Network services"));
        let e = check(&data, &state, &checkout("BOS-IMS01"), "jsmith").expect_err("signed this phase");
        assert_eq!(e.0, "jsmith signed off this phase for Network services; a checkout must come from someone else");
        assert!(check(&data, &state, &checkout("BOS-IMS01"), "mfinger").is_ok());
    }

    #[test]
    fn an_operator_is_kept_once_a_phase_with_the_first_server_they_checked_out() {
        let (data, state) = sample();
        let progress = &state.progress[0];
        // mfinger checked out two servers in phase 3: one entry, the earlier checkout's server.
        let theirs: Vec<_> = progress.checked[2].iter().filter(|(by, _)| by == "mfinger").collect();
        assert_eq!(theirs.len(), 1, "{:?}", progress.checked[2]);
        // Who recorded a checkout is its journal line's.
        let journal = &data.journal;
        let by = |seq: u64| journal.operators[usize::from(journal.lines[seq as usize - 1].by)].clone();
        let first = (0..state.servers.len())
            .flat_map(|i| progress.members[i].checkouts.iter().map(move |c| (c.seq, by(c.seq), c.phase, i)))
            .filter(|(_, by, phase, _)| by == "mfinger" && *phase == 2)
            .min()
            .map(|(.., i)| state.servers[i].name.to_string())
            .expect("mfinger's checkouts in phase 3");
        assert_eq!(state.servers[theirs[0].1 as usize].name, first);
        let e = check(&data, &state, &sign_off("Network services"), "mfinger").expect_err("own checkout");
        assert!(e.0.starts_with(&format!("mfinger recorded the checkout of {first} in this phase")), "{e}");
    }
}
