//! `Network::forward` and `Network::backward` of dense layers and chains.

use proptest::prelude::*;
use tinyvae_core::{Chain, Dense, Identity, Network, Relu, Sigmoid, seeded_rng};

use crate::strategies::{batch_and_lengths, holds, values};

/// A network with its parameters drawn from `seed`.
fn network<N: Network>(seed: u64) -> N {
    let mut net = N::zeroed();
    net.initialize(&mut seeded_rng(seed));
    net
}

/// `forward` succeeds exactly when both buffers hold the batch, and never panics.
fn forward_is_ok_iff_buffers_fit<N: Network>(
    batch: usize,
    input: &[f32],
    activations: usize,
) -> Result<(), TestCaseError> {
    let net = network::<N>(1);
    let mut activations = vec![0.0; activations];
    let result = net.forward(input, &mut activations, batch);
    let fits =
        holds(input.len(), N::INPUTS, batch) && holds(activations.len(), N::ACTIVATIONS, batch);
    prop_assert_eq!(result.is_ok(), fits, "{:?}", result);
    Ok(())
}

/// Buffer lengths of one `backward` call: input, activations, ∂L/∂output, scratch and, when
/// given, ∂L/∂input.
#[derive(Debug, Clone)]
struct BackwardCase {
    batch: usize,
    lengths: Vec<usize>,
    grad_input: bool,
}

fn backward_case<N: Network>() -> impl Strategy<Value = BackwardCase> {
    (
        batch_and_lengths(vec![
            N::INPUTS,
            N::ACTIVATIONS,
            N::OUTPUTS,
            N::SCRATCH,
            N::INPUTS,
        ]),
        any::<bool>(),
    )
        .prop_map(|((batch, lengths), grad_input)| BackwardCase {
            batch,
            lengths,
            grad_input,
        })
}

/// `backward` succeeds exactly when every buffer holds the batch, and never panics.
fn backward_is_ok_iff_buffers_fit<N: Network>(case: &BackwardCase) -> Result<(), TestCaseError> {
    let net = network::<N>(2);
    let mut grads = N::zeroed();
    let [input, activations, grad_output, scratch, grad_input] = case.lengths[..] else {
        unreachable!("five lengths are drawn");
    };
    let input = vec![0.5; input];
    let mut activations = vec![0.0; activations];
    // Real activations where the forward pass can write them.
    let _ = net.forward(&input, &mut activations, case.batch);
    let mut grad_output = vec![1.0; grad_output];
    let mut scratch = vec![0.0; scratch];
    let mut grad_input_buffer = vec![0.0; grad_input];
    let result = net.backward(
        &input,
        &activations,
        &mut grad_output,
        &mut grads,
        case.grad_input.then_some(&mut grad_input_buffer[..]),
        &mut scratch,
        case.batch,
    );
    let batch = case.batch;
    let fits = holds(input.len(), N::INPUTS, batch)
        && holds(activations.len(), N::ACTIVATIONS, batch)
        && holds(grad_output.len(), N::OUTPUTS, batch)
        && holds(scratch.len(), N::SCRATCH, batch)
        && (!case.grad_input || holds(grad_input, N::INPUTS, batch));
    prop_assert_eq!(result.is_ok(), fits, "{:?}", result);
    Ok(())
}

/// Input values and the activations' length for a forward pass of `N`.
fn forward_case<N: Network>() -> impl Strategy<Value = (usize, Vec<f32>, usize)> {
    batch_and_lengths(vec![N::INPUTS, N::ACTIVATIONS])
        .prop_flat_map(|(batch, lengths)| (Just(batch), values(lengths[0]), Just(lengths[1])))
}

/// A layer too small for a GEMM, one that takes it on std builds for batches above 5, the
/// presets' first layer, and a chain.
type Small = Dense<3, 2, Relu>;
type Gemm = Dense<8, 7, Sigmoid>;
type Wide = Dense<64, 32, Relu>;
type Deep = Chain<Dense<5, 7, Relu>, Dense<7, 3, Identity>>;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn small_dense_forward((batch, input, activations) in forward_case::<Small>()) {
        forward_is_ok_iff_buffers_fit::<Small>(batch, &input, activations)?;
    }

    #[test]
    fn gemm_dense_forward((batch, input, activations) in forward_case::<Gemm>()) {
        forward_is_ok_iff_buffers_fit::<Gemm>(batch, &input, activations)?;
    }

    #[test]
    fn wide_dense_forward((batch, input, activations) in forward_case::<Wide>()) {
        forward_is_ok_iff_buffers_fit::<Wide>(batch, &input, activations)?;
    }

    #[test]
    fn chain_forward((batch, input, activations) in forward_case::<Deep>()) {
        forward_is_ok_iff_buffers_fit::<Deep>(batch, &input, activations)?;
    }

    #[test]
    fn small_dense_backward(case in backward_case::<Small>()) {
        backward_is_ok_iff_buffers_fit::<Small>(&case)?;
    }

    #[test]
    fn gemm_dense_backward(case in backward_case::<Gemm>()) {
        backward_is_ok_iff_buffers_fit::<Gemm>(&case)?;
    }

    #[test]
    fn chain_backward(case in backward_case::<Deep>()) {
        backward_is_ok_iff_buffers_fit::<Deep>(&case)?;
    }
}

#[test]
fn a_batch_whose_size_overflows_is_an_error() {
    let net = network::<Wide>(3);
    let mut activations = [0.0; 32];
    for batch in [usize::MAX, usize::MAX / 64 + 1, usize::MAX / 32 + 1] {
        assert!(
            net.forward(&[0.5; 64], &mut activations, batch).is_err(),
            "{batch}"
        );
    }
    assert!(Wide::output(&activations, usize::MAX).is_err());
}
