//! Finding a rollout, phase or server by name, with a refusal that says what is there instead.

use crate::model::{Data, Rollout};

use super::replay::State;

/// Why the rules refuse a record; the message says what and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

pub fn refuse<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(msg.into()))
}

pub fn server_index(state: &State, name: &str) -> Result<usize, Refusal> {
    state.server_index(name).ok_or_else(|| Refusal(format!("unknown server '{name}': it is not in fleet.ron")))
}

/// The rollout with this id: the one place a rollout is looked up.
pub fn rollout_index(data: &Data, id: &str) -> Result<usize, Refusal> {
    data.plan.rollouts.iter().position(|r| r.id == id).ok_or_else(|| {
        let known: Vec<&str> = data.plan.rollouts.iter().map(|r| r.id.as_str()).collect();
        Refusal(format!("unknown rollout '{id}' (rollout.ron has: {})", known.join(", ")))
    })
}

/// The rollout an operator means: the one named, else the first; `None` when there is none.
pub fn chosen_rollout(data: &Data, wanted: Option<&str>) -> Result<Option<usize>, Refusal> {
    match wanted {
        Some(id) => rollout_index(data, id).map(Some),
        None => Ok((!data.plan.rollouts.is_empty()).then_some(0)),
    }
}

pub fn phase_index(rollout: &Rollout, phase: &str) -> Result<usize, Refusal> {
    rollout.phase_index(phase).ok_or_else(|| Refusal(format!("rollout '{}' has no phase '{phase}'", rollout.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MemoryStore, Store};

    fn data() -> Data {
        let store = MemoryStore::sample(crate::store::sample::anchor()).expect("sample");
        let plans = store.plans().expect("plans");
        Data { catalog: plans.catalog, fleet: store.fleet().expect("fleet"), plan: plans.plan, ..Default::default() }
    }

    #[test]
    fn an_unknown_rollout_names_the_ones_there_are() {
        let d = data();
        assert_eq!(chosen_rollout(&d, None), Ok(Some(0)));
        let ids: Vec<String> = d.plan.rollouts.iter().map(|r| r.id.clone()).collect();
        assert_eq!(chosen_rollout(&d, Some(&ids[0])), Ok(Some(0)));
        let err = chosen_rollout(&d, Some("nt4-sp9")).expect_err("unknown");
        assert_eq!(err.0, format!("unknown rollout 'nt4-sp9' (rollout.ron has: {})", ids.join(", ")));
        assert_eq!(chosen_rollout(&Data::default(), None), Ok(None), "no rollout is not an error until one is needed");
    }

    #[test]
    fn an_unknown_phase_or_server_is_named() {
        let d = data();
        let ro = &d.plan.rollouts[0];
        assert_eq!(phase_index(ro, &ro.phases[1].name), Ok(1));
        assert!(phase_index(ro, "Moon base").expect_err("unknown").0.contains("has no phase 'Moon base'"));
        let state = State::new(&d);
        assert!(server_index(&state, "BOS-IMS01").is_ok());
        assert_eq!(
            server_index(&state, "BOS-IMS99").expect_err("unknown").0,
            "unknown server 'BOS-IMS99': it is not in fleet.ron"
        );
    }
}
