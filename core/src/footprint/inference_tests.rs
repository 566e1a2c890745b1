//! Every family's inference methods against [`Model::INFERENCE_WORKSPACE`]: they run in exactly
//! that much workspace per sample, refuse one float less with a typed error, and give the bits
//! they give in the full training workspace.

#![allow(clippy::unwrap_used)]

use crate::autoencoder::{DeepAutoencoder, ShallowAutoencoder};
use crate::presets::{AeDigits, VaeDigits};
use crate::rng::uniform_symmetric;
use crate::stacked::StackedAutoencoder;
use crate::tied::TiedAutoencoder;
use crate::vae::{LearnedVariance, MlpVae};
use crate::{Error, Model, Parameters, seeded_rng};

/// One inference method: `(model, data, output, batch, workspace)`.
type Method<M> = fn(&M, &[f32], &mut [f32], usize, &mut [f32]) -> Result<(), Error>;

/// Runs `method` on `batch` samples of `data` with a workspace of `floats` floats, filled with
/// NaN first so that a method reading what it did not write would show it.
fn run<M: Model>(
    model: &M,
    method: Method<M>,
    data: &[f32],
    written: usize,
    batch: usize,
    floats: usize,
) -> Result<Vec<u32>, Error> {
    let mut output = vec![0.0f32; written * batch];
    let mut workspace = vec![f32::NAN; floats];
    method(model, data, &mut output, batch, &mut workspace)?;
    Ok(output.iter().map(|v| v.to_bits()).collect())
}

/// `method`, reading `read` and writing `written` floats a sample, in the training workspace,
/// in exactly the inference workspace and in one float less.
fn check_method<M: Model>(model: &M, method: Method<M>, read: usize, written: usize, name: &str) {
    let mut rng = seeded_rng(77);
    for batch in [1, 3, 7] {
        let data: Vec<f32> = (0..read * batch)
            .map(|_| 0.5 + uniform_symmetric(&mut rng, 0.5))
            .collect();
        let exact = M::INFERENCE_WORKSPACE * batch;
        let full = run(model, method, &data, written, batch, M::WORKSPACE * batch).unwrap();
        let lean = run(model, method, &data, written, batch, exact).unwrap();
        assert_eq!(full, lean, "{name}, batch {batch}");
        assert_eq!(
            run(model, method, &data, written, batch, exact - 1).unwrap_err(),
            Error::BufferTooSmall {
                needed: exact,
                found: exact - 1
            },
            "{name}, batch {batch}"
        );
    }
}

/// encode, decode and reconstruct of a model drawn from a fixed seed.
fn check_family<M: Model>() {
    let mut model: Box<M> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(76));
    assert!(M::INFERENCE_WORKSPACE <= M::WORKSPACE);
    check_method::<M>(&model, M::encode, M::INPUTS, M::LATENT, "encode");
    check_method::<M>(&model, M::decode, M::LATENT, M::INPUTS, "decode");
    check_method::<M>(&model, M::reconstruct, M::INPUTS, M::INPUTS, "reconstruct");
}

#[test]
fn every_family_infers_in_its_inference_workspace() {
    check_family::<VaeDigits>();
    check_family::<MlpVae<12, 7, 3, LearnedVariance<12>>>();
    check_family::<AeDigits>();
    check_family::<ShallowAutoencoder<9, 4>>();
    check_family::<DeepAutoencoder<10, 6, 3>>();
    check_family::<TiedAutoencoder<10, 4>>();
    check_family::<StackedAutoencoder<12, 9, 6, 3>>();
}

#[test]
fn the_vae_distribution_needs_no_more() {
    type Vae = VaeDigits;
    let mut model: Box<Vae> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(78));
    let x = [0.25f32; 64];
    let encode = |floats: usize| {
        let (mut mean, mut log_variance) = ([0.0f32; 2], [0.0f32; 2]);
        let mut workspace = vec![f32::NAN; floats];
        model
            .encode_distribution(&x, &mut mean, &mut log_variance, 1, &mut workspace)
            .map(|()| (mean.map(f32::to_bits), log_variance.map(f32::to_bits)))
    };
    let lean = encode(Vae::INFERENCE_WORKSPACE).unwrap();
    assert_eq!(encode(Vae::WORKSPACE).unwrap(), lean);
    assert_eq!(
        encode(Vae::INFERENCE_WORKSPACE - 1).unwrap_err(),
        Error::BufferTooSmall {
            needed: Vae::INFERENCE_WORKSPACE,
            found: Vae::INFERENCE_WORKSPACE - 1
        }
    );
}
