//! First-order optimizers and gradient clipping over any [`Parameters`] value.
//!
//! An optimizer's state is made of values of the model's own type (velocities, moment
//! estimates), so it has a fixed size known from the type and is [`Zeroable`]: a host gets it
//! with `bytemuck::zeroed_box`, a device keeps it in a `static`. All-zero is the correct
//! initial state of every optimizer here. Plain [`Sgd`] has none at all (its state is `()`),
//! [`SgdMomentum`] one velocity and [`Adam`] two moments, each as large as the model.
//!
//! A step first checks its hyperparameters ([`Error::InvalidConfig`]) and that every gradient
//! is finite ([`Error::NonFinite`]); only then does it write. A NaN that appears in training
//! therefore leaves the parameters and the state exactly as they were.
//!
//! Updates walk the tensors by index in lockstep (`tensor(i)` of the parameters, the gradients
//! and the state have the same length) and allocate nothing. Adam's update of one flat vector
//! is public as well ([`Adam::step_slices`], [`AdamStep::apply`]), for parameters that are not
//! a model, such as a classifier's weights on the host.

use bytemuck::Zeroable;

use crate::{Error, Parameters};

mod adam;
mod clip;
mod sgd;
mod sgd_momentum;

pub use adam::{Adam, AdamState, AdamStep};
pub use clip::clip_global_norm;
pub use sgd::Sgd;
pub use sgd_momentum::{SgdMomentum, SgdMomentumState};

/// A rule that moves parameters against their gradients.
pub trait Optimizer<M: Parameters> {
    /// What the optimizer remembers between steps; all zeros before the first step.
    type State: Zeroable;

    /// Checks the hyperparameters; [`Error::InvalidConfig`] names the first bad one.
    fn validate(&self) -> Result<(), Error>;

    /// Applies one update to `params` from `grads`, advancing `state`.
    ///
    /// Nothing is written unless the hyperparameters are valid and every gradient is finite.
    fn step(&self, params: &mut M, grads: &M, state: &mut Self::State) -> Result<(), Error>;
}

/// `Err(NonFinite)` unless every scalar of `grads` is finite.
fn check_finite<M: Parameters>(grads: &M) -> Result<(), Error> {
    if grads.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite)
    }
}

/// `Err(InvalidConfig(name))` unless `value` is finite and strictly positive.
fn check_positive(value: f32, name: &'static str) -> Result<(), Error> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidConfig(name))
    }
}

/// `Err(InvalidConfig(name))` unless `value` ∈ [0, 1).
fn check_unit_interval(value: f32, name: &'static str) -> Result<(), Error> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::InvalidConfig(name))
    }
}

#[cfg(test)]
mod tests;
