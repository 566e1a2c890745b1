//! The optimizer of a run, with its state kept on the heap.

use tinyvae_core::optim::{Adam, AdamState, Optimizer, SgdMomentum, SgdMomentumState};
use tinyvae_core::{Error, Model};

use super::config::OptimizerChoice;

/// An optimizer and its state; the state holds values of the model's own type, boxed.
pub enum OptimizerState<M: Model> {
    /// SGD, with a velocity when momentum is used.
    Sgd {
        /// Momentum μ.
        momentum: f32,
        /// The velocity (same shape as the model).
        state: Box<SgdMomentumState<M>>,
    },
    /// Adam and its moment estimates.
    Adam {
        /// Moment estimates and step count.
        state: Box<AdamState<M>>,
    },
}

impl<M: Model> OptimizerState<M> {
    /// Fresh state for `choice`.
    pub fn new(choice: OptimizerChoice) -> Self {
        match choice {
            OptimizerChoice::Sgd { momentum } => Self::Sgd {
                momentum,
                state: bytemuck::zeroed_box(),
            },
            OptimizerChoice::Adam => Self::Adam {
                state: bytemuck::zeroed_box(),
            },
        }
    }

    /// θ ← update(θ, g) with the given learning rate. On error θ is unchanged.
    pub fn apply(&mut self, learning_rate: f32, params: &mut M, grads: &M) -> Result<(), Error> {
        match self {
            Self::Sgd { momentum, state } => SgdMomentum {
                learning_rate,
                momentum: *momentum,
            }
            .step(params, grads, state),
            Self::Adam { state } => Adam {
                learning_rate,
                ..Adam::default()
            }
            .step(params, grads, state),
        }
    }

    /// The state's model-shaped values, in a fixed order, for checkpoints.
    pub fn values(&self) -> Vec<&M> {
        match self {
            Self::Sgd { state, .. } => vec![&state.velocity],
            Self::Adam { state } => vec![&state.first_moment, &state.second_moment],
        }
    }

    /// The same values, mutably, for restoring a checkpoint.
    pub fn values_mut(&mut self) -> Vec<&mut M> {
        match self {
            Self::Sgd { state, .. } => vec![&mut state.velocity],
            Self::Adam { state } => {
                let AdamState {
                    first_moment,
                    second_moment,
                    ..
                } = &mut **state;
                vec![first_moment, second_moment]
            }
        }
    }

    /// Whether every value of the state is finite.
    pub fn is_finite(&self) -> bool {
        self.values().iter().all(|value| value.is_finite())
    }

    /// Steps counted by the optimizer (Adam's bias correction needs it).
    pub fn counter(&self) -> u64 {
        match self {
            Self::Sgd { .. } => 0,
            Self::Adam { state } => state.step,
        }
    }

    /// Restores the step counter.
    pub fn set_counter(&mut self, counter: u64) {
        if let Self::Adam { state } = self {
            state.step = counter;
        }
    }
}
