#![allow(clippy::unwrap_used)]

use super::*;
use crate::activation::{Identity, Relu, Tanh};
use crate::rng::uniform_symmetric;
use crate::test_support::{assert_close, check_gradients};
use crate::{Network, Parameters, SeededRng, seeded_rng};

/// PyTorch's definition of `Conv2d`, in f64, straight from the formula: y[f][oh][ow] = b[f] +
/// Σ w[f][c][kh][kw]·x[c][oh·S − P + kh][ow·S − P + kw] over taps inside the input, with the
/// tensors indexed as the layers store them (channels last, weights F×K×K×C).
#[allow(clippy::too_many_arguments)]
fn reference_conv(
    (c, h, w, f, k, s, p): (usize, usize, usize, usize, usize, usize, usize),
    weight: &[f32],
    bias: &[f32],
    x: &[f32],
) -> Vec<f64> {
    let (ho, wo) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1);
    let mut y = vec![0.0f64; f * ho * wo];
    for fi in 0..f {
        for oh in 0..ho {
            for ow in 0..wo {
                let mut sum = f64::from(bias[fi]);
                for ci in 0..c {
                    for kh in 0..k {
                        for kw in 0..k {
                            let (ih, iw) = (
                                (oh * s + kh) as isize - p as isize,
                                (ow * s + kw) as isize - p as isize,
                            );
                            if ih < 0 || iw < 0 || ih as usize >= h || iw as usize >= w {
                                continue;
                            }
                            let wv = weight[((fi * k + kh) * k + kw) * c + ci];
                            let xv = x[(ih as usize * w + iw as usize) * c + ci];
                            sum += f64::from(wv) * f64::from(xv);
                        }
                    }
                }
                y[(oh * wo + ow) * f + fi] = sum;
            }
        }
    }
    y
}

/// PyTorch's definition of `ConvTranspose2d`, in f64, as a scatter: every input x[c][i][j]
/// adds w[c][f][kh][kw]·x into y[f][i·S − P + kh][j·S − P + kw] where that lies in the output
/// (indexed as the layers store them: channels last, weights C×K×K×F).
fn reference_transpose(
    (c, h, w, f, k, s, p, op): (usize, usize, usize, usize, usize, usize, usize, usize),
    weight: &[f32],
    bias: &[f32],
    x: &[f32],
) -> Vec<f64> {
    let (ho, wo) = ((h - 1) * s + k + op - 2 * p, (w - 1) * s + k + op - 2 * p);
    let mut y: Vec<f64> = (0..f * ho * wo).map(|i| f64::from(bias[i % f])).collect();
    for ci in 0..c {
        for i in 0..h {
            for j in 0..w {
                for fi in 0..f {
                    for kh in 0..k {
                        for kw in 0..k {
                            let (oh, ow) = (
                                (i * s + kh) as isize - p as isize,
                                (j * s + kw) as isize - p as isize,
                            );
                            if oh < 0 || ow < 0 || oh as usize >= ho || ow as usize >= wo {
                                continue;
                            }
                            let wv = weight[((ci * k + kh) * k + kw) * f + fi];
                            let xv = x[(i * w + j) * c + ci];
                            y[(oh as usize * wo + ow as usize) * f + fi] +=
                                f64::from(wv) * f64::from(xv);
                        }
                    }
                }
            }
        }
    }
    y
}

fn random(rng: &mut SeededRng, len: usize) -> Vec<f32> {
    (0..len).map(|_| uniform_symmetric(rng, 1.0)).collect()
}

fn initialized<N: Network>(seed: u64) -> N {
    let mut net = N::zeroed();
    net.initialize(&mut seeded_rng(seed));
    net
}

fn forward<N: Network>(net: &N, x: &[f32], batch: usize) -> Vec<f32> {
    let mut activations = vec![f32::NAN; N::ACTIVATIONS * batch];
    net.forward(x, &mut activations, batch).unwrap();
    N::output(&activations, batch).unwrap().to_vec()
}

