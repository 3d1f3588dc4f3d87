//! Changes to the store taken in: another process's writes (a reload, what is new to mark),
//! and this dashboard's own.

use crate::live;

use super::App;

impl App {
    /// Re-read the store (after a write, or another process's write): only the journal lines
    /// appended since, when that is all that changed.
    pub fn reload(&mut self) -> Option<live::CatchUp> {
        match live::refresh(&mut self.live) {
            Ok(None) => None,
            Ok(Some(caught)) => {
                self.warnings = self.live.warnings();
                match caught {
                    live::CatchUp::Appended(first) => self.derive_from(first),
                    live::CatchUp::Unchanged => {}
                    live::CatchUp::Reloaded => self.after_reload(),
                }
                Some(caught)
            }
            Err(e) => {
                self.say(false, format!("reload failed, showing the last good state: {e}"));
                None
            }
        }
    }

    /// Everything was read again: derive it all.
    fn after_reload(&mut self) {
        self.reader.clear();
        self.derive();
        // The state read before, and what was derived from it, are freed: give the memory back
        // (a whole state at 100,000 servers).
        crate::heap::give_back();
    }

    /// The files no longer hold what the state was built from, though their identities say
    /// nothing changed (`live::audit`): say so, and read everything again without the cache.
    pub fn distrust(&mut self, found: &str) {
        let said = match live::audit::reload_afresh(&mut self.live) {
            Ok(()) => {
                self.warnings = self.live.warnings();
                self.after_reload();
                format!("⚠ {found}: read everything again from the files")
            }
            // The load's error names the same place, located: said once.
            Err(e) => format!("⚠ changed in place, and not readable now (showing the last good state): {e}"),
        };
        self.say(false, said.clone());
        self.alarm = Some(said);
    }

    /// After a write through `live`: events from `first` on are new (`None`: all re-read).
    pub(crate) fn after_write(&mut self, first: Option<usize>) {
        self.warnings = self.live.warnings();
        match first {
            Some(first) => self.derive_from(first),
            None => {
                self.reader.clear();
                self.derive();
            }
        }
    }

    /// Reload if the store changed since the last load (another process wrote); true if so,
    /// false too while an append waits for the head that vouches for it (nothing shown yet).
    pub fn watch(&mut self) -> bool {
        if self.live.store.stamp() == self.live.stamp {
            return false;
        }
        self.reload_external();
        self.live.unvouched.is_none()
    }

    /// Another process changed the store: reload, keep the cursor, mark what is new.
    pub fn reload_external(&mut self) {
        let before = self.live.data.journal.len();
        if self.reload().is_none() {
            return;
        }
        let index = &self.live.data.journal;
        let added = index.len().saturating_sub(before);
        self.changed.extend(index.lines.get(before..).unwrap_or_default().iter().filter_map(|l| l.server()));
        if added > 0
            && let Some(Some(last)) = self.entries(&[index.len() - 1]).pop()
        {
            self.say(
                true,
                format!(
                    "● {added} new event{} from {}: {}",
                    if added == 1 { "" } else { "s" },
                    crate::safe::visible(&last.by),
                    crate::describe::event(&last.event)
                ),
            );
        }
    }
}
