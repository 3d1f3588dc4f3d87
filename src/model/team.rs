//! The team: who may approve. Optional; without it every operator may do everything.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// OS account names that may override a gate, sign off for a group and back out.
    pub approvers: Vec<String>,
}

impl Team {
    pub fn may_approve(&self, operator: &str) -> bool {
        self.approvers.iter().any(|a| a == operator)
    }
}
