//! The epoch-end judgement: hand-computed figures, the probe's choice of samples, and a
//! trained model judged through it.

#![allow(clippy::unwrap_used)]

use rand::RngExt;
use tinyvae_core::anomaly::calibrate;
use tinyvae_core::seeded_rng;
use tinyvae_core::vae::MlpVae;

use super::*;
use crate::data::SampleShape;
use crate::train::trainer::Trainer;

const FEATURES: usize = 8;
type Small = MlpVae<FEATURES, 16, 2>;

/// `count` samples of class 0 (rising along the features) or 1 (falling).
fn labelled(name: &str, classes: &[u8], seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let mut values = Vec::with_capacity(classes.len() * FEATURES);
    for &class in classes {
        let level: f32 = rng.random_range(0.2..0.8);
        let slope = if class == 0 { 0.08 } else { -0.08 };
        for i in 0..FEATURES {
            let x = level + slope * (i as f32 - 3.5) + rng.random_range(-0.03..0.03);
            values.push(x.clamp(0.0, 1.0));
        }
    }
    let shape = SampleShape::Vector { width: FEATURES };
    Dataset::from_parts(name, shape, values, classes.len(), Some(classes.to_vec())).unwrap()
}

#[test]
fn judge_gives_the_hand_computed_figures() {
    let scores = [0.1, 0.2, 0.35, 0.9, 0.3, 0.8];
    let anomalous = [false, false, false, true, true, true];
    // The 99.5th percentile of 0.1, 0.2, 0.3: h = 2 · 0.995 = 1.99, 0.2 + 0.99 · 0.1.
    let judged = judge(
        ScoreKind::ReconstructionMse,
        &scores,
        &anomalous,
        vec![0.3, 0.1, 0.2],
    )
    .unwrap();
    assert!(
        (judged.threshold - 0.299).abs() < 1e-6,
        "{}",
        judged.threshold
    );
    // Flagged: 0.35 (normal), 0.9, 0.3, 0.8: three of four abnormal, all three abnormal found.
    assert_eq!(judged.precision, 0.75);
    assert_eq!(judged.recall, 1.0);
    assert!((judged.false_positive_rate - 1.0 / 3.0).abs() < 1e-12);
    assert!((judged.f1 - 6.0 / 7.0).abs() < 1e-12);
    // Pairs (abnormal above normal): 0.9 and 0.8 beat all three, 0.3 beats two: 8 of 9.
    assert!((judged.auc - 8.0 / 9.0).abs() < 1e-12, "{}", judged.auc);
    assert_eq!(judged.histogram.normal.iter().sum::<usize>(), 3);
    assert_eq!(judged.histogram.anomalous.iter().sum::<usize>(), 3);
    assert_eq!(judged.histogram.normal.len(), WATCHED_BINS);
    // No normal training scores: no threshold, an error rather than a guess.
    assert!(
        judge(
            ScoreKind::ReconstructionMse,
            &scores,
            &anomalous,
            Vec::new()
        )
        .is_err()
    );
}

#[test]
fn spread_takes_every_sample_or_an_even_part() {
    assert_eq!(spread(3, 5), [0, 1, 2]);
    assert_eq!(spread(10, 4), [0, 2, 5, 7]);
    assert!(spread(0, 4).is_empty());
}

fn split(train: &[u8], test: &[u8]) -> Split {
    Split {
        train: labelled("toy train", train, 1),
        test: labelled("toy test", test, 2),
    }
}

#[test]
fn the_probe_refuses_a_test_set_it_cannot_judge() {
    let config = TrainConfig::default();
    let unlabelled = Split {
        test: Dataset::from_parts(
            "plain",
            SampleShape::Vector { width: FEATURES },
            vec![0.5; FEATURES * 2],
            2,
            None,
        )
        .unwrap(),
        ..split(&[0; 4], &[0, 1])
    };
    assert!(matches!(
        EpochDetection::new::<Small>(&[0], &config, &unlabelled),
        Err(AnomalyError::Data(_))
    ));
    assert!(matches!(
        EpochDetection::new::<Small>(&[0], &config, &split(&[0; 4], &[0, 0])),
        Err(AnomalyError::OneClass {
            normal: 2,
            anomalous: 0
        })
    ));
    assert!(EpochDetection::new::<Small>(&[], &config, &split(&[0; 4], &[0, 1])).is_err());
}

#[test]
fn a_trained_model_is_judged_on_its_reconstruction_scores() {
    let train = TrainConfig {
        batch_size: 16,
        learning_rate: 3e-3,
        ..TrainConfig::default()
    };
    let test_classes: Vec<u8> = (0..3000).map(|i| u8::from(i % 5 == 0)).collect();
    let data = split(&[0; 256], &test_classes);
    let mut trainer = Trainer::<Small>::new(train).unwrap();
    for _ in 0..600 {
        trainer.step(&data.train).unwrap();
    }
    let probe = EpochDetection::new::<Small>(&[0], &train, &data).unwrap();
    assert_eq!(probe.test_samples(), WATCHED_TEST_SAMPLES);
    let report = DetectionProbe::<Small>::probe(&probe, trainer.model(), &train, 7).unwrap();
    assert_eq!(report.epoch, 7);
    assert_eq!(report.normal_classes, [0]);
    assert_eq!(report.test_samples, WATCHED_TEST_SAMPLES);
    assert_eq!(report.anomalous, WATCHED_TEST_SAMPLES / 5);
    assert_eq!(report.calibration_samples, 256);
    let kinds: Vec<ScoreKind> = report.scores.iter().map(|s| s.score).collect();
    assert_eq!(
        kinds,
        [
            ScoreKind::ReconstructionMse,
            ScoreKind::ReconstructionRelative,
            ScoreKind::ReconstructionCrossEntropy
        ]
    );
    for score in &report.scores {
        assert!(score.auc > 0.9, "{}: AUC {}", score.score.name(), score.auc);
        // Few normal test samples above the 99.5th percentile of the normal training scores.
        let fpr = score.false_positive_rate;
        assert!(fpr < 0.05, "{}: FPR {fpr}", score.score.name());
    }
    let mse = &report.scores[0];
    assert!(mse.recall > 0.5, "mse: recall {}", mse.recall);
    // The threshold is the default rule's over the normal training samples' scores.
    let options = ScoreOptions {
        kinds: vec![ScoreKind::ReconstructionMse],
        importance_samples: 1,
        seed: 0,
        threads: 1,
        batched: true,
    };
    let mut normal = score_samples(trainer.model(), &train, &data.train, &options)
        .unwrap()
        .column(ScoreKind::ReconstructionMse)
        .unwrap();
    let expected = calibrate(&mut normal, DEFAULT_CALIBRATION).unwrap();
    assert_eq!(report.scores[0].threshold.to_bits(), expected.to_bits());
}
