//! From what an operator means to the event recorded: one builder for the dashboard's forms and
//! the command line's `record` and `advance`, with the defaults (rollout, phase, product, level)
//! decided here once, from the latest state under the write lock. Checking the event is
//! `record`'s job.

use chrono::{DateTime, Utc};

use crate::model::{Asked, CheckoutResult, Data, Event};

use super::approval::{pending, unmet, unmet_of};
use super::lookup::{Refusal, chosen_rollout, phase_index, refuse, server_index};
use super::meeting::MeetingIntent;
use super::replay::State;
use super::view::placement;

/// What an operator means to record. `None` fields take their default from the rollout: its
/// product and target level, and its current phase.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Install {
        server: String,
        product: Option<String>,
        level: Option<u8>,
        verified: Option<String>,
    },
    Verify {
        server: String,
        product: Option<String>,
        level: Option<u8>,
        winver: String,
    },
    Backup {
        server: String,
        note: String,
    },
    Checkout {
        server: String,
        /// The phase the person saw the server in (a form names it): refused if the server
        /// has moved to another phase since, rather than recorded against one they never saw.
        phase: Option<String>,
        result: CheckoutResult,
        note: String,
    },
    SignOff {
        group: String,
        phase: Option<String>,
        note: String,
    },
    Extend {
        phase: Option<String>,
        days: u32,
        reason: String,
    },
    Exclude {
        server: String,
        reason: String,
    },
    BackOut {
        server: String,
        product: Option<String>,
        reason: String,
    },
    HotFix {
        server: String,
        hot_fix: String,
    },
    /// Without a team, recorded with the approver named; with a team, asked for.
    Priority {
        server: String,
        priority: u8,
        reason: String,
        approver: Option<String>,
    },
    /// Open the next phase; `phase` is the one the operator saw as next, so a phase opened by
    /// someone else meanwhile is never skipped.
    Advance {
        phase: Option<String>,
        override_reason: Option<String>,
        approver: Option<String>,
    },
    /// Confirm a pending override request (the one numbered, else the only one).
    Confirm {
        request: Option<u64>,
    },
    /// Withdraw (or, as an approver, decline) a pending override request.
    Withdraw {
        request: Option<u64>,
        reason: String,
    },
    /// Start or end the review meeting, or note who came and went (`rules::meeting`).
    Meeting(MeetingIntent),
}

