//! The exported blob against the host: a model trained on normalized data, read back the way a
//! device reads it.

#![allow(clippy::unwrap_used)]

use rand::RngExt;
use tinyvae_core::vae::MlpVae;
use tinyvae_core::weights::{self, WeightsView};
use tinyvae_core::{Model, Parameters, seeded_rng};

use super::*;
use crate::data::{Dataset, Normalization, SampleShape, Split};
use crate::train::config::TrainConfig;
use crate::train::trainer::Trainer;

/// Features of the synthetic sensor data.
const FEATURES: usize = 8;
type Small = MlpVae<FEATURES, 6, 2>;

/// Raw readings around a different level and with a different spread for each feature, far
/// from [0, 1]; the test side reaches past the training range so the clamp is exercised.
fn raw_split() -> Split {
    let mut rng = seeded_rng(41);
    let mut samples = |count: usize, reach: f32| {
        let mut values = Vec::with_capacity(count * FEATURES);
        for _ in 0..count {
            for i in 0..FEATURES {
                let level = -3.7 + 1.3 * i as f32;
                let spread = 0.6 + 0.9 * i as f32;
                values.push(level + spread * rng.random_range(-reach..reach));
            }
        }
        Dataset::from_parts(
            "sensor",
            SampleShape::Vector { width: FEATURES },
            values,
            count,
            None,
        )
        .unwrap()
    };
    let train = samples(96, 1.0);
    let test = samples(24, 1.2);
    Split { train, test }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// `blob` copied to a 4-byte boundary, as a device's linker places it.
fn aligned(blob: &[u8]) -> Vec<u32> {
    let mut words = vec![0u32; blob.len().div_ceil(4)];
    bytemuck::cast_slice_mut::<u32, u8>(&mut words)[..blob.len()].copy_from_slice(blob);
    words
}

#[test]
fn the_device_normalizes_and_reconstructs_as_the_host_bit_for_bit() {
    let raw = raw_split();
    let transform = InputTransform::fit(Normalization::MeasuredRange, &raw.train).unwrap();
    let mut normalized = raw.clone();
    transform.apply_to(&mut normalized.train).unwrap();
    transform.apply_to(&mut normalized.test).unwrap();

    let config = TrainConfig {
        epochs: 3,
        batch_size: 16,
        seed: 5,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::<Small>::new(config).unwrap();
    while !trainer.is_finished() {
        trainer.step(&normalized.train).unwrap();
    }
    let host_model = trainer.model();

    let blob = weight_blob(host_model, Some(&transform), None).unwrap();
    assert_eq!(blob.len(), weights::blob_len_with_transform::<Small>());
    let words = aligned(&blob);
    let bytes = &bytemuck::cast_slice::<u32, u8>(&words)[..blob.len()];
    let WeightsView {
        model: device_model,
        transform: device_transform,
        detector,
    } = weights::view::<Small>(bytes).unwrap();
    // Exported without a calibrated threshold: the blob carries no detector.
    assert!(detector.is_none());
    let device_transform = device_transform.unwrap();
    assert_eq!(device_transform.features(), FEATURES);
    assert!(device_transform.clamp());
    for index in 0..Small::TENSORS {
        assert_eq!(
            bits(device_model.tensor(index)),
            bits(host_model.tensor(index))
        );
    }

    let mut clamped = 0;
    let mut host_workspace = vec![0.0; Small::WORKSPACE];
    let mut device_workspace = vec![0.0; Small::WORKSPACE];
    for ((raw_sample, _), (host_input, _)) in raw.test.iter().zip(normalized.test.iter()) {
        let mut device_input = raw_sample.to_vec();
        device_transform.apply(&mut device_input).unwrap();
        assert_eq!(bits(&device_input), bits(host_input));
        clamped += host_input.iter().filter(|&&x| x == 0.0 || x == 1.0).count();

        let mut host_output = [0.0; FEATURES];
        let mut device_output = [0.0; FEATURES];
        host_model
            .reconstruct(host_input, &mut host_output, 1, &mut host_workspace)
            .unwrap();
        device_model
            .reconstruct(&device_input, &mut device_output, 1, &mut device_workspace)
            .unwrap();
        assert_eq!(bits(&device_output), bits(&host_output));
    }
    assert!(clamped > 0, "no test value reached the clamp");
}

#[test]
fn every_normalization_travels_with_the_weights() {
    let raw = raw_split();
    let model = {
        let mut model: Box<Small> = bytemuck::zeroed_box();
        model.initialize(&mut seeded_rng(6));
        model
    };
    let normalizations = [
        Normalization::Range {
            min: -4.0,
            max: 9.5,
        },
        Normalization::MeasuredRange,
        Normalization::Standardize,
    ];
    for normalization in normalizations {
        let transform = InputTransform::fit(normalization, &raw.train).unwrap();
        let words = aligned(&weight_blob(&*model, Some(&transform), None).unwrap());
        let bytes: &[u8] = bytemuck::cast_slice(&words);
        let viewed = weights::view::<Small>(bytes).unwrap().transform.unwrap();
        assert_eq!(
            bits(&viewed.offsets().collect::<Vec<_>>()),
            bits(&transform.offset)
        );
        assert_eq!(
            bits(&viewed.scales().collect::<Vec<_>>()),
            bits(&transform.scale)
        );
        assert_eq!(viewed.clamp(), transform.clamp);
        for (sample, _) in raw.test.iter() {
            let (mut host, mut device) = (sample.to_vec(), sample.to_vec());
            transform.apply(&mut host).unwrap();
            viewed.apply(&mut device).unwrap();
            assert_eq!(bits(&device), bits(&host), "{normalization:?}");
        }
    }

    // Without a transform, the blob is version 3: weights alone.
    let blob = weight_blob(&*model, None, None).unwrap();
    assert_eq!(blob.len(), weights::blob_len::<Small>());
    assert_eq!(weights::inspect(&blob).unwrap().transform, None);

    // A transform for other data is refused, not written.
    let other = InputTransform {
        offset: vec![0.0; FEATURES + 1],
        scale: vec![1.0; FEATURES + 1],
        clamp: false,
    };
    assert_eq!(
        weight_blob(&*model, Some(&other), None),
        Err(tinyvae_core::Error::ShapeMismatch {
            expected: FEATURES,
            found: FEATURES + 1
        })
    );
}

#[test]
fn export_writes_the_blob_with_its_transform() {
    let raw = raw_split();
    let transform = InputTransform::fit(Normalization::Standardize, &raw.train).unwrap();
    let mut model: Box<Small> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(7));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.tvw");
    let written = export_weights(&*model, Some(&transform), None, &path).unwrap();
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(written, on_disk.len());
    assert_eq!(
        on_disk,
        weight_blob(&*model, Some(&transform), None).unwrap()
    );
    let mut loaded: Box<Small> = bytemuck::zeroed_box();
    let back = weights::load(&on_disk, &mut *loaded).unwrap().unwrap();
    assert_eq!(back.features(), FEATURES);
    assert!(!back.clamp());
}
