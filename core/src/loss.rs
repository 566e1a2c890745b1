//! Reconstruction losses, each summed over features and samples, with their gradients.
//!
//! Every function returns Σ over the batch of the per-sample loss and, when `grad` is given,
//! writes `scale`·∂loss/∂prediction into it (pass `scale = 1/B` to train on the batch mean).

use crate::batch::check_input;
use crate::{Error, math};

/// Partial sums kept by the reductions: wide enough for 256-bit vectors of f32.
pub const LANES: usize = 8;

/// ln 2π.
pub const LN_2PI: f32 = 1.837_877_1;

/// Binary cross-entropy from logits ℓ against targets x ∈ [0, 1]:
/// Σ −x·ln σ(ℓ) − (1−x)·ln(1−σ(ℓ)) = Σ max(ℓ, 0) − ℓx + ln(1 + e^(−|ℓ|)),
/// the second form being the one that neither overflows nor loses digits.
/// ∂/∂ℓ = σ(ℓ) − x.
///
/// One e^(−|ℓ|) per element serves both the loss and σ(ℓ); the sum runs in [`LANES`] partial
/// sums so the loop vectorizes while the order of additions stays fixed.
pub fn binary_cross_entropy_with_logits(
    logits: &[f32],
    targets: &[f32],
    grad: Option<&mut [f32]>,
    scale: f32,
) -> Result<f32, Error> {
    check_same_length(logits, targets, &grad)?;
    finite(cross_entropy_sum(logits, targets, grad, scale))
}

/// The loop of [`binary_cross_entropy_with_logits`], on slices of equal length. Its terms are
/// computed block by block into a buffer by a plain element-wise loop, which the compiler
/// vectorizes, then added into fixed lanes, which fixes the order of additions. The AVX2
/// version computes the same bits as the baseline one: it runs the same IEEE operations, eight
/// at a time, and Rust never fuses a multiply and an add on its own.
#[cfg_attr(
    feature = "std",
    multiversion::multiversion(targets("x86_64+avx2+fma"))
)]
fn cross_entropy_sum(logits: &[f32], targets: &[f32], grad: Option<&mut [f32]>, scale: f32) -> f32 {
    cross_entropy_in_blocks::<CROSS_ENTROPY_BLOCK>(logits, targets, grad, scale)
}

/// [`cross_entropy_sum`] in blocks of `BLOCK` terms, a multiple of [`LANES`]: term i goes to
/// lane i mod LANES whatever the block, so every block size gives the same bits.
#[inline(always)]
fn cross_entropy_in_blocks<const BLOCK: usize>(
    logits: &[f32],
    targets: &[f32],
    grad: Option<&mut [f32]>,
    scale: f32,
) -> f32 {
    const { assert!(BLOCK > 0 && BLOCK.is_multiple_of(LANES)) };
    let mut lanes = [0.0f32; LANES];
    let mut terms = [0.0f32; BLOCK];
    let mut grad = grad;
    for (block, (l, x)) in logits.chunks(BLOCK).zip(targets.chunks(BLOCK)).enumerate() {
        let terms = &mut terms[..l.len()];
        match grad.as_deref_mut() {
            Some(grad) => {
                let g = &mut grad[block * BLOCK..block * BLOCK + l.len()];
                for (((t, g), &l), &x) in terms.iter_mut().zip(g).zip(l).zip(x) {
                    let (term, sigma) = cross_entropy_term(l, x);
                    *t = term;
                    *g = scale * (sigma - x);
                }
            }
            None => {
                for ((t, &l), &x) in terms.iter_mut().zip(l).zip(x) {
                    *t = cross_entropy_term(l, x).0;
                }
            }
        }
        add_into_lanes(&mut lanes, terms);
    }
    lanes.iter().sum()
}

/// Terms per block of the cross-entropy loop, whose buffer of as many f32 sits on the stack of
/// every cross-entropy (the autoencoders' loss, the Bernoulli ELBO, the importance-weighted
/// log-likelihood): 256 (1 KiB) with the `std` feature, where the block feeds the AVX2 loop,
/// and 64 (256 bytes) without, on a device, which has no vector unit to feed and little RAM.
/// Each is a multiple of [`LANES`], so both give the same bits.
pub const CROSS_ENTROPY_BLOCK: usize = if cfg!(feature = "std") { 256 } else { 64 };

/// lanes[i mod LANES] += values[i], in order.
#[inline(always)]
fn add_into_lanes(lanes: &mut [f32; LANES], values: &[f32]) {
    let (chunks, rest) = values.as_chunks::<LANES>();
    for chunk in chunks {
        for (lane, value) in lanes.iter_mut().zip(chunk) {
            *lane += value;
        }
    }
    for (lane, value) in lanes.iter_mut().zip(rest) {
        *lane += value;
    }
}

