//! Who is recording: the OS account of this process, plus where it came from.

/// The operator recorded with every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The OS account (from the process's user id, not from an environment variable; as root
    /// under sudo, the account that ran sudo).
    pub name: String,
    /// The ssh client address and sudo user, when present: context, not identity.
    pub from: Option<String>,
}

/// The account name of `uid`, or `uid:N` when it has no passwd entry (never a shared "unknown").
pub fn account(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(user)) => user.name,
        _ => format!("uid:{uid}"),
    }
}

impl Operator {
    pub fn current() -> Operator {
        let uid = nix::unistd::getuid().as_raw();
        let mut name = account(uid);
        let mut from = Vec::new();
        // Run through sudo as root, the operator is whoever ran sudo: only root can set
        // SUDO_UID, and separation of duties must still tell people apart.
        if uid == 0
            && let Some(sudo) = std::env::var("SUDO_UID").ok().and_then(|u| u.parse::<u32>().ok())
            && sudo != 0
        {
            name = account(sudo);
            from.push("via sudo as root".to_string());
        }
        if let Some(ip) = std::env::var("SSH_CLIENT").ok().and_then(|s| s.split_whitespace().next().map(str::to_string))
        {
            from.push(format!("ssh {ip}"));
        }
        if uid != 0
            && let Ok(sudo) = std::env::var("SUDO_USER")
        {
            from.push(format!("sudo {sudo}"));
        }
        Operator { name, from: (!from.is_empty()).then(|| from.join(", ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_without_a_passwd_entry_is_its_uid_not_a_shared_name() {
        assert_eq!(account(3_999_999), "uid:3999999");
        assert_eq!(account(0), "root");
    }
}
