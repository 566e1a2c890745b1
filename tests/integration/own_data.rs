//! Training on data of the user's own, end to end: the shipped 8×8 digits written out as a CSV
//! table and as NumPy arrays of raw values 0..=16, trained with a normalization, then evaluated
//! and drawn on the checkpoint's own data and on other data.

use std::path::Path;

use tinyvae_core::weights;
use tinyvae_host::checkpoint::Checkpoint;
use tinyvae_host::data::{DataFormat, Normalization, Split, default_data_dir, load_digits};
use tinyvae_host::presets::AeDigits;

use crate::cli::{stderr, tinyvae};

fn digits() -> Split {
    load_digits(&default_data_dir().join("digits").join("digits.csv.gz")).unwrap()
}

/// The digits as a CSV table with a header: 64 raw pixel values 0..=16, then the label.
pub fn write_csv(path: &Path, skip: usize) {
    let data = digits();
    let mut text = (0..64).map(|i| format!("p{i},")).collect::<String>() + "label\n";
    for side in [&data.train, &data.test] {
        for (pixels, label) in side.iter().skip(skip) {
            for p in pixels {
                text += &format!("{},", p * 16.0);
            }
            text += &format!("{}\n", label.unwrap());
        }
    }
    std::fs::write(path, text).unwrap();
}

/// A version 1.0 `.npy` file of little-endian `descr` values.
fn write_npy(path: &Path, descr: &str, shape: &str, data: &[u8]) {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

fn train(dir: &Path, data: &[&str]) -> std::process::Output {
    let mut args = vec![
        "train",
        "--headless",
        "--preset",
        "ae-digits",
        "--epochs",
        "3",
        "--log-every",
        "1000",
        "--checkpoint",
        "own.ckpt",
    ];
    args.extend_from_slice(data);
    tinyvae(&args, dir)
}

pub fn test_losses(stdout: &[u8]) -> Vec<f64> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["event"] == "epoch")
        .map(|l| l["test"]["total"].as_f64().unwrap())
        .collect()
}

