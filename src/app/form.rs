//! Forms: the fields of a record before it is saved. Nothing is written until save.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::action::Write;

#[derive(Debug, Clone)]
pub enum Field {
    /// Shown, not editable (the preselected server).
    Fixed {
        label: &'static str,
        value: String,
    },
    /// One of a few options; ←/→ change it.
    Choice {
        label: &'static str,
        options: Vec<String>,
        selected: usize,
    },
    Text {
        label: &'static str,
        input: Input,
        required: bool,
    },
}

impl Field {
    pub fn text(label: &'static str, required: bool) -> Field {
        Field::Text { label, input: Input::default(), required }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Field::Fixed { label, .. } | Field::Choice { label, .. } | Field::Text { label, .. } => label,
        }
    }

    pub fn value(&self) -> String {
        match self {
            Field::Fixed { value, .. } => value.clone(),
            Field::Choice { options, selected, .. } => options.get(*selected).cloned().unwrap_or_default(),
            Field::Text { input, .. } => input.value().trim().to_string(),
        }
    }

    fn editable(&self) -> bool {
        !matches!(self, Field::Fixed { .. })
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub write: Write,
    pub title: String,
    /// Lines shown above the fields (what an override overrides, for one).
    pub context: Vec<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last save attempt was not sent (a required field is empty).
    pub problem: Option<String>,
    /// What will be recorded, shown for a second key before a Fail, a back-out, an exclusion
    /// or an override is saved: `y` records it, any other key goes back to the fields.
    pub confirm: Option<String>,
    /// The first context line shown (a long list scrolls inside the form: PgUp/PgDn).
    pub scroll: usize,
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    Editing,
    Save,
    Cancel,
}

impl Form {
    /// A form starting on the field a person types into first (a text field), never on a
    /// choice: typing a note cannot pick a result.
    pub fn new(write: Write, title: impl Into<String>, fields: Vec<Field>) -> Form {
        let focus = fields
            .iter()
            .position(|f| matches!(f, Field::Text { .. }))
            .or_else(|| fields.iter().position(Field::editable))
            .unwrap_or(0);
        Form { write, title: title.into(), context: Vec::new(), fields, focus, problem: None, confirm: None, scroll: 0 }
    }

    /// What needs a second key before it is recorded, in one line; `None` for the rest.
    fn summary(&self) -> Option<String> {
        let server = self.value("server");
        match self.write {
            Write::Checkout if self.value("result") == "Fail" => {
                Some(format!("Record a FAIL checkout of {server} (note: {})?", self.value("note")))
            }
            Write::BackOut => Some(format!(
                "BACK OUT {server} (reason: {})? It returns to its previous level and the phase halts.",
                self.value("reason")
            )),
            Write::Exclude => Some(format!("EXCLUDE {server} from the rollout (reason: {})?", self.value("reason"))),
            Write::Advance if !self.value("override reason").is_empty() => {
                Some(match self.value("approver").as_str() {
                    "" => format!(
                        "ASK the approvers to open phase {} by OVERRIDE of every unmet item listed (reason: {})?",
                        self.value("phase"),
                        self.value("override reason")
                    ),
                    approver => format!(
                        "OPEN phase {} by OVERRIDE of every unmet item listed, approved by {approver} (reason: {})?",
                        self.value("phase"),
                        self.value("override reason")
                    ),
                })
            }
            Write::Confirm => Some(format!("Confirm override request {} under your name?", self.value("request"))),
            Write::Meeting if self.value("meeting") == "end" => {
                Some("END the review meeting now, with the attendees present at this moment?".to_string())
            }
            _ => None,
        }
    }

    pub fn with_context(mut self, context: Vec<String>) -> Form {
        self.context = context;
        self
    }

    pub fn value(&self, label: &str) -> String {
        self.fields.iter().find(|f| f.label() == label).map(Field::value).unwrap_or_default()
    }

    fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        for step in 1..=n {
            let i = if forward { (self.focus + step) % n } else { (self.focus + n - step) % n };
            if self.fields[i].editable() {
                self.focus = i;
                return;
            }
        }
    }

    /// A key goes to the form first: typed letters are text, never commands.
    pub fn handle_key(&mut self, key: KeyEvent) -> FormOutcome {
        // The second key: `y` records what the summary says; anything else goes back.
        if self.confirm.is_some() {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => FormOutcome::Save,
                // The list above the summary scrolls without leaving it.
                KeyCode::PageDown => {
                    self.scroll = (self.scroll + 10).min(self.context.len().saturating_sub(1));
                    FormOutcome::Editing
                }
                KeyCode::PageUp => {
                    self.scroll = self.scroll.saturating_sub(10);
                    FormOutcome::Editing
                }
                _ => {
                    self.confirm = None;
                    FormOutcome::Editing
                }
            };
        }
        match key.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::PageDown => self.scroll = (self.scroll + 10).min(self.context.len().saturating_sub(1)),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Enter => {
                let missing = self
                    .fields
                    .iter()
                    .find(|f| matches!(f, Field::Text { required: true, .. }) && f.value().is_empty());
                if let Some(f) = missing {
                    self.problem = Some(format!("{} is required", f.label()));
                    return FormOutcome::Editing;
                }
                // A Concern or a Fail says what was seen.
                if self.write == Write::Checkout && self.value("result") != "Pass" && self.value("note").is_empty() {
                    self.problem =
                        Some(format!("a note is required for a {} checkout: say what you saw", self.value("result")));
                    return FormOutcome::Editing;
                }
                if let Some(summary) = self.summary() {
                    self.confirm = Some(summary);
                    return FormOutcome::Editing;
                }
                return FormOutcome::Save;
            }
            KeyCode::Tab | KeyCode::Down => self.move_focus(true),
            KeyCode::BackTab | KeyCode::Up => self.move_focus(false),
            _ => {
                if let Some(field) = self.fields.get_mut(self.focus) {
                    match field {
                        // Only the arrows choose: a letter typed here is not taken as a choice.
                        Field::Choice { options, selected, .. } => match key.code {
                            KeyCode::Left => *selected = (*selected + options.len() - 1) % options.len().max(1),
                            KeyCode::Right => *selected = (*selected + 1) % options.len().max(1),
                            _ => {
                                self.problem = Some("←/→ choose; tab moves to the next field".into());
                            }
                        },
                        Field::Text { input, .. } => {
                            let key = KeyEvent::new(
                                key.code,
                                key.modifiers & (KeyModifiers::SHIFT | KeyModifiers::CONTROL | KeyModifiers::ALT),
                            );
                            input.handle_event(&Event::Key(key));
                            self.problem = None;
                        }
                        Field::Fixed { .. } => {}
                    }
                }
            }
        }
        FormOutcome::Editing
    }
}

impl Form {
    /// Paste `text` into the text field under the cursor; false if it is not one.
    pub fn paste(&mut self, text: &str) -> bool {
        let Some(Field::Text { input, .. }) = self.fields.get_mut(self.focus) else { return false };
        for c in text.chars() {
            input.handle(tui_input::InputRequest::InsertChar(c));
        }
        self.problem = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn form() -> Form {
        Form::new(
            Write::Checkout,
            "Checkout",
            vec![
                Field::Fixed { label: "server", value: "BOS-IMS01".into() },
                Field::Choice {
                    label: "result",
                    options: vec!["Pass".into(), "Concern".into(), "Fail".into()],
                    selected: 0,
                },
                Field::text("note", false),
            ],
        )
    }

    fn typed(f: &mut Form, text: &str) {
        for c in text.chars() {
            assert_eq!(f.handle_key(key(KeyCode::Char(c))), FormOutcome::Editing);
        }
    }

    #[test]
    fn the_form_starts_on_the_note_and_typing_never_picks_a_result() {
        let mut f = form();
        assert_eq!(f.focus, 2, "the note, the field a person types into first");
        // Typed as a person types: "c" opened the form, then the note. Once this recorded
        // Concern with an empty note (the q and the space picked results).
        typed(&mut f, "queues normal");
        assert_eq!((f.value("result").as_str(), f.value("note").as_str()), ("Pass", "queues normal"));
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Save);
    }

    #[test]
    fn only_the_arrows_choose_and_letters_on_a_choice_say_so() {
        let mut f = form();
        f.handle_key(key(KeyCode::Tab));
        assert_eq!(f.fields[f.focus].label(), "result");
        f.handle_key(key(KeyCode::Char('f')));
        assert_eq!(f.value("result"), "Pass", "a letter is not a choice");
        assert_eq!(f.problem.as_deref(), Some("←/→ choose; tab moves to the next field"));
        f.handle_key(key(KeyCode::Right));
        assert_eq!(f.value("result"), "Concern");
        f.handle_key(key(KeyCode::Left));
        assert_eq!(f.value("result"), "Pass");
    }

    #[test]
    fn a_fail_needs_a_note_and_a_second_key() {
        let mut f = form();
        f.handle_key(key(KeyCode::Tab));
        f.handle_key(key(KeyCode::Right));
        f.handle_key(key(KeyCode::Right));
        assert_eq!(f.value("result"), "Fail");
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Editing);
        assert_eq!(f.problem.as_deref(), Some("a note is required for a Fail checkout: say what you saw"));
        f.handle_key(key(KeyCode::Tab));
        typed(&mut f, "store errors");
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Editing, "not yet: the summary shows first");
        assert_eq!(f.confirm.as_deref(), Some("Record a FAIL checkout of BOS-IMS01 (note: store errors)?"));
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Editing, "enter is not the second key");
        assert!(f.confirm.is_none(), "back to the fields");
        f.handle_key(key(KeyCode::Enter));
        assert_eq!(f.handle_key(key(KeyCode::Char('y'))), FormOutcome::Save);
    }

    #[test]
    fn a_required_field_blocks_save_with_a_reason() {
        let mut f = Form::new(Write::Extend, "Extend", vec![Field::text("reason", true)]);
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Editing);
        assert_eq!(f.problem.as_deref(), Some("reason is required"));
        f.handle_key(key(KeyCode::Char('x')));
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Save);
        assert_eq!(f.handle_key(key(KeyCode::Esc)), FormOutcome::Cancel);
    }
}