/// Every output of `net` on a batch of `batch` random samples against `reference`, per sample.
fn matches_reference<N: Network>(batch: usize, reference: impl Fn(&N, &[f32]) -> Vec<f64>) {
    let net: N = initialized(3);
    let x = random(&mut seeded_rng(4), N::INPUTS * batch);
    let y = forward(&net, &x, batch);
    for (b, (x, y)) in x.chunks(N::INPUTS).zip(y.chunks(N::OUTPUTS)).enumerate() {
        for (o, (&got, exact)) in y.iter().zip(reference(&net, x)).enumerate() {
            assert_close!(got, exact, 1e-5, "batch {batch}, sample {b}, output {o}");
        }
    }
}

fn conv_matches<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const K: usize,
    const S: usize,
    const P: usize,
>() {
    for batch in [1, 3, 7] {
        matches_reference::<Conv2d<C, H, W, F, K, S, P>>(batch, |net, x| {
            reference_conv((C, H, W, F, K, S, P), net.tensor(0), net.tensor(1), x)
        });
    }
}

fn transpose_matches<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const OP: usize,
>() {
    for batch in [1, 3, 7] {
        matches_reference::<ConvTranspose2d<C, H, W, F, K, S, P, OP>>(batch, |net, x| {
            reference_transpose((C, H, W, F, K, S, P, OP), net.tensor(0), net.tensor(1), x)
        });
    }
}

#[test]
fn convolution_is_pytorchs_over_strides_and_paddings() {
    conv_matches::<2, 7, 6, 3, 3, 2, 1>();
    conv_matches::<3, 5, 5, 4, 2, 1, 0>();
    conv_matches::<1, 8, 8, 6, 3, 3, 2>();
    conv_matches::<2, 6, 6, 7, 3, 1, 1>();
    conv_matches::<1, 28, 28, 8, 3, 2, 1>();
    conv_matches::<3, 4, 9, 2, 4, 2, 3>();
    // Lowered in std builds at batch 7, with stride 3 and padding 2.
    conv_matches::<2, 11, 10, 6, 4, 3, 2>();
}

#[test]
fn transposed_convolution_is_pytorchs_over_strides_and_paddings() {
    transpose_matches::<2, 3, 4, 3, 3, 2, 1, 1>();
    transpose_matches::<3, 4, 4, 2, 2, 2, 0, 0>();
    transpose_matches::<2, 5, 5, 3, 3, 1, 1, 0>();
    transpose_matches::<6, 4, 4, 7, 3, 2, 1, 1>();
    transpose_matches::<2, 3, 3, 2, 4, 3, 1, 2>();
    transpose_matches::<8, 7, 7, 6, 3, 2, 1, 1>();
    transpose_matches::<6, 3, 4, 2, 4, 3, 1, 2>();
}

/// ½‖y − t‖² of the network's output for fixed inputs and targets, with its gradients and
/// ∂L/∂x.
fn loss_and_grads<N: Network>(
    net: &N,
    x: &[f32],
    target: &[f32],
    batch: usize,
    mut grads: N,
) -> (f64, N, Vec<f32>) {
    let mut activations = vec![0.0; N::ACTIVATIONS * batch];
    net.forward(x, &mut activations, batch).unwrap();
    let y = N::output(&activations, batch).unwrap();
    let mut grad_output: Vec<f32> = y.iter().zip(target).map(|(y, t)| y - t).collect();
    let loss = y
        .iter()
        .zip(target)
        .map(|(y, t)| 0.5 * f64::from(y - t).powi(2))
        .sum();
    let mut grad_input = vec![0.0; N::INPUTS * batch];
    let mut scratch = vec![f32::NAN; N::SCRATCH * batch];
    net.backward(
        x,
        &activations,
        &mut grad_output,
        &mut grads,
        Some(&mut grad_input),
        &mut scratch,
        batch,
    )
    .unwrap();
    (loss, grads, grad_input)
}

