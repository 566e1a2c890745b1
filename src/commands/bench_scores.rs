//! The inference rows of `tinyvae bench`, on one thread and the preset's test set: anomaly
//! scores per second of each score kind a preset has, and the latency of one sample's
//! reconstruction (encode to the mean code, decode), what a server or a device runs.

use std::time::Instant;

use super::detect::ANOMALY_IW_SAMPLES;
use super::{Failure, ModelSizes, default_spec, dispatch, load_data};
use tinyvae_host::anomaly::{ScoreKind, ScoreOptions, available_scores, score_samples};
use tinyvae_host::catalog::Catalog;
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::model::TrainableModel;
use tinyvae_host::train::trainer::Trainer;

/// One score kind's throughput.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoringRate {
    /// The score measured.
    pub kind: ScoreKind,
    /// Samples scored per second, on one thread.
    pub samples_per_second: f64,
}

/// The latency of reconstructing one sample at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latency {
    /// Samples timed.
    pub samples: usize,
    /// The median time of one reconstruction, in microseconds.
    pub median_us: f64,
    /// The mean time, in microseconds.
    pub mean_us: f64,
}

/// Times the reconstruction of the test samples of `preset`, one at a time (batch 1, the
/// single-sample path), round the test set for `seconds` after one warm-up pass.
pub fn reconstruction_latency<C: Catalog>(
    catalog: &C,
    preset: &'static Preset,
    seconds: f64,
) -> Result<Latency, Failure> {
    dispatch(catalog, preset, &preset.config, LatencyVisitor { seconds })
}

struct LatencyVisitor {
    seconds: f64,
}

impl PresetVisitor for LatencyVisitor {
    type Output = Result<Latency, Failure>;

    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
        let data = load_data(&default_spec(preset)?, M::INPUTS, &ModelSizes::default())?.split;
        let trainer = Trainer::<M>::new(preset.config).map_err(Failure::input)?;
        let config = trainer.model_config();
        let mut workspace = vec![0.0; M::WORKSPACE];
        let mut output = vec![0.0; M::INPUTS];
        let images = data.test.images();
        let mut reconstruct = |x: &[f32]| {
            trainer
                .model()
                .reconstruct_with(&config, x, &mut output, 1, &mut workspace)
                .map_err(Failure::input)
        };
        for x in images.chunks_exact(M::INPUTS) {
            reconstruct(x)?;
        }
        let mut times = Vec::new();
        let started = Instant::now();
        'timing: loop {
            for x in images.chunks_exact(M::INPUTS) {
                let one = Instant::now();
                reconstruct(x)?;
                times.push(one.elapsed().as_secs_f64() * 1e6);
                if started.elapsed().as_secs_f64() >= self.seconds {
                    break 'timing;
                }
            }
        }
        let mean_us = times.iter().sum::<f64>() / times.len().max(1) as f64;
        times.sort_by(f64::total_cmp);
        Ok(Latency {
            samples: times.len(),
            median_us: times.get(times.len() / 2).copied().unwrap_or(f64::NAN),
            mean_us,
        })
    }
}

/// Scores the test set of `preset` with a freshly initialized model, each kind for `seconds`
/// after one warm-up pass (the weights do not change the work done).
pub fn scoring_rates<C: Catalog>(
    catalog: &C,
    preset: &'static Preset,
    seconds: f64,
) -> Result<Vec<ScoringRate>, Failure> {
    dispatch(catalog, preset, &preset.config, ScoringVisitor { seconds })
}

struct ScoringVisitor {
    seconds: f64,
}

impl PresetVisitor for ScoringVisitor {
    type Output = Result<Vec<ScoringRate>, Failure>;

    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
        let data = load_data(&default_spec(preset)?, M::INPUTS, &ModelSizes::default())?.split;
        let config = preset.config;
        let trainer = Trainer::<M>::new(config).map_err(Failure::input)?;
        let mut rates = Vec::new();
        for kind in available_scores::<M>(&config) {
            let options = ScoreOptions {
                kinds: vec![kind],
                importance_samples: ANOMALY_IW_SAMPLES,
                seed: 1,
                threads: 1,
                batched: false,
            };
            let pass = || {
                score_samples(trainer.model(), &config, &data.test, &options)
                    .map(|scores| scores.len())
                    .map_err(Failure::input)
            };
            pass()?;
            let started = Instant::now();
            let mut samples = 0usize;
            while started.elapsed().as_secs_f64() < self.seconds {
                samples += pass()?;
            }
            rates.push(ScoringRate {
                kind,
                samples_per_second: samples as f64 / started.elapsed().as_secs_f64(),
            });
        }
        Ok(rates)
    }
}