/// max(ℓ, 0) − ℓx + ln(1 + e^(−|ℓ|)) and σ(ℓ), sharing one exponential.
#[inline(always)]
fn cross_entropy_term(l: f32, x: f32) -> (f32, f32) {
    let e = math::exp(-l.abs());
    let p = 1.0 / (1.0 + e);
    let sigma = if l >= 0.0 { p } else { e * p };
    (l.max(0.0) - l * x + math::ln_1p_unit(e), sigma)
}

/// Squared error Σ (x̂ − x)², summed over features; ∂/∂x̂ = 2(x̂ − x).
pub fn squared_error(
    predictions: &[f32],
    targets: &[f32],
    grad: Option<&mut [f32]>,
    scale: f32,
) -> Result<f32, Error> {
    check_same_length(predictions, targets, &grad)?;
    let mut total = 0.0;
    for (&p, &x) in predictions.iter().zip(targets) {
        total += (p - x) * (p - x);
    }
    if let Some(grad) = grad {
        for ((g, &p), &x) in grad.iter_mut().zip(predictions).zip(targets) {
            *g = scale * 2.0 * (p - x);
        }
    }
    finite(total)
}

/// Negative log-likelihood of x under N(μ, σ²I) with a fixed variance σ²:
/// Σ (x − μ)²/(2σ²) + ½ ln(2πσ²) per feature; ∂/∂μ = (μ − x)/σ².
pub fn gaussian_negative_log_likelihood(
    means: &[f32],
    targets: &[f32],
    variance: f32,
    grad: Option<&mut [f32]>,
    scale: f32,
) -> Result<f32, Error> {
    if !(variance > 0.0 && variance.is_finite()) {
        return Err(Error::InvalidConfig(
            "Gaussian decoder variance must be > 0",
        ));
    }
    let squared = squared_error(means, targets, None, 1.0)?;
    let constant = 0.5 * (LN_2PI + libm::logf(variance)) * means.len() as f32;
    if let Some(grad) = grad {
        for ((g, &m), &x) in grad.iter_mut().zip(means).zip(targets) {
            *g = scale * (m - x) / variance;
        }
    }
    finite(squared / (2.0 * variance) + constant)
}

/// Largest |log σ²| of a learned variance: log σ² = L·tanh(r/L) ∈ (−L, L) with L = 6, so
/// σ² ∈ (e⁻⁶, e⁶) ≈ (0.0025, 403).
pub const LEARNED_LOG_VARIANCE_LIMIT: f32 = 6.0;

/// The log-variance s = L·tanh(r/L) of a raw learned parameter r, L =
/// [`LEARNED_LOG_VARIANCE_LIMIT`], and its derivative ds/dr = 1 − tanh²(r/L): s ≈ r near 0, and
/// s stays inside (−L, L) however far r goes while ds/dr stays positive (up to |r| ≈ 54, where
/// f32's tanh rounds to ±1), so no parameter is ever stuck as behind a hard clamp.
pub fn bounded_log_variance(raw: f32) -> (f32, f32) {
    let t = libm::tanhf(raw / LEARNED_LOG_VARIANCE_LIMIT);
    (LEARNED_LOG_VARIANCE_LIMIT * t, 1.0 - t * t)
}

/// Negative log-likelihood of x under N(μ, diag σ²) with one learned variance per feature,
/// shared by every sample: σᵢ² = e^(sᵢ), sᵢ = L·tanh(rᵢ/L) ([`bounded_log_variance`]) from the
/// raw parameters r (`raw_log_variance`, F floats), and `means`, `targets` F×batch, one
/// column per sample:
///
/// Σ_b Σᵢ (x_bi − μ_bi)²/(2σᵢ²) + ½ ln(2πσᵢ²);  ∂/∂μ_bi = (μ_bi − x_bi)/σᵢ²,
///
/// written, times `scale`, into `grad_means` when given. The gradient in r is
/// [`gaussian_negative_log_likelihood_learned_gradient`].
pub fn gaussian_negative_log_likelihood_learned(
    means: &[f32],
    targets: &[f32],
    raw_log_variance: &[f32],
    grad_means: Option<&mut [f32]>,
    scale: f32,
) -> Result<f32, Error> {
    let batch = learned_batch(means, targets, raw_log_variance)?;
    if let Some(grad) = &grad_means {
        check_input(grad, means.len(), 1)?;
    }
    let features = raw_log_variance.len();
    let mut total = 0.0;
    for (i, &raw) in raw_log_variance.iter().enumerate() {
        let (log_variance, _) = bounded_log_variance(raw);
        let precision = math::exp(-log_variance);
        let squared = squared_error_of_feature(means, targets, i, features);
        total += 0.5 * precision * squared + 0.5 * (LN_2PI + log_variance) * batch as f32;
    }
    let total = finite(total)?;
    if let Some(grad) = grad_means {
        for (i, &raw) in raw_log_variance.iter().enumerate() {
            let precision = math::exp(-bounded_log_variance(raw).0);
            for ((g, &m), &x) in grad
                .iter_mut()
                .skip(i)
                .step_by(features)
                .zip(feature(means, i, features))
                .zip(feature(targets, i, features))
            {
                *g = scale * (m - x) * precision;
            }
        }
    }
    Ok(total)
}

