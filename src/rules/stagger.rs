//! Staggered start (seed: install one server "and let it run for several days before installing
//! the SP on the other IMS servers"): the first servers of a phase (or of each role in it) soak
//! the days the phase names, with a Pass checkout, before the rest may install.

use chrono::{DateTime, Duration, Utc};

use crate::model::{CheckoutResult, Data};

use super::replay::State;
use super::view::placement;

/// Why a member may not install yet, and from when it may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// The earliest time the rest may install (the last of the first ones' soak end).
    pub from: DateTime<Utc>,
    /// The first ones still soaking or without a Pass checkout.
    pub waiting_on: Vec<String>,
    pub first: u32,
    pub days: u32,
}

impl Hold {
    pub fn describe(&self, phase: usize) -> String {
        format!(
            "staggered start: in phase {} the first {} server(s) soak {} days with a Pass checkout before the rest install; waiting on {}; allowed from {} at the earliest",
            phase + 1,
            self.first,
            self.days,
            self.waiting_on.join(", "),
            self.from.format("%Y-%m-%d %H:%M UTC")
        )
    }
}

/// Whether `server`, a member of phase `phase` of rollout `r` with no install recorded yet, must
/// wait for the first ones. Costs a pass over the fleet, and only for a phase with a stagger.
pub fn hold(data: &Data, state: &State, r: usize, phase: usize, server: usize, now: DateTime<Utc>) -> Option<Hold> {
    let ro = &data.plan.rollouts[r];
    let stagger = ro.phases[phase].stagger?;
    let progress = &state.progress[r];
    let role = &state.servers[server].role;
    // The group the stagger counts in: the phase, or the server's role within it.
    let mut installed: Vec<(DateTime<Utc>, usize)> = (0..state.servers.len())
        .filter(|&i| i != server && (!stagger.per_role || state.servers[i].role == role))
        .filter(|&i| progress.members[i].excluded.is_none())
        .filter(|&i| placement(ro, &progress.members[i], &state.servers[i]).2 == Some(phase))
        .filter_map(|i| progress.members[i].installed_at.map(|at| (at, i)))
        .collect();
    installed.sort();
    let firsts = installed.get(..stagger.first as usize)?;
    let days = Duration::days(i64::from(stagger.days));
    let waiting_on: Vec<String> = firsts
        .iter()
        .filter(|(at, i)| {
            let soaked = at.checked_add_signed(days).is_some_and(|end| end <= now);
            let passed = progress.members[*i].checkouts_in(phase).any(|c| c.result == CheckoutResult::Pass);
            !(soaked && passed)
        })
        .map(|(_, i)| state.servers[*i].name.to_string())
        .collect();
    if waiting_on.is_empty() {
        return None;
    }
    let last = firsts.iter().map(|(at, _)| *at).max()?;
    Some(Hold {
        from: last.checked_add_signed(days).unwrap_or(DateTime::<Utc>::MAX_UTC),
        waiting_on,
        first: stagger.first,
        days: stagger.days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Stagger};
    use crate::rules::fixture::{apply, now, sample};

    /// Phase 3 of the sample with only BOS-IMS01 installed (15 days ago, no Pass yet).
    fn phase_with_one_installed(first: u32, days: u32, per_role: bool) -> (Data, State) {
        let (mut data, mut state) = sample();
        data.plan.rollouts[0].phases[2].stagger = Some(Stagger { first, days, per_role });
        for name in ["BOS-BH01", "MSP-BH01", "BOS-IMS02"] {
            let i = state.server_index(name).expect("server");
            state.progress[0].members[i] = Default::default();
            state.servers[i].products.insert("ex55".into(), 3);
            state.last_install[i] = None;
        }
        (data, state)
    }

    fn install(server: &str) -> Event {
        Event::Install { server: server.into(), product: "ex55".into(), level: 4, verified: None }
    }

    #[test]
    fn the_rest_wait_for_the_first_ones_soak_and_pass() {
        let (data, mut state) = phase_with_one_installed(1, 3, false);
        let bh = state.server_index("BOS-BH01").expect("server");
        let h = hold(&data, &state, 0, 2, bh, now()).expect("held: BOS-IMS01 has no Pass");
        assert_eq!(h.waiting_on, ["BOS-IMS01"]);
        apply(&data, &mut state, "op", Event::Backup { server: "BOS-BH01".into(), note: String::new() });
        let e = crate::rules::record::check(&data, &state, &install("BOS-BH01"), "op", now()).expect_err("held");
        assert!(e.0.starts_with("staggered start: in phase 3 the first 1 server(s) soak 3 days"), "{e}");
        assert!(e.0.contains("waiting on BOS-IMS01; allowed from "), "{e}");
        let v = crate::rules::FleetView::build(&data, &state, Some(0), now()).rollout.expect("rollout");
        let line = v.waiting.iter().find(|w| w.contains("BOS-BH01")).expect("a line for BOS-BH01");
        assert!(line.contains("install SP4 from ") && line.ends_with("(staggered start: after BOS-IMS01)"), "{line}");
        let pass = Event::Checkout {
            rollout: "ex55-sp4".into(),
            server: "BOS-IMS01".into(),
            phase: "Local low impact".into(),
            result: CheckoutResult::Pass,
            note: String::new(),
        };
        apply(&data, &mut state, "op", pass);
        assert_eq!(hold(&data, &state, 0, 2, bh, now()), None, "soaked 15 days with a Pass: the rest may go");
        assert!(crate::rules::record::check(&data, &state, &install("BOS-BH01"), "op", now()).is_ok());
    }

    #[test]
    fn a_long_stagger_names_the_day_the_rest_may_start_and_per_role_counts_each_role() {
        let (data, state) = phase_with_one_installed(1, 30, false);
        let bh = state.server_index("BOS-BH01").expect("server");
        let ims = state.server_index("BOS-IMS01").expect("server");
        let h = hold(&data, &state, 0, 2, bh, now()).expect("held");
        assert_eq!(h.from, state.progress[0].members[ims].installed_at.expect("installed") + Duration::days(30));
        // Per role: the bridgeheads have no first one yet, so BOS-BH01 may be it.
        let (data, state) = phase_with_one_installed(1, 30, true);
        assert_eq!(hold(&data, &state, 0, 2, bh, now()), None);
        let ims2 = state.server_index("BOS-IMS02").expect("server");
        assert!(hold(&data, &state, 0, 2, ims2, now()).is_some(), "the IMS role's first one is BOS-IMS01");
    }
}
