//! The mean loss of a model over a dataset, with a generator of its own so that evaluating
//! never shifts the training stream.

use rand::SeedableRng;
use tinyvae_core::{LossParts, SeededRng};

use super::error::TrainError;
use super::model::TrainableModel;
use crate::data::Dataset;

/// Seed of the generator used for evaluation, so that it never shifts the training stream.
const EVALUATION_SEED: u64 = 0xE7A1;

/// Samples per batch when evaluating.
pub const EVALUATION_BATCH: usize = 500;

/// Mean loss of `model` over `data`, with a fixed evaluation generator.
pub fn evaluate<M: TrainableModel>(
    model: &M,
    config: &M::Config,
    data: &Dataset,
) -> Result<LossParts, TrainError> {
    if data.is_empty() {
        return Err(TrainError::NoData);
    }
    if data.pixels_per_image() != M::INPUTS {
        return Err(TrainError::DataShape {
            expected: M::INPUTS,
            found: data.pixels_per_image(),
        });
    }
    let mut rng = SeededRng::seed_from_u64(EVALUATION_SEED);
    let mut workspace = vec![0.0; M::WORKSPACE * EVALUATION_BATCH];
    let mut sum = [0.0f64; 3];
    for (chunk_index, chunk) in data
        .images()
        .chunks(M::INPUTS * EVALUATION_BATCH)
        .enumerate()
    {
        let batch = chunk.len() / M::INPUTS;
        let loss = model
            .loss(config, chunk, batch, &mut rng, &mut workspace)
            .map_err(|error| match error {
                tinyvae_core::Error::NonFinite => TrainError::NonFinite {
                    step: chunk_index as u64,
                },
                other => TrainError::Core(other),
            })?;
        for (total, part) in sum
            .iter_mut()
            .zip([loss.total, loss.reconstruction, loss.kl])
        {
            *total += f64::from(part) * batch as f64;
        }
    }
    let n = data.len() as f64;
    Ok(LossParts {
        total: (sum[0] / n) as f32,
        reconstruction: (sum[1] / n) as f32,
        kl: (sum[2] / n) as f32,
    })
}
