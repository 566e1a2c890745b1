#![allow(clippy::unwrap_used)]

use super::*;
use crate::activation::{LeakyRelu, Relu, Sigmoid, Tanh};
use crate::loss::squared_error;
use crate::test_support::{assert_close, check_gradients};
use crate::{Chain, seeded_rng};
use bytemuck::Zeroable;

/// Half the squared error of the network's output against `target`, and its gradients.
fn loss_and_grads<N: Network + Clone>(
    net: &N,
    input: &[f32],
    target: &[f32],
    batch: usize,
) -> (f64, N) {
    let mut activations = vec![0.0; N::ACTIVATIONS * batch];
    net.forward(input, &mut activations, batch).unwrap();
    let output = N::output(&activations, batch).unwrap().to_vec();
    let mut grad_output = vec![0.0; output.len()];
    let loss = squared_error(&output, target, Some(&mut grad_output), 1.0).unwrap();
    let mut grads = *net;
    grads.fill(0.0);
    let mut scratch = vec![0.0; N::SCRATCH * batch];
    let mut grad_input = vec![0.0; N::INPUTS * batch];
    net.backward(
        input,
        &activations,
        &mut grad_output,
        &mut grads,
        Some(&mut grad_input),
        &mut scratch,
        batch,
    )
    .unwrap();
    (loss as f64, grads)
}

fn gradient_check<N: Network + Clone>(seed: u64, batch: usize) {
    let mut rng = seeded_rng(seed);
    let mut net = N::zeroed();
    net.initialize(&mut rng);
    let input: Vec<f32> = (0..N::INPUTS * batch)
        .map(|_| crate::rng::uniform(&mut rng))
        .collect();
    let target: Vec<f32> = (0..N::OUTPUTS * batch)
        .map(|_| crate::rng::uniform(&mut rng))
        .collect();
    let (_, grads) = loss_and_grads(&net, &input, &target, batch);
    check_gradients(
        &mut net,
        &grads,
        |n| loss_and_grads(n, &input, &target, batch).0,
        1e-3,
    );
}

#[test]
fn dense_gradients_for_every_activation() {
    gradient_check::<Dense<5, 4, Identity>>(1, 3);
    gradient_check::<Dense<5, 4, Sigmoid>>(2, 3);
    gradient_check::<Dense<5, 4, Tanh>>(3, 3);
    // Kinked activations: the seeds keep every pre-activation away from 0 by more than the step.
    gradient_check::<Dense<5, 4, Relu>>(4, 1);
    gradient_check::<Dense<5, 4, LeakyRelu>>(5, 1);
}

#[test]
fn chain_gradients_and_input_gradient() {
    gradient_check::<Chain<Dense<6, 5, Tanh>, Chain<Dense<5, 4, Sigmoid>, Dense<4, 3>>>>(6, 2);
    // Large enough for the GEMM path of std builds.
    gradient_check::<Chain<Dense<12, 9, Tanh>, Dense<9, 7>>>(7, 8);
}

#[test]
fn batch_equals_per_sample() {
    type Net = Chain<Dense<20, 16, Relu>, Dense<16, 10, Sigmoid>>;
    let mut rng = seeded_rng(8);
    let mut net = Net::zeroed();
    net.initialize(&mut rng);
    let batch = 9;
    let input: Vec<f32> = (0..20 * batch)
        .map(|_| crate::rng::uniform(&mut rng))
        .collect();
    let target: Vec<f32> = (0..10 * batch)
        .map(|_| crate::rng::uniform(&mut rng))
        .collect();
    let (loss, grads) = loss_and_grads(&net, &input, &target, batch);
    let mut per_sample_loss = 0.0;
    let mut per_sample_grads = net;
    per_sample_grads.fill(0.0);
    for b in 0..batch {
        let (l, g) = loss_and_grads(
            &net,
            &input[20 * b..20 * (b + 1)],
            &target[10 * b..10 * (b + 1)],
            1,
        );
        per_sample_loss += l;
        for t in 0..Net::TENSORS {
            for (acc, v) in per_sample_grads.tensor_mut(t).iter_mut().zip(g.tensor(t)) {
                *acc += v;
            }
        }
    }
    assert_close!(loss, per_sample_loss, 1e-5);
    for t in 0..Net::TENSORS {
        for (a, b) in grads.tensor(t).iter().zip(per_sample_grads.tensor(t)) {
            assert_close!(*a, *b, 1e-5);
        }
    }
}

#[test]
fn forward_golden_value() {
    let mut layer = Dense::<3, 2, Identity>::zeroed();
    // W = [[1, 2, 3], [4, 5, 6]] stored transposed, b = [0.5, -1].
    layer
        .weight
        .copy_from_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    layer.bias.copy_from_slice(&[0.5, -1.0]);
    let mut out = [0.0; 2];
    layer.forward(&[1.0, 0.0, -1.0], &mut out, 1).unwrap();
    assert_eq!(out, [-1.5, -3.0]);
}

