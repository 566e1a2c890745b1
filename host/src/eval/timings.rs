//! Timings and reference scores of the metrics on MNIST, in an ignored test:
//!
//! ```text
//! cargo test --release --lib eval::timings -- --ignored --nocapture
//! ```
//!
//! It reads the shipped `data/mnist` IDX files with the data module's loader.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use super::{Pca, active_units, knn_accuracy, linear_probe_accuracy};
use crate::data::{default_data_dir, load_idx_dir};

/// CPU time of this thread in seconds (user + system, from `/proc`, 10 ms ticks on Linux),
/// or 0 where that file does not exist. The machine may be shared: CPU time is what the
/// metric costs, wall time what it took under the current load.
fn thread_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs `f`, prints how long it took under `what` (wall and CPU), and returns its result.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let (start, cpu) = (Instant::now(), thread_cpu_seconds());
    let out = f();
    println!(
        "{what:<48} {:>7.3} s wall {:>7.2} s cpu",
        start.elapsed().as_secs_f64(),
        thread_cpu_seconds() - cpu
    );
    out
}

#[test]
#[ignore = "reads MNIST and takes seconds in release; run with --ignored --nocapture"]
fn mnist_timings() {
    let d = 784;
    let mnist = load_idx_dir(&default_data_dir().join("mnist")).expect("MNIST");
    let (train, train_labels) = (mnist.train.images(), mnist.train.labels().expect("labels"));
    let (test, test_labels) = (mnist.test.images(), mnist.test.labels().expect("labels"));
    assert_eq!((train_labels.len(), test_labels.len()), (60_000, 10_000));

    timed("PCA fit, 2000 x 784 (mostly the eigensolver)", || {
        Pca::fit(&train[..2000 * d], d, 20).unwrap()
    });
    for k in [2, 20] {
        let pca = timed(&format!("PCA fit, 60000 x 784, k = {k}"), || {
            Pca::fit(train, d, k).unwrap()
        });
        let err = timed("PCA reconstruction error, 10000 test", || {
            pca.reconstruction_error(test).unwrap()
        });
        let ratio: f32 = pca.explained_variance_ratio().iter().sum();
        println!("  k = {k}: test error {err:.3} per sample, variance explained {ratio:.3}");

        let (mut ztrain, mut ztest) = (vec![0.0; 60_000 * k], vec![0.0; 10_000 * k]);
        timed("PCA project 70000 samples", || {
            pca.project(train, &mut ztrain).unwrap();
            pca.project(test, &mut ztest).unwrap();
        });
        let au = timed("active units of the codes", || {
            active_units(&ztrain, k).unwrap()
        });
        println!("  active units {} of {k}", au.count);
        let acc = timed(&format!("linear probe on PCA-{k} codes"), || {
            linear_probe_accuracy(&ztrain, train_labels, &ztest, test_labels, k).unwrap()
        });
        println!("  linear probe accuracy {acc:.4}");
        let acc = timed(&format!("5-NN on PCA-{k} codes, 10000 vs 60000"), || {
            knn_accuracy(&ztrain, train_labels, &ztest, test_labels, k, 5).unwrap()
        });
        println!("  5-NN accuracy {acc:.4}");
    }

    let acc = timed("linear probe on raw pixels, 60000 x 784", || {
        linear_probe_accuracy(train, train_labels, test, test_labels, d).unwrap()
    });
    println!("  linear probe accuracy {acc:.4}");
}