/// Parameter gradients against central differences, and ∂L/∂x against central differences
/// in the inputs, for a batch of `batch`.
fn gradients_check<N: Network>(batch: usize) {
    let mut net: N = initialized(5);
    let mut rng = seeded_rng(6);
    let mut x = random(&mut rng, N::INPUTS * batch);
    let target = random(&mut rng, N::OUTPUTS * batch);
    let (_, grads, grad_input) = loss_and_grads(&net, &x, &target, batch, N::zeroed());
    check_gradients(
        &mut net,
        &grads,
        |n| loss_and_grads(n, &x, &target, batch, N::zeroed()).0,
        2e-3,
    );

    const STEP: f32 = 1e-2;
    let (mut difference, mut norm) = (0.0f64, 0.0f64);
    for i in 0..x.len() {
        let original = x[i];
        x[i] = original + STEP;
        let up = loss_and_grads(&net, &x, &target, batch, N::zeroed()).0;
        x[i] = original - STEP;
        let down = loss_and_grads(&net, &x, &target, batch, N::zeroed()).0;
        x[i] = original;
        let numeric = (up - down) / (2.0 * f64::from(STEP));
        difference += (numeric - f64::from(grad_input[i])).powi(2);
        norm += numeric * numeric;
    }
    let relative = difference.sqrt() / norm.sqrt().max(1e-6);
    assert!(relative <= 2e-3, "∂L/∂x: relative error {relative:.2e}");
}

#[test]
fn convolution_gradients_match_finite_differences() {
    gradients_check::<Conv2d<2, 5, 6, 3, 3, 2, 1, Tanh>>(2);
    gradients_check::<Conv2d<1, 6, 6, 2, 2, 1, 0, Identity>>(1);
    gradients_check::<Conv2d<2, 7, 7, 2, 3, 3, 2, Tanh>>(2);
    // Lowered to matrix products in std builds: batch above 5, every side above 5.
    gradients_check::<Conv2d<2, 6, 6, 6, 3, 1, 1, Tanh>>(6);
}

#[test]
fn transposed_convolution_gradients_match_finite_differences() {
    gradients_check::<ConvTranspose2d<2, 3, 4, 3, 3, 2, 1, 1, Tanh>>(2);
    gradients_check::<ConvTranspose2d<3, 3, 3, 2, 2, 2, 0, 0, Identity>>(1);
    gradients_check::<ConvTranspose2d<2, 3, 3, 2, 4, 3, 1, 2, Tanh>>(2);
    gradients_check::<ConvTranspose2d<6, 3, 3, 2, 3, 2, 1, 1, Tanh>>(6);
}

/// A batch through the network against its samples run one after another, each adding its
/// gradients into the same buffer: outputs, parameter gradients and input gradients. The same
/// bits where both run the one-sample loops; within rounding where the batch is lowered to
/// matrix products.
fn batch_equals_per_sample<N: Network>(batch: usize, lowered: bool) {
    let net: N = initialized(7);
    let mut rng = seeded_rng(8);
    let x = random(&mut rng, N::INPUTS * batch);
    let target = random(&mut rng, N::OUTPUTS * batch);
    let y = forward(&net, &x, batch);
    let (_, grads, grad_input) = loss_and_grads(&net, &x, &target, batch, N::zeroed());
    let mut summed = N::zeroed();
    let mut one_by_one = Vec::new();
    let mut inputs = Vec::new();
    for (x, t) in x.chunks(N::INPUTS).zip(target.chunks(N::OUTPUTS)) {
        one_by_one.extend(forward(&net, x, 1));
        let (_, g, gx) = loss_and_grads(&net, x, t, 1, summed);
        summed = g;
        inputs.extend(gx);
    }
    let pairs = [(&y, &one_by_one), (&grad_input, &inputs)];
    let parameters = (0..N::TENSORS).map(|t| (grads.tensor(t).to_vec(), summed.tensor(t).to_vec()));
    let all: Vec<(Vec<f32>, Vec<f32>)> = pairs
        .iter()
        .map(|(a, b)| (a.to_vec(), b.to_vec()))
        .chain(parameters)
        .collect();
    for (part, (batched, single)) in all.iter().enumerate() {
        for (i, (&a, &b)) in batched.iter().zip(single).enumerate() {
            if lowered {
                assert_close!(a, b, 1e-5, "part {part}, value {i}");
            } else {
                assert_eq!(a.to_bits(), b.to_bits(), "part {part}, value {i}");
            }
        }
    }
}

