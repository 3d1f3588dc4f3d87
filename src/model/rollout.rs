//! Rollouts: one product to one target service pack, walked through phases.

use serde::{Deserialize, Serialize};

use super::Environment;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RolloutPlan {
    pub rollouts: Vec<Rollout>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollout {
    pub id: String,
    pub title: String,
    pub product: String,
    /// Target service-pack level.
    pub target: u8,
    /// Hot fixes applied together with the service pack.
    #[serde(default)]
    pub bundle: Vec<String>,
    /// Risk ratings per role (seed: "Evaluating Risks").
    #[serde(default)]
    pub risk: Vec<RoleRisk>,
    /// Per-server overrides of the role's ratings, each with a note.
    #[serde(default)]
    pub server_risk: Vec<ServerRisk>,
    pub phases: Vec<Phase>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rating {
    Low,
    Medium,
    High,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Low, Rating::Medium, Rating::High];

    /// L=1, M=2, H=3, the weights DESIGN.md uses for benefit minus impact.
    pub fn weight(self) -> i8 {
        match self {
            Rating::Low => 1,
            Rating::Medium => 2,
            Rating::High => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Low => "Low",
            Rating::Medium => "Medium",
            Rating::High => "High",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleRisk {
    pub role: String,
    pub without_sp: Rating,
    pub if_fails: Rating,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerRisk {
    pub server: String,
    pub without_sp: Rating,
    pub if_fails: Rating,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    /// Which servers belong; a server belongs to the first phase whose selector matches.
    #[serde(default)]
    pub members: Selector,
    #[serde(default)]
    pub soak: Soak,
    #[serde(default)]
    pub window: InstallWindow,
    /// Groups whose sign-off the gate needs (seed: "get their sign-off prior to deployment").
    #[serde(default)]
    pub signoffs: Vec<String>,
    /// With a team: how many of its approvers must confirm an override of this phase's gates
    /// (none of them the one who asked).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub approvers: u8,
    /// Staggered start: how many servers go first and how long they soak before the rest of
    /// the phase may install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stagger: Option<Stagger>,
}

/// Seed: install one server "and let it run for several days before installing the SP on the
/// other IMS servers".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stagger {
    /// How many servers install first (of the phase, or of each role with `per_role`).
    pub first: u32,
    /// Days the first ones soak, with a Pass checkout, before the rest may install.
    pub days: u32,
    #[serde(default)]
    pub per_role: bool,
}

impl Phase {
    /// The lab phase (seed: "at least one lab server of every role"): its members are lab servers.
    pub fn is_lab(&self) -> bool {
        self.members.environment == Some(crate::model::Environment::Lab)
    }
}

fn one() -> u8 {
    1
}

fn is_one(n: &u8) -> bool {
    *n == 1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Soak {
    pub min_days: u32,
    pub max_days: u32,
}

impl Default for Soak {
    /// Seed: "once the service pack has been in production for 10-14 days".
    fn default() -> Self {
        Soak { min_days: 10, max_days: 14 }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstallWindow {
    #[default]
    Any,
    AfterHours,
    Weekend,
}

impl InstallWindow {
    pub fn label(self) -> &'static str {
        match self {
            InstallWindow::Any => "any time",
            InstallWindow::AfterHours => "after hours",
            InstallWindow::Weekend => "weekend",
        }
    }
}

/// Every field that is set must match; an empty selector matches every server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Selector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<bool>,
    /// Upgrade priority 1..3 as derived from the risk ratings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Risk tier, the `if_fails` rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Rating>,
    /// An explicit list of server names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<String>,
}

impl Rollout {
    /// How many approvers must confirm an override request: the phase's own count for opening
    /// it; for a priority, which can move a server around any phase's gates, the strictest.
    pub fn approvers_for(&self, asked: &crate::model::Asked) -> u8 {
        let strictest = || self.phases.iter().map(|p| p.approvers).max().unwrap_or(1);
        let n = match asked {
            crate::model::Asked::Open { phase, .. } => {
                self.phase_index(phase).map_or_else(strictest, |p| self.phases[p].approvers)
            }
            crate::model::Asked::Priority { .. } => strictest(),
        };
        n.max(1)
    }

    pub fn phase_index(&self, name_or_number: &str) -> Option<usize> {
        if let Ok(n) = name_or_number.parse::<usize>() {
            return (1..=self.phases.len()).contains(&n).then(|| n - 1);
        }
        self.phases.iter().position(|p| p.name.eq_ignore_ascii_case(name_or_number))
    }
}
