//! The `:` command line: its history, completion, and what each command does.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Action, App, Overlay, Tab};

/// The `:` command line: what is typed, where in the command history ↑/↓ stand, and what
/// `tab` found to complete it with.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    pub input: Input,
    /// Steps back into the history (0: the line being typed).
    back: usize,
    /// What the line held before ↑ was first pressed.
    typed: String,
    /// Completions offered by the last `tab`, shown beside the line.
    pub offered: Vec<String>,
}

/// The commands `:` knows, for completion and for the message about an unknown one.
pub const COMMANDS: &[&str] = &[
    "fleet", "server", "rollout", "journal", "risk", "agenda", "plan", "messages", "copy", "who", "follow", "unfollow",
    "present", "help", "quit", "q",
];
const COPY_WHAT: &[&str] = &["name", "manifest", "status"];
impl App {
    pub(super) fn command_key(&mut self, mut line: CommandLine, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => {
                let text = line.input.value().trim().to_string();
                if !text.is_empty() && self.commands.last() != Some(&text) {
                    if self.commands.len() == 100 {
                        self.commands.remove(0);
                    }
                    self.commands.push(text.clone());
                }
                self.command(&text);
                return;
            }
            KeyCode::Esc => return,
            KeyCode::Up | KeyCode::Down => {
                if line.back == 0 {
                    line.typed = line.input.value().to_string();
                }
                line.back = match key.code {
                    KeyCode::Up => (line.back + 1).min(self.commands.len()),
                    _ => line.back.saturating_sub(1),
                };
                let shown = match line.back {
                    0 => line.typed.clone(),
                    n => self.commands[self.commands.len() - n].clone(),
                };
                line.input = Input::new(shown);
                line.offered.clear();
            }
            KeyCode::Tab => {
                let (completed, offered) = self.complete(line.input.value());
                line.input = Input::new(completed);
                line.offered = offered;
            }
            _ => {
                line.input.handle_event(&Event::Key(key));
                line.offered.clear();
                line.back = 0;
            }
        }
        self.overlay = Some(Overlay::Command(line));
    }

    /// Complete a command line: the command word, then a server's or rollout's name, or what
    /// to copy. Returns the line completed as far as every match agrees, and the matches
    /// (none when there is one: it was taken).
    pub fn complete(&self, text: &str) -> (String, Vec<String>) {
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v, Some(a.trim_start())),
            None => (text, None),
        };
        let pick = |prefix: &str, candidates: Vec<String>| -> (String, Vec<String>) {
            let folded = prefix.to_lowercase();
            let mut found: Vec<String> =
                candidates.into_iter().filter(|c| c.to_lowercase().starts_with(&folded)).collect();
            found.sort();
            found.dedup();
            match found.as_slice() {
                [] => (prefix.to_string(), Vec::new()),
                [one] => (format!("{one} "), Vec::new()),
                [first, rest @ ..] => {
                    let common = rest.iter().fold(first.chars().count(), |n, c| {
                        first.chars().zip(c.chars()).take(n).take_while(|(a, b)| a.eq_ignore_ascii_case(b)).count()
                    });
                    let head: String = first.chars().take(common).collect();
                    (if head.chars().count() > prefix.chars().count() { head } else { prefix.to_string() }, found)
                }
            }
        };
        let Some(arg) = arg else {
            return pick(verb, COMMANDS.iter().map(|c| c.to_string()).collect());
        };
        let candidates: Vec<String> = match verb {
            "server" => {
                // Names starting with what was typed: a scan of the fleet's names, once per tab.
                let folded = arg.to_lowercase();
                self.live
                    .state
                    .servers
                    .iter()
                    .filter(|s| s.name.to_lowercase().starts_with(&folded))
                    .take(1000)
                    .map(|s| s.name.to_string())
                    .collect()
            }
            "rollout" => self.live.data.plan.rollouts.iter().map(|r| r.id.clone()).collect(),
            "copy" => COPY_WHAT.iter().map(|c| c.to_string()).collect(),
            "follow" => self.others().iter().map(|p| p.operator.clone()).collect(),
            _ => Vec::new(),
        };
        let (done, offered) = pick(arg, candidates);
        (format!("{verb} {done}"), offered)
    }

    /// `:` commands: a view's name, `server NAME`, `rollout ID`, `messages`, `copy WHAT`, `q`.
    pub fn command(&mut self, text: &str) {
        let mut words = text.split_whitespace();
        let verb = words.next().unwrap_or("");
        let arg = words.collect::<Vec<_>>().join(" ");
        if matches!(verb, "q" | "quit") {
            self.quit = true;
        } else if let (Some(tab), true) = (Tab::from_name(verb), arg.is_empty()) {
            self.show(tab);
        } else if verb == "server" {
            match self
                .live
                .state
                .server_index(&arg)
                .or_else(|| self.live.state.servers.iter().position(|s| s.name.eq_ignore_ascii_case(&arg)))
            {
                Some(i) => self.open_server(i),
                None => self.say(false, format!("unknown server '{arg}' (tab completes a name)")),
            }
        } else if verb == "rollout" {
            match crate::rules::lookup::rollout_index(&self.live.data, &arg) {
                Ok(r) => {
                    self.rollout = Some(r);
                    self.derive();
                    self.show(Tab::Rollout);
                }
                Err(refusal) => self.say(false, refusal.0),
            }
        } else if verb == "messages" {
            self.update(Action::Messages);
        } else if verb == "who" {
            self.update(Action::People);
        } else if verb == "follow" && !arg.is_empty() {
            self.follow(&arg);
        } else if verb == "follow" {
            self.toggle_follow();
        } else if verb == "unfollow" {
            self.unfollow();
        } else if verb == "present" {
            self.update(Action::Present);
        } else if verb == "help" {
            self.update(Action::Help);
        } else if verb == "copy" {
            self.copy(if arg.is_empty() { "name" } else { arg.as_str() });
        } else if !verb.is_empty() {
            self.say(false, format!("unknown command ':{verb}'; try :{} (tab completes)", COMMANDS.join(" :")));
        }
    }

    /// Put a server's name, its rebuild manifest or the status on the terminal's clipboard.
    pub(super) fn copy(&mut self, what: &str) {
        let server = self.target_server().map(|i| &self.live.state.servers[i]);
        let (text, said) = match (what, server) {
            ("name", Some(s)) => (s.name.to_string(), format!("server name {}", s.name)),
            ("manifest", Some(s)) => {
                let steps = crate::rules::manifest::manifest(&self.live.data.catalog, s);
                (
                    crate::rules::manifest::to_text(s, &steps),
                    format!("the manifest of {} ({} steps)", s.name, steps.len()),
                )
            }
            ("name" | "manifest", None) => return self.say(false, "select a server first, then copy"),
            ("status", _) => (
                crate::cli::status::markdown(
                    self.place.clone(),
                    &self.live.data,
                    &self.live.state,
                    self.rollout,
                    self.now,
                ),
                "the status, as Markdown".to_string(),
            ),
            _ => return self.say(false, format!("copy what? :copy {}", COPY_WHAT.join(" | :copy "))),
        };
        self.say(true, format!("copied {said} to the clipboard (OSC 52: your terminal must allow it)"));
        self.clipboard = Some(text);
    }
}
