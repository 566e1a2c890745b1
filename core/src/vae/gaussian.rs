//! The diagonal Gaussian pieces of a VAE: reparameterization, the KL divergence to N(0, I) and
//! log-densities, all over flat slices (any number of samples × latent features).
//!
//! The encoder's log σ² is clamped to [[`LOG_VARIANCE_MIN`], [`LOG_VARIANCE_MAX`]] before every
//! exp, so σ² stays within [9.4·10⁻¹⁴, 4.9·10⁸]: an untrained or diverging encoder cannot
//! overflow it, and a NaN comes out as [`Error::NonFinite`]. Derivatives with respect to log σ²
//! are those of the clamped function: zero outside the range.

use crate::batch::check_input;
use crate::loss::{LANES, LN_2PI, finite};
use crate::{Error, math};

/// Smallest log σ² used in any computation: σ² ≥ e⁻³⁰ ≈ 9.4·10⁻¹⁴.
pub const LOG_VARIANCE_MIN: f32 = -30.0;
/// Largest log σ² used in any computation: σ² ≤ e²⁰ ≈ 4.9·10⁸, so σ²·(latent size) stays far
/// from f32 overflow.
pub const LOG_VARIANCE_MAX: f32 = 20.0;

/// log σ² limited to [[`LOG_VARIANCE_MIN`], [`LOG_VARIANCE_MAX`]]; NaN stays NaN.
pub fn clamp_log_variance(log_variance: f32) -> f32 {
    log_variance.clamp(LOG_VARIANCE_MIN, LOG_VARIANCE_MAX)
}

/// Whether log σ² is inside the clamp range, where the clamp's derivative is 1 (else 0).
fn inside_clamp(log_variance: f32) -> bool {
    (LOG_VARIANCE_MIN..=LOG_VARIANCE_MAX).contains(&log_variance)
}

/// The reparameterization trick: z = μ + σ ⊙ ε with σ = exp(½ log σ²), element-wise, so a
/// draw z ~ N(μ, diag σ²) is a differentiable function of (μ, log σ²) given ε ~ N(0, I).
///
/// All four slices have one length; a non-finite z is [`Error::NonFinite`].
pub fn reparameterize(
    mean: &[f32],
    log_variance: &[f32],
    epsilon: &[f32],
    z: &mut [f32],
) -> Result<(), Error> {
    let len = mean.len();
    check_input(log_variance, len, 1)?;
    check_input(epsilon, len, 1)?;
    check_input(z, len, 1)?;
    for (((z, &m), &log_variance), &e) in z.iter_mut().zip(mean).zip(log_variance).zip(epsilon) {
        *z = m + math::exp(0.5 * clamp_log_variance(log_variance)) * e;
    }
    check_finite(z)
}

/// Back-propagates through z = μ + σ ⊙ ε: ∂z/∂μ = 1, so ∂L/∂μ is ∂L/∂z itself, and
/// ∂z/∂log σ² = ½ σ ε, so this writes ∂L/∂log σ² = ∂L/∂z ⊙ ½ σ ⊙ ε (0 where log σ² is clamped)
/// into `grad_log_variance`. All slices have one length.
pub fn reparameterize_gradient(
    log_variance: &[f32],
    epsilon: &[f32],
    grad_z: &[f32],
    grad_log_variance: &mut [f32],
) -> Result<(), Error> {
    let len = log_variance.len();
    check_input(epsilon, len, 1)?;
    check_input(grad_z, len, 1)?;
    check_input(grad_log_variance, len, 1)?;
    for (((g, &log_variance), &e), &grad_z) in grad_log_variance
        .iter_mut()
        .zip(log_variance)
        .zip(epsilon)
        .zip(grad_z)
    {
        *g = if inside_clamp(log_variance) {
            grad_z * 0.5 * math::exp(0.5 * log_variance) * e
        } else {
            0.0
        };
    }
    Ok(())
}

/// KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ (μ² + σ² − 1 − log σ²) in closed form, summed over every
/// element (so over the samples of a batch too). σ² − 1 is computed as expm1(log σ²), which
/// keeps its digits when σ² is close to 1. The sum runs in [`LANES`] partial sums, which lets
/// the host vectorize the loop with a fixed order of additions.
pub fn kl_to_standard_normal(mean: &[f32], log_variance: &[f32]) -> Result<f32, Error> {
    check_input(log_variance, mean.len(), 1)?;
    let mut lanes = [0.0f32; LANES];
    for (i, (&m, &log_variance)) in mean.iter().zip(log_variance).enumerate() {
        lanes[i % LANES] += kl_term(m, log_variance);
    }
    finite(0.5 * lanes.iter().sum::<f32>())
}

/// μ² + σ² − 1 − log σ², log σ² clamped: twice one element's KL divergence.
#[inline(always)]
fn kl_term(m: f32, log_variance: f32) -> f32 {
    let log_variance = clamp_log_variance(log_variance);
    m * m + math::exp_m1(log_variance) - log_variance
}

/// Adds `scale`·∇ of [`kl_to_standard_normal`]: ∂KL/∂μ = μ into `grad_mean` and
/// ∂KL/∂log σ² = ½(σ² − 1) (0 where log σ² is clamped) into `grad_log_variance`. All four slices
/// have one length.
pub fn kl_to_standard_normal_gradient(
    mean: &[f32],
    log_variance: &[f32],
    scale: f32,
    grad_mean: &mut [f32],
    grad_log_variance: &mut [f32],
) -> Result<(), Error> {
    let len = mean.len();
    check_input(log_variance, len, 1)?;
    check_input(grad_mean, len, 1)?;
    check_input(grad_log_variance, len, 1)?;
    for (g, &m) in grad_mean.iter_mut().zip(mean) {
        *g += scale * m;
    }
    for (g, &log_variance) in grad_log_variance.iter_mut().zip(log_variance) {
        if inside_clamp(log_variance) {
            *g += scale * 0.5 * math::exp_m1(log_variance);
        }
    }
    Ok(())
}

/// log N(z; 0, I) = Σ −½ (ln 2π + z²), the prior's log-density.
pub fn log_standard_normal_density(z: &[f32]) -> Result<f32, Error> {
    let squares: f32 = z.iter().map(|v| v * v).sum();
    finite(-0.5 * (LN_2PI * z.len() as f32 + squares))
}

/// log N(z; μ, diag σ²) = Σ −½ (ln 2π + log σ² + (z − μ)²/σ²), log σ² clamped. All three slices
/// have one length.
pub fn log_diagonal_normal_density(
    z: &[f32],
    mean: &[f32],
    log_variance: &[f32],
) -> Result<f32, Error> {
    let len = z.len();
    check_input(mean, len, 1)?;
    check_input(log_variance, len, 1)?;
    let mut total = 0.0;
    for ((&z, &m), &log_variance) in z.iter().zip(mean).zip(log_variance) {
        let log_variance = clamp_log_variance(log_variance);
        let d = z - m;
        total += LN_2PI + log_variance + d * d * math::exp(-log_variance);
    }
    finite(-0.5 * total)
}

pub(super) use crate::batch::check_finite;
