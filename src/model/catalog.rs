//! The catalog: products, their service packs, hot fixes and expected releases.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Short key used by the other files, e.g. `"ex55"`.
    pub id: String,
    pub name: String,
    /// Ordered by level, level 1 first. Service packs are cumulative.
    pub service_packs: Vec<ServicePack>,
    #[serde(default)]
    pub hot_fixes: Vec<HotFix>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_release: Option<NextRelease>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePack {
    pub level: u8,
    /// Display name, e.g. `"SP6a"`.
    pub name: String,
    /// A date in the future means announced but not yet released.
    #[serde(with = "super::de::date")]
    pub released: NaiveDate,
    /// Levels of other products this service pack needs first.
    #[serde(default)]
    pub requires: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    pub product: String,
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotFix {
    /// Knowledge Base style id, e.g. `"Q275453"`.
    pub id: String,
    pub title: String,
    /// The service pack level the fix was built for: it installs only there.
    pub built_for: u8,
    #[serde(with = "super::de::date")]
    pub released: NaiveDate,
    /// Roles that have the problem; empty with `publicised: false` means none.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Widely publicised: every server on the product should get it.
    #[serde(default)]
    pub publicised: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextRelease {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "super::de::date::option")]
    pub expected: Option<NaiveDate>,
}

impl Catalog {
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    pub fn hot_fix(&self, id: &str) -> Option<(&Product, &HotFix)> {
        self.products.iter().find_map(|p| p.hot_fixes.iter().find(|h| h.id == id).map(|h| (p, h)))
    }
}

impl Product {
    pub fn service_pack(&self, level: u8) -> Option<&ServicePack> {
        self.service_packs.iter().find(|sp| sp.level == level)
    }

    /// `SP3`, or `no SP` for level 0, or `SP?9` for a level the catalog lacks.
    pub fn level_name(&self, level: u8) -> String {
        match level {
            0 => "no SP".to_string(),
            _ => self.service_pack(level).map_or_else(|| format!("SP?{level}"), |sp| sp.name.clone()),
        }
    }

    /// The service pack that folds this fix in: the next level after the one it was built for.
    pub fn superseded_by(&self, fix: &HotFix) -> Option<&ServicePack> {
        self.service_pack(fix.built_for.saturating_add(1))
    }
}
