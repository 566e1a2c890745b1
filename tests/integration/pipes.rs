//! Standard output and standard error that go away (`| head`, `2>&1 | head`, a closed
//! terminal): no command panics, and each ends with the exit code the README gives.

use std::io::Read;
use std::process::{Command, Stdio};

use tinyvae_host::checkpoint::Checkpoint;

use crate::cli::{endless_digits_run, stderr, tinyvae};
use crate::trust::digits;

/// A step line every step, so a line comes at once.
const EVERY_STEP: &[&str] = &["--log-every", "1"];

/// Reads one line of `reader`, then drops it, like `| head -1`.
fn read_a_line_and_go(mut reader: impl Read) {
    let mut byte = [0u8; 1];
    while reader.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {}
}

#[test]
fn a_reader_that_goes_away_saves_then_exits_5() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = endless_digits_run(dir.path(), EVERY_STEP, Stdio::piped(), Stdio::piped());
    read_a_line_and_go(child.stdout.take().unwrap());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(Checkpoint::read(&dir.path().join("checkpoints/vae-digits.ckpt")).is_ok());
}

#[test]
fn a_standard_error_that_goes_away_saves_then_exits_5() {
    let dir = tempfile::tempdir().unwrap();
    // Progress goes to standard error: `2>&1 | head -1`.
    let mut child = endless_digits_run(dir.path(), EVERY_STEP, Stdio::null(), Stdio::piped());
    read_a_line_and_go(child.stderr.take().unwrap());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(5));
    assert!(Checkpoint::read(&dir.path().join("checkpoints/vae-digits.ckpt")).is_ok());
}

#[test]
fn every_report_whose_reader_went_away_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    assert!(digits(dir.path(), &[]).status.success());
    let export = tinyvae(
        &[
            "export",
            "--checkpoint",
            "checkpoints/vae-digits.ckpt",
            "--out",
            "w.tvw",
        ],
        dir.path(),
    );
    assert!(export.status.success(), "{}", stderr(&export));
    for args in [
        &[
            "eval",
            "--checkpoint",
            "checkpoints/vae-digits.ckpt",
            "--iw-samples",
            "10",
        ][..],
        &["presets"],
        &["inspect", "checkpoints/vae-digits.ckpt"],
        &["inspect", "w.tvw"],
        &["bench", "--preset", "vae-digits", "--seconds", "1"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tinyvae"))
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Like `| head -0`: the reader is gone before anything is written.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    }
}
