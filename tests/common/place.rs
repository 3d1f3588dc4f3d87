// Where a test's rollout lives, so the same test code runs against both stores: a data
// directory (the sample) or a throwaway PostgreSQL cluster holding the sample, imported.
#![allow(dead_code)]

use std::process::Command;
use std::sync::Arc;

use sprout::store::{FileStore, Store};

use super::pg::{Cluster, OPERATORS};
use super::{NOW, Sample};

pub enum Place {
    Dir(Sample),
    Pg(Cluster, Sample),
}

impl Place {
    pub fn dir() -> Place {
        Place::Dir(Sample::new())
    }

    /// `None` (a note printed) when PostgreSQL is not installed and this is not CI.
    pub fn pg() -> Option<Place> {
        let cluster = Cluster::start()?;
        let sample = Sample::new();
        cluster.import(&sample.path());
        Some(Place::Pg(cluster, sample))
    }

    /// Both stores: the directory, and the database when PostgreSQL is here.
    pub fn both() -> Vec<Place> {
        std::iter::once(Place::dir()).chain(Place::pg()).collect()
    }

    pub fn name(&self) -> &'static str {
        match self {
            Place::Dir(_) => "data directory",
            Place::Pg(..) => "PostgreSQL",
        }
    }

    /// The `--data` value for writer number `who`: the directory, or the URL of an operator's
    /// role (alternating between them).
    pub fn data(&self, who: usize) -> String {
        match self {
            Place::Dir(s) => s.path().display().to_string(),
            Place::Pg(c, _) => c.url(OPERATORS[who % OPERATORS.len()]),
        }
    }

    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Place::Dir(s) => FileStore::open(s.path()),
            Place::Pg(c, _) => sprout::store::pg::PgStore::open(&c.url(OPERATORS[0])),
        }
    }

    /// The sprout binary on this place as writer `who`, the clock pinned (a database stamps
    /// records with its own clock all the same).
    pub fn sprout(&self, who: usize) -> Command {
        let (Place::Dir(s) | Place::Pg(_, s)) = self;
        let base = s.dir.path();
        let mut c = Command::new(env!("CARGO_BIN_EXE_sprout"));
        c.arg("--data")
            .arg(self.data(who))
            .args(["--now", NOW])
            .env_remove("SPROUT_DATA")
            .env("XDG_CACHE_HOME", base.join("cache"))
            .env("XDG_STATE_HOME", base.join("state"))
            .env("SPROUT_CONFIG", base.join("config"))
            .env("SPROUT_SYSTEM_CONFIG", base.join("system"));
        c
    }
}
