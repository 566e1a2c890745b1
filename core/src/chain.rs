//! Two networks run one after the other; nest it for any depth.

use bytemuck::AnyBitPattern;

use crate::batch::{batch_len, split_buffer};
use crate::network::{Architecture, max};
use crate::{Error, Network, composite_parameters};

/// `first` then `second`: y = second(first(x)).
///
/// `Chain<Dense<784, 400, Relu>, Chain<Dense<400, 100, Relu>, Dense<100, 20>>>` is a three-layer
/// MLP. The sizes at the joint must agree; a mismatch fails to compile.
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct Chain<A, B> {
    /// The network applied first.
    pub first: A,
    /// The network applied to the first one's output.
    pub second: B,
}

composite_parameters!(impl[A: Network, B: Network] for Chain<A, B> { first: A, second: B });

impl<A: Network, B: Network> Chain<A, B> {
    /// Evaluated (and so checked at compile time) by every use of the chain.
    const SHAPES_AGREE: () = assert!(
        A::OUTPUTS == B::INPUTS,
        "Chain: the first network's outputs must be the second's inputs"
    );
}

impl<A: Network, B: Network> Network for Chain<A, B> {
    const INPUTS: usize = A::INPUTS;
    const OUTPUTS: usize = B::OUTPUTS;
    const ACTIVATIONS: usize = A::ACTIVATIONS + B::ACTIVATIONS;
    const SCRATCH: usize = A::OUTPUTS + max(A::SCRATCH, B::SCRATCH);
    const MACS: usize = A::MACS + B::MACS;
    const CONVOLUTIONAL: bool = A::CONVOLUTIONAL || B::CONVOLUTIONAL;

    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        A::describe(architecture)?;
        B::describe(architecture)
    }

    fn forward(&self, input: &[f32], activations: &mut [f32], batch: usize) -> Result<(), Error> {
        let () = Self::SHAPES_AGREE;
        let split = batch_len(A::ACTIVATIONS, batch, activations.len())?;
        let (first_activations, second_activations) = split_buffer(activations, split)?;
        self.first.forward(input, first_activations, batch)?;
        let middle = A::output(first_activations, batch)?;
        self.second.forward(middle, second_activations, batch)
    }

    fn backward(
        &self,
        input: &[f32],
        activations: &[f32],
        grad_output: &mut [f32],
        grads: &mut Self,
        grad_input: Option<&mut [f32]>,
        scratch: &mut [f32],
        batch: usize,
    ) -> Result<(), Error> {
        let () = Self::SHAPES_AGREE;
        let found = activations.len();
        let split = batch_len(A::ACTIVATIONS, batch, found)?;
        if found < split {
            return Err(Error::BufferTooSmall {
                needed: Self::ACTIVATIONS.saturating_mul(batch),
                found,
            });
        }
        let (first_activations, second_activations) = activations.split_at(split);
        let middle = A::output(first_activations, batch)?;
        let middle_len = batch_len(A::OUTPUTS, batch, scratch.len())?;
        let (grad_middle, rest) = split_buffer(scratch, middle_len)?;
        self.second.backward(
            middle,
            second_activations,
            grad_output,
            &mut grads.second,
            Some(&mut *grad_middle),
            rest,
            batch,
        )?;
        self.first.backward(
            input,
            first_activations,
            grad_middle,
            &mut grads.first,
            grad_input,
            rest,
            batch,
        )
    }
}