#[test]
fn a_batch_computes_what_its_samples_do_alone() {
    // Up to 5 samples every build runs the one-sample loops: the same bits.
    batch_equals_per_sample::<Conv2d<2, 6, 6, 6, 3, 2, 1, Relu>>(5, false);
    batch_equals_per_sample::<ConvTranspose2d<6, 3, 3, 2, 3, 2, 1, 1, Relu>>(4, false);
    // Above 5, std builds lower these shapes to matrix products, summed in another order.
    let std = cfg!(feature = "std");
    batch_equals_per_sample::<Conv2d<2, 6, 6, 6, 3, 2, 1, Relu>>(9, std);
    batch_equals_per_sample::<ConvTranspose2d<6, 3, 3, 7, 3, 2, 1, 1, Relu>>(8, std);
    batch_equals_per_sample::<ConvTranspose2d<6, 3, 3, 7, 3, 2, 1, 1, Relu>>(19, std);
    batch_equals_per_sample::<Conv2d<2, 6, 6, 6, 3, 2, 1, Relu>>(17, std);
    // Sides of 5 or less are never lowered.
    batch_equals_per_sample::<Conv2d<2, 4, 4, 3, 2, 2, 0, Relu>>(8, false);
}

#[test]
fn keras_vae_shapes_meet() {
    use crate::{Chain, Dense};
    type Encoder = Chain<
        Conv2d<1, 28, 28, 32, 3, 2, 1, Relu>,
        Chain<Conv2d<32, 14, 14, 64, 3, 2, 1, Relu>, Dense<3136, 16, Relu>>,
    >;
    type Decoder = Chain<
        Dense<2, 3136, Relu>,
        Chain<
            ConvTranspose2d<64, 7, 7, 64, 3, 2, 1, 1, Relu>,
            Chain<
                ConvTranspose2d<64, 14, 14, 32, 3, 2, 1, 1, Relu>,
                ConvTranspose2d<32, 28, 28, 1, 3, 1, 1, 0>,
            >,
        >,
    >;
    assert_eq!((Encoder::INPUTS, Encoder::OUTPUTS), (784, 16));
    assert_eq!((Decoder::INPUTS, Decoder::OUTPUTS), (2, 784));
    // Keras's summary: 69 076 encoder parameters with the two heads of 16 → 2, 65 089 decoder.
    assert_eq!(Encoder::SCALARS + 2 * (16 * 2 + 2), 69_076);
    assert_eq!(Decoder::SCALARS, 65_089);
    const { assert!(Encoder::CONVOLUTIONAL && Decoder::CONVOLUTIONAL) };
    const { assert!(!<Dense<3, 4> as Network>::CONVOLUTIONAL) };
}

#[test]
fn describe_records_the_geometry() {
    let mut architecture = crate::Architecture::new();
    ConvTranspose2d::<64, 7, 7, 32, 3, 2, 1, 1, Relu>::describe(&mut architecture).unwrap();
    Conv2d::<1, 28, 28, 32, 3, 2, 1, Relu>::describe(&mut architecture).unwrap();
    let [transposed, conv] = [architecture[0], architecture[1]];
    assert_eq!(
        (transposed.inputs, transposed.outputs, transposed.activation),
        (3136, 32 * 14 * 14, 1)
    );
    let shape = transposed.conv.unwrap();
    assert!(shape.transposed);
    assert_eq!(
        (
            shape.in_channels,
            shape.in_height,
            shape.in_width,
            shape.out_channels
        ),
        (64, 7, 7, 32)
    );
    assert_eq!(
        (
            shape.kernel,
            shape.stride,
            shape.padding,
            shape.output_padding
        ),
        (3, 2, 1, 1)
    );
    assert_eq!((conv.inputs, conv.outputs), (784, 32 * 14 * 14));
    assert!(!conv.conv.unwrap().transposed);
}

