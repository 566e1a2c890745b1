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
/// work is θ ← θ − (α / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε) ([`AdamStep::apply`], the one
/// implementation, which [`Adam::step_slices`] applies to a flat vector).
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

impl<M: Parameters + Zeroable> Optimizer<M> for Adam {
    type State = AdamState<M>;

    fn validate(&self) -> Result<(), Error> {
        Self::validate(self)
    }

    fn step(&self, params: &mut M, grads: &M, state: &mut AdamState<M>) -> Result<(), Error> {
        let step = state.step.saturating_add(1);
        let update = self.at_step(step)?;
        check_finite(grads)?;
        for index in 0..M::TENSORS {
            update.apply(
                params.tensor_mut(index),
                grads.tensor(index),
                state.first_moment.tensor_mut(index),
                state.second_moment.tensor_mut(index),
            )?;
        }
        state.step = step;
        Ok(())
    }
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

    /// The constants of step `t` (the first step is t = 1), after checking the
    /// hyperparameters; [`Error::InvalidConfig`] names the first bad one, or says that t is 0.
    pub fn at_step(&self, t: u64) -> Result<AdamStep, Error> {
        self.validate()?;
        if t == 0 {
            return Err(Error::InvalidConfig("Adam counts steps from 1"));
        }
        let (beta1, beta2) = (self.beta1, self.beta2);
        Ok(AdamStep {
            beta1,
            beta2,
            keep1: 1.0 - beta1,
            keep2: 1.0 - beta2,
            step_size: self.learning_rate / bias_correction(beta1, t),
            inv_sqrt_correction2: 1.0 / libm::sqrtf(bias_correction(beta2, t)),
            epsilon: self.epsilon,
        })
    }

    /// Step `t` (from 1) of Adam on one flat parameter vector: `params` θ, its gradient `grads`
    /// g, and its moment estimates `first_moment` m and `second_moment` v (all zero before step
    /// 1), updated in place by the formula of [`Adam`], bit for bit as [`Optimizer::step`]
    /// updates a model.
    ///
    /// Nothing is written unless the hyperparameters and `t` are valid ([`Error::InvalidConfig`]),
    /// the four slices have the same length ([`Error::ShapeMismatch`], expected being the
    /// length of `params`) and every gradient is finite ([`Error::NonFinite`]). A step size that
    /// changes from step to step (a schedule) is a new `learning_rate` at each call.
    pub fn step_slices(
        &self,
        t: u64,
        params: &mut [f32],
        grads: &[f32],
        first_moment: &mut [f32],
        second_moment: &mut [f32],
    ) -> Result<(), Error> {
        let update = self.at_step(t)?;
        check_lengths(params, grads, first_moment, second_moment)?;
        if !crate::math::all_finite(grads) {
            return Err(Error::NonFinite);
        }
        update.apply(params, grads, first_moment, second_moment)
    }
}

/// The constants of one step t of [`Adam`], shared by every parameter, from [`Adam::at_step`]:
/// the decays β₁, β₂, their complements 1 − β₁, 1 − β₂, the bias-corrected step size
/// α / (1 − β₁ᵗ), 1 / √(1 − β₂ᵗ) and ε.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamStep {
    beta1: f32,
    beta2: f32,
    keep1: f32,
    keep2: f32,
    step_size: f32,
    inv_sqrt_correction2: f32,
    epsilon: f32,
}

impl AdamStep {
    /// The update of Kingma & Ba 2015, Algorithm 1, on one flat slice of parameters, element
    /// by element:
    ///
    /// m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·(g·g),
    /// θ ← θ − (α / (1 − β₁ᵗ))·m / (√v · (1 / √(1 − β₂ᵗ)) + ε),
    ///
    /// which is θ − α·m̂ / (√v̂ + ε) with the bias corrections computed once per step. This is
    /// the one Adam kernel: [`Optimizer::step`] calls it on each tensor of a model, and
    /// [`Adam::step_slices`] on a single vector. With the `std` feature it runs as AVX2 code
    /// where the CPU has it, with the same bits as the portable loop.
    ///
    /// Fails with [`Error::ShapeMismatch`] (expected being the length of `params`), writing
    /// nothing, unless the four slices have the same length. It does not check the gradients:
    /// a NaN or infinite g makes its parameter and moments NaN or infinite, so callers check
    /// them first ([`Adam::step_slices`] and [`Optimizer::step`] do, before any write).
    pub fn apply(
        &self,
        params: &mut [f32],
        grads: &[f32],
        first_moment: &mut [f32],
        second_moment: &mut [f32],
    ) -> Result<(), Error> {
        check_lengths(params, grads, first_moment, second_moment)?;
        update(params, grads, first_moment, second_moment, self);
        Ok(())
    }
}

