//! The `Model` methods of the two device presets, `VaeDigits` and `AeDigits`.

use proptest::prelude::*;
use tinyvae_core::autoencoder::{AutoencoderConfig, ReconstructionLoss};
use tinyvae_core::noise::Noise;
use tinyvae_core::presets::{AeDigits, VaeDigits};
use tinyvae_core::vae::{Likelihood, VaeConfig};
use tinyvae_core::{Error, Model, seeded_rng};

use crate::strategies::{batch_and_lengths, holds, values};

/// A model with its parameters drawn from a fixed seed.
fn model<M: Model>() -> Box<M> {
    let mut model: Box<M> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(5));
    model
}

/// A config and whether it is valid.
fn vae_config() -> impl Strategy<Value = (VaeConfig, bool)> {
    let likelihood = prop_oneof![
        Just((Likelihood::Bernoulli, true)),
        (0.05f32..=1.0).prop_map(|variance| (Likelihood::Gaussian { variance }, true)),
        prop_oneof![
            Just(0.0f32),
            Just(-1.0),
            Just(f32::NAN),
            Just(f32::INFINITY)
        ]
        .prop_map(|variance| (Likelihood::Gaussian { variance }, false)),
    ];
    let beta = prop_oneof![
        4 => (0.0f32..=4.0).prop_map(|beta| (beta, true)),
        1 => prop_oneof![Just(-0.5f32), Just(f32::NAN), Just(f32::INFINITY)]
            .prop_map(|beta| (beta, false)),
    ];
    (likelihood, beta).prop_map(|((likelihood, valid_likelihood), (beta, valid_beta))| {
        (
            VaeConfig { likelihood, beta },
            valid_likelihood && valid_beta,
        )
    })
}

/// A config and whether it is valid.
fn autoencoder_config() -> impl Strategy<Value = (AutoencoderConfig, bool)> {
    let loss = prop_oneof![
        Just(ReconstructionLoss::CrossEntropy),
        Just(ReconstructionLoss::SquaredError)
    ];
    let noise = prop_oneof![
        Just((Noise::None, true)),
        (0.0f32..=1.0).prop_map(|std_dev| (Noise::Gaussian { std_dev }, true)),
        (0.01f32..=1.0).prop_map(|keep_probability| (Noise::Masking { keep_probability }, true)),
        prop_oneof![Just(-1.0f32), Just(f32::NAN)]
            .prop_map(|std_dev| (Noise::Gaussian { std_dev }, false)),
        prop_oneof![Just(0.0f32), Just(1.5), Just(f32::NAN)]
            .prop_map(|keep_probability| (Noise::Masking { keep_probability }, false)),
    ];
    (loss, noise).prop_map(|(loss, (noise, valid))| (AutoencoderConfig { loss, noise }, valid))
}

/// Whether every value is a pixel in [0, 1], on which a valid call must succeed.
fn tame(values: &[f32]) -> bool {
    values.iter().all(|v| (0.0..=1.0).contains(v))
}

/// Whether `data` is exactly `batch` samples of `per_sample` floats, as model inputs must be.
fn exactly(data: &[f32], per_sample: usize, batch: usize) -> bool {
    batch > 0 && per_sample.checked_mul(batch) == Some(data.len())
}

/// A call whose buffers do not fit must fail; one whose buffers fit, with tame values and a
/// valid config, must succeed. Reaching this at all means it did not panic.
fn expect<T: core::fmt::Debug>(
    result: Result<T, Error>,
    fits: bool,
    tame: bool,
) -> Result<(), TestCaseError> {
    if !fits {
        prop_assert!(result.is_err(), "buffers too small, yet {result:?}");
    } else if tame {
        prop_assert!(result.is_ok(), "valid call, yet {result:?}");
    }
    Ok(())
}

/// The inputs of one call: a batch size, the data it reads (input or code), and the lengths of
/// the buffer it writes (code or output; unused by the losses) and of the workspace.
#[derive(Debug, Clone)]
struct Call {
    batch: usize,
    data: Vec<f32>,
    written: usize,
    workspace: usize,
}

/// A call reading `read` floats a sample and writing `written` floats a sample, with a
/// workspace around `workspace` floats a sample.
fn call(read: usize, written: usize, workspace: usize) -> impl Strategy<Value = Call> {
    batch_and_lengths(vec![read, written, workspace]).prop_flat_map(|(batch, lengths)| {
        values(lengths[0]).prop_map(move |data| Call {
            batch,
            data,
            written: lengths[1],
            workspace: lengths[2],
        })
    })
}

