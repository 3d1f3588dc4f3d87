//! Phase membership from selectors, and soak state per server.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Catalog, Rating, Rollout, Selector, Server};

use super::replay::MemberRecord;

pub fn matches(selector: &Selector, server: &Server, priority: u8, tier: Rating) -> bool {
    selector.environment.is_none_or(|e| e == server.environment)
        && (selector.roles.is_empty() || selector.roles.iter().any(|r| *r == server.role))
        && (selector.sites.is_empty() || selector.sites.iter().any(|s| *s == server.site))
        && selector.remote.is_none_or(|r| r == server.remote)
        && selector.priority.is_none_or(|p| p == priority)
        && selector.tier.is_none_or(|t| t == tier)
        && (selector.servers.is_empty() || selector.servers.iter().any(|s| *s == server.name))
}

/// The phase a server belongs to: the first whose selector matches, among servers
/// that run the rollout's product.
pub fn member_phase(rollout: &Rollout, server: &Server, priority: u8, tier: Rating) -> Option<usize> {
    if !server.products.contains_key(&rollout.product) {
        return None;
    }
    rollout.phases.iter().position(|p| matches(&p.members, server, priority, tier))
}

/// The soak window of a phase with its extensions, and which phase it is: only checkouts
/// recorded in this phase count toward its gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub min: u32,
    pub max: u32,
    #[serde(skip)]
    pub phase: usize,
}

impl Window {
    /// The window of phase `index` of `rollout`, with its extensions (never wrapping round).
    pub fn of(rollout: &Rollout, index: usize, extra_days: u32) -> Window {
        let soak = &rollout.phases[index].soak;
        Window {
            min: soak.min_days.saturating_add(extra_days),
            max: soak.max_days.saturating_add(extra_days),
            phase: index,
        }
    }
}

/// Where a member stands against the rollout's target before any install is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Below the target, with every prerequisite: the install is the next step.
    Installable,
    /// At the target already (the baseline, or another rollout): it counts as installed and
    /// needs only its verification, no soak and no checkout.
    AtTarget,
    /// The target needs another product's level the server lacks.
    Blocked,
}

/// The rollout's target as one member sees it.
pub struct Target<'a> {
    pub catalog: &'a Catalog,
    pub rollout: &'a Rollout,
}

impl Target<'_> {
    pub fn start(&self, server: &Server) -> Start {
        let level = server.products.get(&self.rollout.product).copied().unwrap_or(0);
        if level >= self.rollout.target {
            Start::AtTarget
        } else if missing_prerequisite(self.catalog, &self.rollout.product, self.rollout.target, server).is_some() {
            Start::Blocked
        } else {
            Start::Installable
        }
    }

    /// "Windows NT Server 4.0 SP5": what the server must install before the target.
    pub fn needs(&self, server: &Server) -> Option<String> {
        missing_prerequisite(self.catalog, &self.rollout.product, self.rollout.target, server)
    }
}

