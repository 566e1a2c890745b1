#![allow(clippy::unwrap_used)]

use super::*;
use crate::activation::Tanh;
use crate::autoencoder::tests::{
    batch_equals_per_sample, dataset_loss, errors_not_panics, gradient_check, initialized,
    loss_and_grads, prototype_data, reconstruction_is_consistent, same_seed_same_bits, sgd,
    uniform_data,
};
use crate::autoencoder::{Autoencoder, ReconstructionLoss};
use crate::noise::Noise;
use crate::test_support::assert_close;
use crate::{Dense, seeded_rng};
use bytemuck::Zeroable;

const CE: AutoencoderConfig = AutoencoderConfig {
    loss: ReconstructionLoss::CrossEntropy,
    noise: Noise::None,
};
const SE: AutoencoderConfig = AutoencoderConfig {
    loss: ReconstructionLoss::SquaredError,
    noise: Noise::None,
};
const MASKING: Noise = Noise::Masking {
    keep_probability: 0.7,
};

#[test]
fn gradients_for_each_loss_and_activation() {
    gradient_check::<TiedAutoencoder<7, 4>>(1, CE, 3);
    gradient_check::<TiedAutoencoder<7, 4>>(2, SE, 3);
    gradient_check::<TiedAutoencoder<7, 4, Tanh>>(3, CE, 3);
    // Batch > 5 and every side > 5: the GEMM path of std builds.
    gradient_check::<TiedAutoencoder<8, 6>>(4, CE, 7);
    gradient_check::<TiedAutoencoder<8, 6>>(5, SE, 7);
    gradient_check::<TiedAutoencoder<8, 6, Tanh>>(6, SE, 7);
}

#[test]
fn denoising_gradients_with_the_noise_held_fixed() {
    let gaussian = AutoencoderConfig {
        noise: Noise::Gaussian { std_dev: 0.3 },
        ..CE
    };
    let masking = AutoencoderConfig {
        noise: MASKING,
        ..SE
    };
    gradient_check::<TiedAutoencoder<8, 6>>(7, gaussian, 7);
    gradient_check::<TiedAutoencoder<8, 6>>(8, masking, 7);
    gradient_check::<TiedAutoencoder<7, 4>>(9, masking, 2);
}

/// With W* = Wᵀ copied into an untied autoencoder, the loss is the same and the tied gradient
/// is the sum of the encoder's and the (transposed) decoder's.
#[test]
fn tied_gradient_is_the_sum_of_both_uses() {
    type Untied = Autoencoder<Dense<8, 6, Sigmoid>, Dense<6, 8>>;
    let batch = 7;
    let tied: TiedAutoencoder<8, 6> = initialized(10);
    let mut untied: Untied = initialized(0);
    untied.encoder.weight.copy_from(&tied.weight);
    untied.encoder.bias.copy_from(&tied.encoder_bias);
    untied.decoder.weight.copy_from(&tied.weight.transpose());
    untied.decoder.bias.copy_from(&tied.decoder_bias);
    let input = uniform_data(&mut seeded_rng(11), 8 * batch);
    for config in [CE, SE] {
        let (tied_loss, tied_grads) = loss_and_grads(&tied, &config, &input, batch, 12);
        let (untied_loss, untied_grads) = loss_and_grads(&untied, &config, &input, batch, 12);
        assert_close!(tied_loss, untied_loss, 1e-6);
        let sum = untied_grads.encoder.weight + untied_grads.decoder.weight.transpose();
        for (&a, &b) in tied_grads.weight.iter().zip(sum.iter()) {
            assert_close!(a, b, 1e-6);
        }
        for (&a, &b) in tied_grads
            .encoder_bias
            .iter()
            .zip(untied_grads.encoder.bias.iter())
        {
            assert_close!(a, b, 1e-6);
        }
        for (&a, &b) in tied_grads
            .decoder_bias
            .iter()
            .zip(untied_grads.decoder.bias.iter())
        {
            assert_close!(a, b, 1e-6);
        }
    }
}

#[test]
fn batch_equals_per_sample_on_the_gemm_path() {
    batch_equals_per_sample::<TiedAutoencoder<12, 8>>(13, CE, 9);
    batch_equals_per_sample::<TiedAutoencoder<12, 8, Tanh>>(14, SE, 9);
    let noisy = AutoencoderConfig {
        noise: MASKING,
        ..CE
    };
    batch_equals_per_sample::<TiedAutoencoder<12, 8>>(15, noisy, 9);
}

#[test]
fn forward_golden_value() {
    // W = [1, 2] (1×2), b = 0.5, c = [0, −1], identity code, x = [1, 0.5]:
    // h = 1 + 1 + 0.5 = 2.5, ℓ = c + Wᵀh = [2.5, 4], x̂ = σ(ℓ).
    let mut model = TiedAutoencoder::<2, 1, Identity>::zeroed();
    model.weight.copy_from_slice(&[1.0, 2.0]);
    model.encoder_bias.copy_from_slice(&[0.5]);
    model.decoder_bias.copy_from_slice(&[0.0, -1.0]);
    let mut ws = [0.0; <TiedAutoencoder<2, 1, Identity> as Model>::WORKSPACE];
    let mut code = [0.0];
    model.encode(&[1.0, 0.5], &mut code, 1, &mut ws).unwrap();
    assert_eq!(code, [2.5]);
    let mut output = [0.0; 2];
    model
        .reconstruct(&[1.0, 0.5], &mut output, 1, &mut ws)
        .unwrap();
    assert_close!(output[0], 0.924_141_8, 1e-6);
    assert_close!(output[1], 0.982_013_8, 1e-6);
}