impl Intent {
    /// The event this intent means in the latest state, for `rollout` (its id, or the first).
    pub fn event(
        self,
        data: &Data,
        state: &State,
        rollout: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Event, Refusal> {
        let chosen = || -> Result<usize, Refusal> {
            chosen_rollout(data, rollout)?.ok_or_else(|| Refusal("rollout.ron has no rollout".into()))
        };
        let id = |r: usize| data.plan.rollouts[r].id.clone();
        let phase_or_current = |r: usize, given: Option<String>| -> Result<String, Refusal> {
            if let Some(p) = given {
                return Ok(p);
            }
            let ro = &data.plan.rollouts[r];
            state.progress[r]
                .current
                .map(|c| ro.phases[c].name.clone())
                .ok_or_else(|| Refusal(format!("rollout '{}' has no open phase; name one with --phase", ro.id)))
        };
        Ok(match self {
            Intent::Install { server, product, level, verified } => {
                let (product, level) = match (product, level) {
                    (Some(p), Some(l)) => (p, l),
                    (p, l) => {
                        let ro = &data.plan.rollouts[chosen()?];
                        (p.unwrap_or_else(|| ro.product.clone()), l.unwrap_or(ro.target))
                    }
                };
                Event::Install { server, product, level, verified }
            }
            Intent::Verify { server, product, level, winver } => {
                // Without a rollout the check says what is missing.
                let ro = chosen().ok().map(|r| &data.plan.rollouts[r]);
                let product = product.or_else(|| ro.map(|r| r.product.clone())).unwrap_or_default();
                let level = level.or_else(|| ro.map(|r| r.target)).unwrap_or_default();
                Event::Verify { server, product, level, winver }
            }
            Intent::Backup { server, note } => Event::Backup { server, note },
            Intent::Checkout { server, phase, result, note } => {
                checkout(data, state, chosen()?, &server, phase.as_deref(), result, note)?
            }
            Intent::SignOff { group, phase, note } => {
                let r = chosen()?;
                Event::SignOff { rollout: id(r), phase: phase_or_current(r, phase)?, group, note }
            }
            Intent::Extend { phase, days, reason } => {
                let r = chosen()?;
                Event::SoakExtended { rollout: id(r), phase: phase_or_current(r, phase)?, days, reason }
            }
            Intent::Exclude { server, reason } => Event::Excluded { rollout: id(chosen()?), server, reason },
            Intent::BackOut { server, product, reason } => {
                let product = match product {
                    Some(p) => p,
                    None => data.plan.rollouts[chosen()?].product.clone(),
                };
                backout(data, state, &server, &product, reason)?
            }
            Intent::HotFix { server, hot_fix } => Event::HotFixApplied { server, hot_fix },
            Intent::Priority { server, priority, reason, approver } => {
                let r = chosen()?;
                if data.team.is_none() {
                    return Ok(Event::RiskOverride { rollout: id(r), server, priority, reason, approver });
                }
                no_approver_named(approver.as_deref())?;
                let overridden = unmet_of(&unmet(data, state, r, now), &server);
                let asked = Asked::Priority { server, priority, overridden };
                let needs = data.plan.rollouts[r].approvers_for(&asked);
                Event::OverrideRequested { rollout: id(r), asked, reason, needs }
            }
            Intent::Confirm { request } => {
                let r = chosen()?;
                Event::OverrideConfirmed { rollout: id(r), request: pending(state, r, request)?.seq }
            }
            Intent::Withdraw { request, reason } => {
                let r = chosen()?;
                Event::OverrideWithdrawn { rollout: id(r), request: pending(state, r, request)?.seq, reason }
            }
            Intent::Advance { phase, override_reason, approver } => {
                advance(data, state, chosen()?, phase.as_deref(), override_reason, approver, now)?
            }
            Intent::Meeting(m) => m.event(data, state.meeting.as_ref(), rollout)?,
        })
    }
}

/// The event that opens the next phase of `rollout`, listing what an override overrides.
#[allow(clippy::too_many_arguments)]
fn advance(
    data: &Data,
    state: &State,
    r: usize,
    phase: Option<&str>,
    override_reason: Option<String>,
    approver: Option<String>,
    now: DateTime<Utc>,
) -> Result<Event, Refusal> {
    let ro = &data.plan.rollouts[r];
    let rollout = ro.id.as_str();
    let next = state.progress[r].current.map_or(0, |c| c + 1);
    // The phase the operator saw: if someone else opened it meanwhile, say so instead of
    // opening the one after it.
    if let Some(wanted) = phase {
        let p = phase_index(ro, wanted)?;
        if p != next {
            return refuse(match state.progress[r].opened.get(p).and_then(Option::as_ref) {
                Some(o) => format!(
                    "phase {} ({}) is already open: {} opened it {}",
                    p + 1,
                    ro.phases[p].name,
                    o.by,
                    o.at.format("%Y-%m-%d %H:%M")
                ),
                None => format!("phase {} ({}) is not the next phase of '{rollout}'", p + 1, ro.phases[p].name),
            });
        }
    }
    let Some(phase) = ro.phases.get(next) else {
        return refuse(format!("rollout '{rollout}' is in its last phase; there is no phase to open"));
    };
    let overridden = unmet(data, state, r, now);
    if overridden.is_empty() {
        return Ok(Event::PhaseOpened {
            rollout: rollout.to_string(),
            phase: phase.name.clone(),
            override_reason: None,
            approver: None,
            overridden,
        });
    }
    // With a team, an override is asked for; approvers other than the one who asks confirm it.
    if data.team.is_some()
        && let Some(reason) = override_reason.clone()
    {
        no_approver_named(approver.as_deref())?;
        let asked = Asked::Open { phase: phase.name.clone(), overridden };
        let needs = ro.approvers_for(&asked);
        return Ok(Event::OverrideRequested { rollout: rollout.to_string(), asked, reason, needs });
    }
    Ok(Event::PhaseOpened {
        rollout: rollout.to_string(),
        phase: phase.name.clone(),
        override_reason,
        approver,
        overridden,
    })
}

/// With a team, approvers confirm for themselves: nobody names one on their behalf.
fn no_approver_named(approver: Option<&str>) -> Result<(), Refusal> {
    match approver {
        Some(a) => refuse(format!(
            "with team.ron an approver confirms from their own session: drop --approver {a}; this asks the approvers, and they run sprout approve"
        )),
        None => Ok(()),
    }
}

/// The back-out event for the most recent install of `product` on `server`.
fn backout(data: &Data, state: &State, server: &str, product: &str, reason: String) -> Result<Event, Refusal> {
    let i = server_index(state, server)?;
    if data.catalog.product(product).is_none() {
        return refuse(format!("unknown product '{product}': it is not in catalog.ron"));
    }
    let Some(to_level) = state.previous_level(i, product) else {
        return refuse(format!("no install of '{product}' on {server} is in the journal to back out"));
    };
    Ok(Event::BackedOut { server: server.into(), product: product.into(), to_level, reason })
}

/// A checkout event for `server`, naming the phase it belongs to in the latest state.
fn checkout(
    data: &Data,
    state: &State,
    r: usize,
    server: &str,
    shown: Option<&str>,
    result: CheckoutResult,
    note: String,
) -> Result<Event, Refusal> {
    let rollout = data.plan.rollouts[r].id.as_str();
    let i = server_index(state, server)?;
    let ro = &data.plan.rollouts[r];
    let (_, _, phase) = placement(ro, &state.progress[r].members[i], &state.servers[i]);
    let phase = phase.ok_or_else(|| Refusal(format!("{server} is not a member of rollout '{rollout}'")))?;
    if let Some(shown) = shown
        && shown != ro.phases[phase].name
    {
        return Err(Refusal(format!(
            "{server} is now a member of phase {} ({}), not {shown} as the form showed; nothing recorded: look again and record it anew",
            phase + 1,
            ro.phases[phase].name
        )));
    }
    Ok(Event::Checkout {
        rollout: rollout.to_string(),
        server: server.to_string(),
        phase: ro.phases[phase].name.clone(),
        result,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::sample;
    use crate::store::sample;

    fn event(intent: Intent) -> Result<Event, Refusal> {
        let (data, state) = sample();
        intent.event(&data, &state, None, sample::anchor())
    }

    #[test]
    fn product_level_and_phase_default_to_the_rollout_and_its_open_phase() {
        let install = Intent::Install { server: "BOS-PF01".into(), product: None, level: None, verified: None };
        assert!(matches!(event(install), Ok(Event::Install { product, level: 4, .. }) if product == "ex55"));
        let extend = Intent::Extend { phase: None, days: 2, reason: "holiday".into() };
        assert!(matches!(event(extend), Ok(Event::SoakExtended { phase, rollout, .. })
            if phase == "Local low impact" && rollout == "ex55-sp4"));
        let named = Intent::Extend { phase: Some("Lab".into()), days: 2, reason: "r".into() };
        assert!(matches!(event(named), Ok(Event::SoakExtended { phase, .. }) if phase == "Lab"));
    }

    #[test]
    fn a_checkout_names_the_phase_its_server_belongs_to() {
        let lab = Intent::Checkout {
            server: "LAB-MSM01".into(),
            phase: None,
            result: CheckoutResult::Pass,
            note: String::new(),
        };
        assert!(matches!(event(lab), Ok(Event::Checkout { phase, .. }) if phase == "Lab"));
        let unknown =
            Intent::Checkout { server: "NOPE".into(), phase: None, result: CheckoutResult::Pass, note: String::new() };
        assert_eq!(event(unknown).expect_err("unknown").0, "unknown server 'NOPE': it is not in fleet.ron");
    }

    #[test]
    fn a_checkout_names_the_phase_it_was_shown_in_or_is_refused() {
        let shown = |phase: &str| Intent::Checkout {
            server: "LAB-MSM01".into(),
            phase: Some(phase.into()),
            result: CheckoutResult::Pass,
            note: String::new(),
        };
        assert!(matches!(event(shown("Lab")), Ok(Event::Checkout { phase, .. }) if phase == "Lab"));
        let moved = event(shown("Test servers in production")).expect_err("moved");
        assert!(
            moved.0.starts_with("LAB-MSM01 is now a member of phase 1 (Lab), not Test servers in production"),
            "{moved}"
        );
    }

    #[test]
    fn opening_a_phase_someone_already_opened_is_refused_not_skipped() {
        let again =
            Intent::Advance { phase: Some("Test servers in production".into()), override_reason: None, approver: None };
        let err = event(again).expect_err("already open");
        assert!(err.0.starts_with("phase 2 (Test servers in production) is already open:"), "{err}");
        // The next phase with its gates unmet: the event lists what an override overrides.
        let next = Intent::Advance { phase: None, override_reason: Some("board".into()), approver: Some("mt".into()) };
        match event(next) {
            Ok(Event::PhaseOpened { phase, override_reason, overridden, .. }) => {
                assert_eq!(phase, "Local high impact");
                assert_eq!(override_reason.as_deref(), Some("board"));
                assert!(overridden.iter().any(|u| u.contains("BOS-IMS01")), "{overridden:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_back_out_returns_to_the_level_before_the_last_install() {
        let (data, state) = sample();
        let installed = state.servers.iter().find(|s| s.products.get("ex55") == Some(&4) && s.name.starts_with("BOS"));
        let server = installed.expect("a production server on SP4").name.to_string();
        let out = Intent::BackOut { server, product: None, reason: "store corrupt".into() };
        match out.event(&data, &state, None, sample::anchor()) {
            Ok(Event::BackedOut { to_level, product, .. }) => assert_eq!((to_level, product.as_str()), (3, "ex55")),
            other => panic!("{other:?}"),
        }
        let never = Intent::BackOut { server: "LAB-MSM01".into(), product: Some("nt4".into()), reason: "r".into() };
        assert!(event(never).expect_err("nothing to back out").0.contains("no install of 'nt4' on LAB-MSM01"));
    }
}
