//! A 2-D convolution with its activation: y = f(W ∗ x + b).

use core::marker::PhantomData;

use bytemuck::AnyBitPattern;

use super::geometry::Geometry;
use super::lowered::{CHUNK, lowers};
use super::{
    accumulate_bias_gradient, add_bias_and_activate, direct, flat, flat_mut, lowered, sized,
    sized_mut,
};
use crate::activation::{Activation, Identity};
use crate::batch::{batch_len, split_buffer};
use crate::network::{Architecture, ConvShape, LayerShape, push_shape};
use crate::rng::{SeededRng, uniform_symmetric};
use crate::{Error, Network, Parameters};

/// A convolution from `C` channels of `H`×`W` to `F` channels with a `K`×`K` kernel, stride
/// `S` and `P` zeros of padding on every side, then activation `A`: PyTorch's
/// `Conv2d(C, F, K, stride=S, padding=P)`. The output is F×HO×WO with
/// HO = ⌊(H + 2P − K)/S⌋ + 1 ([`Conv2d::OUT_HEIGHT`], [`Conv2d::OUT_WIDTH`]).
///
/// Sizes that make no convolution (a zero size, a kernel larger than the padded input,
/// padding of a whole kernel, sizes too large for a weight header) fail to compile where the
/// layer is used.
///
/// ```
/// use tinyvae_core::conv::Conv2d;
/// use tinyvae_core::{Network, Parameters, Relu, seeded_rng};
///
/// // 1×28×28 → 32×14×14, as the first layer of Keras's VAE example.
/// type First = Conv2d<1, 28, 28, 32, 3, 2, 1, Relu>;
/// assert_eq!((First::INPUTS, First::OUTPUTS), (784, 32 * 14 * 14));
/// let mut layer: First = bytemuck::Zeroable::zeroed();
/// layer.initialize(&mut seeded_rng(1));
/// let mut activations = vec![0.0; First::ACTIVATIONS];
/// layer.forward(&[0.5; 784], &mut activations, 1)?;
/// assert!(First::output(&activations, 1)?.iter().all(|&y| y >= 0.0));
/// # Ok::<(), tinyvae_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct Conv2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    A = Identity,
> {
    /// W (F, K, K, C): `weight[f][kh][kw][c]`.
    pub weight: [[[[f32; C]; K]; K]; F],
    /// b (F), one per output channel.
    pub bias: [f32; F],
    activation: PhantomData<A>,
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    A: Activation,
> Conv2d<C, H, W, F, K, S, P, A>
{
    const GEOMETRY: Geometry = Geometry::new(C, H, W, F, K, S, P);
    /// Evaluated (and so checked at compile time) by every use of the layer.
    const VALID: () = assert!(
        Self::GEOMETRY.is_valid(),
        "Conv2d: sizes must be positive, the kernel fit the padded input, the padding be smaller than the kernel, and channels and sides fit 16 bits"
    );
    /// Output height ⌊(H + 2P − K)/S⌋ + 1.
    pub const OUT_HEIGHT: usize = Self::GEOMETRY.out_height;
    /// Output width ⌊(W + 2P − K)/S⌋ + 1.
    pub const OUT_WIDTH: usize = Self::GEOMETRY.out_width;
    /// Floats per sample of the lowered input the batch path keeps: HO·WO × K·K·C where the
    /// layer lowers, else 0.
    const LOWERED: usize = if lowers(&Self::GEOMETRY) {
        Self::GEOMETRY.taps() * Self::GEOMETRY.positions()
    } else {
        0
    };

    /// Whether a batch of `batch` samples runs through the GEMM.
    const fn batched(batch: usize) -> bool {
        Self::LOWERED > 0 && batch > 5
    }
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    A: Activation,
> Parameters for Conv2d<C, H, W, F, K, S, P, A>
{
    const TENSORS: usize = 2;
    const SCALARS: usize = F * C * K * K + F;

    fn tensor(&self, index: usize) -> &[f32] {
        match index {
            0 => flat(&self.weight),
            1 => &self.bias,
            _ => &[],
        }
    }

    fn tensor_mut(&mut self, index: usize) -> &mut [f32] {
        match index {
            0 => flat_mut(&mut self.weight),
            1 => &mut self.bias,
            _ => &mut [],
        }
    }

    /// W and b from U(−1/√(C·K·K), 1/√(C·K·K)), as PyTorch's `nn.Conv2d` does.
    fn initialize(&mut self, rng: &mut SeededRng) {
        let bound = 1.0 / libm::sqrtf((C * K * K) as f32);
        for index in 0..Self::TENSORS {
            for value in self.tensor_mut(index) {
                *value = uniform_symmetric(rng, bound);
            }
        }
    }

    /// W from U(−√(6/(K·K·(C + F))), √(6/(K·K·(C + F)))), b = 0, as Keras's `Conv2D` does.
    fn initialize_glorot(&mut self, rng: &mut SeededRng) {
        crate::parameters::glorot(
            flat_mut(&mut self.weight),
            &mut self.bias,
            K * K * (C + F),
            rng,
        );
    }
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    A: Activation,
> Network for Conv2d<C, H, W, F, K, S, P, A>
{
    const INPUTS: usize = C * H * W;
    const OUTPUTS: usize = Self::GEOMETRY.outputs();
    const ACTIVATIONS: usize = Self::LOWERED + Self::OUTPUTS;
    const SCRATCH: usize = Self::LOWERED;
    /// F·C for each pair of an output position and a kernel tap inside the input (taps in the
    /// padding are skipped).
    const MACS: usize = Self::GEOMETRY.macs();
    const CONVOLUTIONAL: bool = true;

    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        let () = Self::VALID;
        let layer = LayerShape {
            inputs: Self::INPUTS as u32,
            outputs: Self::OUTPUTS as u32,
            activation: A::CODE,
            conv: Some(ConvShape {
                transposed: false,
                in_channels: C as u16,
                in_height: H as u16,
                in_width: W as u16,
                out_channels: F as u16,
                kernel: K as u8,
                stride: S as u8,
                padding: P as u8,
                output_padding: 0,
            }),
        };
        push_shape(architecture, layer)
    }

    fn forward(&self, input: &[f32], activations: &mut [f32], batch: usize) -> Result<(), Error> {
        let () = Self::VALID;
        let g = &Self::GEOMETRY;
        let x = sized(input, Self::INPUTS, batch)?;
        let split = batch_len(Self::LOWERED, batch, activations.len())?;
        let (lowered_all, rest) = split_buffer(activations, split)?;
        let y = sized_mut(rest, Self::OUTPUTS, batch)?;
        let weight = flat(&self.weight);
        if Self::batched(batch) {
            let chunks = x
                .chunks(CHUNK * Self::INPUTS)
                .zip(y.chunks_mut(CHUNK * Self::OUTPUTS))
                .zip(lowered_all.chunks_mut(CHUNK * Self::LOWERED));
            for ((x, y), l) in chunks {
                let samples = x.len() / Self::INPUTS;
                lowered::lower(g, x, samples, l);
                lowered::convolve(g, weight, l, samples, y);
                add_bias_and_activate::<A>(&self.bias, y);
            }
            return Ok(());
        }
        let samples = x
            .chunks_exact(Self::INPUTS)
            .zip(y.chunks_exact_mut(Self::OUTPUTS));
        for (x, y) in samples {
            direct::convolve(g, weight, x, y);
            add_bias_and_activate::<A>(&self.bias, y);
        }
        Ok(())
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
        let () = Self::VALID;
        let g = &Self::GEOMETRY;
        let x = sized(input, Self::INPUTS, batch)?;
        let outputs = Self::output(activations, batch)?;
        let delta = sized_mut(grad_output, Self::OUTPUTS, batch)?;
        // ∂L/∂(W ∗ x + b) = ∂L/∂y ⊙ f′.
        A::backward_in_place(outputs, delta);
        let delta = &*delta;
        let weight = flat(&self.weight);
        let grad_input = match grad_input {
            Some(buffer) => Some(sized_mut(buffer, Self::INPUTS, batch)?),
            None => None,
        };
        accumulate_bias_gradient(delta, &mut grads.bias);
        if Self::batched(batch) {
            let lowered_all = sized(activations, Self::LOWERED, batch)?;
            lowered::accumulate_weight_gradient(
                g,
                delta,
                lowered_all,
                batch,
                flat_mut(&mut grads.weight),
            );
            if let Some(grad_input) = grad_input {
                let l_bar = sized_mut(scratch, Self::LOWERED, batch.min(CHUNK))?;
                let chunks = delta
                    .chunks(CHUNK * Self::OUTPUTS)
                    .zip(grad_input.chunks_mut(CHUNK * Self::INPUTS));
                for (delta, grad_input) in chunks {
                    lowered::convolve_adjoint(g, weight, delta, delta.len() / Self::OUTPUTS, l_bar);
                    let images = grad_input.chunks_exact_mut(Self::INPUTS);
                    for (grad_x, l_bar) in images.zip(l_bar.chunks_exact(Self::LOWERED)) {
                        lowered::add_rows_to_image(g, l_bar, grad_x);
                    }
                }
            }
            return Ok(());
        }
        let samples = delta
            .chunks_exact(Self::OUTPUTS)
            .zip(x.chunks_exact(Self::INPUTS));
        for (delta, x) in samples {
            direct::accumulate_weight_gradient(g, delta, x, flat_mut(&mut grads.weight));
        }
        if let Some(grad_input) = grad_input {
            let images = grad_input.chunks_exact_mut(Self::INPUTS);
            for (grad_x, delta) in images.zip(delta.chunks_exact(Self::OUTPUTS)) {
                direct::convolve_adjoint(g, weight, delta, grad_x);
            }
        }
        Ok(())
    }
}
