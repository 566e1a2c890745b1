//! End to end: `tinyvae::render::tui::run` in a real pseudo-terminal (util-linux `script`),
//! driven by a fake trainer thread. Checks that `q`, SIGTERM and SIGHUP each send
//! `Stop { save: true }`, wait for the trainer's confirmation, leave the alternate screen and
//! report how the session ended.
//!
//! The test re-runs its own binary as the child (selected by an environment variable). Skipped
//! when `script` is not installed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

use tinyvae::render::tui::synthetic::{Kind, SyntheticRun};
use tinyvae::render::tui::{DashboardOptions, run};
use tinyvae_host::train::events::{Artifact, Command, RunState, TrainingEvent};

const CHILD: &str = "TINYVAE_UI_PTY_CHILD";

/// A trainer stand-in: about 1000 steps/s, obeys pause and stop, logs the commands it got.
fn fake_trainer(events: Sender<TrainingEvent>, commands: Receiver<Command>, log: PathBuf) {
    let mut run = SyntheticRun::new(Kind::VaeMnist2d, 3);
    run.set_epochs(1000);
    run.report_every = 10;
    let mut paused = false;
    let mut received = String::new();
    loop {
        loop {
            let command = match commands.try_recv() {
                Ok(command) => command,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            };
            received.push_str(&format!("{command:?}\n"));
            let _ = std::fs::write(&log, &received);
            match command {
                Command::TogglePause => {
                    paused = !paused;
                    let state = if paused {
                        RunState::Paused
                    } else {
                        RunState::Training
                    };
                    let _ = events.send(TrainingEvent::state(state));
                }
                Command::Stop { save } => {
                    if save {
                        std::thread::sleep(Duration::from_millis(100));
                        let _ = events.send(TrainingEvent::Saved {
                            artifact: Artifact::Checkpoint,
                            path: "checkpoints/test.ckpt".into(),
                        });
                    }
                    let _ = events.send(TrainingEvent::state(RunState::Stopped));
                    return;
                }
                _ => {}
            }
        }
        if !paused {
            for event in run.by_ref().take(10) {
                let _ = events.send(event);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The child: runs the dashboard and writes how it ended.
#[test]
fn pty_child() {
    let Some(dir) = std::env::var_os(CHILD).map(PathBuf::from) else {
        return;
    };
    let (event_sender, events) = mpsc::channel();
    let (commands, command_receiver) = mpsc::channel();
    let log = dir.join("commands");
    let trainer = std::thread::spawn(move || fake_trainer(event_sender, command_receiver, log));
    let _ = std::fs::write(dir.join("pid.tmp"), std::process::id().to_string());
    let _ = std::fs::rename(dir.join("pid.tmp"), dir.join("pid"));
    let result = match run(events, commands, DashboardOptions::default()) {
        Ok(exit) => format!(
            "{:?} confirmed={} saved={}",
            exit.end,
            exit.confirmed,
            exit.saved.len()
        ),
        Err(e) => format!("error {e}"),
    };
    let _ = trainer.join();
    // Written aside and renamed, as the pid is: the parent reads the file as soon as it exists.
    let _ = std::fs::write(dir.join("result.tmp"), result);
    let _ = std::fs::rename(dir.join("result.tmp"), dir.join("result"));
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

struct Session {
    child: Child,
    dir: tempfile::TempDir,
    output: Option<std::thread::JoinHandle<Vec<u8>>>,
    /// The terminal's output while nobody reads it.
    unread: Option<std::process::ChildStdout>,
}

/// Reads all of the terminal's output on a thread.
fn read_all(mut stdout: std::process::ChildStdout) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stdout.read_to_end(&mut all);
        all
    })
}

impl Session {
    fn start() -> Option<Session> {
        let mut session = Self::start_unread()?;
        session.read_output();
        Some(session)
    }

    /// A session whose terminal output nobody reads (yet), as over a stalled link: once the
    /// pipe and the pseudo-terminal's buffers are full, the dashboard's writes block.
    fn start_unread() -> Option<Session> {
        let exe = std::env::current_exe().ok()?;
        let dir = tempfile::tempdir().ok()?;
        let command = format!(
            "stty cols 120 rows 40; exec {} --exact pty_child --nocapture --test-threads=1",
            shell_quote(&exe)
        );
        let mut child = Process::new("script")
            .args(["-qfec", &command, "/dev/null"])
            .env(CHILD, dir.path())
            .env_remove("NO_COLOR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdout = child.stdout.take()?;
        Some(Session {
            child,
            dir,
            output: None,
            unread: Some(stdout),
        })
    }

    /// Starts reading the terminal's output: the link recovers.
    fn read_output(&mut self) {
        if let Some(stdout) = self.unread.take() {
            self.output = Some(read_all(stdout));
        }
    }

    fn wait_for(&self, name: &str) -> String {
        let path = self.dir.path().join(name);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return text;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("no {name} from the child");
    }

    fn keys(&mut self, keys: &str) {
        if let Some(stdin) = self.child.stdin.as_mut() {
            let _ = stdin.write_all(keys.as_bytes());
            let _ = stdin.flush();
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.wait_for("pid");
        let status = Process::new("kill").args([signal, pid.trim()]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill {signal} {pid}");
    }

    /// Closes the terminal under the dashboard, as a dropped SSH link does: the kernel sends
    /// SIGHUP and the terminal's reads and writes fail. Returns the child's result.
    fn hang_up(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.wait_for("result")
    }

    /// Waits for the child's result and the end of the session; returns (result, commands the
    /// trainer got, terminal output).
    fn finish(mut self) -> (String, String, String) {
        let result = self.wait_for("result");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    panic!("the session did not end");
                }
            }
        }
        drop(self.child.stdin.take());
        let output = self
            .output
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        let commands =
            std::fs::read_to_string(self.dir.path().join("commands")).unwrap_or_default();
        (
            result,
            commands,
            String::from_utf8_lossy(&output).into_owned(),
        )
    }
}

/// The resident memory of the child (the dashboard's process), in kB.
fn resident_kb(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn script_available() -> bool {
    Process::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

const ENTER_ALTERNATE_SCREEN: &str = "\x1b[?1049h";
const LEAVE_ALTERNATE_SCREEN: &str = "\x1b[?1049l";

#[test]
fn quit_and_signals_stop_the_trainer_and_restore_the_terminal() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    if !script_available() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }

    // Space pauses, then q quits.
    let Some(mut session) = Session::start() else {
        panic!("cannot start script");
    };
    session.wait_for("pid");
    std::thread::sleep(Duration::from_millis(500));
    session.keys(" ");
    std::thread::sleep(Duration::from_millis(300));
    session.keys("q");
    let (result, commands, output) = session.finish();
    assert_eq!(result, "Quit confirmed=true saved=1");
    assert_eq!(commands, "TogglePause\nStop { save: true }\n");
    assert!(output.contains(ENTER_ALTERNATE_SCREEN), "{output:?}");
    assert!(output.contains(LEAVE_ALTERNATE_SCREEN));
    assert!(output.contains("PAUSED"), "the pause was shown");

    for (signal, end) in [("-TERM", "Signal(Terminate)"), ("-HUP", "Signal(HangUp)")] {
        let Some(session) = Session::start() else {
            panic!("cannot start script");
        };
        session.wait_for("pid");
        std::thread::sleep(Duration::from_millis(300));
        session.signal(signal);
        let (result, commands, output) = session.finish();
        assert_eq!(result, format!("{end} confirmed=true saved=1"));
        assert_eq!(commands, "Stop { save: true }\n");
        assert!(output.contains(LEAVE_ALTERNATE_SCREEN), "{signal}");
    }

    // The terminal itself goes away.
    let Some(session) = Session::start() else {
        panic!("cannot start script");
    };
    session.wait_for("pid");
    std::thread::sleep(Duration::from_millis(300));
    let commands = session.dir.path().join("commands");
    let result = session.hang_up();
    assert_eq!(result, "Signal(HangUp) confirmed=true saved=1");
    // (The temporary directory is gone with the session; the result says Stop was confirmed,
    // which the fake trainer only does after a Stop { save: true }.)
    let _ = commands;
}

/// A terminal that stops reading (a stalled SSH link) while the trainer keeps sending: the
/// dashboard's memory stays flat (it drops the frames it cannot write), and once the link
/// recovers the dashboard answers keys and quits as ever. Before frames were written by a
/// thread of their own, the process grew by about 4.4 MB/s here (the trainer's events queued
/// behind a blocked write).
#[test]
fn a_stalled_terminal_does_not_grow_memory() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    if !script_available() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let Some(mut session) = Session::start_unread() else {
        panic!("cannot start script");
    };
    let pid = session.wait_for("pid");
    let Some(_) = resident_kb(&pid) else {
        eprintln!("skipped: no /proc/PID/status");
        let _ = session.child.kill();
        return;
    };
    // The pipe and the terminal's buffers fill within the first second or so.
    std::thread::sleep(Duration::from_secs(3));
    let stalled = resident_kb(&pid).unwrap_or(0);
    std::thread::sleep(Duration::from_secs(5));
    let later = resident_kb(&pid).unwrap_or(u64::MAX);
    let growth = later.saturating_sub(stalled);
    println!("stalled for 5 s: {stalled} kB, then {later} kB (+{growth} kB)");
    assert!(
        growth < 2048,
        "grew by {growth} kB while the terminal was not reading"
    );

    session.read_output();
    std::thread::sleep(Duration::from_millis(500));
    session.keys("q");
    let (result, commands, output) = session.finish();
    assert_eq!(result, "Quit confirmed=true saved=1");
    assert_eq!(commands, "Stop { save: true }\n");
    assert!(output.contains(LEAVE_ALTERNATE_SCREEN));
}