#[test]
fn short_buffers_are_errors_not_panics() {
    let layer = Dense::<3, 2, Relu>::zeroed();
    let mut out = [0.0; 3];
    assert!(matches!(
        layer.forward(&[1.0; 6], &mut out, 2),
        Err(Error::BufferTooSmall {
            needed: 4,
            found: 3
        })
    ));
    assert!(layer.forward(&[1.0; 2], &mut [0.0; 2], 1).is_err());
}

#[test]
fn initialization_is_seeded_and_bounded() {
    let mut a = Dense::<100, 10, Relu>::zeroed();
    let mut b = Dense::<100, 10, Relu>::zeroed();
    a.initialize(&mut seeded_rng(1));
    b.initialize(&mut seeded_rng(1));
    assert_eq!(a, b);
    b.initialize(&mut seeded_rng(2));
    assert_ne!(a, b);
    assert!(a.weight.iter().all(|w| w.abs() <= 0.1));
}

#[test]
fn a_batch_whose_length_overflows_is_an_error_not_a_panic() {
    // 64 × (usize::MAX / 64 + 1) overflows: once a multiplication panic in `batch_view`.
    let layer = Dense::<64, 32, Relu>::zeroed();
    let mut out = [0.0; 32];
    let huge = usize::MAX / 64 + 1;
    assert!(matches!(
        layer.forward(&[0.5; 64], &mut out, huge),
        Err(Error::BufferTooSmall {
            needed: usize::MAX,
            found: 64
        })
    ));
    assert!(Dense::<64, 32, Relu>::output(&out, usize::MAX).is_err());
    let mut grads = Dense::<64, 32, Relu>::zeroed();
    let result = layer.backward(
        &[0.5; 64],
        &out,
        &mut [1.0; 32],
        &mut grads,
        None,
        &mut [],
        huge,
    );
    assert!(result.is_err());
    type Two = Chain<Dense<3, 4, Relu>, Dense<4, 2>>;
    let chain = Two::zeroed();
    assert!(chain.forward(&[0.5; 3], &mut [0.0; 6], usize::MAX).is_err());
    let mut chain_grads = Two::zeroed();
    let result = chain.backward(
        &[0.5; 3],
        &[0.0; 6],
        &mut [1.0; 2],
        &mut chain_grads,
        None,
        &mut [0.0; 4],
        usize::MAX / 2 + 1,
    );
    assert!(result.is_err());
}

/// The sparse single-sample path gives the dense path's bits: random weights, inputs from all
/// but a few zeros to 30 % non-zero, with negative zeros and products that underflow to signed zeros,
/// for sizes with and without a partial last chunk of eight.
#[cfg(feature = "std")]
fn sparse_agrees_with_dense<const I: usize, const O: usize>(seed: u64) {
    use crate::rng::uniform_symmetric;
    let mut rng = seeded_rng(seed);
    let mut layer = Dense::<I, O, Relu>::zeroed();
    layer.initialize(&mut rng);
    layer.weight[(3, 1)] = -1e-30;
    for density in [0.0f32, 0.02, 0.2, 0.3] {
        for round in 0..10 {
            let x: [f32; I] = core::array::from_fn(|j| {
                let keep = (uniform_symmetric(&mut rng, 0.5) + 0.5) < density;
                match (keep, j % 5) {
                    (false, 1) => -0.0,
                    (false, _) => 0.0,
                    (true, 2) if round % 2 == 0 => 1e-20,
                    (true, _) => uniform_symmetric(&mut rng, 2.0),
                }
            });
            let (mut sparse, mut dense) = ([0.0f32; O], [0.0f32; O]);
            let nonzero = x.iter().filter(|v| **v != 0.0).count();
            assert!(
                layer.forward_sample_sparse(&x, &mut sparse),
                "density {density}: {nonzero} of {I}"
            );
            layer.dense_sample(&x, &mut dense);
            let bits = |v: &[f32; O]| v.map(f32::to_bits);
            assert_eq!(
                bits(&sparse),
                bits(&dense),
                "density {density}, round {round}"
            );
        }
    }
    // Past half non-zero, or below the size it pays at, the dense path runs.
    let x = [0.5f32; I];
    assert!(!layer.forward_sample_sparse(&x, &mut [0.0; O]));
}

#[cfg(feature = "std")]
#[test]
fn the_sparse_single_sample_path_has_the_dense_paths_bits() {
    sparse_agrees_with_dense::<784, 24>(1);
    sparse_agrees_with_dense::<100, 13>(2);
    sparse_agrees_with_dense::<64, 9>(3);
    sparse_agrees_with_dense::<403, 7>(4);
    let small = Dense::<16, 4, Relu>::zeroed();
    assert!(!small.forward_sample_sparse(&[0.0; 16], &mut [0.0; 4]));
}
