//! Service-pack levels against the latest released: `behind` and the two-behind policy.

use chrono::NaiveDate;

use crate::model::Product;

/// The highest level released on or before `today` (0 if none).
pub fn latest_released(product: &Product, today: NaiveDate) -> u8 {
    product.service_packs.iter().filter(|sp| sp.released <= today).map(|sp| sp.level).max().unwrap_or(0)
}

pub fn behind(product: &Product, installed: u8, today: NaiveDate) -> u8 {
    latest_released(product, today).saturating_sub(installed)
}

/// Seed: "try never to be more than two service packs behind".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Compliance {
    Current,
    Behind,
    AtLimit,
    Violation,
}

impl Compliance {
    pub fn from_behind(behind: u8) -> Self {
        match behind {
            0 => Compliance::Current,
            1 => Compliance::Behind,
            2 => Compliance::AtLimit,
            _ => Compliance::Violation,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Compliance::Current => "current",
            Compliance::Behind => "1 behind",
            Compliance::AtLimit => "2 behind (limit)",
            Compliance::Violation => "3+ behind (violation)",
        }
    }

    /// A symbol so the state never rests on colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            Compliance::Current => "✓",
            Compliance::Behind => "·",
            Compliance::AtLimit => "!",
            Compliance::Violation => "✗",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServicePack;

    fn sp(level: u8, released: &str) -> ServicePack {
        ServicePack { level, name: format!("SP{level}"), released: released.parse().expect("date"), requires: vec![] }
    }

    fn exchange() -> Product {
        Product {
            id: "ex55".into(),
            name: "Exchange Server 5.5".into(),
            service_packs: vec![sp(1, "1998-03-01"), sp(2, "1998-12-01"), sp(3, "1999-09-01"), sp(4, "2000-11-01")],
            hot_fixes: vec![],
            next_release: None,
        }
    }

    #[test]
    fn behind_counts_only_released_service_packs() {
        let p = exchange();
        let before_sp4: NaiveDate = "2000-10-31".parse().expect("date");
        let after_sp4: NaiveDate = "2000-11-01".parse().expect("date");
        assert_eq!(latest_released(&p, before_sp4), 3);
        assert_eq!(behind(&p, 1, before_sp4), 2);
        assert_eq!(behind(&p, 1, after_sp4), 3);
        assert_eq!(behind(&p, 4, after_sp4), 0);
    }

    #[test]
    fn policy_is_never_more_than_two_behind() {
        assert_eq!(Compliance::from_behind(0), Compliance::Current);
        assert_eq!(Compliance::from_behind(1), Compliance::Behind);
        assert_eq!(Compliance::from_behind(2), Compliance::AtLimit);
        assert_eq!(Compliance::from_behind(3), Compliance::Violation);
        assert_eq!(Compliance::from_behind(5), Compliance::Violation);
        assert!(Compliance::Violation > Compliance::AtLimit);
    }
}
