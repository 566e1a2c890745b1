//! Runs that cannot lose work: failed saves, a second run on a checkpoint, resumes that train
//! on, divergence, outputs over checkpoints, a reader that goes away.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

use tinyvae_host::checkpoint::Checkpoint;

use crate::cli::{endless_digits_run, stderr, tinyvae};

/// A two-epoch headless vae-digits run in `dir`, with `extra` arguments.
pub fn digits(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "train",
        "--headless",
        "--preset",
        "vae-digits",
        "--epochs",
        "2",
        "--log-every",
        "1000",
    ];
    args.extend_from_slice(extra);
    tinyvae(&args, dir)
}

#[test]
fn a_failed_save_is_its_own_exit_code_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // A path that is a folder, and a folder that cannot be made: refused before any work.
    std::fs::create_dir_all(dir.path().join("taken.ckpt")).unwrap();
    let output = digits(dir.path(), &["--checkpoint", "taken.ckpt"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("taken.ckpt"),
        "{}",
        stderr(&output)
    );
    std::fs::write(dir.path().join("file"), b"").unwrap();
    let output = digits(dir.path(), &["--checkpoint", "file/under/a/file.ckpt"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(!stderr(&output).contains("saved"), "{}", stderr(&output));
}

#[test]
fn a_second_run_never_replaces_the_first_ones_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let first = digits(dir.path(), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let path = dir.path().join("checkpoints/vae-digits.ckpt");
    let before = std::fs::read(&path).unwrap();

    let again = digits(dir.path(), &["--seed", "9"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--overwrite"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let replaced = digits(dir.path(), &["--seed", "9", "--overwrite"]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    assert_ne!(std::fs::read(&path).unwrap(), before);

    // Outputs never go over a checkpoint.
    let export = tinyvae(
        &[
            "export",
            "--checkpoint",
            "checkpoints/vae-digits.ckpt",
            "--out",
            "checkpoints/vae-digits.ckpt",
        ],
        dir.path(),
    );
    assert_eq!(export.status.code(), Some(1), "{}", stderr(&export));
    let metrics = digits(
        dir.path(),
        &[
            "--checkpoint",
            "other.ckpt",
            "--metrics",
            "checkpoints/vae-digits.ckpt",
        ],
    );
    assert_eq!(metrics.status.code(), Some(1), "{}", stderr(&metrics));
    assert!(Checkpoint::read(&path).is_ok());
}

#[test]
fn a_run_holding_a_checkpoint_locks_out_a_second_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut long = endless_digits_run(dir.path(), &[], Stdio::null(), Stdio::piped());
    // Wait for the first run to be training.
    let mut stderr_pipe = long.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains("training vae-digits") {
        assert_eq!(
            stderr_pipe.read(&mut byte).unwrap(),
            1,
            "the first run ended"
        );
        seen.push(byte[0]);
    }
    let second = digits(dir.path(), &["--overwrite"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("in use by another tinyvae process"),
        "{}",
        stderr(&second)
    );
    long.kill().unwrap();
    long.wait().unwrap();
}

#[test]
fn resume_trains_on_to_the_epochs_asked_and_refuses_what_cannot_change() {
    let dir = tempfile::tempdir().unwrap();
    assert!(digits(dir.path(), &[]).status.success());
    let path = "checkpoints/vae-digits.ckpt";
    let first = Checkpoint::read(&dir.path().join(path)).unwrap();
    assert_eq!(first.history().len(), 2);
    let resumed = tinyvae(
        &[
            "train",
            "--headless",
            "--resume",
            path,
            "--epochs",
            "4",
            "--lr",
            "5e-4",
        ],
        dir.path(),
    );
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        stderr(&resumed).contains("epochs 2 → 4"),
        "{}",
        stderr(&resumed)
    );
    let epochs: Vec<_> = String::from_utf8_lossy(&resumed.stdout)
        .lines()
        .filter(|l| l.contains("\"event\":\"epoch\""))
        .map(String::from)
        .collect();
    assert_eq!(epochs.len(), 2, "epochs 3 and 4");
    let checkpoint = Checkpoint::read(&dir.path().join(path)).unwrap();
    assert_eq!(checkpoint.config().epochs, 4);
    assert_eq!(checkpoint.config().learning_rate, 5e-4);
    // One run, its history continued.
    assert_eq!(checkpoint.run_id(), first.run_id());
    assert_eq!(checkpoint.history().len(), 4);
    assert_eq!(checkpoint.history()[..2], first.history()[..]);

    let inspect = tinyvae(&["inspect", path], dir.path());
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    let text = String::from_utf8_lossy(&inspect.stdout);
    for expected in [
        "checkpoint of vae-digits",
        "64→32(relu) 32→2 32→2 2→32(relu) 32→64",
        "8x8 images",
        "Adam, learning rate 5.00e-4",
        "KL warm-up 0 steps",
        "noise none, loss",
        "4 trained",
        "step 180",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    let export = tinyvae(
        &["export", "--checkpoint", path, "--out", "v.tvw"],
        dir.path(),
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let blob = tinyvae(&["inspect", "v.tvw"], dir.path());
    let text = String::from_utf8_lossy(&blob.stdout);
    assert!(text.contains("64→32(relu)"), "{text}");
    assert!(text.contains("version 3, every byte checked"), "{text}");
    // The model kind byte changed: the header's CRC catches it without a model type.
    let mut bytes = std::fs::read(dir.path().join("v.tvw")).unwrap();
    bytes[6] ^= 1;
    std::fs::write(dir.path().join("w.tvw"), &bytes).unwrap();
    let changed = tinyvae(&["inspect", "w.tvw"], dir.path());
    assert_eq!(changed.status.code(), Some(1), "{}", stderr(&changed));
    assert!(
        stderr(&changed).contains("checksum"),
        "{}",
        stderr(&changed)
    );
    let junk = tinyvae(&["inspect", "/dev/null"], dir.path());
    assert_eq!(junk.status.code(), Some(1));

    for flag in [
        ["--batch-size", "16"],
        ["--seed", "3"],
        ["--preset", "ae-digits"],
    ] {
        let refused = tinyvae(
            &["train", "--headless", "--resume", path, flag[0], flag[1]],
            dir.path(),
        );
        assert_eq!(refused.status.code(), Some(1), "{flag:?}");
        assert!(stderr(&refused).contains(flag[0]), "{}", stderr(&refused));
    }
    let fewer = tinyvae(
        &["train", "--headless", "--resume", path, "--epochs", "1"],
        dir.path(),
    );
    assert_eq!(fewer.status.code(), Some(1));
    assert!(
        stderr(&fewer).contains("trained 4 epochs already"),
        "{}",
        stderr(&fewer)
    );
}

#[test]
fn divergence_stops_with_exit_3_before_anything_non_finite_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let output = digits(dir.path(), &["--lr", "1e30"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let path = dir.path().join("checkpoints/vae-digits.ckpt");
    // Nothing was saved, or what was saved loads whole (finite); the message says which.
    if path.exists() {
        assert!(Checkpoint::read(&path).is_ok());
        assert!(stderr(&output).contains("as it was"), "{}", stderr(&output));
    } else {
        assert!(
            stderr(&output).contains("before any checkpoint was saved"),
            "{}",
            stderr(&output)
        );
    }
}
