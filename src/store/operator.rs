//! Who is recording: the OS account of this process, plus where it came from.

/// The operator recorded with every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The OS account (from the process's user id, not from an environment variable).
    pub name: String,
    /// The ssh client address and sudo user, when present: context, not identity.
    pub from: Option<String>,
}

impl Operator {
    pub fn current() -> Operator {
        let name = whoami::fallible::username().unwrap_or_else(|_| "unknown".to_string());
        let mut from = Vec::new();
        if let Some(ip) = std::env::var("SSH_CLIENT").ok().and_then(|s| s.split_whitespace().next().map(str::to_string))
        {
            from.push(format!("ssh {ip}"));
        }
        if let Ok(sudo) = std::env::var("SUDO_USER") {
            from.push(format!("sudo {sudo}"));
        }
        Operator { name, from: (!from.is_empty()).then(|| from.join(", ")) }
    }
}
