//! 2-D convolutions and transposed convolutions with every size in their type.
//!
//! [`Conv2d`] and [`ConvTranspose2d`] are [`Network`](crate::Network)s like
//! [`Dense`](crate::Dense): they compose with it and with each other in a
//! [`Chain`](crate::Chain), and a shape that does not meet fails to compile. A sample is a
//! channel-major C×H×W tensor stored as one column of C·H·W floats, so flattening a
//! convolution's output into a dense layer, or a dense layer's output into channels, is the
//! same buffer read another way and costs nothing: `Chain<Conv2d<32, 14, 14, 64, 3, 2, 1,
//! Relu>, Dense<3136, 16, Relu>>` flattens 64×7×7.
//!
//! Weights are laid out as PyTorch's: `Conv2d.weight` (F, C, K, K) and
//! `ConvTranspose2d.weight` (C, F, K, K), biases per output channel, initialized as PyTorch
//! does (U(−1/√fan_in, 1/√fan_in)).
//!
//! ## Two paths, as for dense layers
//! - **One sample, or up to 5, and every device build:** direct loops in a fixed summation
//!   order ([`direct`]), with no buffer beyond the output. This is what the bit-identity of a
//!   device with the host rests on.
//! - **Batches of 6 or more in std builds**, when every side of the products exceeds 5: each
//!   sample's input is lowered to a matrix (im2col) kept in the layer's activations, and the
//!   forward pass, the input gradient and the weight gradient are matrix products
//!   ([`lowered`]). The two paths agree to rounding, not bit for bit.
//!
//! ## Memory
//! A layer's activations per sample are its output plus, where it lowers, the lowered matrix
//! (C·K·K × HO·WO floats for [`Conv2d`]); its backward scratch is one lowered matrix for the
//! batch. Neither exists in device builds.

mod conv2d;
mod direct;
mod geometry;
mod lowered;
mod transpose;

#[cfg(test)]
mod tests;

pub use conv2d::Conv2d;
pub use transpose::ConvTranspose2d;

use crate::batch::batch_len;
use crate::{Activation, Error};

/// y ← f(y + b) for an output of `bias.len()` channels of `positions` values each.
fn add_bias_and_activate<A: Activation>(positions: usize, bias: &[f32], y: &mut [f32]) {
    for (channel, &b) in y.chunks_exact_mut(positions).zip(bias) {
        for value in channel {
            *value = A::apply(*value + b);
        }
    }
}

/// ∂L/∂b += Σ over each channel's `positions` values of δ, summed from 0 in order.
fn accumulate_bias_gradient(positions: usize, delta: &[f32], grad_b: &mut [f32]) {
    for (grad, delta) in grad_b.iter_mut().zip(delta.chunks_exact(positions)) {
        let mut sum = 0.0f32;
        for &d in delta {
            sum += d;
        }
        *grad += sum;
    }
}

/// The four-dimensional weight array as one slice, in storage order.
fn flat<const A: usize, const B: usize, const K: usize>(
    weight: &[[[[f32; K]; K]; B]; A],
) -> &[f32] {
    weight.as_flattened().as_flattened().as_flattened()
}

/// The four-dimensional weight array as one mutable slice, in storage order.
fn flat_mut<const A: usize, const B: usize, const K: usize>(
    weight: &mut [[[[f32; K]; K]; B]; A],
) -> &mut [f32] {
    weight
        .as_flattened_mut()
        .as_flattened_mut()
        .as_flattened_mut()
}

/// The first `per_sample`·`batch` floats of `data`, or how many were missing.
fn sized(data: &[f32], per_sample: usize, batch: usize) -> Result<&[f32], Error> {
    let found = data.len();
    let needed = batch_len(per_sample, batch, found)?;
    data.get(..needed)
        .ok_or(Error::BufferTooSmall { needed, found })
}

/// The first `per_sample`·`batch` floats of `data`, writable, or how many were missing.
fn sized_mut(data: &mut [f32], per_sample: usize, batch: usize) -> Result<&mut [f32], Error> {
    let found = data.len();
    let needed = batch_len(per_sample, batch, found)?;
    data.get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, found })
}
