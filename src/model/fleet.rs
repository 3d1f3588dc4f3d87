//! The fleet: the inventory baseline of roles and servers.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    pub roles: Vec<Role>,
    /// Sites with their time zone, hours and change freezes (a site not listed: the host's
    /// time zone, the default hours, no freeze).
    #[serde(default)]
    pub sites: Vec<Site>,
    pub servers: Vec<Server>,
}

/// A site: where its servers are, in whose time their install windows and freezes are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub name: String,
    /// An IANA time zone name, e.g. `"America/New_York"`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// After hours in this site: from `start` to `end` o'clock (default 19 to 7); weekends are
    /// after hours all day.
    #[serde(default)]
    pub after_hours: Option<Hours>,
    /// Change freezes: no install from `from` to `to` (inclusive, site dates).
    #[serde(default)]
    pub freezes: Vec<Freeze>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub start: u8,
    pub end: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Freeze {
    #[serde(with = "super::de::date")]
    pub from: chrono::NaiveDate,
    #[serde(with = "super::de::date")]
    pub to: chrono::NaiveDate,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// Short key used by servers, rollouts and hot fixes, e.g. `"mailbox"`.
    pub id: String,
    pub name: String,
}

// The default stands in only where the derived-state cache could not be read back
// (`OnDemand`), never for a server in fleet.ron.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Environment {
    #[default]
    Lab,
    TestInProduction,
    Production,
}

impl Environment {
    pub fn label(self) -> &'static str {
        match self {
            Environment::Lab => "lab",
            Environment::TestInProduction => "test in production",
            Environment::Production => "production",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Server {
    // Short, and one each per server: kept inline, not an allocation each (at 100,000 servers
    // that was 300,000 allocations of the dashboard's memory).
    pub name: CompactString,
    pub role: CompactString,
    pub site: CompactString,
    #[serde(default)]
    pub remote: bool,
    pub environment: Environment,
    /// Installed products and their service-pack level (0 = none).
    pub products: super::Levels,
    /// Installed hot fixes, in the order they were applied.
    #[serde(default)]
    pub hot_fixes: Vec<CompactString>,
    #[serde(default)]
    pub users: u32,
    /// The server this one replaces (seed: "a replacement must match the one it replaces"):
    /// its rebuild manifest must match that server's. (Always serialized: the derived-state
    /// cache's binary format has no skipped fields.)
    #[serde(default)]
    pub replaces: Option<CompactString>,
}

impl Fleet {
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    pub fn role_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.role(id).map_or(id, |r| r.name.as_str())
    }
}
