//! Per server, the compact facts the fleet's filter and sorts read: small ids of its role and
//! site, its categorical facts as bits, built once per change of the data.

use std::collections::HashMap;

use crate::model::{Data, Environment};
use crate::rules::{Compliance, FleetView, ServerRow, SoakState, State};

/// Per server, the few things a filter word can match besides its name (`Names`): small ids
/// of its role and site, whose words are matched once per distinct value. No string is built
/// per server.
#[derive(Debug, Clone, Default)]
pub(super) struct Words {
    pub(super) role: Vec<u16>,
    pub(super) site: Vec<u32>,
    pub(super) environment: Vec<Environment>,
    /// Per server, its environment, compliance, soak, flags and phase as bits (see `flags`).
    pub(super) flags: Vec<u32>,
    /// Lower-case words of each role (id and name) and site.
    pub(super) roles: Vec<String>,
    /// Each role's id and name, lower-case, for a word that names one exactly.
    pub(super) role_words: Vec<(String, String)>,
    /// Per server: remote or not.
    pub(super) remote: Vec<bool>,
    pub(super) sites: Vec<String>,
    /// Each site id's place among the sites' names as written (the Site column's sort order).
    pub(super) site_rank: Vec<u32>,
    /// Lower-case phase names of the selected rollout.
    pub(super) phases: Vec<String>,
}

/// The soak words a filter matches, as `soak_word` gives them.
pub(super) const SOAK_WORDS: [&str; 8] =
    ["overdue", "due", "soaking", "ready", "failed", "excluded", "backed-out", "not-started"];

fn soak_slot(s: Option<SoakState>) -> Option<usize> {
    let w = soak_word(s);
    SOAK_WORDS.iter().position(|&x| x == w)
}

impl Words {
    /// What filter words match against, after the data changed.
    pub(super) fn build(data: &Data, state: &State, view: &FleetView) -> Words {
        let mut w = Words::default();
        let roles: HashMap<&str, u16> =
            data.fleet.roles.iter().enumerate().map(|(i, r)| (r.id.as_str(), i as u16)).collect();
        w.roles = data.fleet.roles.iter().map(|r| format!("{} {}", r.id, r.name).to_lowercase()).collect();
        w.role_words = data.fleet.roles.iter().map(|r| (r.id.to_lowercase(), r.name.to_lowercase())).collect();
        w.remote = state.servers.iter().map(|s| s.remote).collect();
        let mut sites: HashMap<&str, u32> = HashMap::new();
        let mut written: Vec<&str> = Vec::new();
        for s in &state.servers {
            w.role.push(roles.get(s.role.as_str()).copied().unwrap_or(u16::MAX));
            let next = sites.len() as u32;
            let site = *sites.entry(s.site.as_str()).or_insert(next);
            if site == next {
                w.sites.push(s.site.as_str().to_lowercase());
                written.push(s.site.as_str());
            }
            w.site.push(site);
            w.environment.push(s.environment);
        }
        let mut by_name: Vec<u32> = (0..written.len() as u32).collect();
        by_name.sort_by_key(|&i| written[i as usize]);
        w.site_rank = vec![0; written.len()];
        for (rank, &i) in by_name.iter().enumerate() {
            w.site_rank[i as usize] = rank as u32;
        }
        w.flags = view.rows.iter().zip(&w.environment).map(|(row, &e)| flags(row, e)).collect();
        w.phases = view
            .rollout
            .as_ref()
            .map(|v| data.plan.rollouts[v.rollout].phases.iter().map(|p| p.name.to_lowercase()).collect())
            .unwrap_or_default();
        w
    }

    /// Some rows changed: their flags follow.
    pub(super) fn refresh(&mut self, servers: &[usize], view: &FleetView) {
        for &i in servers {
            if let (Some(f), Some(&e), Some(row)) = (self.flags.get_mut(i), self.environment.get(i), view.rows.get(i)) {
                *f = flags(row, e);
            }
        }
    }

    /// The index in `fleet.roles` of server `i`'s role.
    pub(super) fn role(&self, i: usize) -> Option<usize> {
        self.role.get(i).map(|&r| usize::from(r)).filter(|&r| r != usize::from(u16::MAX))
    }

    /// Server `i`'s site as a number that sorts as the site's name does.
    pub(super) fn site_rank(&self, i: usize) -> u32 {
        self.site.get(i).and_then(|&s| self.site_rank.get(s as usize)).copied().unwrap_or(u32::MAX)
    }

    /// The worst compliance among `members`, from the compact flags (bits 3-6), not the rows.
    pub(super) fn worst(&self, members: &[u32]) -> Compliance {
        let bits = members.iter().fold(0, |m, &i| m | self.flags.get(i as usize).copied().unwrap_or(0));
        [Compliance::Violation, Compliance::AtLimit, Compliance::Behind]
            .into_iter()
            .find(|&c| bits & 1 << (3 + c as u32) != 0)
            .unwrap_or(Compliance::Current)
    }
}

fn soak_word(s: Option<SoakState>) -> &'static str {
    match s {
        Some(SoakState::Overdue { .. }) => "overdue",
        Some(SoakState::CheckoutDue { .. }) => "due",
        Some(SoakState::Soaking { .. }) => "soaking",
        Some(SoakState::Ready { .. }) => "ready",
        Some(SoakState::Failed { .. }) => "failed",
        Some(SoakState::Excluded) => "excluded",
        Some(SoakState::BackedOut) => "backed-out",
        Some(SoakState::NotStarted) => "not-started",
        Some(SoakState::Blocked) => "blocked",
        Some(SoakState::AtTarget { .. }) => "at-target",
        None => "",
    }
}

/// Phases that have a bit in `flags`; later ones (rare) are looked up.
pub(super) const FLAG_PHASES: usize = 14;

/// A server's categorical facts as bits: environment (0-2), compliance (3-6), soak (7-14),
/// violation (15), hot fix ready (16) and blocked (17), phase (18-31).
fn flags(row: &ServerRow, environment: Environment) -> u32 {
    let mut f = 1 << (environment as u32) | 1 << (3 + row.compliance as u32);
    if let Some(k) = soak_slot(row.soak) {
        f |= 1 << (7 + k);
    }
    f |= u32::from(row.compliance == Compliance::Violation) << 15;
    f |= u32::from(row.ready > 0) << 16 | u32::from(row.blocked > 0) << 17;
    if let Some(p) = row.phase.filter(|&p| p < FLAG_PHASES) {
        f |= 1 << (18 + p);
    }
    f
}
