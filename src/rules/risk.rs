//! Risk tier and upgrade priority (seed: "Evaluating Risks").

use serde::{Deserialize, Serialize};

use crate::model::{Rating, Rollout, Server};

/// Priority 1 (as soon as possible) to 3 (last), from benefit minus impact.
pub fn priority(without_sp: Rating, if_fails: Rating) -> u8 {
    match (without_sp.weight() - if_fails.weight()).signum() {
        1 => 1,
        0 => 2,
        _ => 3,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingSource {
    Role,
    Server,
    /// The rollout gives no ratings for this role: assume medium/medium.
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    pub without_sp: Rating,
    pub if_fails: Rating,
    pub source: RatingSource,
    /// The per-server override's note, when `source` is `Server` (boxed: a row each at 100,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Box<str>>,
}

impl Ratings {
    /// The risk tier is the effect if the install fails.
    pub fn tier(&self) -> Rating {
        self.if_fails
    }

    pub fn priority(&self) -> u8 {
        priority(self.without_sp, self.if_fails)
    }
}

pub fn ratings(rollout: &Rollout, server: &Server) -> Ratings {
    if let Some(o) = rollout.server_risk.iter().find(|o| o.server == server.name) {
        return Ratings {
            without_sp: o.without_sp,
            if_fails: o.if_fails,
            source: RatingSource::Server,
            note: Some(o.note.as_str().into()),
        };
    }
    match rollout.risk.iter().find(|r| r.role == server.role) {
        Some(r) => Ratings { without_sp: r.without_sp, if_fails: r.if_fails, source: RatingSource::Role, note: None },
        None => {
            Ratings { without_sp: Rating::Medium, if_fails: Rating::Medium, source: RatingSource::Default, note: None }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Rating::*;

    /// Every row of the field guide's table.
    #[test]
    fn reproduces_the_seed_table() {
        let rows = [
            ("News server", Low, Low, 2),
            ("Internet Mail Server", High, Low, 1),
            ("Public folder server", Medium, Medium, 2),
            ("Dedicated mailbox server", Low, High, 3),
            ("Microsoft Mail Connector", High, High, 2),
            ("Bridgehead", Medium, Low, 1),
        ];
        for (role, without_sp, if_fails, expected) in rows {
            assert_eq!(priority(without_sp, if_fails), expected, "{role}");
        }
    }

    #[test]
    fn tier_is_the_effect_if_the_install_fails() {
        let r = Ratings { without_sp: Low, if_fails: High, source: RatingSource::Role, note: None };
        assert_eq!(r.tier(), High);
        assert_eq!(r.priority(), 3);
    }
}
