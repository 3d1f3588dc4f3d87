//! The replayed state in two halves for the derived-state cache, so they are written and read
//! back on two threads. Times are nanoseconds: exact, and quick to read back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Server;
use crate::rules::State;
use crate::rules::meeting::Meeting;
use crate::rules::replay::Progress;

/// The state in two halves for the derived-state cache, so they are written and read back on
/// two threads. Each `*Ref` encodes exactly as its owned twin decodes.
#[derive(Serialize)]
pub struct ServersRef<'a> {
    servers: &'a [Server],
    by_name: &'a [u32],
    #[serde(with = "nanos_vec")]
    last_backup: &'a [Option<DateTime<Utc>>],
    #[serde(with = "nanos_vec")]
    last_install: &'a [Option<DateTime<Utc>>],
    previous_levels: &'a [Vec<(String, u8)>],
}

#[derive(Deserialize)]
pub struct ServersPart {
    servers: Vec<Server>,
    by_name: Vec<u32>,
    #[serde(with = "nanos_vec")]
    last_backup: Vec<Option<DateTime<Utc>>>,
    #[serde(with = "nanos_vec")]
    last_install: Vec<Option<DateTime<Utc>>>,
    previous_levels: Vec<Vec<(String, u8)>>,
}

#[derive(Serialize)]
pub struct ProgressRef<'a> {
    progress: &'a [Progress],
    history: &'a [Vec<u32>],
    meeting: &'a Option<Meeting>,
}

#[derive(Deserialize)]
pub struct ProgressPart {
    progress: Vec<Progress>,
    history: Vec<Vec<u32>>,
    meeting: Option<Meeting>,
}

/// The state's two halves, borrowed for writing.
pub fn of(state: &State) -> (ServersRef<'_>, ProgressRef<'_>) {
    (
        ServersRef {
            servers: &state.servers,
            by_name: &state.by_name,
            last_backup: &state.last_backup,
            last_install: &state.last_install,
            previous_levels: &state.previous_levels,
        },
        ProgressRef { progress: &state.progress, history: &state.history, meeting: &state.meeting },
    )
}

/// The state from its two cached halves; `None` if they do not fit together.
pub fn join(a: ServersPart, b: ProgressPart) -> Option<State> {
    let n = a.servers.len();
    let fits = a.by_name.len() == n
        && a.last_backup.len() == n
        && a.last_install.len() == n
        && a.previous_levels.len() == n
        && b.history.len() == n
        && b.progress.iter().all(|p| p.members.len() == n);
    fits.then_some(State {
        servers: a.servers,
        by_name: a.by_name,
        progress: b.progress,
        history: b.history,
        last_backup: a.last_backup,
        last_install: a.last_install,
        previous_levels: a.previous_levels,
        names: Default::default(),
        meeting: b.meeting,
    })
}

/// `Vec<Option<DateTime>>` as nanoseconds, for the derived-state cache.
mod nanos_vec {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[Option<DateTime<Utc>>], s: S) -> Result<S::Ok, S::Error> {
        let n: Vec<Option<i64>> = v.iter().map(|t| t.and_then(|t| t.timestamp_nanos_opt())).collect();
        n.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<DateTime<Utc>>>, D::Error> {
        let n: Vec<Option<i64>> = Vec::deserialize(d)?;
        Ok(n.into_iter().map(|t| t.map(DateTime::from_timestamp_nanos)).collect())
    }
}
