//! 2-D convolutions and transposed convolutions with every size in their type.
//!
//! [`Conv2d`] and [`ConvTranspose2d`] are [`Network`](crate::Network)s like
//! [`Dense`](crate::Dense): they compose with it and with each other in a
//! [`Chain`](crate::Chain), and a shape that does not meet fails to compile. A sample is a
//! tensor stored as one column of C·H·W floats, so flattening a
//! convolution's output into a dense layer, or a dense layer's output into channels, is the
//! same buffer read another way and costs nothing: `Chain<Conv2d<32, 14, 14, 64, 3, 2, 1,
//! Relu>, Dense<3136, 16, Relu>>` flattens 7×7×64.
//!
//! Tensors are **channels-last**, H×W×C per sample (TensorFlow's NHWC, not PyTorch's NCHW;
//! the same floats for one channel, as MNIST's), and a filter's weights run over kernel row,
//! kernel column and input channel, innermost last: `Conv2d.weight[f][kh][kw][c]` and
//! `ConvTranspose2d.weight[c][kh][kw][f]`. Every inner loop then reads contiguous floats, and a
//! whole batch is one matrix product. Biases are per output channel; both are initialized as
//! PyTorch does (U(−1/√fan_in, 1/√fan_in)).
//!
//! ## Two paths, as for dense layers
//! - **One sample, or up to 5, and every device build:** direct loops in a fixed summation
//!   order, with no buffer beyond the output. This is what the bit-identity of a
//!   device with the host rests on.
//! - **Batches of 6 or more in std builds**, when every side of the products exceeds 5: the
//!   batch's input is lowered to one matrix (im2col) kept in the layer's activations, and the
//!   forward pass, the input gradient and the weight gradient are each one matrix product over
//!   the batch. The two paths agree to rounding, not bit for bit.
//!
//! ## Memory
//! A layer's activations per sample are its output plus, where it lowers, its share of the
//! lowered matrix (HO·WO × K·K·C floats for [`Conv2d`], H·W × K·K·F for [`ConvTranspose2d`]);
//! its backward scratch is as much again. Neither exists in device builds.

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
use crate::network::ConvShape;
use crate::{Activation, Error};

/// The input and output sizes of the layer `shape` describes, C·H·W and F·HO·WO, if its
/// sizes make one ([`Conv2d`]'s or [`ConvTranspose2d`]'s compile-time checks); `None`
/// otherwise.
pub(crate) fn sizes(shape: &ConvShape) -> Option<(u64, u64)> {
    let [c, h, w, f] = [
        shape.in_channels,
        shape.in_height,
        shape.in_width,
        shape.out_channels,
    ]
    .map(usize::from);
    let [k, s, p, op] = [
        shape.kernel,
        shape.stride,
        shape.padding,
        shape.output_padding,
    ]
    .map(usize::from);
    let outputs = if shape.transposed {
        let (ho, wo) = (
            geometry::transposed_side(h, k, s, p, op),
            geometry::transposed_side(w, k, s, p, op),
        );
        let g = geometry::Geometry::new(f, ho, wo, c, k, s, p);
        let valid = g.is_valid() && g.out_height == h && g.out_width == w && op < s;
        valid.then_some((f, ho, wo))
    } else {
        let g = geometry::Geometry::new(c, h, w, f, k, s, p);
        (g.is_valid() && op == 0).then_some((f, g.out_height, g.out_width))
    }?;
    // In u64: three 16-bit sides need up to 48 bits, more than a 32-bit target's usize.
    let volume = |(a, b, c): (usize, usize, usize)| a as u64 * b as u64 * c as u64;
    Some((volume((c, h, w)), volume(outputs)))
}

/// y ← f(y + b) for channels-last outputs of `bias.len()` channels.
fn add_bias_and_activate<A: Activation>(bias: &[f32], y: &mut [f32]) {
    for pixel in y.chunks_exact_mut(bias.len()) {
        for (value, &b) in pixel.iter_mut().zip(bias) {
            *value = A::apply(*value + b);
        }
    }
}

/// ∂L/∂b += δ of every position in turn, for channels-last δ of `grad_b.len()` channels.
fn accumulate_bias_gradient(delta: &[f32], grad_b: &mut [f32]) {
    for pixel in delta.chunks_exact(grad_b.len()) {
        for (grad, &d) in grad_b.iter_mut().zip(pixel) {
            *grad += d;
        }
    }
}

/// The four-dimensional weight array (A×K×K×D) as one slice, in storage order.
fn flat<const A: usize, const K: usize, const D: usize>(
    weight: &[[[[f32; D]; K]; K]; A],
) -> &[f32] {
    weight.as_flattened().as_flattened().as_flattened()
}

/// The four-dimensional weight array (A×K×K×D) as one mutable slice, in storage order.
fn flat_mut<const A: usize, const K: usize, const D: usize>(
    weight: &mut [[[[f32; D]; K]; K]; A],
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