#[test]
fn a_csv_table_trains_evaluates_and_draws_with_its_own_data() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sensor.csv");
    write_csv(&csv, 0);

    // Raw values up to 16 are refused by the cross-entropy, pointing at --normalize.
    let refused = train(
        dir.path(),
        &["--data", "sensor.csv", "--label-column", "label"],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("--normalize"),
        "{}",
        stderr(&refused)
    );

    let output = train(
        dir.path(),
        &[
            "--data",
            "sensor.csv",
            "--label-column",
            "label",
            "--normalize",
            "minmax",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let losses = test_losses(&output.stdout);
    assert_eq!(losses.len(), 3);
    assert!(losses[2] < losses[0], "{losses:?}");

    let checkpoint = Checkpoint::read(&dir.path().join("own.ckpt")).unwrap();
    let record = checkpoint.data();
    assert_eq!(record.spec.format, DataFormat::Csv);
    assert_eq!(record.spec.normalization, Normalization::MeasuredRange);
    // 1,797 rows, a fifth held out (rounded up).
    assert_eq!((record.train_samples, record.test_samples), (1437, 360));
    let transform = record.transform.as_ref().unwrap();
    assert_eq!(transform.features(), 64);

    // The device weights carry the normalization: the blob's transform is the checkpoint's.
    let export = tinyvae(
        &["export", "--checkpoint", "own.ckpt", "--out", "own.tvw"],
        dir.path(),
    );
    assert!(export.status.success(), "{}", stderr(&export));
    assert!(
        stderr(&export).contains("with the input transform of the training data: 64 features"),
        "{}",
        stderr(&export)
    );
    let blob = std::fs::read(dir.path().join("own.tvw")).unwrap();
    assert_eq!(blob.len(), weights::blob_len_with_transform::<AeDigits>());
    let carried = weights::inspect(&blob).unwrap().transform.unwrap();
    assert!(carried.clamp());
    let bits = |values: &mut dyn Iterator<Item = f32>| values.map(f32::to_bits).collect::<Vec<_>>();
    assert_eq!(
        bits(&mut carried.offsets()),
        bits(&mut transform.offset.iter().copied())
    );
    assert_eq!(
        bits(&mut carried.scales()),
        bits(&mut transform.scale.iter().copied())
    );

    // eval uses the checkpoint's own data and says so.
    let eval = tinyvae(
        &[
            "eval",
            "--checkpoint",
            "own.ckpt",
            "--json",
            "--iw-samples",
            "10",
        ],
        dir.path(),
    );
    assert!(eval.status.success(), "{}", stderr(&eval));
    let report: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(report["data_is_training_data"], true);
    assert!(
        report["data_source"]
            .as_str()
            .unwrap()
            .ends_with("sensor.csv")
    );
    assert_eq!(report["test_samples"], 360);
    assert!(report["linear_probe_accuracy_codes"].as_f64().unwrap() > 0.5);

    // Other data of the same shape runs, normalized as the training data, and is named.
    write_csv(&dir.path().join("other.csv"), 100);
    let other = tinyvae(
        &[
            "eval",
            "--checkpoint",
            "own.ckpt",
            "--json",
            "--iw-samples",
            "10",
            "--data",
            "other.csv",
            "--label-column",
            "last",
        ],
        dir.path(),
    );
    assert!(other.status.success(), "{}", stderr(&other));
    let report: serde_json::Value = serde_json::from_slice(&other.stdout).unwrap();
    assert_eq!(report["data_is_training_data"], false);
    assert_eq!(report["test_set_is_training_run_test_set"], false);
    assert!(
        report["data_source"]
            .as_str()
            .unwrap()
            .ends_with("other.csv")
    );

    // Another width is refused, naming both.
    std::fs::write(dir.path().join("narrow.csv"), "1,2,3\n4,5,6\n7,8,9\n").unwrap();
    let narrow = tinyvae(
        &["eval", "--checkpoint", "own.ckpt", "--data", "narrow.csv"],
        dir.path(),
    );
    assert_eq!(narrow.status.code(), Some(1));
    let message = stderr(&narrow);
    assert!(
        message.contains("3-value vectors") && message.contains("64"),
        "{message}"
    );

    // Pictures draw from the checkpoint's data too.
    let recon = tinyvae(
        &["recon", "--checkpoint", "own.ckpt", "--out", "recon.png"],
        dir.path(),
    );
    assert!(recon.status.success(), "{}", stderr(&recon));
    assert!(stderr(&recon).contains("sensor.csv"), "{}", stderr(&recon));
    assert!(dir.path().join("recon.png").is_file());
    assert!(
        stderr(&recon).contains("PCA with 16 components"),
        "{}",
        stderr(&recon)
    );

    // Interpolation between two test samples, and a clear error past the test set.
    let path = tinyvae(
        &[
            "interpolate",
            "--checkpoint",
            "own.ckpt",
            "--out",
            "path.png",
            "--from",
            "0",
            "--to",
            "5",
            "--count",
            "8",
        ],
        dir.path(),
    );
    assert!(path.status.success(), "{}", stderr(&path));
    assert!(dir.path().join("path.png").is_file());
    let past = tinyvae(
        &[
            "interpolate",
            "--checkpoint",
            "own.ckpt",
            "--out",
            "x.png",
            "--to",
            "360",
        ],
        dir.path(),
    );
    assert_eq!(past.status.code(), Some(1));
    assert!(
        stderr(&past).contains("test sample 360 does not exist"),
        "{}",
        stderr(&past)
    );
}

#[test]
fn numpy_arrays_with_labels_and_a_test_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = digits();
    let floats = |side: &tinyvae_host::data::Dataset| -> Vec<u8> {
        side.images()
            .iter()
            .flat_map(|p| (p * 16.0).to_le_bytes())
            .collect()
    };
    let labels = |side: &tinyvae_host::data::Dataset| -> Vec<u8> {
        side.labels()
            .unwrap()
            .iter()
            .flat_map(|&l| i64::from(l).to_le_bytes())
            .collect()
    };
    let (n, m) = (data.train.len(), data.test.len());
    write_npy(
        &dir.path().join("x.npy"),
        "<f4",
        &format!("({n}, 64)"),
        &floats(&data.train),
    );
    write_npy(
        &dir.path().join("y.npy"),
        "<i8",
        &format!("({n},)"),
        &labels(&data.train),
    );
    write_npy(
        &dir.path().join("tx.npy"),
        "<f4",
        &format!("({m}, 8, 8)"),
        &floats(&data.test),
    );
    write_npy(
        &dir.path().join("ty.npy"),
        "<i8",
        &format!("({m},)"),
        &labels(&data.test),
    );

    // (N, 64) vectors and (M, 8, 8) images are different shapes.
    let mismatch = train(
        dir.path(),
        &[
            "--data",
            "x.npy",
            "--test-data",
            "tx.npy",
            "--normalize",
            "range:0:16",
        ],
    );
    assert_eq!(mismatch.status.code(), Some(1));
    assert!(
        stderr(&mismatch).contains("8x8 images"),
        "{}",
        stderr(&mismatch)
    );

    write_npy(
        &dir.path().join("tx.npy"),
        "<f4",
        &format!("({m}, 64)"),
        &floats(&data.test),
    );
    let output = train(
        dir.path(),
        &[
            "--data",
            "x.npy",
            "--labels",
            "y.npy",
            "--test-data",
            "tx.npy",
            "--test-labels",
            "ty.npy",
            "--normalize",
            "range:0:16",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let losses = test_losses(&output.stdout);
    assert!(losses[2] < losses[0], "{losses:?}");
    let checkpoint = Checkpoint::read(&dir.path().join("own.ckpt")).unwrap();
    assert_eq!(
        (
            checkpoint.data().train_samples,
            checkpoint.data().test_samples
        ),
        (n, m)
    );
}