/// `Err(ShapeMismatch)` unless the gradient and both moments are as long as the parameters.
fn check_lengths(theta: &[f32], g: &[f32], m: &[f32], v: &[f32]) -> Result<(), Error> {
    let expected = theta.len();
    match [g.len(), m.len(), v.len()]
        .into_iter()
        .find(|&found| found != expected)
    {
        Some(found) => Err(Error::ShapeMismatch { expected, found }),
        None => Ok(()),
    }
}

/// One tensor's update. Zipped slices of equal length leave no bounds checks in the loop; the
/// AVX2 version computes the same bits eight parameters at a time (see `loss`).
#[cfg_attr(
    feature = "std",
    multiversion::multiversion(targets("x86_64+avx2+fma"))
)]
fn update(theta: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], c: &AdamStep) {
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
        let c = Adam::default().at_step(3).unwrap();
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

    /// The slice kernel and the model-level step give the same bits, step after step.
    #[test]
    fn slices_step_like_the_model() {
        let adam = Adam::with_learning_rate(0.05);
        let mut params = layer([0.3, -0.7, 0.1]);
        let mut state = AdamState::<Layer>::zeroed();
        let (mut theta, mut m, mut v) = (flat(&params), [0.0; 3], [0.0; 3]);
        for t in 1..=5u64 {
            let g = [0.5 / t as f32, -0.25 * t as f32, 1e-3];
            adam.step(&mut params, &layer(g), &mut state).unwrap();
            adam.step_slices(t, &mut theta, &g, &mut m, &mut v).unwrap();
            assert_eq!(theta.map(f32::to_bits), flat(&params).map(f32::to_bits));
            assert_eq!(
                m.map(f32::to_bits),
                flat(&state.first_moment).map(f32::to_bits)
            );
            assert_eq!(
                v.map(f32::to_bits),
                flat(&state.second_moment).map(f32::to_bits)
            );
        }
    }

    #[test]
    fn slices_of_other_lengths_steps_from_zero_and_non_finite_gradients_are_refused() {
        let adam = Adam::default();
        let (mut theta, mut m, mut v) = ([1.0f32, 2.0, 3.0], [0.0f32; 3], [0.0f32; 3]);
        let g = [1.0f32, -1.0, 0.5];
        assert_eq!(
            adam.step_slices(1, &mut theta, &g[..2], &mut m, &mut v),
            Err(Error::ShapeMismatch {
                expected: 3,
                found: 2
            })
        );
        assert_eq!(
            adam.step_slices(1, &mut theta, &g, &mut m, &mut v[..1]),
            Err(Error::ShapeMismatch {
                expected: 3,
                found: 1
            })
        );
        let step = adam.at_step(1).unwrap();
        assert_eq!(
            step.apply(&mut theta, &g, &mut m[..2], &mut v),
            Err(Error::ShapeMismatch {
                expected: 3,
                found: 2
            })
        );
        assert!(matches!(
            adam.step_slices(0, &mut theta, &g, &mut m, &mut v),
            Err(Error::InvalidConfig(_))
        ));
        assert_eq!(
            adam.step_slices(1, &mut theta, &[1.0, f32::NAN, 0.0], &mut m, &mut v),
            Err(Error::NonFinite)
        );
        assert!(matches!(
            Adam { beta2: 1.0, ..adam }.step_slices(1, &mut theta, &g, &mut m, &mut v),
            Err(Error::InvalidConfig(_))
        ));
        assert_eq!((theta, m, v), ([1.0, 2.0, 3.0], [0.0; 3], [0.0; 3]));
        // An empty vector is a valid, empty step.
        adam.step_slices(1, &mut [], &[], &mut [], &mut []).unwrap();
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
