//! The file system and the process failing under a run: a full disk, a folder made read-only
//! while training, a process killed with SIGKILL in the middle of a save.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tinyvae_host::checkpoint::Checkpoint;

use crate::cli::stderr;
use crate::trust::digits;

/// A tmpfs of `size` mounted at `dir/disk`, unmounted when dropped; `None` where this process
/// may not mount (not root), which CI, run as root, never accepts.
struct Disk {
    path: PathBuf,
}

impl Disk {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        let path = dir.join("disk");
        std::fs::create_dir(&path).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if mounted {
            return Some(Self { path });
        }
        assert!(
            std::env::var_os("CI").is_none() || not_root(),
            "CI runs as root and must mount a small tmpfs"
        );
        eprintln!("skipped: cannot mount a tmpfs (not root)");
        None
    }

    /// Covers the folder with an empty read-only file system, as if it had been remounted
    /// read-only: files already open stay open below, every new one fails. `remount,ro` itself
    /// is refused while a file is open for writing, which a running tinyvae's lock file is.
    fn cover_read_only(&self) -> Cover<'_> {
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "ro,size=4k", "tmpfs"])
            .arg(&self.path)
            .status()
            .unwrap();
        assert!(status.success(), "mount a read-only cover");
        Cover(self)
    }
}

/// The read-only cover of a [`Disk`], removed when dropped.
struct Cover<'a>(&'a Disk);

impl Drop for Cover<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0.path).status();
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Whether this process is not root (then a failed mount is expected).
fn not_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() != "0")
}

/// `tinyvae train --headless` with `args`, in `dir`, its standard error kept for the end.
fn spawn_train(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tinyvae"))
        .args(["train", "--headless", "--log-every", "1000000"])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (at most two minutes) until `path` exists.
fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The temporary files in `dir` (none while it does not exist): what an interrupted save
/// leaves.
fn temporaries(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_full_disk_stops_the_run_with_exit_4_and_keeps_the_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    // A 80 KiB file system: one vae-digits checkpoint (about 54 KiB) fits, a second beside it
    // (the atomic write's temporary) does not.
    let Some(_disk) = Disk::mount(dir.path(), "80k") else {
        return;
    };
    let output = digits(
        dir.path(),
        &["--checkpoint", "disk/run.ckpt", "--checkpoint-every", "0"],
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(4), "{message}");
    assert!(
        message.contains("checkpoint not saved to disk/run.ckpt"),
        "{message}"
    );
    assert!(
        message.contains("the previous checkpoint is intact"),
        "{message}"
    );
    assert!(!message.contains("checkpoint saved"), "{message}");
    assert!(Checkpoint::read(&dir.path().join("disk/run.ckpt")).is_ok());
}

#[test]
fn a_read_only_folder_is_refused_up_front_and_stops_a_run_with_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Disk::mount(dir.path(), "1m") else {
        return;
    };
    // Read-only while training: the next save fails, the run stops with exit 4 and the
    // checkpoint saved before is left as it was.
    let checkpoint = disk.path.join("run.ckpt");
    let run = spawn_train(
        dir.path(),
        &[
            "--preset",
            "vae-digits",
            "--epochs",
            "1000000",
            "--checkpoint",
            "disk/run.ckpt",
            "--checkpoint-every",
            "0",
        ],
    );
    wait_for(&checkpoint);
    let cover = disk.cover_read_only();
    let output = run.wait_with_output().unwrap();
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(4), "{message}");
    assert!(
        message.contains("checkpoint not saved to disk/run.ckpt"),
        "{message}"
    );

    // A read-only folder before the run: a one-line error, exit 1, no training.
    let output = digits(dir.path(), &["--checkpoint", "disk/other.ckpt"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("disk/other.ckpt"), "{message}");
    assert!(!message.contains("training"), "{message}");

    // Below the cover, the checkpoint saved before is as it was.
    drop(cover);
    assert!(Checkpoint::read(&checkpoint).is_ok());
}

#[test]
fn a_run_killed_while_saving_leaves_no_temporary_behind_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("runs");
    // SIGKILL at the second save's rename, injected by strace: the first checkpoint is on disk,
    // the second is written in full to its temporary file, and the process dies before the
    // rename, as a kill -9 in the middle of a save leaves things.
    let Ok(killed) = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null"])
        .args([
            "-e",
            "inject=rename,renameat,renameat2:error=EIO:signal=KILL:when=2",
        ])
        .arg(env!("CARGO_BIN_EXE_tinyvae"))
        .args([
            "train",
            "--headless",
            "--preset",
            "vae-digits",
            "--epochs",
            "5",
        ])
        .args(["--checkpoint", "runs/run.ckpt", "--checkpoint-every", "0"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs strace to kill a run inside a save"
        );
        eprintln!("skipped: no strace");
        return;
    };
    assert_eq!(killed.status.signal(), Some(9), "{}", stderr(&killed));
    let left = temporaries(&folder);
    assert_eq!(left.len(), 1, "{left:?}");
    let first = Checkpoint::read(&folder.join("run.ckpt")).unwrap();
    // Nothing was made outside the folder asked for.
    assert!(!dir.path().join("checkpoints").exists());
    assert_eq!(first.history().len(), 1);

    // The next run on that path removes what the killed one left, and leaves nothing itself.
    let output = Command::new(env!("CARGO_BIN_EXE_tinyvae"))
        .args([
            "train",
            "--headless",
            "--resume",
            "runs/run.ckpt",
            "--epochs",
            "2",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(temporaries(&folder), Vec::<String>::new(), "left: {left:?}");
    let resumed = Checkpoint::read(&folder.join("run.ckpt")).unwrap();
    assert_eq!(resumed.run_id(), first.run_id());
    assert_eq!(resumed.history().len(), 2);
}

#[test]
fn paths_that_cannot_be_written_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
    let too_long = format!("{}.ckpt", "a".repeat(251));
    let fits = format!("{}.ckpt", "b".repeat(245));
    for (args, expected) in [
        (&["--checkpoint", &too_long][..], "too long"),
        (&["--checkpoint", "folder", "--overwrite"], "is a folder"),
        (
            &["--checkpoint", "/dev/null", "--overwrite"],
            "not a regular file",
        ),
        (&["--checkpoint", "notes.txt"], "not a checkpoint"),
        (
            &["--checkpoint", "m.ckpt", "--metrics", "folder"],
            "--metrics folder",
        ),
    ] {
        let output = digits(dir.path(), args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(!message.contains("training"), "{args:?}: {message}");
    }
    assert_eq!(
        std::fs::read(dir.path().join("notes.txt")).unwrap(),
        b"mine"
    );
    // A long name that fits, with room for nothing more, trains and saves.
    let output = digits(dir.path(), &["--checkpoint", &fits]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(Checkpoint::read(&dir.path().join(&fits)).is_ok());
}
