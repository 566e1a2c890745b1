//! The dashboard as a person meets it: the real binary in a real terminal (tmux), driven by
//! keys, read from the screen.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    session: String,
}

impl Tmux {
    fn start(name: &str, dir: &Path, width: u16, height: u16, command: &str) -> Self {
        let session = format!("tinyvae-{name}-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .args(["-c", dir.to_str().unwrap(), command])
            .status()
            .unwrap();
        assert!(status.success());
        // Keep the pane after the program exits, to read how it left the terminal.
        run_tmux(&["set-option", "-t", &session, "remain-on-exit", "on"]);
        Self { session }
    }

    fn screen(&self) -> String {
        let output = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        run_tmux(&["send-keys", "-t", &self.session, keys]);
    }

    fn pane(&self, format: &str) -> String {
        let output = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.session, format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Waits until the screen satisfies `check`, or fails with the last screen.
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "waited for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

fn run_tmux(args: &[&str]) {
    let status = Command::new("tmux").args(args).status().unwrap();
    assert!(status.success(), "tmux {args:?}");
}

/// The step counter of the header: `step  3000/12000` or `3000/12000`.
fn step(screen: &str) -> Option<u64> {
    let header = screen.lines().nth(1)?;
    let fraction = header
        .split_whitespace()
        .find(|w| w.contains('/') && w.starts_with(|c: char| c.is_ascii_digit()))?;
    fraction.split('/').next()?.parse().ok()
}

fn have_tmux() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "tmux is required in CI"
        );
        eprintln!("tmux not found: skipping the dashboard end-to-end test");
    }
    found
}

#[test]
fn a_person_trains_pauses_saves_reads_help_and_quits() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} --preset vae-digits --epochs 100000 --metrics run.jsonl; echo $? > exit-status",
        env!("CARGO_BIN_EXE_tinyvae")
    );
    let tmux = Tmux::start("keys", dir.path(), 120, 40, &command);

    let screen = tmux.wait_for("training to start", |s| {
        s.contains("TRAINING") && step(s).is_some_and(|n| n > 0)
    });
    assert!(screen.contains("vae-digits"), "{screen}");

    // Space pauses: the header says so and the step counter stops.
    tmux.keys("Space");
    let paused = tmux.wait_for("the pause", |s| s.contains("PAUSED"));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        step(&tmux.screen()),
        step(&paused),
        "training went on while paused"
    );

    // Space again resumes.
    tmux.keys("Space");
    let resumed_at = step(&paused).unwrap_or(0);
    tmux.wait_for("training to resume", |s| {
        s.contains("TRAINING") && step(s).is_some_and(|n| n > resumed_at)
    });

    // ? opens the help, Esc closes it.
    tmux.keys("?");
    tmux.wait_for("the help", |s| s.contains("pause / resume training"));
    tmux.keys("Escape");
    tmux.wait_for("the help to close", |s| {
        !s.contains("pause / resume training")
    });

    // s saves a checkpoint.
    tmux.keys("s");
    let checkpoint = dir.path().join("checkpoints/vae-digits.ckpt");
    let started = Instant::now();
    while !checkpoint.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no checkpoint after s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // q saves, stops and gives the terminal back.
    tmux.keys("q");
    let started = Instant::now();
    while tmux.pane("#{pane_dead}") != "1" {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running after q:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The shell around the binary wrote its exit status (tmux's own is not always there).
    let status = std::fs::read_to_string(dir.path().join("exit-status")).unwrap();
    assert_eq!(status.trim(), "0");
    // Back on the normal screen: the dashboard's frame is gone.
    assert_eq!(tmux.pane("#{alternate_on}"), "0");
    let screen = tmux.screen();
    assert!(!screen.contains("TRAINING"), "{screen}");
    assert!(
        tinyvae_host::checkpoint::Checkpoint::read(&checkpoint)
            .unwrap()
            .step()
            > 0
    );
    // The dashboard's run wrote the metrics a headless run writes, the save included.
    let metrics = std::fs::read_to_string(dir.path().join("run.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = metrics
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["event"], "start");
    assert!(events.iter().any(|e| e["event"] == "step"));
    assert!(events.iter().any(|e| e["event"] == "saved"));
}

#[test]
fn a_tiny_terminal_gets_a_message_not_garbage() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} --preset vae-digits --epochs 100000",
        env!("CARGO_BIN_EXE_tinyvae")
    );
    let tmux = Tmux::start("tiny", dir.path(), 40, 12, &command);
    let screen = tmux.wait_for("the size message", |s| s.contains("too small"));
    assert!(screen.contains("40"), "{screen}");
    // A resize to a usable size draws the dashboard at once.
    run_tmux(&[
        "resize-window",
        "-t",
        &tmux.session,
        "-x",
        "100",
        "-y",
        "30",
    ]);
    tmux.wait_for("the dashboard after the resize", |s| s.contains("TRAINING"));
    tmux.keys("q");
    let started = Instant::now();
    while tmux.pane("#{pane_dead}") != "1" {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running after q"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ctrl_c_in_the_dashboard_saves_and_exits_130() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} --preset vae-digits --epochs 100000; echo $? > exit-status",
        env!("CARGO_BIN_EXE_tinyvae")
    );
    let tmux = Tmux::start("ctrl-c", dir.path(), 120, 40, &command);
    tmux.wait_for("training to start", |s| {
        s.contains("TRAINING") && step(s).is_some_and(|n| n > 0)
    });
    tmux.keys("C-c");
    let status = dir.path().join("exit-status");
    let started = Instant::now();
    while std::fs::read_to_string(&status).map_or(true, |s| s.trim().is_empty()) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running after Ctrl-C:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "130");
    let checkpoint = dir.path().join("checkpoints/vae-digits.ckpt");
    assert!(
        tinyvae_host::checkpoint::Checkpoint::read(&checkpoint)
            .unwrap()
            .step()
            > 0
    );
}
