//! Every server's name in one lower-case buffer, searched once per filter word by the fleet
//! and journal filters alike; built once per change of the fleet.

use crate::rules::State;

#[derive(Debug, Clone, Default)]
pub struct Names {
    names: String,
    /// Where each server's name starts in `names`, by server index, ascending.
    starts: Vec<u32>,
    /// The longest name, for name columns.
    pub longest: usize,
}

impl Names {
    /// No names to search, only the longest's width: what the first frame drawn from the
    /// front of the derived-state cache reads (`app::front`).
    pub fn with_longest(longest: usize) -> Names {
        Names { longest, ..Default::default() }
    }

    pub fn build(state: &State) -> Names {
        let mut n = Names { longest: 8, ..Default::default() };
        n.starts.reserve(state.servers.len());
        for s in &state.servers {
            n.starts.push(n.names.len() as u32);
            if s.name.is_ascii() {
                n.names.push_str(&s.name);
            } else {
                n.names.push_str(&s.name.to_lowercase());
            }
            n.names.push('\n');
        }
        n.names.make_ascii_lowercase();
        n.longest = state.servers.iter().map(|s| s.name.chars().count()).max().unwrap_or(8);
        n
    }

    /// Per server, whether its name contains `w` (lower-case): one scan of all the names, in
    /// two halves on two threads at a large fleet (a common letter hits nearly every name).
    pub fn hits(&self, w: &str) -> Vec<bool> {
        let mut name = vec![false; self.starts.len()];
        if self.starts.len() < crate::parallel::MIN_SPLIT {
            self.hits_from(w, 0, &mut name);
        } else {
            let half = self.starts.len() / 2;
            let (a, b) = name.split_at_mut(half);
            crate::parallel::join(|| self.hits_from(w, 0, a), || self.hits_from(w, half, b));
        }
        name
    }

    /// Whether each of the servers from `first` on (as many as `out` holds) has `w` in its name.
    fn hits_from(&self, w: &str, first: usize, out: &mut [bool]) {
        let Some(&from) = self.starts.get(first) else { return };
        let end = self.starts.get(first + out.len()).map_or(self.names.len(), |&s| s as usize);
        let Some(hay) = self.names.as_bytes().get(from as usize..end) else { return };
        let starts = &self.starts[first..first + out.len()];
        // Hits come in order, so the server they fall in only moves forward.
        let mut i = 0;
        for at in memchr::memmem::find_iter(hay, w.as_bytes()) {
            let at = at + from as usize;
            while starts.get(i + 1).is_some_and(|&s| s as usize <= at) {
                i += 1;
            }
            if let Some(n) = out.get_mut(i) {
                *n = true;
            }
        }
    }

    /// Names as given, for tests of the filters at a large fleet without a state.
    #[cfg(test)]
    pub fn of(names: &[String]) -> Names {
        let mut n = Names { longest: 8, ..Default::default() };
        for name in names {
            n.starts.push(n.names.len() as u32);
            n.names.push_str(&name.to_lowercase());
            n.names.push('\n');
        }
        n
    }
}
