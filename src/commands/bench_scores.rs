//! The scoring rows of `tinyvae bench`: anomaly scores per second of each score kind a preset
//! has, on one thread, on the preset's test set.

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
