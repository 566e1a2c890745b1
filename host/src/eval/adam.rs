//! Adam (Kingma and Ba 2015), the optimiser of the linear probe.
//!
//! For a parameter `θ` with gradient `g` at step `t = 1, 2, …`:
//!
//! ```text
//! m ← β₁ m + (1 - β₁) g          v ← β₂ v + (1 - β₂) g²
//! θ ← θ - α_t · m / (√v + ε),     α_t = α · √(1 - β₂ᵗ) / (1 - β₁ᵗ)
//! ```
//!
//! with the paper's β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (the bias correction folded into `α_t`).

/// Decay rate of the first moment.
const BETA1: f32 = 0.9;
/// Decay rate of the second moment.
const BETA2: f32 = 0.999;
/// Guard of the denominator.
const EPSILON: f32 = 1e-8;

/// Adam's running moments for one parameter vector.
pub(super) struct Adam {
    /// First moment `m`, one per parameter.
    m: Vec<f32>,
    /// Second moment `v`, one per parameter.
    v: Vec<f32>,
}

impl Adam {
    /// Zero moments for `len` parameters.
    pub fn new(len: usize) -> Self {
        Self {
            m: vec![0.0; len],
            v: vec![0.0; len],
        }
    }

    /// The bias-corrected step size `α_t` of step `t` (counting from 1) for base rate `alpha`.
    pub fn step_size(alpha: f32, t: usize) -> f32 {
        let t = i32::try_from(t).unwrap_or(i32::MAX);
        alpha * (1.0 - BETA2.powi(t)).sqrt() / (1.0 - BETA1.powi(t))
    }

    /// One Adam step on `params` with gradient `grad` and step size `step` (see
    /// [`Adam::step_size`]).
    pub fn update(&mut self, params: &mut [f32], grad: &[f32], step: f32) {
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            *p -= step * *m / (v.sqrt() + EPSILON);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_steps_move_by_alpha_against_the_gradient() {
        // Step 1: m = 0.1 g, v = 0.001 g², α_1 = α √0.001 / 0.1, so θ moves by α sign(g)
        // whatever the gradient's scale (up to ε).
        let mut adam = Adam::new(3);
        let mut theta = [1.0f32, 1.0, 1.0];
        adam.update(&mut theta, &[1000.0, -0.5, 0.0], Adam::step_size(0.01, 1));
        let want = [0.99, 1.01, 1.0];
        for (got, want) in theta.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{theta:?}");
        }
        // Step 2 with the same gradient: m and v corrected alike, again α sign(g).
        adam.update(&mut theta, &[1000.0, -0.5, 0.0], Adam::step_size(0.01, 2));
        let want = [0.98, 1.02, 1.0];
        for (got, want) in theta.iter().zip(want) {
            assert!((got - want).abs() < 1e-5, "{theta:?}");
        }
        // √0.001 / 0.1 = 0.3162…, up to 1 - 0.999 rounding in f32 (about 5e-5 relative).
        assert!((Adam::step_size(1.0, 1) - 0.316_227_77).abs() < 1e-4);
    }
}
