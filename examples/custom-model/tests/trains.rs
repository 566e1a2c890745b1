//! The example as a user runs it: headless training of the custom width on the generated CSV,
//! a test loss that falls, and eval on the checkpoint's own data.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};

fn run(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custom-model"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_custom_width_trains_and_its_loss_falls() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        &[
            "train",
            "--headless",
            "--epochs",
            "30",
            "--log-every",
            "1000",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(dir.path().join("sensor-96.csv").is_file());
    let losses: Vec<f64> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["event"] == "epoch")
        .map(|l| l["test"]["total"].as_f64().unwrap())
        .collect();
    // Measured: 65.6 nats after the first epoch, 57.4 after the 30th (the Bernoulli floor of
    // continuous values in [0, 1] is far above 0).
    assert_eq!(losses.len(), 30);
    assert!(losses[29] < losses[0] - 5.0, "{losses:?}");

    let eval = run(
        &[
            "eval",
            "--checkpoint",
            "checkpoints/vae-sensor.ckpt",
            "--json",
            "--iw-samples",
            "50",
        ],
        dir.path(),
    );
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(report["preset"], "vae-sensor");
    assert_eq!(report["latent_size"], 4);
    assert!(
        report["data_source"]
            .as_str()
            .unwrap()
            .ends_with("sensor-96.csv")
    );
    // Three activities, told apart from the 4-d codes.
    assert!(
        report["knn_accuracy_codes"].as_f64().unwrap() > 0.9,
        "{report}"
    );
}