#[test]
fn short_buffers_are_errors() {
    type Layer = Conv2d<1, 6, 6, 2, 3, 1, 1>;
    let net: Layer = initialized(1);
    let x = [0.5f32; 36 * 2];
    let mut activations = vec![0.0; Layer::ACTIVATIONS * 2 - 1];
    assert!(matches!(
        net.forward(&x, &mut activations, 2),
        Err(crate::Error::BufferTooSmall { .. })
    ));
    let mut activations = vec![0.0; Layer::ACTIVATIONS * 2];
    assert!(matches!(
        net.forward(&x[..71], &mut activations, 2),
        Err(crate::Error::BufferTooSmall { .. })
    ));
}

#[test]
fn std_builds_lower_batches_of_large_enough_shapes() {
    let lowered =
        Conv2d::<2, 6, 6, 6, 3, 2, 1>::ACTIVATIONS - Conv2d::<2, 6, 6, 6, 3, 2, 1>::OUTPUTS;
    assert_eq!(lowered, if cfg!(feature = "std") { 18 * 9 } else { 0 });
    let small = Conv2d::<2, 4, 4, 3, 2, 2, 0>::ACTIVATIONS - Conv2d::<2, 4, 4, 3, 2, 2, 0>::OUTPUTS;
    assert_eq!(small, 0);
}

/// A VAE with a convolutional encoder and a transposed-convolution decoder, checked whole
/// against finite differences of its −ELBO at a batch of 6, which std builds lower.
#[test]
fn a_convolutional_vae_has_the_gradients_of_its_loss() {
    use crate::vae::{Vae, VaeConfig};
    use crate::{Chain, Dense};
    type Small = Vae<
        Chain<Conv2d<1, 6, 6, 6, 3, 2, 1, Tanh>, Dense<54, 8, Tanh>>,
        8,
        2,
        Chain<Dense<2, 54, Tanh>, ConvTranspose2d<6, 3, 3, 1, 3, 2, 1, 1>>,
    >;
    let batch = 6;
    let config = VaeConfig::default();
    let mut model: Small = bytemuck::Zeroable::zeroed();
    model.initialize(&mut seeded_rng(9));
    model.mean_head.bias.copy_from_slice(&[0.5, -0.3]);
    model.log_variance_head.bias.copy_from_slice(&[-1.0, 0.7]);
    let mut rng = seeded_rng(10);
    let input: Vec<f32> = (0..36 * batch)
        .map(|_| crate::rng::uniform(&mut rng))
        .collect();
    let epsilon = random(&mut rng, 2 * batch);
    let mut workspace = vec![0.0; Small::LOSS_WORKSPACE * batch];
    let mut grads: Small = bytemuck::Zeroable::zeroed();
    model
        .loss_and_gradients_with_epsilon(
            &config,
            &input,
            &epsilon,
            batch,
            &mut workspace,
            &mut grads,
        )
        .unwrap();
    check_gradients(
        &mut model,
        &grads,
        |m| {
            let mut workspace = vec![0.0; Small::LOSS_WORKSPACE * batch];
            f64::from(
                m.loss_with_epsilon(&config, &input, &epsilon, batch, &mut workspace)
                    .unwrap()
                    .total,
            )
        },
        // The first layer's gradient is small against the loss's f32 rounding; the one-sample
        // and lowered paths show the same error, which is the differences', not theirs.
        5e-3,
    );
}

/// Keras's initialization: weights within Glorot's bound and reaching near it, biases 0, for
/// the layers and through a model made of them.
#[test]
fn glorot_initialization_is_kerass() {
    use crate::vae::MlpVae;
    fn check<N: Parameters + bytemuck::Zeroable>(fans: usize) {
        let mut layer = N::zeroed();
        layer.fill(1.0);
        layer.initialize_glorot(&mut seeded_rng(3));
        let bound = (6.0 / fans as f32).sqrt();
        let weights = layer.tensor(0);
        assert!(weights.iter().all(|w| w.abs() <= bound));
        assert!(weights.iter().any(|w| w.abs() > 0.9 * bound));
        assert!(layer.tensor(1).iter().all(|&b| b == 0.0));
    }
    check::<Conv2d<3, 6, 6, 5, 3, 2, 1>>(9 * (3 + 5));
    check::<ConvTranspose2d<4, 3, 3, 2, 3, 2, 1, 1>>(9 * (4 + 2));
    check::<crate::Dense<20, 7>>(27);
    let mut vae: MlpVae<6, 5, 2> = bytemuck::Zeroable::zeroed();
    vae.fill(1.0);
    vae.initialize_glorot(&mut seeded_rng(4));
    for bias in [1, 3, 5, 7, 9] {
        assert!(vae.tensor(bias).iter().all(|&b| b == 0.0), "tensor {bias}");
    }
    assert!(
        vae.tensor(0)
            .iter()
            .all(|w| w.abs() <= (6.0f32 / 11.0).sqrt())
    );
}

