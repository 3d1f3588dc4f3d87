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
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    Editing,
    Save,
    Cancel,
}

impl Form {
    pub fn new(write: Write, title: impl Into<String>, fields: Vec<Field>) -> Form {
        let focus = fields.iter().position(Field::editable).unwrap_or(0);
        Form { write, title: title.into(), context: Vec::new(), fields, focus, problem: None }
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
        match key.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Enter => {
                let missing = self
                    .fields
                    .iter()
                    .find(|f| matches!(f, Field::Text { required: true, .. }) && f.value().is_empty());
                if let Some(f) = missing {
                    self.problem = Some(format!("{} is required", f.label()));
                    return FormOutcome::Editing;
                }
                return FormOutcome::Save;
            }
            KeyCode::Tab | KeyCode::Down => self.move_focus(true),
            KeyCode::BackTab | KeyCode::Up => self.move_focus(false),
            _ => {
                if let Some(field) = self.fields.get_mut(self.focus) {
                    match field {
                        Field::Choice { options, selected, .. } => match key.code {
                            KeyCode::Left => *selected = (*selected + options.len() - 1) % options.len().max(1),
                            KeyCode::Right | KeyCode::Char(' ') => *selected = (*selected + 1) % options.len().max(1),
                            KeyCode::Char(c) => {
                                // The first letter picks an option: p, c, f for Pass, Concern, Fail.
                                if let Some(i) =
                                    options.iter().position(|o| o.to_lowercase().starts_with(c.to_ascii_lowercase()))
                                {
                                    *selected = i;
                                }
                            }
                            _ => {}
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

    #[test]
    fn typing_q_in_a_note_types_a_q() {
        let mut f = form();
        assert_eq!(f.focus, 1, "the fixed server field is skipped");
        f.handle_key(key(KeyCode::Tab));
        for c in "quiet queue".chars() {
            assert_eq!(f.handle_key(key(KeyCode::Char(c))), FormOutcome::Editing);
        }
        assert_eq!(f.value("note"), "quiet queue");
    }

    #[test]
    fn choice_moves_with_arrows_and_first_letters() {
        let mut f = form();
        f.handle_key(key(KeyCode::Right));
        assert_eq!(f.value("result"), "Concern");
        f.handle_key(key(KeyCode::Char('f')));
        assert_eq!(f.value("result"), "Fail");
        f.handle_key(key(KeyCode::Left));
        assert_eq!(f.value("result"), "Concern");
    }

    #[test]
    fn a_required_field_blocks_save_with_a_reason() {
        let mut f = Form::new(Write::Exclude, "Exclude", vec![Field::text("reason", true)]);
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Editing);
        assert_eq!(f.problem.as_deref(), Some("reason is required"));
        f.handle_key(key(KeyCode::Char('x')));
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Save);
        assert_eq!(f.handle_key(key(KeyCode::Esc)), FormOutcome::Cancel);
    }
}
