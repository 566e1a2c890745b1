//! Plain stochastic gradient descent, without any state.

use super::{Optimizer, check_finite, check_positive};
use crate::{Error, Parameters};

/// Plain SGD (Robbins & Monro 1951): θ ← θ − η·g.
///
/// It remembers nothing between steps, so its state is `()`: a device that fine-tunes with it
/// holds the weights, the gradients and the workspace, and nothing else. The update is the one
/// [`super::SgdMomentum`] applies at momentum 0, bit for bit; that one asks for a velocity as
/// large as the model even then.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    /// Step size η > 0.
    pub learning_rate: f32,
}

impl Sgd {
    /// Checks the step size; [`Error::InvalidConfig`] if it is not finite and positive.
    pub fn validate(&self) -> Result<(), Error> {
        check_positive(
            self.learning_rate,
            "learning_rate must be finite and positive",
        )
    }
}

impl<M: Parameters> Optimizer<M> for Sgd {
    type State = ();

    fn validate(&self) -> Result<(), Error> {
        Self::validate(self)
    }

    fn step(&self, params: &mut M, grads: &M, _: &mut ()) -> Result<(), Error> {
        self.validate()?;
        check_finite(grads)?;
        descend(params, grads, self.learning_rate);
        Ok(())
    }
}

/// θ ← θ − η·g for every scalar, tensor by tensor: the one loop of plain SGD, shared with
/// [`super::SgdMomentum`] at momentum 0.
pub(super) fn descend<M: Parameters>(params: &mut M, grads: &M, rate: f32) {
    for index in 0..M::TENSORS {
        for (theta, &g) in params.tensor_mut(index).iter_mut().zip(grads.tensor(index)) {
            *theta -= rate * g;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use bytemuck::Zeroable;

    use super::*;
    use crate::optim::{SgdMomentum, SgdMomentumState};
    use crate::rng::uniform_symmetric;
    use crate::vae::MlpVae;
    use crate::{Dense, seeded_rng};

    #[test]
    fn step_golden_values() {
        let mut params = Dense::<2, 1>::zeroed();
        params.weight.as_mut_slice().copy_from_slice(&[1.0, -2.0]);
        params.bias[0] = 0.25;
        let mut grads = Dense::<2, 1>::zeroed();
        grads.weight.as_mut_slice().copy_from_slice(&[0.5, -1.0]);
        grads.bias[0] = 4.0;
        Sgd { learning_rate: 0.5 }
            .step(&mut params, &grads, &mut ())
            .unwrap();
        // θ − 0.5·g = (1 − 0.25, −2 + 0.5, 0.25 − 2).
        assert_eq!(params.weight.as_slice(), &[0.75, -1.5]);
        assert_eq!(params.bias[0], -1.75);
    }

    /// Twenty steps of both on a VAE with random gradients: the same bits every step.
    #[test]
    fn same_bits_as_momentum_zero() {
        type Small = MlpVae<12, 6, 2>;
        let mut rng = seeded_rng(31);
        let mut plain = Small::zeroed();
        plain.initialize(&mut rng);
        let mut with_state = plain;
        let mut velocity = SgdMomentumState::<Small>::zeroed();
        let mut grads = Small::zeroed();
        let rate = 0.037;
        let momentum_zero = SgdMomentum {
            learning_rate: rate,
            momentum: 0.0,
        };
        for _ in 0..20 {
            for index in 0..Small::TENSORS {
                for g in grads.tensor_mut(index) {
                    *g = uniform_symmetric(&mut rng, 3.0);
                }
            }
            Sgd {
                learning_rate: rate,
            }
            .step(&mut plain, &grads, &mut ())
            .unwrap();
            momentum_zero
                .step(&mut with_state, &grads, &mut velocity)
                .unwrap();
            for index in 0..Small::TENSORS {
                let a = plain.tensor(index).iter().map(|v| v.to_bits());
                let b = with_state.tensor(index).iter().map(|v| v.to_bits());
                assert!(a.eq(b), "tensor {index}");
            }
        }
    }

    #[test]
    fn bad_step_sizes_and_gradients_change_nothing() {
        let mut params = Dense::<2, 1>::zeroed();
        params.fill(1.0);
        let mut grads = Dense::<2, 1>::zeroed();
        grads.fill(1.0);
        for rate in [0.0, -0.1, f32::NAN, f32::INFINITY] {
            let sgd = Sgd {
                learning_rate: rate,
            };
            assert!(matches!(
                sgd.step(&mut params, &grads, &mut ()),
                Err(Error::InvalidConfig(_))
            ));
        }
        grads.bias[0] = f32::NAN;
        let sgd = Sgd { learning_rate: 0.1 };
        assert_eq!(
            sgd.step(&mut params, &grads, &mut ()),
            Err(Error::NonFinite)
        );
        assert!(
            params
                .weight
                .iter()
                .chain(params.bias.iter())
                .all(|&v| v == 1.0)
        );
    }
}