/// Adds `scale`·∂/∂r of [`gaussian_negative_log_likelihood_learned`] into
/// `grad_raw_log_variance` (F floats): through s = L·tanh(r/L),
///
/// ∂/∂rᵢ = (1 − tanh²(rᵢ/L))·Σ_b ½(1 − (x_bi − μ_bi)²/σᵢ²).
pub fn gaussian_negative_log_likelihood_learned_gradient(
    means: &[f32],
    targets: &[f32],
    raw_log_variance: &[f32],
    scale: f32,
    grad_raw_log_variance: &mut [f32],
) -> Result<(), Error> {
    let batch = learned_batch(means, targets, raw_log_variance)?;
    let features = raw_log_variance.len();
    check_input(grad_raw_log_variance, features, 1)?;
    for (i, (g, &raw)) in grad_raw_log_variance
        .iter_mut()
        .zip(raw_log_variance)
        .enumerate()
    {
        let (log_variance, derivative) = bounded_log_variance(raw);
        let precision = math::exp(-log_variance);
        let squared = squared_error_of_feature(means, targets, i, features);
        *g += scale * derivative * 0.5 * (batch as f32 - precision * squared);
    }
    Ok(())
}

/// Samples in `means` (F×batch, F = `raw_log_variance.len()` > 0), `targets` of the same
/// length.
fn learned_batch(means: &[f32], targets: &[f32], raw_log_variance: &[f32]) -> Result<usize, Error> {
    let features = raw_log_variance.len();
    if features == 0 {
        return Err(Error::ShapeMismatch {
            expected: means.len(),
            found: 0,
        });
    }
    let batch = means.len() / features;
    check_input(means, features, batch)?;
    check_input(targets, features, batch)?;
    Ok(batch)
}

/// Feature `i` of every column of a `features`×batch slice.
fn feature(values: &[f32], i: usize, features: usize) -> impl Iterator<Item = &f32> {
    values.iter().skip(i).step_by(features)
}

/// Σ_b (μ_bi − x_bi)² over the columns of `features`×batch slices, for feature `i`.
fn squared_error_of_feature(means: &[f32], targets: &[f32], i: usize, features: usize) -> f32 {
    let mut squared = 0.0;
    for (m, x) in feature(means, i, features).zip(feature(targets, i, features)) {
        squared += (m - x) * (m - x);
    }
    squared
}

/// Mean over the samples of a batch: `total / batch`, checked.
pub fn per_sample(total: f32, batch: usize) -> Result<f32, Error> {
    if batch == 0 {
        return Err(Error::EmptyBatch);
    }
    finite(total / batch as f32)
}

fn check_same_length(a: &[f32], b: &[f32], grad: &Option<&mut [f32]>) -> Result<(), Error> {
    check_input(b, a.len(), 1)?;
    if let Some(grad) = grad {
        check_input(grad, a.len(), 1)?;
    }
    Ok(())
}

