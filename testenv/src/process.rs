//! Processes of a control plane: free ports, spawning with a log file, liveness by pid, stopping.

use std::fs::{self, File};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::Error;
use crate::binaries::tail_lines;

/// A port on 127.0.0.1 that was free a moment ago (the OS picked it).
pub fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Start(format!("no free port on 127.0.0.1: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Start(format!("no free port on 127.0.0.1: {e}")))?
        .port();
    Ok(port)
}

/// A process of the plane: its pid, the binary it runs and its log file.
#[derive(Debug)]
pub struct Proc {
    /// Short name for messages ("etcd", "kube-apiserver").
    pub name: &'static str,
    /// Process id.
    pub pid: u32,
    /// The binary, to tell our process from an unrelated one that reused the pid.
    pub binary: PathBuf,
    /// Where stdout and stderr go.
    pub log: PathBuf,
    /// Present when this process spawned it (so it can reap it).
    pub child: Option<Child>,
}

impl Proc {
    /// Starts `binary args…` in its own process group with output appended to `log`.
    pub fn spawn(
        name: &'static str,
        binary: &Path,
        args: &[String],
        log: &Path,
    ) -> Result<Self, Error> {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| Error::io(log, e))?;
        let err = out.try_clone().map_err(|e| Error::io(log, e))?;
        let child = Command::new(binary)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Own process group: a Ctrl-C in the terminal that ran `cluster up` does not reach it.
            .process_group(0)
            .spawn()
            .map_err(|e| Error::Start(format!("could not start {}: {e}", binary.display())))?;
        Ok(Proc {
            name,
            pid: child.id(),
            binary: binary.to_path_buf(),
            log: log.to_path_buf(),
            child: Some(child),
        })
    }

    /// A process started by an earlier invocation, known only by its pid.
    pub fn adopt(name: &'static str, pid: u32, binary: &Path, log: &Path) -> Self {
        Proc {
            name,
            pid,
            binary: binary.to_path_buf(),
            log: log.to_path_buf(),
            child: None,
        }
    }

    /// Whether the process is alive and still runs our binary (a stale pid file may name a
    /// pid that now belongs to something else).
    pub fn is_alive(&mut self) -> bool {
        if let Some(child) = &mut self.child {
            return matches!(child.try_wait(), Ok(None));
        }
        pid_runs(self.pid, &self.binary)
    }

    /// The last lines of the log, for error messages.
    pub fn log_tail(&self, n: usize) -> String {
        match fs::read_to_string(&self.log) {
            Ok(text) => tail_lines(&text, n),
            Err(e) => format!("(could not read {}: {e})", self.log.display()),
        }
    }

    /// An error saying the process died, with the tail of its log.
    pub fn died(&self) -> Error {
        Error::Crashed {
            process: self.name,
            log: self.log.clone(),
            tail: self.log_tail(30),
        }
    }

    /// SIGTERM, then SIGKILL after `grace`; reaps the child when this process spawned it.
    pub fn stop(&mut self, grace: Duration) {
        if !self.is_alive() {
            self.reap();
            return;
        }
        let pid = Pid::from_raw(self.pid as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if !self.is_alive() {
                self.reap();
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        tracing::warn!(
            process = self.name,
            pid = self.pid,
            "did not stop on SIGTERM; sending SIGKILL"
        );
        let _ = kill(pid, Signal::SIGKILL);
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.is_alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.reap();
    }

    fn reap(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }
}

/// Whether `pid` is a live (not zombie) process whose command line starts with `binary`.
pub fn pid_runs(pid: u32, binary: &Path) -> bool {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let Ok(stat) = fs::read_to_string(proc_dir.join("stat")) else {
        return false;
    };
    // The state follows the parenthesised command name: "1234 (etcd) S ...".
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next());
    if matches!(state, Some("Z") | Some("X") | None) {
        return false;
    }
    // While a process is in the middle of exec, its cmdline reads empty for a moment.
    let mut cmdline = Vec::new();
    for _ in 0..50 {
        match fs::read(proc_dir.join("cmdline")) {
            Ok(c) if !c.is_empty() => {
                cmdline = c;
                break;
            }
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
            Err(_) => return false,
        }
    }
    let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    argv0 == binary.as_os_str().as_encoded_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_bindable() {
        // Rebinding may race with other tests picking ports; the plane retries on that.
        let port = free_port().unwrap();
        assert!(port >= 1024, "an unprivileged ephemeral port, got {port}");
    }

    #[test]
    fn liveness_follows_the_process_and_its_binary() {
        let dir = std::env::temp_dir().join(format!("k8s-rs-proc-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let sleep = PathBuf::from("/bin/sleep");
        let log = dir.join("sleep.log");
        let mut p = Proc::spawn("sleep", &sleep, &["30".to_string()], &log).unwrap();
        assert!(p.is_alive());
        assert!(pid_runs(p.pid, &sleep));
        // Same pid, other binary: a stale pid file must not adopt an unrelated process.
        assert!(!pid_runs(p.pid, Path::new("/usr/bin/etcd-not-this")));
        p.stop(Duration::from_secs(5));
        assert!(!p.is_alive());
        assert!(!pid_runs(p.pid, &sleep));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn crash_error_carries_the_log_tail() {
        let dir = std::env::temp_dir().join(format!("k8s-rs-crash-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let log = dir.join("sh.log");
        let mut p = Proc::spawn(
            "sh",
            Path::new("/bin/sh"),
            &[
                "-c".to_string(),
                "echo first; echo boom: bad flag >&2; exit 3".to_string(),
            ],
            &log,
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while p.is_alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let err = p.died().to_string();
        assert!(err.contains("boom: bad flag"), "{err}");
        assert!(err.contains("sh"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
