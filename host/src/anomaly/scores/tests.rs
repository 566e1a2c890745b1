//! Scores of a small VAE trained on synthetic normal data.

#![allow(clippy::unwrap_used)]

use rand::RngExt;
use tinyvae_core::autoencoder::ShallowAutoencoder;
use tinyvae_core::seeded_rng;
use tinyvae_core::vae::MlpVae;

use super::*;
use crate::anomaly::{AnomalyError, Roc};
use crate::data::SampleShape;
use crate::train::trainer::Trainer;

const FEATURES: usize = 8;
type Small = MlpVae<FEATURES, 16, 2>;

/// Normal samples rise along the features; abnormal ones fall.
fn samples(count: usize, abnormal: bool, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let mut values = Vec::with_capacity(count * FEATURES);
    for _ in 0..count {
        let level: f32 = rng.random_range(0.2..0.8);
        for i in 0..FEATURES {
            let slope = if abnormal { -0.08 } else { 0.08 };
            let x = level + slope * (i as f32 - 3.5) + rng.random_range(-0.03..0.03);
            values.push(x.clamp(0.0, 1.0));
        }
    }
    vectors("toy", values, count)
}

fn vectors(name: &str, values: Vec<f32>, count: usize) -> Dataset {
    let width = values.len() / count;
    Dataset::from_parts(name, SampleShape::Vector { width }, values, count, None).unwrap()
}

fn trained() -> (Small, TrainConfig) {
    let train = TrainConfig {
        batch_size: 16,
        learning_rate: 3e-3,
        ..TrainConfig::default()
    };
    let data = samples(256, false, 1);
    let mut trainer = Trainer::<Small>::new(train).unwrap();
    for _ in 0..600 {
        trainer.step(&data).unwrap();
    }
    (*trainer.model(), train)
}

fn options(threads: usize) -> ScoreOptions {
    ScoreOptions {
        kinds: available_scores::<Small>(&TrainConfig::default()),
        importance_samples: 8,
        seed: 5,
        threads,
        batched: false,
    }
}

fn bits(scores: &SampleScores) -> Vec<u32> {
    (0..scores.len())
        .flat_map(|i| scores.sample(i).iter().map(|v| v.to_bits()))
        .collect()
}

#[test]
fn every_score_ranks_the_abnormal_samples_above_the_normal_ones() {
    let (model, train) = trained();
    let mut values = samples(40, false, 2).images().to_vec();
    values.extend_from_slice(samples(40, true, 3).images());
    let test = vectors("toy test", values, 80);
    let anomalous: Vec<bool> = (0..80).map(|i| i >= 40).collect();
    let scores = score_samples(&model, &train, &test, &options(1)).unwrap();
    assert_eq!(scores.len(), 80);
    assert_eq!(scores.kinds, ScoreKind::ALL);
    for (at, kind) in ScoreKind::ALL.into_iter().enumerate() {
        let column = scores.column(kind).unwrap();
        assert_eq!(column[3], scores.sample(3)[at]);
        let auc = Roc::new(&column, &anomalous).unwrap().auc();
        assert!(auc > 0.9, "{}: AUC {auc}", kind.name());
    }
}

#[test]
fn scores_are_the_same_bits_for_any_thread_count() {
    let (model, train) = trained();
    // More than one evaluation batch, so the threads split the set.
    let data = samples(1200, false, 4);
    let one = score_samples(&model, &train, &data, &options(1)).unwrap();
    for threads in [2, 3, 7] {
        let many = score_samples(&model, &train, &data, &options(threads)).unwrap();
        assert_eq!(bits(&one), bits(&many), "{threads} threads");
    }
}

#[test]
fn batched_scores_match_single_samples_closely_and_any_thread_count_exactly() {
    let (model, train) = trained();
    // Several batches, the last one short.
    let data = samples(700, false, 6);
    let batched = |threads| ScoreOptions {
        batched: true,
        ..options(threads)
    };
    let one = score_samples(&model, &train, &data, &options(1)).unwrap();
    let together = score_samples(&model, &train, &data, &batched(1)).unwrap();
    for threads in [2, 3] {
        let many = score_samples(&model, &train, &data, &batched(threads)).unwrap();
        assert_eq!(bits(&together), bits(&many), "{threads} threads");
    }
    for kind in [
        ScoreKind::ReconstructionMse,
        ScoreKind::ReconstructionRelative,
        ScoreKind::ReconstructionCrossEntropy,
    ] {
        let (a, b) = (one.column(kind).unwrap(), together.column(kind).unwrap());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-5 * x.abs().max(1e-3),
                "{} of sample {i}: {x} one at a time, {y} batched",
                kind.name()
            );
        }
    }
}

#[test]
fn scores_a_model_cannot_give_are_refused() {
    type Ae = ShallowAutoencoder<FEATURES, 3>;
    let train = TrainConfig::default();
    assert_eq!(
        available_scores::<Ae>(&train),
        [
            ScoreKind::ReconstructionMse,
            ScoreKind::ReconstructionRelative,
            ScoreKind::ReconstructionCrossEntropy
        ]
    );
    let model = *Trainer::<Ae>::new(train).unwrap().model();
    let data = samples(4, false, 5);
    let elbo = ScoreOptions {
        kinds: vec![ScoreKind::NegativeElbo],
        ..options(1)
    };
    assert!(matches!(
        score_samples(&model, &train, &data, &elbo),
        Err(AnomalyError::Unavailable { kind: "elbo", .. })
    ));
    let mse = ScoreOptions {
        kinds: vec![ScoreKind::ReconstructionMse],
        ..options(1)
    };
    let wrong = vectors("wide", vec![0.5; 8], 2);
    assert!(matches!(
        score_samples(&model, &train, &wrong, &mse),
        Err(AnomalyError::Data(_))
    ));
}
