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

    /// Per server, whether its name contains `w` (lower-case): one scan of all the names.
    pub fn hits(&self, w: &str) -> Vec<bool> {
        let mut name = vec![false; self.starts.len()];
        // Hits come in order, so the server they fall in only moves forward.
        let mut i = 0;
        for at in memchr::memmem::find_iter(self.names.as_bytes(), w.as_bytes()) {
            while self.starts.get(i + 1).is_some_and(|&s| s as usize <= at) {
                i += 1;
            }
            if let Some(n) = name.get_mut(i) {
                *n = true;
            }
        }
        name
    }
}
