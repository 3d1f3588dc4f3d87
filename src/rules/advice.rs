//! New-release advice: shown, never enforced (seed: "When to Deploy Service Packs and When to Wait").

use chrono::NaiveDate;

use crate::model::Product;

use super::hotfix::PendingFix;

/// Seed: "If you are not experiencing problems and a new ... release is expected within
/// six months, you might as well wait for the new version."
pub const WAIT_WINDOW_DAYS: i64 = 183;

/// Advice for one product on one server, if waiting for the next release is sensible.
pub fn wait_for_release(product: &Product, behind: u8, pending: &[PendingFix], today: NaiveDate) -> Option<String> {
    let next = product.next_release.as_ref()?;
    let expected = next.expected?;
    let days = (expected - today).num_days();
    let has_problem_fix = pending.iter().any(|f| f.product == product.id);
    if behind == 0 || has_problem_fix || !(0..=WAIT_WINDOW_DAYS).contains(&days) {
        return None;
    }
    Some(format!(
        "{} is expected {expected} (in {days} days) and no problem fix is pending: consider waiting for it",
        next.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NextRelease;
    use crate::rules::hotfix::HotFixStatus;

    fn product(expected: &str) -> Product {
        Product {
            id: "ex55".into(),
            name: "Exchange Server 5.5".into(),
            service_packs: vec![],
            hot_fixes: vec![],
            next_release: Some(NextRelease {
                name: "Exchange 2000 Server".into(),
                expected: Some(expected.parse().expect("date")),
            }),
        }
    }

    fn today() -> NaiveDate {
        "2000-11-24".parse().expect("date")
    }

    #[test]
    fn suggests_waiting_only_within_six_months_and_without_a_pending_fix() {
        let soon = product("2001-03-01");
        assert!(wait_for_release(&soon, 1, &[], today()).is_some_and(|a| a.contains("Exchange 2000")));
        assert_eq!(wait_for_release(&soon, 0, &[], today()), None, "current servers need no advice");
        let fix = PendingFix {
            id: "Q1".into(),
            product: "ex55".into(),
            title: "t".into(),
            publicised: false,
            status: HotFixStatus::Ready,
        };
        assert_eq!(wait_for_release(&soon, 1, &[fix], today()), None, "a pending problem fix means act now");
        assert_eq!(wait_for_release(&product("2001-09-01"), 1, &[], today()), None, "more than six months away");
    }
}