fn loss<M: Model>(
    (config, valid): (M::Config, bool),
    call: &Call,
    gradients: bool,
) -> Result<(), TestCaseError> {
    let model = model::<M>();
    let mut grads: Box<M> = bytemuck::zeroed_box();
    let mut workspace = vec![0.0; call.workspace];
    let mut rng = seeded_rng(9);
    let (input, batch) = (&call.data[..], call.batch);
    let result = if gradients {
        model.loss_and_gradients(&config, input, batch, &mut rng, &mut workspace, &mut grads)
    } else {
        model.loss(&config, input, batch, &mut rng, &mut workspace)
    };
    let fits = exactly(input, M::INPUTS, batch) && holds(workspace.len(), M::WORKSPACE, batch);
    expect(result, fits, valid && tame(input))
}

fn encode<M: Model>(call: &Call) -> Result<(), TestCaseError> {
    let model = model::<M>();
    let mut code = vec![0.0; call.written];
    let mut workspace = vec![0.0; call.workspace];
    let (input, batch) = (&call.data[..], call.batch);
    let result = model.encode(input, &mut code, batch, &mut workspace);
    let fits = exactly(input, M::INPUTS, batch)
        && holds(code.len(), M::LATENT, batch)
        && holds(workspace.len(), M::INFERENCE_WORKSPACE, batch);
    expect(result, fits, tame(input))
}

fn decode<M: Model>(call: &Call) -> Result<(), TestCaseError> {
    let model = model::<M>();
    let mut output = vec![0.0; call.written];
    let mut workspace = vec![0.0; call.workspace];
    let (code, batch) = (&call.data[..], call.batch);
    let result = model.decode(code, &mut output, batch, &mut workspace);
    let fits = exactly(code, M::LATENT, batch)
        && holds(output.len(), M::INPUTS, batch)
        && holds(workspace.len(), M::INFERENCE_WORKSPACE, batch);
    expect(result, fits, tame(code))
}

fn reconstruct<M: Model>(call: &Call) -> Result<(), TestCaseError> {
    let model = model::<M>();
    let mut output = vec![0.0; call.written];
    let mut workspace = vec![0.0; call.workspace];
    let (input, batch) = (&call.data[..], call.batch);
    let result = model.reconstruct(input, &mut output, batch, &mut workspace);
    let fits = exactly(input, M::INPUTS, batch)
        && holds(output.len(), M::INPUTS, batch)
        && holds(workspace.len(), M::INFERENCE_WORKSPACE, batch);
    expect(result, fits, tame(input))
}

const X: usize = 64;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn vae_loss(config in vae_config(), call in call(X, 0, VaeDigits::WORKSPACE), gradients: bool) {
        loss::<VaeDigits>(config, &call, gradients)?;
    }

    #[test]
    fn vae_encode(call in call(X, VaeDigits::LATENT, VaeDigits::INFERENCE_WORKSPACE)) {
        encode::<VaeDigits>(&call)?;
    }

    #[test]
    fn vae_decode(call in call(VaeDigits::LATENT, X, VaeDigits::INFERENCE_WORKSPACE)) {
        decode::<VaeDigits>(&call)?;
    }

    #[test]
    fn vae_reconstruct(call in call(X, X, VaeDigits::INFERENCE_WORKSPACE)) {
        reconstruct::<VaeDigits>(&call)?;
    }

    #[test]
    fn autoencoder_loss(
        config in autoencoder_config(),
        call in call(X, 0, AeDigits::WORKSPACE),
        gradients: bool,
    ) {
        loss::<AeDigits>(config, &call, gradients)?;
    }

    #[test]
    fn autoencoder_encode(call in call(X, AeDigits::LATENT, AeDigits::INFERENCE_WORKSPACE)) {
        encode::<AeDigits>(&call)?;
    }

    #[test]
    fn autoencoder_decode(call in call(AeDigits::LATENT, X, AeDigits::INFERENCE_WORKSPACE)) {
        decode::<AeDigits>(&call)?;
    }

    #[test]
    fn autoencoder_reconstruct(call in call(X, X, AeDigits::INFERENCE_WORKSPACE)) {
        reconstruct::<AeDigits>(&call)?;
    }
}
