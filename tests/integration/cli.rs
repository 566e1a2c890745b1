//! The binary as scripts use it: headless training, JSON lines, exit codes, files.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use tinyvae_core::weights::blob_len;
use tinyvae_host::checkpoint::Checkpoint;
use tinyvae_host::presets::VaeDigits;

pub fn tinyvae(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinyvae"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn headless_training_writes_json_lines_a_checkpoint_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let output = tinyvae(
        &[
            "train",
            "--headless",
            "--preset",
            "vae-digits",
            "--epochs",
            "2",
            "--log-every",
            "20",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["event"], "start");
    assert_eq!(lines[0]["preset"], "vae-digits");
    let steps: Vec<_> = lines.iter().filter(|l| l["event"] == "step").collect();
    // 1,437 samples in batches of 32 is 45 steps an epoch: a line every 20 steps, and one
    // for the last step, 90.
    let numbers: Vec<u64> = steps.iter().map(|s| s["step"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [20, 40, 60, 80, 90]);
    assert!(
        steps
            .iter()
            .all(|s| s["loss"]["total"].as_f64().unwrap().is_finite())
    );
    let epochs: Vec<_> = lines.iter().filter(|l| l["event"] == "epoch").collect();
    assert_eq!(epochs.len(), 2);
    assert!(
        epochs[1]["test"]["total"].as_f64().unwrap() < epochs[0]["test"]["total"].as_f64().unwrap()
    );

    let checkpoint = dir.path().join("checkpoints/vae-digits.ckpt");
    let loaded = Checkpoint::read(&checkpoint).unwrap();
    assert_eq!(loaded.step(), 90);

    let blob = dir.path().join("w.tvw");
    let output = tinyvae(
        &[
            "export",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--out",
            "w.tvw",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::metadata(blob).unwrap().len() as usize,
        blob_len::<VaeDigits>()
    );
    assert!(
        stderr(&output).contains("no input transform"),
        "{}",
        stderr(&output)
    );

    let output = tinyvae(
        &[
            "eval",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--iw-samples",
            "20",
            "--iw-points",
            "10",
            "--json",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let iw = report["iw_log_likelihood"].as_f64().unwrap();
    let elbo = report["elbo_on_iw_points"].as_f64().unwrap();
    assert!(iw > elbo, "IW {iw} should exceed the ELBO {elbo}");
    assert_eq!(report["latent_size"], 2);
    // Ten classes, so chance is 10 %; this seeded run of a few steps gives about 21 %.
    let knn = report["knn_accuracy_codes"].as_f64().unwrap();
    assert!((0.15..=1.0).contains(&knn), "5-NN accuracy {knn}");
    assert_eq!(report["knn_neighbours"], 5);

    for picture in ["sample", "recon", "manifold", "latent"] {
        let out = format!("{picture}.png");
        let output = tinyvae(
            &[
                picture,
                "--checkpoint",
                checkpoint.to_str().unwrap(),
                "--out",
                &out,
            ],
            dir.path(),
        );
        assert!(output.status.success(), "{picture}: {}", stderr(&output));
        let bytes = std::fs::read(dir.path().join(&out)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }
}

#[test]
fn bad_input_is_a_clear_error_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let output = tinyvae(&["train", "--headless", "--preset", "nope"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("unknown preset 'nope'"),
        "{}",
        stderr(&output)
    );

    // MNIST images are 28×28; the digits model takes 64 pixels.
    let mnist = tinyvae_host::data::default_data_dir().join("mnist");
    let output = tinyvae(
        &[
            "train",
            "--headless",
            "--preset",
            "vae-digits",
            "--data",
            mnist.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("64"), "{}", stderr(&output));

    // The version comes first: bytes " n" after the magic read as version 0x6e20.
    std::fs::write(dir.path().join("bad.ckpt"), b"TVAECKPT not really").unwrap();
    let output = tinyvae(
        &["export", "--checkpoint", "bad.ckpt", "--out", "x.tvw"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("unsupported checkpoint version 28192"),
        "{}",
        stderr(&output)
    );
    let mut damaged = b"TVAECKPT".to_vec();
    damaged.extend_from_slice(&tinyvae_host::checkpoint::VERSION.to_le_bytes());
    damaged.extend_from_slice(b"not really a body");
    std::fs::write(dir.path().join("bad.ckpt"), damaged).unwrap();
    let output = tinyvae(
        &["export", "--checkpoint", "bad.ckpt", "--out", "x.tvw"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not a valid tinyvae checkpoint"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("x.tvw").exists());

    let output = tinyvae(
        &["train", "--headless", "--preset", "vae-digits", "--lr=-1"],
        dir.path(),
    );
    // Refused by the command line as every number out of range is (exit 2), naming the
    // flag and the range.
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("'--lr <LR>': '-1' is out of range: a finite number above 0"),
        "{}",
        stderr(&output)
    );
    // Negative step counts too, as numbers out of range rather than unknown flags.
    for (flag, range) in [
        ("--kl-warmup", "out of range 0..=1000000000"),
        ("--log-every", "out of range: at least 1"),
    ] {
        let output = tinyvae(
            &["train", "--headless", "--preset", "vae-digits", flag, "-1"],
            dir.path(),
        );
        assert_eq!(output.status.code(), Some(2), "{flag}");
        let message = stderr(&output);
        assert!(
            message.contains(flag) && message.contains(range),
            "{message}"
        );
    }
}

#[test]
fn a_nan_in_training_stops_with_exit_code_3() {
    let dir = tempfile::tempdir().unwrap();
    // A learning rate of 3e38 blows the weights up within a few steps.
    let output = tinyvae(
        &[
            "train",
            "--headless",
            "--preset",
            "ae-digits",
            "--epochs",
            "2",
            "--lr",
            "3e38",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("NaN or infinite"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_kill_at_any_moment_leaves_a_whole_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("checkpoints/vae-digits.ckpt");
    // Kill -9 at staggered moments of a run that saves after every epoch.
    for delay_ms in [150u64, 320, 470, 650, 900] {
        let mut child = endless_digits_run(
            dir.path(),
            &["--checkpoint-every", "0"],
            Stdio::null(),
            Stdio::null(),
        );
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        if checkpoint.exists() {
            let loaded = Checkpoint::read(&checkpoint).unwrap();
            assert!(loaded.model::<VaeDigits>("vae-digits").is_ok());
        }
    }
    assert!(checkpoint.exists(), "no epoch finished in 900 ms");
}

/// A headless vae-digits run that goes on until killed, with `extra` arguments and its
/// standard output and error as given.
pub fn endless_digits_run(dir: &Path, extra: &[&str], stdout: Stdio, stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tinyvae"))
        .args([
            "train",
            "--headless",
            "--preset",
            "vae-digits",
            "--epochs",
            "100000",
        ])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap()
}

#[test]
fn ctrl_c_and_sigterm_save_a_checkpoint_and_exit_130() {
    for signal in ["-INT", "-TERM", "-HUP"] {
        let dir = tempfile::tempdir().unwrap();
        // No save on a timer: the checkpoint can only come from the signal.
        let child = endless_digits_run(
            dir.path(),
            &["--checkpoint-every", "100000"],
            Stdio::null(),
            Stdio::piped(),
        );
        std::thread::sleep(Duration::from_millis(600));
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(130),
            "{signal}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("interrupted; checkpoint saved"),
            "{}",
            stderr(&output)
        );
        let checkpoint = Checkpoint::read(&dir.path().join("checkpoints/vae-digits.ckpt")).unwrap();
        assert!(checkpoint.step() > 0);
    }
}

#[test]
fn flags_the_model_or_optimizer_ignores_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    for (args, flag) in [
        (&["--pretrain-epochs", "2"][..], "--pretrain-epochs"),
        (&["--momentum", "0.5"], "--momentum"),
        (&["--noise", "gaussian:0.1"], "--noise"),
        (&["--loss", "mse"], "--loss"),
    ] {
        let output = crate::trust::digits(dir.path(), args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
        assert!(message.contains(flag), "{args:?}: {message}");
        assert!(!message.contains("training"), "{args:?}: {message}");
    }
}
