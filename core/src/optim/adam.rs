//! Adam: adaptive moment estimation.

use bytemuck::Zeroable;

use super::{Optimizer, check_finite, check_positive, check_unit_interval};
use crate::{Error, Parameters};

/// Adam, Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization" (Algorithm 1).
///
/// At step t = 1, 2, … with gradient g:
///
/// m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,
/// m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),
/// θ ← θ − α·m̂ / (√v̂ + ε).
///
/// The bias corrections undo the zero initialization of m and v, so the first step moves every
/// parameter by α·g/(|g| + ε) ≈ α·sign(g). They are computed once per step, so the per-scalar
/// work is θ ← θ − (α / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε).
///
/// A gradient above about 10¹⁹ in magnitude overflows g² to infinity, after which that
/// parameter stops moving; [`super::clip_global_norm`] keeps gradients far from that.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    /// Step size α > 0 (default 1e-3).
    pub learning_rate: f32,
    /// Decay β₁ ∈ [0, 1) of the first-moment estimate (default 0.9).
    pub beta1: f32,
    /// Decay β₂ ∈ [0, 1) of the second-moment estimate (default 0.999).
    pub beta2: f32,
    /// ε > 0 added to √v̂ so the step stays bounded where v̂ ≈ 0 (default 1e-8).
    pub epsilon: f32,
}

impl Adam {
    /// The paper's defaults with step size `learning_rate`.
    pub const fn with_learning_rate(learning_rate: f32) -> Self {
        Self {
            learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }
}

impl Default for Adam {
    /// The paper's defaults: α = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    fn default() -> Self {
        Self::with_learning_rate(1e-3)
    }
}

/// The state of [`Adam`]: both moment estimates and the number of steps taken, all zero
/// before the first step.
#[derive(Clone, Debug, PartialEq, Zeroable)]
pub struct AdamState<M> {
    /// m, the biased estimate of E\[g\].
    pub first_moment: M,
    /// v, the biased estimate of E\[g²\].
    pub second_moment: M,
    /// t, the number of steps taken.
    pub step: u64,
}

impl Adam {
    /// Checks the hyperparameters; [`Error::InvalidConfig`] names the first bad one.
    pub fn validate(&self) -> Result<(), Error> {
        check_positive(
            self.learning_rate,
            "learning_rate must be finite and positive",
        )?;
        check_unit_interval(self.beta1, "beta1 must be in [0, 1)")?;
        check_unit_interval(self.beta2, "beta2 must be in [0, 1)")?;
        check_positive(self.epsilon, "epsilon must be finite and positive")
    }
}

impl<M: Parameters + Zeroable> Optimizer<M> for Adam {
    type State = AdamState<M>;

    fn validate(&self) -> Result<(), Error> {
        Self::validate(self)
    }

    fn step(&self, params: &mut M, grads: &M, state: &mut AdamState<M>) -> Result<(), Error> {
        self.validate()?;
        check_finite(grads)?;
        let (beta1, beta2) = (self.beta1, self.beta2);
        let step = state.step.saturating_add(1);
        let coefficients = Coefficients {
            beta1,
            beta2,
            keep1: 1.0 - beta1,
            keep2: 1.0 - beta2,
            step_size: self.learning_rate / bias_correction(beta1, step),
            inv_sqrt_correction2: 1.0 / libm::sqrtf(bias_correction(beta2, step)),
            epsilon: self.epsilon,
        };
        for index in 0..M::TENSORS {
            let theta = params.tensor_mut(index);
            let g = grads.tensor(index);
            let m = state.first_moment.tensor_mut(index);
            let v = state.second_moment.tensor_mut(index);
            update(theta, g, m, v, &coefficients);
        }
        state.step = step;
        Ok(())
    }
}

/// The constants of one step, shared by every parameter.
struct Coefficients {
    beta1: f32,
    beta2: f32,
    keep1: f32,
    keep2: f32,
    step_size: f32,
    inv_sqrt_correction2: f32,
    epsilon: f32,
}

/// One tensor's update. Zipped slices of equal length leave no bounds checks in the loop; the
/// AVX2 version computes the same bits eight parameters at a time (see `loss`).
#[cfg_attr(
    feature = "std",
    multiversion::multiversion(targets("x86_64+avx2+fma"))
)]
fn update(theta: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], c: &Coefficients) {
    for (((theta, &g), m), v) in theta.iter_mut().zip(g).zip(m).zip(v) {
        *m = c.beta1 * *m + c.keep1 * g;
        *v = c.beta2 * *v + c.keep2 * (g * g);
        *theta -= c.step_size * *m / (crate::math::sqrt(*v) * c.inv_sqrt_correction2 + c.epsilon);
    }
}

