//! Anomaly detection from the command line: `score` rows and the `one-class` protocol.

use tinyvae_host::checkpoint::Checkpoint;

use crate::cli::{stderr, tinyvae};
use crate::trust::digits;

/// `tinyvae train --headless` in `dir` with `extra` arguments.
fn train(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["train", "--headless"];
    args.extend_from_slice(extra);
    tinyvae(&args, dir)
}

#[test]
fn score_writes_a_row_per_test_sample_with_every_score_the_model_has() {
    let dir = tempfile::tempdir().unwrap();
    assert!(digits(dir.path(), &[]).status.success());
    let checkpoint = "checkpoints/vae-digits.ckpt";
    let json = tinyvae(
        &["score", "--checkpoint", checkpoint, "--iw-samples", "4"],
        dir.path(),
    );
    assert!(json.status.success(), "{}", stderr(&json));
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    // The digits' test split: 360 samples, labelled.
    assert_eq!(rows.len(), 360);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["index"], i);
        assert!(row["label"].as_u64().unwrap() < 10);
        for score in ["mse", "rel", "ce", "elbo", "iw"] {
            assert!(row[score].as_f64().unwrap().is_finite(), "{row}");
        }
        // −log p(x) ≤ −ELBO on average; per sample both are estimates, so only the scale.
        assert!(row["iw"].as_f64().unwrap() > 0.0);
    }
    // The same scores for any thread count, as CSV with a header.
    let csv = |threads: &str| {
        let output = tinyvae(
            &[
                "score",
                "--checkpoint",
                checkpoint,
                "--iw-samples",
                "4",
                "--output-format",
                "csv",
                "--threads",
                threads,
            ],
            dir.path(),
        );
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let one = csv("1");
    assert!(one.starts_with("index,label,mse,rel,ce,elbo,iw\n"), "{one}");
    assert_eq!(one.lines().count(), 361);
    assert_eq!(one, csv("3"));

    // A score the model does not have, a K out of range.
    let refused = tinyvae(
        &["score", "--checkpoint", checkpoint, "--scores", "auc"],
        dir.path(),
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("mse, rel, ce, elbo, iw"));
    let refused = tinyvae(
        &["score", "--checkpoint", checkpoint, "--iw-samples", "0"],
        dir.path(),
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
}

#[test]
fn an_autoencoder_has_no_elbo_to_score() {
    let dir = tempfile::tempdir().unwrap();
    let trained = tinyvae(
        &[
            "train",
            "--headless",
            "--preset",
            "ae-digits",
            "--epochs",
            "1",
        ],
        dir.path(),
    );
    assert!(trained.status.success(), "{}", stderr(&trained));
    let output = tinyvae(
        &[
            "score",
            "--checkpoint",
            "checkpoints/ae-digits.ckpt",
            "--scores",
            "mse,elbo",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output)
            .contains("--scores elbo: this model has no such score; it has mse, rel, ce"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_one_class_protocol_reports_each_class_and_the_mean() {
    let dir = tempfile::tempdir().unwrap();
    let output = tinyvae(
        &[
            "one-class",
            "--preset",
            "vae-digits",
            "--classes",
            "0,8",
            "--epochs",
            "10",
            "--iw-samples",
            "4",
            "--json",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let classes = report["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2);
    for (class, result) in [0, 8].into_iter().zip(classes) {
        assert_eq!(result["normal"][0], class);
        // The digits' test split holds about 36 of each class.
        let normal = result["test_normal"].as_u64().unwrap();
        assert!((25..50).contains(&normal), "{result}");
        assert_eq!(normal + result["test_anomalous"].as_u64().unwrap(), 360);
        for (_, score) in result["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (&s[0], &s[1]))
        {
            let auc = score["auc"].as_f64().unwrap();
            // Better than chance on digits after ten epochs, for every score.
            assert!((0.6..=1.0).contains(&auc), "{result}");
        }
    }
    // The text table: a row per class and the mean.
    let text = tinyvae(
        &[
            "one-class",
            "--preset",
            "vae-digits",
            "--classes",
            "0,8",
            "--epochs",
            "10",
            "--iw-samples",
            "4",
        ],
        dir.path(),
    );
    let table = String::from_utf8_lossy(&text.stdout);
    assert!(table.lines().any(|l| l.starts_with("mean ")), "{table}");
    assert_eq!(table.lines().count(), 5, "{table}");
}

#[test]
fn a_detector_trained_on_one_class_is_calibrated_and_judged() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = "checkpoints/vae-digits.ckpt";
    let trained = train(
        dir.path(),
        &[
            "--preset",
            "vae-digits",
            "--epochs",
            "10",
            "--normal-class",
            "0",
        ],
    );
    assert!(trained.status.success(), "{}", stderr(&trained));
    assert!(
        stderr(&trained).contains("training on the normal classes 0:"),
        "{}",
        stderr(&trained)
    );
    let calibrated = tinyvae(
        &[
            "calibrate",
            "--checkpoint",
            checkpoint,
            "--percentile",
            "99",
        ],
        dir.path(),
    );
    assert!(calibrated.status.success(), "{}", stderr(&calibrated));
    let report = tinyvae(
        &["eval", "--checkpoint", checkpoint, "--anomaly", "--json"],
        dir.path(),
    );
    assert!(report.status.success(), "{}", stderr(&report));
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["normal_classes"], serde_json::json!([0]));
    assert_eq!(
        report["test_normal"].as_u64().unwrap() + report["test_anomalous"].as_u64().unwrap(),
        360
    );
    let mse = &report["scores"][0];
    assert_eq!(mse["score"], "mse");
    // Zeros are the easiest digit to tell apart, even after ten epochs.
    assert!(mse["auc"].as_f64().unwrap() > 0.9, "{report}");
    // The 99th percentile of the normal training scores: few normal test samples above it.
    assert!(
        mse["false_positive_rate"].as_f64().unwrap() < 0.3,
        "{report}"
    );
    assert!(mse["recall"].as_f64().unwrap() > 0.5, "{report}");
    let inspect = tinyvae(&["inspect", checkpoint], dir.path());
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(text.contains("normal classes 0"), "{text}");
    assert!(text.contains("on mse (Percentile(99.0)"), "{text}");

    // The threshold goes into the device blob (format 4) with its score and rule, and reads
    // back as the checkpoint holds it, bit for bit.
    let exported = tinyvae(
        &["export", "--checkpoint", checkpoint, "--out", "d.tvw"],
        dir.path(),
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
    let threshold = Checkpoint::read(&dir.path().join(checkpoint))
        .unwrap()
        .detector()
        .threshold
        .unwrap();
    let blob = std::fs::read(dir.path().join("d.tvw")).unwrap();
    let info = tinyvae_core::weights::inspect(&blob).unwrap();
    assert_eq!(
        info.version,
        tinyvae_core::weights::FORMAT_VERSION_WITH_DETECTOR
    );
    let detector = info.detector.unwrap();
    assert_eq!(detector, threshold.detector().unwrap());
    assert_eq!(detector.threshold.to_bits(), threshold.value.to_bits());
    assert_eq!(detector.score.name(), "mse");
    let text = tinyvae(&["inspect", "d.tvw"], dir.path());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("above it is abnormal"), "{text}");
    assert!(text.contains("format       version 4"), "{text}");

    // Training on drops the threshold (it was for the earlier weights); the classes stay,
    // and cannot change.
    let refused = train(
        dir.path(),
        &[
            "--resume",
            checkpoint,
            "--epochs",
            "11",
            "--normal-class",
            "1",
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let resumed = train(dir.path(), &["--resume", checkpoint, "--epochs", "11"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        stderr(&resumed).contains("is dropped"),
        "{}",
        stderr(&resumed)
    );
    let text = tinyvae(&["inspect", checkpoint], dir.path());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("normal classes 0"), "{text}");
    assert!(!text.contains("threshold"), "{text}");

    // Without normal classes, --anomaly asks for them.
    let plain = digits(dir.path(), &["--checkpoint", "plain.ckpt"]);
    assert!(plain.status.success());
    let asked = tinyvae(
        &["eval", "--checkpoint", "plain.ckpt", "--anomaly"],
        dir.path(),
    );
    assert_eq!(asked.status.code(), Some(1));
    assert!(
        stderr(&asked).contains("--normal-class"),
        "{}",
        stderr(&asked)
    );
}

#[test]
fn ad_mlperf_trains_on_640_wide_vectors_and_scores_them() {
    let dir = tempfile::tempdir().unwrap();
    // 240 spectra of 640 bins: a smooth hump whose place and height vary, and a little ripple.
    let mut csv = String::new();
    for row in 0..240 {
        let centre = 100.0 + (row % 24) as f32 * 18.0;
        let height = 1.0 + (row % 7) as f32 * 0.1;
        let values: Vec<String> = (0..640)
            .map(|bin| {
                let d = (bin as f32 - centre) / 60.0;
                let ripple = 0.05 * ((bin * 7 + row * 3) as f32).sin();
                format!("{:.5}", height * (-d * d).exp() + ripple)
            })
            .collect();
        csv.push_str(&values.join(","));
        csv.push('\n');
    }
    std::fs::write(dir.path().join("spectra.csv"), csv).unwrap();
    let missing = train(dir.path(), &["--preset", "ad-mlperf", "--epochs", "1"]);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("--data"), "{}", stderr(&missing));
    let trained = train(
        dir.path(),
        &[
            "--preset",
            "ad-mlperf",
            "--data",
            "spectra.csv",
            "--epochs",
            "30",
            "--batch-size",
            "16",
            "--log-every",
            "100000",
        ],
    );
    assert!(trained.status.success(), "{}", stderr(&trained));
    let epochs: Vec<f64> = String::from_utf8_lossy(&trained.stdout)
        .lines()
        .filter(|line| line.contains("\"event\":\"epoch\""))
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            event["test"]["total"].as_f64().unwrap()
        })
        .collect();
    assert_eq!(epochs.len(), 30);
    assert!(
        epochs[29] < 0.5 * epochs[0],
        "the test loss fell from {} to only {}",
        epochs[0],
        epochs[29]
    );
    let scored = tinyvae(
        &["score", "--checkpoint", "checkpoints/ad-mlperf.ckpt"],
        dir.path(),
    );
    assert!(scored.status.success(), "{}", stderr(&scored));
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&scored.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    // A linear output: no cross-entropy, no ELBO.
    assert!(
        first["mse"].is_number() && first["rel"].is_number(),
        "{first}"
    );
    assert!(
        first.get("ce").is_none() && first.get("elbo").is_none(),
        "{first}"
    );
}

/// The width and height a PNG's header states.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (word(16), word(20))
}

#[test]
fn roc_and_histogram_pictures_of_a_calibrated_detector() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = "checkpoints/vae-digits.ckpt";
    let trained = train(
        dir.path(),
        &[
            "--preset",
            "vae-digits",
            "--epochs",
            "3",
            "--normal-class",
            "0",
        ],
    );
    assert!(trained.status.success(), "{}", stderr(&trained));
    let calibrated = tinyvae(&["calibrate", "--checkpoint", checkpoint], dir.path());
    assert!(calibrated.status.success(), "{}", stderr(&calibrated));
    let roc = tinyvae(
        &[
            "roc",
            "--checkpoint",
            checkpoint,
            "--out",
            "roc.png",
            "--width",
            "200",
        ],
        dir.path(),
    );
    assert!(roc.status.success(), "{}", stderr(&roc));
    let png = std::fs::read(dir.path().join("roc.png")).unwrap();
    assert_eq!(png_size(&png), (200, 200));
    // The report line: the classes, the counts of the test split, the AUC and the threshold.
    let said = stderr(&roc);
    assert!(said.contains("classes 0 normal"), "{said}");
    assert!(said.contains("ROC AUC 0."), "{said}");
    assert!(said.contains("threshold "), "{said}");
    let histogram = tinyvae(
        &[
            "histogram",
            "--checkpoint",
            checkpoint,
            "--out",
            "h.png",
            "--bins",
            "20",
        ],
        dir.path(),
    );
    assert!(histogram.status.success(), "{}", stderr(&histogram));
    let png = std::fs::read(dir.path().join("h.png")).unwrap();
    assert_eq!(png_size(&png), (480, 360));

    // An absurd width is refused by the parser; a run without normal classes asks for them.
    let wide = tinyvae(
        &[
            "roc",
            "--checkpoint",
            checkpoint,
            "--out",
            "w.png",
            "--width",
            "100000",
        ],
        dir.path(),
    );
    assert_eq!(wide.status.code(), Some(2), "{}", stderr(&wide));
    let plain = digits(dir.path(), &["--checkpoint", "plain.ckpt"]);
    assert!(plain.status.success());
    let asked = tinyvae(
        &["histogram", "--checkpoint", "plain.ckpt", "--out", "p.png"],
        dir.path(),
    );
    assert_eq!(asked.status.code(), Some(1), "{}", stderr(&asked));
    assert!(
        stderr(&asked).contains("histogram needs the normal classes"),
        "{}",
        stderr(&asked)
    );
    assert!(!dir.path().join("p.png").exists());
}

#[test]
fn a_detector_run_reports_its_judgement_at_every_epoch_end() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = "checkpoints/ad-digits.ckpt";
    let trained = train(
        dir.path(),
        &[
            "--preset",
            "ad-digits",
            "--epochs",
            "3",
            "--normal-class",
            "0",
            "--metrics",
            "m.jsonl",
        ],
    );
    assert!(trained.status.success(), "{}", stderr(&trained));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("m.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines[0]["event"], "start");
    assert_eq!(lines[0]["normal_classes"], serde_json::json!([0]));
    let reports: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["event"] == "detection").collect();
    assert_eq!(reports.len(), 3, "one report per epoch");
    for (epoch, report) in (1..).zip(&reports) {
        assert_eq!(report["epoch"], epoch);
        // The digits' whole test split (under the cap), its zeros normal.
        assert_eq!(report["test_samples"], 360);
        assert_eq!(report["anomalous"], 325);
        assert_eq!(report["calibration_samples"], 143);
        let names: Vec<&str> = report["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["score"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["mse", "rel", "ce"]);
        let mse = &report["scores"][0];
        let auc = mse["auc"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&auc), "{report}");
        let histogram = &mse["histogram"];
        let count = |key: &str| -> u64 {
            histogram[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_u64().unwrap())
                .sum()
        };
        assert_eq!((count("normal"), count("anomalous")), (35, 325));
    }
    // The plain output says it too.
    let progress = stderr(&trained) + &String::from_utf8_lossy(&trained.stdout);
    assert!(progress.contains("ROC AUC mse "), "{progress}");

    // The threshold the run showed is the one calibrate then sets by default, up to the last
    // bits (the run reconstructs in batches, calibrate one sample at a time as a device).
    let shown = reports[2]["scores"][0]["threshold"].as_f64().unwrap();
    let calibrated = tinyvae(&["calibrate", "--checkpoint", checkpoint], dir.path());
    assert!(calibrated.status.success(), "{}", stderr(&calibrated));
    let set = Checkpoint::read(&dir.path().join(checkpoint))
        .unwrap()
        .detector()
        .threshold
        .unwrap()
        .value;
    assert!(
        (f64::from(set) - shown).abs() <= 1e-5 * shown,
        "shown {shown}, calibrated {set}"
    );
}
