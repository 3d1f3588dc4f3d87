//! The fleet: the inventory baseline of roles and servers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    pub roles: Vec<Role>,
    pub servers: Vec<Server>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// Short key used by servers, rollouts and hot fixes, e.g. `"mailbox"`.
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Environment {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Server {
    pub name: String,
    pub role: String,
    pub site: String,
    #[serde(default)]
    pub remote: bool,
    pub environment: Environment,
    /// Installed products and their service-pack level (0 = none).
    #[serde(deserialize_with = "super::de::unique_keys")]
    pub products: BTreeMap<String, u8>,
    /// Installed hot fixes, in the order they were applied.
    #[serde(default)]
    pub hot_fixes: Vec<String>,
    #[serde(default)]
    pub users: u32,
    /// The server this one replaces (seed: "a replacement must match the one it replaces"):
    /// its rebuild manifest must match that server's. (Always serialized: the derived-state
    /// cache's binary format has no skipped fields.)
    #[serde(default)]
    pub replaces: Option<String>,
}

impl Fleet {
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    pub fn role_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.role(id).map_or(id, |r| r.name.as_str())
    }
}
