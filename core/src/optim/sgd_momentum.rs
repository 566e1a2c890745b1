//! Stochastic gradient descent with classical momentum.

use bytemuck::Zeroable;

use super::sgd::descend;
use super::{Optimizer, check_finite, check_positive, check_unit_interval};
use crate::{Error, Parameters};

/// SGD with classical (heavy-ball) momentum, Polyak 1964, as used for deep networks by
/// Sutskever et al. 2013, "On the importance of initialization and momentum in deep learning":
///
/// v ← μ·v + g,  θ ← θ − η·v.
///
/// With μ = 0 this is plain SGD, θ ← θ − η·g, and the state is neither read nor written; the
/// stateless [`super::Sgd`] computes the same bits without a state to hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdMomentum {
    /// Step size η > 0.
    pub learning_rate: f32,
    /// Momentum μ ∈ [0, 1); 0 for plain SGD.
    pub momentum: f32,
}

/// The state of [`SgdMomentum`]: one velocity per parameter, zero before the first step.
#[derive(Clone, Debug, PartialEq, Zeroable)]
pub struct SgdMomentumState<M> {
    /// v, the decayed sum of past gradients.
    pub velocity: M,
}

impl SgdMomentum {
    /// Checks the hyperparameters; [`Error::InvalidConfig`] names the first bad one.
    pub fn validate(&self) -> Result<(), Error> {
        check_positive(
            self.learning_rate,
            "learning_rate must be finite and positive",
        )?;
        check_unit_interval(self.momentum, "momentum must be in [0, 1)")
    }
}

impl<M: Parameters + Zeroable> Optimizer<M> for SgdMomentum {
    type State = SgdMomentumState<M>;

    fn validate(&self) -> Result<(), Error> {
        Self::validate(self)
    }

    fn step(
        &self,
        params: &mut M,
        grads: &M,
        state: &mut SgdMomentumState<M>,
    ) -> Result<(), Error> {
        self.validate()?;
        check_finite(grads)?;
        let (rate, momentum) = (self.learning_rate, self.momentum);
        if momentum == 0.0 {
            descend(params, grads, rate);
            return Ok(());
        }
        for index in 0..M::TENSORS {
            let theta = params.tensor_mut(index);
            let g = grads.tensor(index);
            let v = state.velocity.tensor_mut(index);
            for ((theta, &g), v) in theta.iter_mut().zip(g).zip(v) {
                *v = momentum * *v + g;
                *theta -= rate * *v;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Dense;

    /// A Dense<2, 1>: weights (w₀, w₁), bias b.
    fn layer(w0: f32, w1: f32, b: f32) -> Dense<2, 1> {
        let mut layer = Dense::<2, 1>::zeroed();
        layer.weight.as_mut_slice().copy_from_slice(&[w0, w1]);
        layer.bias[0] = b;
        layer
    }

    fn flat(layer: &Dense<2, 1>) -> [f32; 3] {
        [layer.weight[0], layer.weight[1], layer.bias[0]]
    }

    #[test]
    fn plain_step_golden_values() {
        let sgd = SgdMomentum {
            learning_rate: 0.5,
            momentum: 0.0,
        };
        let mut params = layer(1.0, -2.0, 0.25);
        let grads = layer(0.5, -1.0, 4.0);
        let mut state = SgdMomentumState::<Dense<2, 1>>::zeroed();
        // Sentinel: plain SGD must not touch the state.
        state.velocity.fill(7.0);
        sgd.step(&mut params, &grads, &mut state).unwrap();
        // θ − 0.5·g = (1 − 0.25, −2 + 0.5, 0.25 − 2).
        assert_eq!(flat(&params), [0.75, -1.5, -1.75]);
        assert_eq!(flat(&state.velocity), [7.0; 3]);
    }

    #[test]
    fn momentum_steps_golden_values() {
        // Dyadic values: every step below is exact in f32.
        let sgd = SgdMomentum {
            learning_rate: 0.5,
            momentum: 0.5,
        };
        let mut params = layer(1.0, -2.0, 0.0);
        let grads = layer(2.0, -4.0, 1.0);
        let mut state = SgdMomentumState::<Dense<2, 1>>::zeroed();

        // Step 1: v = g = (2, −4, 1); θ − 0.5·v = (1 − 1, −2 + 2, 0 − 0.5).
        sgd.step(&mut params, &grads, &mut state).unwrap();
        assert_eq!(flat(&state.velocity), [2.0, -4.0, 1.0]);
        assert_eq!(flat(&params), [0.0, 0.0, -0.5]);

        // Step 2: v = 0.5·v + g = (3, −6, 1.5); θ − 0.5·v = (−1.5, 3, −1.25).
        sgd.step(&mut params, &grads, &mut state).unwrap();
        assert_eq!(flat(&state.velocity), [3.0, -6.0, 1.5]);
        assert_eq!(flat(&params), [-1.5, 3.0, -1.25]);
    }

    #[test]
    fn invalid_hyperparameters_are_refused() {
        let mut params = layer(1.0, 2.0, 3.0);
        let grads = layer(1.0, 1.0, 1.0);
        let mut state = SgdMomentumState::<Dense<2, 1>>::zeroed();
        for (learning_rate, momentum) in [
            (0.0, 0.0),
            (-0.1, 0.0),
            (f32::NAN, 0.0),
            (f32::INFINITY, 0.0),
            (0.1, 1.0),
            (0.1, -0.1),
            (0.1, f32::NAN),
        ] {
            let sgd = SgdMomentum {
                learning_rate,
                momentum,
            };
            assert!(matches!(
                sgd.step(&mut params, &grads, &mut state),
                Err(Error::InvalidConfig(_))
            ));
        }
        assert_eq!(flat(&params), [1.0, 2.0, 3.0]);
    }
}
