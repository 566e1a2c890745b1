//! A uniform view of a model's trainable tensors.
//!
//! Optimizers, gradient clipping and the weight format need to walk every tensor of a model,
//! and often of several structurally identical values at once (parameters, gradients, two
//! moment estimates). Tensors are therefore addressed by index: `tensor(i)` of a model and of
//! its gradient are the same shape, so lockstep loops need no allocation and no unsafe code.

use crate::rng::{SeededRng, uniform_symmetric};

/// A value made of a fixed list of `f32` tensors.
///
/// Gradients and optimizer moments are values of the same type as the model, so everything
/// that holds parameters also holds their gradients.
pub trait Parameters {
    /// Number of tensors.
    const TENSORS: usize;
    /// Number of scalars over all tensors.
    const SCALARS: usize;

    /// Tensor `index` in storage order; an empty slice when `index >= TENSORS`.
    fn tensor(&self, index: usize) -> &[f32];

    /// Tensor `index` in storage order, mutably; an empty slice when `index >= TENSORS`.
    fn tensor_mut(&mut self, index: usize) -> &mut [f32];

    /// Draws fresh initial values in place (nothing large is built on the stack), as PyTorch
    /// initializes its layers: U(−1/√fan_in, 1/√fan_in) for weights and biases.
    fn initialize(&mut self, rng: &mut SeededRng);

    /// Draws fresh initial values as Keras initializes its layers: weights from Glorot's
    /// uniform U(−√(6/(fan_in + fan_out)), √(6/(fan_in + fan_out))), biases 0. Dense and
    /// convolution layers and the models made of them have it; anything else keeps
    /// [`Parameters::initialize`].
    fn initialize_glorot(&mut self, rng: &mut SeededRng) {
        self.initialize(rng);
    }

    /// Sets every scalar to `value`.
    fn fill(&mut self, value: f32) {
        for index in 0..Self::TENSORS {
            self.tensor_mut(index).fill(value);
        }
    }

    /// Copies every scalar of `other` into `self`.
    fn copy_from(&mut self, other: &Self) {
        for index in 0..Self::TENSORS {
            self.tensor_mut(index).copy_from_slice(other.tensor(index));
        }
    }

    /// Multiplies every scalar by `factor`.
    fn scale(&mut self, factor: f32) {
        for index in 0..Self::TENSORS {
            self.tensor_mut(index).iter_mut().for_each(|v| *v *= factor);
        }
    }

    /// Squared Euclidean norm over all scalars, ‖θ‖².
    fn squared_norm(&self) -> f32 {
        (0..Self::TENSORS)
            .map(|index| self.tensor(index).iter().map(|v| v * v).sum::<f32>())
            .sum()
    }

    /// Whether every scalar is finite.
    fn is_finite(&self) -> bool {
        (0..Self::TENSORS).all(|index| crate::math::all_finite(self.tensor(index)))
    }
}

/// Implements [`Parameters`] for a struct by chaining its fields' tensors in the order listed.
///
/// ```ignore
/// composite_parameters!(impl[const X: usize, const Z: usize] for Model<X, Z> {
///     encoder: Dense<X, Z>,
///     decoder: Dense<Z, X>,
/// });
/// ```
#[macro_export]
macro_rules! composite_parameters {
    (impl[$($generics:tt)*] for $ty:ty { $($field:ident : $field_ty:ty),+ $(,)? }) => {
        impl<$($generics)*> $crate::Parameters for $ty {
            const TENSORS: usize = 0 $(+ <$field_ty as $crate::Parameters>::TENSORS)+;
            const SCALARS: usize = 0 $(+ <$field_ty as $crate::Parameters>::SCALARS)+;

            #[allow(unused_assignments)]
            fn tensor(&self, index: usize) -> &[f32] {
                let mut index = index;
                $(
                    if index < <$field_ty as $crate::Parameters>::TENSORS {
                        return $crate::Parameters::tensor(&self.$field, index);
                    }
                    index -= <$field_ty as $crate::Parameters>::TENSORS;
                )+
                &[]
            }

            #[allow(unused_assignments)]
            fn tensor_mut(&mut self, index: usize) -> &mut [f32] {
                let mut index = index;
                $(
                    if index < <$field_ty as $crate::Parameters>::TENSORS {
                        return $crate::Parameters::tensor_mut(&mut self.$field, index);
                    }
                    index -= <$field_ty as $crate::Parameters>::TENSORS;
                )+
                &mut []
            }

            fn initialize(&mut self, rng: &mut $crate::SeededRng) {
                $( $crate::Parameters::initialize(&mut self.$field, rng); )+
            }

            fn initialize_glorot(&mut self, rng: &mut $crate::SeededRng) {
                $( $crate::Parameters::initialize_glorot(&mut self.$field, rng); )+
            }
        }
    };
}

/// Glorot's uniform draw for `weights` of a layer with `fans` = fan_in + fan_out, then `bias`
/// set to 0.
pub(crate) fn glorot(weights: &mut [f32], bias: &mut [f32], fans: usize, rng: &mut SeededRng) {
    let bound = crate::math::sqrt(6.0 / fans as f32);
    for value in weights {
        *value = uniform_symmetric(rng, bound);
    }
    bias.fill(0.0);
}