/// The first prerequisite of `product` level `level` that `server` lacks, by name
/// ("Windows NT Server 4.0 SP5"): one wording for gates, waiting lists, views and refusals.
pub fn missing_prerequisite(catalog: &Catalog, product: &str, level: u8, server: &Server) -> Option<String> {
    let sp = catalog.product(product)?.service_pack(level)?;
    sp.requires.iter().find(|r| server.products.get(&r.product).copied().unwrap_or(0) < r.level).map(|r| match catalog
        .product(&r.product)
    {
        Some(p) => format!("{} {}", p.name, p.level_name(r.level)),
        None => format!("{} level {}", r.product, r.level),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "soak", rename_all = "snake_case")]
pub enum SoakState {
    Excluded,
    BackedOut,
    NotStarted,
    /// Its target needs a prerequisite first (named by `Target::needs`).
    Blocked,
    /// At the target before its phase: no soak or checkout, only its verification.
    AtTarget {
        verified: bool,
    },
    /// Before the minimum soak.
    Soaking {
        day: u32,
        min: u32,
        max: u32,
    },
    /// Minimum reached, no Pass checkout yet, maximum not passed.
    CheckoutDue {
        day: u32,
        min: u32,
        max: u32,
    },
    /// Soaked and checked out: this server meets its gates.
    Ready {
        day: u32,
    },
    /// Past the maximum without a Pass checkout.
    Overdue {
        day: u32,
        max: u32,
    },
    /// The latest checkout is Fail.
    Failed {
        day: u32,
    },
}

impl SoakState {
    /// Short form for tables: `day 7/10`, `ready`, `overdue 16/14`.
    pub fn short(&self) -> String {
        match *self {
            SoakState::Excluded => "excluded".into(),
            SoakState::BackedOut => "backed out".into(),
            SoakState::NotStarted => "not started".into(),
            SoakState::Blocked => "blocked".into(),
            SoakState::AtTarget { verified: true } => "at target".into(),
            SoakState::AtTarget { verified: false } => "at target, verify".into(),
            SoakState::Soaking { day, min, .. } => format!("day {day}/{min}"),
            SoakState::CheckoutDue { day, max, .. } => format!("due day {day}/{max}"),
            SoakState::Ready { .. } => "ready".into(),
            SoakState::Overdue { day, max } => format!("overdue {day}/{max}"),
            SoakState::Failed { .. } => "FAILED".into(),
        }
    }

    /// Sentence form for the server view and `sprout server`.
    pub fn describe(&self) -> String {
        match *self {
            SoakState::Excluded => "excluded from the rollout".into(),
            SoakState::BackedOut => "backed out; not soaking".into(),
            SoakState::NotStarted => "not started (target not installed)".into(),
            SoakState::Blocked => "not started: blocked by a missing prerequisite".into(),
            SoakState::AtTarget { verified: true } => {
                "already at the target: verified; no soak or checkout needed".into()
            }
            SoakState::AtTarget { verified: false } => {
                "already at the target: needs only its verification (winver), no soak or checkout".into()
            }
            SoakState::Soaking { day, min, max } => {
                format!(
                    "day {day} of {min}..{max}, {} day{} to the minimum soak",
                    min - day,
                    if min - day == 1 { "" } else { "s" }
                )
            }
            SoakState::CheckoutDue { day, min, max } => {
                format!("day {day} of {min}..{max}: soaked, a Pass checkout is due within {} days", max - day)
            }
            SoakState::Ready { day } => format!("day {day}: soaked and checked out"),
            SoakState::Overdue { day, max } => {
                format!("overdue: day {day}, past the {max}-day maximum without a Pass checkout")
            }
            SoakState::Failed { day } => {
                format!("day {day}: latest checkout is Fail; back it out or investigate")
            }
        }
    }

    pub fn is_overdue(&self) -> bool {
        matches!(self, SoakState::Overdue { .. })
    }
}

pub fn days_since(then: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    u32::try_from((now - then).num_days()).unwrap_or(0)
}

pub fn soak_state(record: &MemberRecord, start: Start, window: Window, now: DateTime<Utc>) -> SoakState {
    if record.excluded.is_some() {
        return SoakState::Excluded;
    }
    let Some(installed) = record.installed_at else {
        return match (record.backed_out_at, start) {
            (Some(_), _) => SoakState::BackedOut,
            (None, Start::AtTarget) => SoakState::AtTarget { verified: record.verified.is_some() },
            (None, Start::Blocked) => SoakState::Blocked,
            (None, Start::Installable) => SoakState::NotStarted,
        };
    };
    let day = days_since(installed, now);
    let Window { min, max, phase } = window;
    // A soak longer than the calendar simply never ends.
    let soaked_at = installed.checked_add_signed(Duration::days(i64::from(min))).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let latest = record.checkouts_in(phase).last();
    if latest.is_some_and(|c| c.result == crate::model::CheckoutResult::Fail) {
        return SoakState::Failed { day };
    }
    let passed =
        record.checkouts_in(phase).any(|c| c.result == crate::model::CheckoutResult::Pass && c.at >= soaked_at);
    if passed {
        SoakState::Ready { day }
    } else if day < min {
        SoakState::Soaking { day, min, max }
    } else if day > max {
        SoakState::Overdue { day, max }
    } else {
        SoakState::CheckoutDue { day, min, max }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckoutResult;
    use crate::rules::replay::CheckoutRecord;

    fn at(day: i64) -> DateTime<Utc> {
        "2000-11-01T09:00:00Z".parse::<DateTime<Utc>>().expect("time") + Duration::days(day)
    }

    fn checkout(day: i64, result: CheckoutResult) -> CheckoutRecord {
        CheckoutRecord { at: at(day), result, phase: 0, seq: 1 }
    }

    const W: Window = Window { min: 10, max: 14, phase: 0 };

    #[test]
    fn soak_runs_from_install_through_checkout() {
        let mut r = MemberRecord::default();
        assert_eq!(soak_state(&r, Start::Installable, W, at(3)), SoakState::NotStarted);
        r.installed_at = Some(at(0));
        assert_eq!(soak_state(&r, Start::Installable, W, at(7)), SoakState::Soaking { day: 7, min: 10, max: 14 });
        assert_eq!(soak_state(&r, Start::Installable, W, at(12)), SoakState::CheckoutDue { day: 12, min: 10, max: 14 });
        assert_eq!(soak_state(&r, Start::Installable, W, at(16)), SoakState::Overdue { day: 16, max: 14 });
    }

    #[test]
    fn only_a_pass_after_the_minimum_soak_counts() {
        let mut r = MemberRecord { installed_at: Some(at(0)), ..Default::default() };
        r.checkouts.push(checkout(5, CheckoutResult::Pass));
        assert_eq!(soak_state(&r, Start::Installable, W, at(11)), SoakState::CheckoutDue { day: 11, min: 10, max: 14 });
        r.checkouts.push(checkout(11, CheckoutResult::Pass));
        assert_eq!(soak_state(&r, Start::Installable, W, at(11)), SoakState::Ready { day: 11 });
        r.checkouts.push(checkout(12, CheckoutResult::Fail));
        assert_eq!(soak_state(&r, Start::Installable, W, at(12)), SoakState::Failed { day: 12 });
    }

    #[test]
    fn exclusion_wins_over_everything() {
        let r = MemberRecord { installed_at: Some(at(0)), excluded: Some("retired".into()), ..Default::default() };
        assert_eq!(soak_state(&r, Start::Installable, W, at(30)), SoakState::Excluded);
    }
}