/// 1 − βᵗ, computed in f64 from the f32 β so that at t = 1 it equals the f32 1 − β used for
/// the moments (the first step is then exactly α·g/(|g| + ε)).
fn bias_correction(beta: f32, step: u64) -> f32 {
    (1.0 - libm::pow(f64::from(beta), step as f64)) as f32
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Dense;
    use crate::test_support::assert_close;

    type Layer = Dense<2, 1>;

    fn layer(values: [f32; 3]) -> Layer {
        let mut layer = Layer::zeroed();
        layer.weight.as_mut_slice().copy_from_slice(&values[..2]);
        layer.bias[0] = values[2];
        layer
    }

    fn flat(layer: &Layer) -> [f32; 3] {
        [layer.weight[0], layer.weight[1], layer.bias[0]]
    }

    /// The dispatched update (AVX2 on most x86-64 hosts) against the formula applied to one
    /// parameter at a time, bit for bit, over enough parameters to fill every vector width.
    #[test]
    fn vector_update_matches_element_by_element_bitwise() {
        let mut rng = crate::seeded_rng(9);
        let c = Coefficients {
            beta1: 0.9,
            beta2: 0.999,
            keep1: 1.0 - 0.9,
            keep2: 1.0 - 0.999,
            step_size: 1e-3 / bias_correction(0.9, 3),
            inv_sqrt_correction2: 1.0 / libm::sqrtf(bias_correction(0.999, 3)),
            epsilon: 1e-8,
        };
        let mut draw = |n: usize, bound: f32| -> Vec<f32> {
            (0..n)
                .map(|_| crate::rng::uniform_symmetric(&mut rng, bound))
                .collect()
        };
        let n = 1037;
        let (mut theta, g, mut m) = (draw(n, 1.0), draw(n, 1e-2), draw(n, 1e-3));
        let mut v: Vec<f32> = draw(n, 1e-4).iter().map(|x| x * x).collect();
        let (theta0, m0, v0) = (theta.clone(), m.clone(), v.clone());
        update(&mut theta, &g, &mut m, &mut v, &c);
        for i in 0..n {
            let g = core::hint::black_box(g[i]);
            let m1 = c.beta1 * m0[i] + c.keep1 * g;
            let v1 = c.beta2 * v0[i] + c.keep2 * (g * g);
            let t1 = theta0[i]
                - c.step_size * m1 / (libm::sqrtf(v1) * c.inv_sqrt_correction2 + c.epsilon);
            assert_eq!(
                (m[i].to_bits(), v[i].to_bits(), theta[i].to_bits()),
                (m1.to_bits(), v1.to_bits(), t1.to_bits()),
                "parameter {i}"
            );
        }
    }

    #[test]
    fn two_steps_golden_values() {
        let adam = Adam::with_learning_rate(0.1);
        let mut params = layer([1.0, -1.0, 0.0]);
        let mut state = AdamState::<Layer>::zeroed();

        // t = 1, g = 0.5: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25, θ = 1 − 0.1·0.5/0.5.
        adam.step(&mut params, &layer([0.5, 0.5, 0.0]), &mut state)
            .unwrap();
        assert_eq!(state.step, 1);
        assert_close!(state.first_moment.weight[0], 0.05, 1e-6);
        assert_close!(state.second_moment.weight[0], 0.00025, 1e-6);
        assert_close!(params.weight[0], 0.9, 1e-6);
        // A zero gradient with zero moments does not move its parameter.
        assert_eq!(params.bias[0], 0.0);

        // t = 2, g = −0.25: m = 0.9·0.05 − 0.025 = 0.02, v = 0.999·0.00025 + 0.0000625
        // = 0.00031225, m̂ = 0.02/0.19, v̂ = 0.00031225/0.001999,
        // θ = 0.9 − 0.1·m̂/√v̂ = 0.87336630 (computed in f64).
        adam.step(&mut params, &layer([-0.25, 0.5, 0.0]), &mut state)
            .unwrap();
        assert_eq!(state.step, 2);
        assert_close!(state.first_moment.weight[0], 0.02, 1e-6);
        assert_close!(state.second_moment.weight[0], 0.00031225, 1e-6);
        assert_close!(params.weight[0], 0.873_366_30, 1e-6);
    }

    #[test]
    fn first_step_moves_each_parameter_by_learning_rate_times_sign() {
        let adam = Adam::default();
        for magnitude in [1e-4f32, 1e-2, 1.0, 37.0, 1e6] {
            let mut params = layer([0.5, -0.5, 2.0]);
            let grads = layer([magnitude, -magnitude, 3.0 * magnitude]);
            let mut state = AdamState::<Layer>::zeroed();
            adam.step(&mut params, &grads, &mut state).unwrap();
            let moved = [
                params.weight[0] - 0.5,
                params.weight[1] + 0.5,
                params.bias[0] - 2.0,
            ];
            // |Δθ| = α·|g|/(|g| + ε) = α up to ε/|g| ≤ 1e-4 and f32 rounding.
            for (moved, sign) in moved.into_iter().zip([-1.0, 1.0, -1.0]) {
                assert_close!(moved / adam.learning_rate, sign, 2e-4);
            }
        }
    }

    #[test]
    fn invalid_hyperparameters_are_refused() {
        let mut params = layer([1.0, 2.0, 3.0]);
        let grads = layer([1.0, 1.0, 1.0]);
        let mut state = AdamState::<Layer>::zeroed();
        let good = Adam::default();
        for adam in [
            Adam {
                learning_rate: 0.0,
                ..good
            },
            Adam {
                learning_rate: f32::INFINITY,
                ..good
            },
            Adam { beta1: 1.0, ..good },
            Adam {
                beta1: -0.5,
                ..good
            },
            Adam {
                beta2: f32::NAN,
                ..good
            },
            Adam { beta2: 1.0, ..good },
            Adam {
                epsilon: 0.0,
                ..good
            },
            Adam {
                epsilon: f32::NAN,
                ..good
            },
        ] {
            assert!(matches!(
                adam.step(&mut params, &grads, &mut state),
                Err(Error::InvalidConfig(_))
            ));
        }
        assert_eq!(flat(&params), [1.0, 2.0, 3.0]);
        assert_eq!(state, AdamState::zeroed());
    }
}
