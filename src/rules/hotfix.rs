//! Pending hot fixes per server: ready, blocked behind a service pack, or folded into one.

use chrono::NaiveDate;

use crate::model::{Catalog, HotFix, Product, Server};

use super::levels::latest_released;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum HotFixStatus {
    /// The server is on the fix's level and that level is the latest released.
    Ready,
    /// Seed: "you can't deploy a hot fix until you have all current service packs installed".
    Blocked { install: String },
    /// Folded into a released service pack the server lacks: install that instead.
    Superseded { in_sp: String },
}

impl HotFixStatus {
    pub fn word(&self) -> &'static str {
        match self {
            HotFixStatus::Ready => "ready",
            HotFixStatus::Blocked { .. } => "blocked",
            HotFixStatus::Superseded { .. } => "superseded",
        }
    }

    pub fn reason(&self) -> String {
        match self {
            HotFixStatus::Ready => "ready to apply".to_string(),
            HotFixStatus::Blocked { install } => format!("blocked: install {install} first"),
            HotFixStatus::Superseded { in_sp } => format!("in {in_sp}: install the service pack"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PendingFix {
    pub id: String,
    pub product: String,
    pub title: String,
    pub publicised: bool,
    #[serde(flatten)]
    pub status: HotFixStatus,
}

/// The status of one fix on one server, or `None` when the fix does not concern it
/// (installed, already covered by its level, or neither its role nor publicised).
pub fn status(product: &Product, fix: &HotFix, server: &Server, today: NaiveDate) -> Option<HotFixStatus> {
    let level = *server.products.get(&product.id)?;
    if server.hot_fixes.iter().any(|h| h == fix.id) {
        return None;
    }
    let superseding = product.superseded_by(fix);
    if superseding.is_some_and(|sp| level >= sp.level) {
        return None;
    }
    if !(fix.publicised || fix.roles.iter().any(|r| r == server.role)) {
        return None;
    }
    if let Some(sp) = superseding.filter(|sp| sp.released <= today) {
        return Some(HotFixStatus::Superseded { in_sp: sp.name.clone() });
    }
    let latest = latest_released(product, today);
    if level == fix.built_for && fix.built_for == latest {
        Some(HotFixStatus::Ready)
    } else {
        Some(HotFixStatus::Blocked { install: product.level_name(fix.built_for.max(latest)) })
    }
}

/// Every pending fix for a server, across the products it runs, in catalog order.
pub fn pending(catalog: &Catalog, server: &Server, today: NaiveDate) -> Vec<PendingFix> {
    catalog
        .products
        .iter()
        .flat_map(|p| p.hot_fixes.iter().map(move |f| (p, f)))
        .filter_map(|(p, f)| {
            status(p, f, server, today).map(|status| PendingFix {
                id: f.id.clone(),
                product: p.id.clone(),
                title: f.title.clone(),
                publicised: f.publicised,
                status,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Environment, ServicePack};

    fn product() -> Product {
        let sp = |level: u8, released: &str| ServicePack {
            level,
            name: format!("SP{level}"),
            released: released.parse().expect("date"),
            requires: vec![],
        };
        let fix = |id: &str, built_for: u8, roles: &[&str], publicised: bool| HotFix {
            id: id.into(),
            title: id.into(),
            built_for,
            released: "2000-01-01".parse().expect("date"),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            publicised,
        };
        Product {
            id: "ex55".into(),
            name: "Exchange".into(),
            service_packs: vec![sp(1, "1998-01-01"), sp(2, "1998-06-01"), sp(3, "1999-01-01"), sp(4, "2030-01-01")],
            hot_fixes: vec![
                fix("IMS3", 3, &["ims"], false),
                fix("MBX2", 2, &["mailbox"], false),
                fix("ALL3", 3, &[], true),
            ],
            next_release: None,
        }
    }

    fn server(role: &str, level: u8, fixes: &[&str]) -> Server {
        Server {
            name: "S".into(),
            role: role.into(),
            site: "BOS".into(),
            remote: false,
            environment: Environment::Production,
            products: [("ex55".to_string(), level)].into(),
            hot_fixes: fixes.iter().map(|&f| f.into()).collect(),
            users: 0,
            replaces: None,
        }
    }

    fn today() -> NaiveDate {
        "2000-06-01".parse().expect("date")
    }

    #[test]
    fn a_fix_for_the_latest_level_is_ready_there_and_blocked_below() {
        let p = product();
        assert_eq!(status(&p, &p.hot_fixes[0], &server("ims", 3, &[]), today()), Some(HotFixStatus::Ready));
        assert_eq!(
            status(&p, &p.hot_fixes[0], &server("ims", 2, &[]), today()),
            Some(HotFixStatus::Blocked { install: "SP3".into() })
        );
    }

    #[test]
    fn a_fix_folded_into_a_released_pack_points_at_that_pack() {
        let p = product();
        assert_eq!(
            status(&p, &p.hot_fixes[1], &server("mailbox", 1, &[]), today()),
            Some(HotFixStatus::Superseded { in_sp: "SP3".into() })
        );
        // Already on SP3: the fix is inside it, nothing pending.
        assert_eq!(status(&p, &p.hot_fixes[1], &server("mailbox", 3, &[]), today()), None);
    }

    #[test]
    fn an_unreleased_pack_does_not_supersede_yet() {
        let p = product();
        // SP4 is announced for 2030: the SP3 fix is still the one to apply.
        assert_eq!(status(&p, &p.hot_fixes[0], &server("ims", 3, &[]), today()), Some(HotFixStatus::Ready));
    }

    #[test]
    fn role_specific_fixes_skip_other_roles_but_publicised_fixes_reach_everyone() {
        let p = product();
        assert_eq!(status(&p, &p.hot_fixes[0], &server("news", 3, &[]), today()), None);
        assert_eq!(status(&p, &p.hot_fixes[2], &server("news", 3, &[]), today()), Some(HotFixStatus::Ready));
        assert_eq!(status(&p, &p.hot_fixes[2], &server("news", 3, &["ALL3"]), today()), None);
    }
}