/// `value` if finite, else [`Error::NonFinite`].
pub fn finite(value: f32) -> Result<f32, Error> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::NonFinite)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_support::assert_close;

    #[test]
    fn bce_golden_values_and_stability() {
        // −ln σ(2) for x = 1, −ln(1 − σ(2)) for x = 0.
        let loss = binary_cross_entropy_with_logits(&[2.0, 2.0], &[1.0, 0.0], None, 1.0).unwrap();
        assert_close!(loss, 0.126_928_01 + 2.126_928, 1e-6);
        // Huge logits stay finite and exact.
        let loss =
            binary_cross_entropy_with_logits(&[80.0, -80.0], &[0.0, 1.0], None, 1.0).unwrap();
        assert_close!(loss, 160.0, 1e-6);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let logits = [0.3f32, -1.2, 2.0, 0.0];
        let targets = [0.0f32, 0.4, 1.0, 0.7];
        let mut grad = [0.0; 4];
        binary_cross_entropy_with_logits(&logits, &targets, Some(&mut grad), 1.0).unwrap();
        let mut mse_grad = [0.0; 4];
        squared_error(&logits, &targets, Some(&mut mse_grad), 1.0).unwrap();
        let mut nll_grad = [0.0; 4];
        gaussian_negative_log_likelihood(&logits, &targets, 0.3, Some(&mut nll_grad), 1.0).unwrap();
        for i in 0..4 {
            let h = 1e-2;
            let mut up = logits;
            let mut down = logits;
            up[i] += h;
            down[i] -= h;
            let numeric = |f: &dyn Fn(&[f32]) -> f32| (f(&up) - f(&down)) / (2.0 * h);
            let bce = |l: &[f32]| binary_cross_entropy_with_logits(l, &targets, None, 1.0).unwrap();
            let mse = |l: &[f32]| squared_error(l, &targets, None, 1.0).unwrap();
            let nll =
                |l: &[f32]| gaussian_negative_log_likelihood(l, &targets, 0.3, None, 1.0).unwrap();
            assert_close!(grad[i], numeric(&bce), 1e-3);
            assert_close!(mse_grad[i], numeric(&mse), 1e-3);
            assert_close!(nll_grad[i], numeric(&nll), 1e-3);
        }
    }

    /// The dispatched loop (AVX2 on most x86-64 hosts) against the same sum taken one element
    /// at a time: every loss and gradient bit must agree, or host and device would differ.
    #[test]
    fn vector_loop_matches_element_by_element_bitwise() {
        let mut rng = crate::seeded_rng(5);
        for len in [1, 7, 8, 255, 256, 257, 2048, 3001] {
            let logits: Vec<f32> = (0..len)
                .map(|i| match i % 11 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => 95.0,
                    3 => -95.0,
                    _ => crate::rng::uniform_symmetric(&mut rng, 12.0),
                })
                .collect();
            let targets: Vec<f32> = (0..len)
                .map(|_| crate::rng::uniform_symmetric(&mut rng, 0.5) + 0.5)
                .collect();
            let mut grad = vec![0.0f32; len];
            let loss =
                binary_cross_entropy_with_logits(&logits, &targets, Some(&mut grad), 0.25).unwrap();
            let mut lanes = [0.0f32; LANES];
            for (i, (&l, &x)) in logits.iter().zip(&targets).enumerate() {
                let (term, sigma) = cross_entropy_term(core::hint::black_box(l), x);
                lanes[i % LANES] += term;
                assert_eq!(
                    grad[i].to_bits(),
                    (0.25 * (sigma - x)).to_bits(),
                    "{len}: {i}"
                );
            }
            let expected: f32 = lanes.iter().sum();
            assert_eq!(loss.to_bits(), expected.to_bits(), "{len}");
        }
    }

    /// A cross-entropy loop: logits, targets, gradient, scale → sum.
    type CrossEntropySum = fn(&[f32], &[f32], Option<&mut [f32]>, f32) -> f32;

    /// The block sizes of a host build and of a device build, and a tiny one: the same bits.
    #[test]
    fn every_block_size_gives_the_same_bits() {
        let mut rng = crate::seeded_rng(6);
        for len in [1, 9, 64, 65, 300, 1025] {
            let logits: Vec<f32> = (0..len)
                .map(|_| crate::rng::uniform_symmetric(&mut rng, 9.0))
                .collect();
            let targets: Vec<f32> = (0..len)
                .map(|_| crate::rng::uniform_symmetric(&mut rng, 0.5) + 0.5)
                .collect();
            let run = |sum: CrossEntropySum| {
                let mut grad = vec![0.0f32; len];
                let loss = sum(&logits, &targets, Some(&mut grad), 0.5);
                (
                    loss.to_bits(),
                    grad.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
                )
            };
            let device = run(cross_entropy_in_blocks::<64>);
            assert_eq!(run(cross_entropy_in_blocks::<256>), device, "{len}");
            assert_eq!(run(cross_entropy_in_blocks::<8>), device, "{len}");
            assert_eq!(run(cross_entropy_sum), device, "{len}");
        }
    }

    #[test]
    fn gaussian_nll_is_the_log_density() {
        // −ln N(0.5; 0.2, 0.25) = (0.3)²/(2·0.25) + ½ ln(2π·0.25)
        let nll = gaussian_negative_log_likelihood(&[0.2], &[0.5], 0.25, None, 1.0).unwrap();
        assert_close!(nll, 0.18 + 0.5 * (LN_2PI + 0.25f32.ln()), 1e-6);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(squared_error(&[1.0], &[1.0, 2.0], None, 1.0).is_err());
        assert_eq!(
            squared_error(&[f32::NAN], &[1.0], None, 1.0),
            Err(Error::NonFinite)
        );
        assert!(gaussian_negative_log_likelihood(&[1.0], &[1.0], 0.0, None, 1.0).is_err());
    }
}
