//! A tmux server of a test's own, to drive the real binary in a real terminal; killed with
//! everything in it when the test ends, passed or failed.

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// One tmux server (its own socket) with one session named `t`.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new(name: &str) -> Tmux {
        let available = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
        assert!(available, "tmux is needed for the end-to-end tests (.ci/run installs it)");
        Tmux { socket: format!("sprout-test-{name}-{}", std::process::id()) }
    }

    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "t"])
    }

    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "'{text}' never appeared; the screen:\n{screen}");
            sleep(Duration::from_millis(50));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "t", k]);
            sleep(Duration::from_millis(60));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}