/// The in-bounds (output position, tap) pairs of a convolution, counted one by one.
fn counted_macs((c, h, w, f, k, s, p): (usize, usize, usize, usize, usize, usize, usize)) -> usize {
    let (ho, wo) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1);
    let inside =
        |o: usize, t: usize, side: usize| (o * s + t).checked_sub(p).is_some_and(|i| i < side);
    let mut pairs = 0;
    for (oh, ow, kh, kw) in
        (0..ho * wo * k * k).map(|n| (n / (wo * k * k), n / (k * k) % wo, n / k % k, n % k))
    {
        pairs += usize::from(inside(oh, kh, h) && inside(ow, kw, w));
    }
    pairs * c * f
}

#[test]
fn macs_count_the_taps_inside_the_input() {
    assert_eq!(
        Conv2d::<1, 8, 8, 8, 3, 2, 1, Relu>::MACS,
        counted_macs((1, 8, 8, 8, 3, 2, 1))
    );
    assert_eq!(Conv2d::<1, 8, 8, 8, 3, 2, 1, Relu>::MACS, 968);
    assert_eq!(Conv2d::<8, 4, 4, 16, 3, 2, 1>::MACS, 3200);
    assert_eq!(Conv2d::<3, 7, 5, 4, 3, 1, 0>::MACS, 5 * 3 * 9 * 3 * 4);
    assert_eq!(
        Conv2d::<2, 6, 6, 3, 2, 2, 0>::MACS,
        counted_macs((2, 6, 6, 3, 2, 2, 0))
    );
    // A transposed convolution takes the MACs of the convolution it is the adjoint of.
    assert_eq!(
        ConvTranspose2d::<16, 2, 2, 8, 3, 2, 1, 1, Relu>::MACS,
        Conv2d::<8, 4, 4, 16, 3, 2, 1>::MACS
    );
    assert_eq!(
        ConvTranspose2d::<64, 7, 7, 32, 3, 2, 1, 1>::MACS,
        counted_macs((32, 14, 14, 64, 3, 2, 1))
    );
}

/// A gathered window, its padding added as zero terms, gives the bits of skipping them: for
/// every geometry of at most 16 taps, with and without padding, strides 1 to 3, and an input
/// with negative values and exact zeros.
#[test]
fn gathering_a_window_gives_the_bits_of_skipping_its_padding() {
    use super::geometry::Geometry;
    let mut rng = seeded_rng(41);
    for (c, h, w, f, k, s, p) in [
        (1, 8, 8, 8, 3, 2, 1),
        (1, 7, 5, 3, 3, 1, 1),
        (1, 6, 6, 5, 4, 3, 2),
        (2, 5, 6, 4, 2, 1, 1),
        (1, 4, 4, 2, 2, 2, 0),
        (4, 3, 3, 3, 2, 1, 1),
    ] {
        let g = Geometry::new(c, h, w, f, k, s, p);
        assert!(g.is_valid() && g.taps() <= 16);
        let weights = random(&mut rng, f * g.taps());
        let mut x = random(&mut rng, c * h * w);
        x.iter_mut().step_by(3).for_each(|v| *v = 0.0);
        let (mut gathered, mut runs) = (vec![0.0; g.outputs()], vec![0.0; g.outputs()]);
        super::direct::convolve_gathered(&g, &weights, &x, &mut gathered);
        super::direct::convolve_runs(&g, &weights, &x, &mut runs);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&gathered), bits(&runs), "{g:?}");
    }
}