#[test]
fn reconstruct_is_decode_of_encode_and_losses_match_it() {
    reconstruction_is_consistent::<TiedAutoencoder<6, 3>>(16, CE, SE);
    reconstruction_is_consistent::<TiedAutoencoder<9, 7, Tanh>>(17, CE, SE);
}

#[test]
fn same_seed_same_bits_tied() {
    same_seed_same_bits::<TiedAutoencoder<8, 6>>(AutoencoderConfig {
        noise: Noise::Gaussian { std_dev: 0.2 },
        ..CE
    });
}

#[test]
fn bad_data_and_short_buffers_are_errors() {
    let bad = AutoencoderConfig {
        noise: Noise::Gaussian { std_dev: -1.0 },
        ..CE
    };
    errors_not_panics::<TiedAutoencoder<6, 3>>(CE, bad);
    errors_not_panics::<TiedAutoencoder<8, 7>>(
        AutoencoderConfig {
            noise: MASKING,
            ..SE
        },
        bad,
    );
}

#[test]
fn model_constants_initialization_and_description() {
    type Tied = TiedAutoencoder<784, 64, Tanh>;
    assert_eq!(<Tied as Model>::KIND, ModelKind::TiedAutoencoder);
    assert_eq!(<Tied as Model>::LATENT, 64);
    assert_eq!(<Tied as Model>::WORKSPACE, 3 * 784 + 2 * 64);
    assert_eq!(<Tied as Parameters>::SCALARS, 784 * 64 + 64 + 784);
    let mut architecture = Architecture::new();
    Tied::describe(&mut architecture).unwrap();
    let shapes: Vec<_> = architecture
        .iter()
        .map(|l| (l.inputs, l.outputs, l.activation))
        .collect();
    assert_eq!(shapes, [(784, 64, Tanh::CODE), (64, 784, Identity::CODE)]);

    let model: TiedAutoencoder<30, 20> = initialized(18);
    let bound = (6.0f32 / 50.0).sqrt();
    assert!(model.weight.iter().all(|w| w.abs() <= bound));
    assert!(model.weight.iter().any(|w| w.abs() > 0.5 * bound));
    assert!(
        model
            .encoder_bias
            .iter()
            .chain(model.decoder_bias.iter())
            .all(|&b| b == 0.0)
    );
}

#[test]
fn training_lowers_the_loss() {
    let data = prototype_data(20, 200, 16);
    // Measured: tied AE 10.95 → 4.29 (39 %), tied masking DAE 10.95 → 4.62 (42 %).
    for (noise, name) in [(Noise::None, "tied AE"), (MASKING, "tied masking DAE")] {
        let mut model: TiedAutoencoder<16, 6> = initialized(25);
        let before = dataset_loss(&model, &CE, &data);
        let config = AutoencoderConfig { noise, ..CE };
        sgd(&mut model, &config, &data, 20, 60, 0.5, &mut seeded_rng(26));
        let after = dataset_loss(&model, &CE, &data);
        println!("{name}: {before} → {after}");
        assert!(after < 0.5 * before, "{name}: {before} → {after}");
    }
}

#[test]
fn linear_output_gradients_and_reconstruction() {
    let linear = AutoencoderConfig {
        loss: ReconstructionLoss::LinearSquaredError,
        noise: Noise::None,
    };
    gradient_check::<TiedAutoencoder<7, 4>>(30, linear, 3);
    gradient_check::<TiedAutoencoder<8, 6, Tanh>>(31, linear, 7);
    gradient_check::<TiedAutoencoder<8, 6>>(
        32,
        AutoencoderConfig {
            noise: MASKING,
            ..linear
        },
        7,
    );
    batch_equals_per_sample::<TiedAutoencoder<8, 6>>(33, linear, 9);
    // ℓ itself under the linear loss, σ(ℓ) otherwise.
    let model: TiedAutoencoder<8, 6> = initialized(34);
    let input = uniform_data(&mut seeded_rng(35), 8 * 2);
    let mut ws = vec![0.0; <TiedAutoencoder<8, 6> as Model>::WORKSPACE * 2];
    let (mut logits, mut squashed) = (vec![0.0; 16], vec![0.0; 16]);
    model
        .reconstruct_with(&linear, &input, &mut logits, 2, &mut ws)
        .unwrap();
    model
        .reconstruct(&input, &mut squashed, 2, &mut ws)
        .unwrap();
    for (&l, &p) in logits.iter().zip(&squashed) {
        assert_eq!(crate::activation::sigmoid(l).to_bits(), p.to_bits());
    }
    let mut code = vec![0.0; 12];
    model.encode(&input, &mut code, 2, &mut ws).unwrap();
    let mut decoded = vec![0.0; 16];
    model
        .decode_with(&linear, &code, &mut decoded, 2, &mut ws)
        .unwrap();
    assert_eq!(decoded, logits);
}
