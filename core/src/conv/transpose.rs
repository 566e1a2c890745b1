//! A 2-D transposed convolution with its activation, the layer that rebuilds an image.

use core::marker::PhantomData;

use bytemuck::AnyBitPattern;

use super::geometry::{Geometry, transposed_side};
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

/// A transposed convolution from `C` channels of `H`×`W` to `F` channels with a `K`×`K`
/// kernel, stride `S`, padding `P` and output padding `OP`, then activation `A`: PyTorch's
/// `ConvTranspose2d(C, F, K, stride=S, padding=P, output_padding=OP)`. The output is F×HO×WO
/// with HO = (H − 1)·S − 2P + K + OP ([`ConvTranspose2d::OUT_HEIGHT`]); each input value adds
/// its weighted kernel into the output at (i·S − P + kh, j·S − P + kw).
///
/// It is the adjoint of the convolution F×HO×WO → C×H×W with the same kernel, stride and
/// padding, and is computed as such. `OP` < `S`, as PyTorch requires, and sizes that make
/// no such pair fail to compile where the layer is used.
///
/// ```
/// use tinyvae_core::conv::ConvTranspose2d;
/// use tinyvae_core::{Network, Relu};
///
/// // 64×7×7 → 64×14×14, as the first upsampling layer of Keras's VAE example ("same",
/// // stride 2: PyTorch's padding 1 and output padding 1).
/// type Up = ConvTranspose2d<64, 7, 7, 64, 3, 2, 1, 1, Relu>;
/// assert_eq!((Up::OUT_HEIGHT, Up::OUTPUTS), (14, 64 * 14 * 14));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct ConvTranspose2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const OP: usize,
    A = Identity,
> {
    /// W (C, K, K, F): `weight[c][kh][kw][f]`.
    pub weight: [[[[f32; F]; K]; K]; C],
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
    const OP: usize,
    A: Activation,
> ConvTranspose2d<C, H, W, F, K, S, P, OP, A>
{
    /// Output height (H − 1)·S − 2P + K + OP.
    pub const OUT_HEIGHT: usize = transposed_side(H, K, S, P, OP);
    /// Output width (W − 1)·S − 2P + K + OP.
    pub const OUT_WIDTH: usize = transposed_side(W, K, S, P, OP);
    /// The convolution this layer is the adjoint of: F×HO×WO → C×H×W.
    const GEOMETRY: Geometry = Geometry::new(F, Self::OUT_HEIGHT, Self::OUT_WIDTH, C, K, S, P);
    /// Evaluated (and so checked at compile time) by every use of the layer.
    const VALID: () = assert!(
        Self::GEOMETRY.is_valid()
            && Self::GEOMETRY.out_height == H
            && Self::GEOMETRY.out_width == W
            && OP < S
            && OP <= u8::MAX as usize,
        "ConvTranspose2d: sizes must be positive, the output padding smaller than the stride, and the output a convolution of the same kernel would map back to H×W"
    );
    /// Floats per sample of the lowered matrix the batch path builds: H·W × K·K·F where the
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
    const OP: usize,
    A: Activation,
> Parameters for ConvTranspose2d<C, H, W, F, K, S, P, OP, A>
{
    const TENSORS: usize = 2;
    const SCALARS: usize = C * F * K * K + F;

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

    /// W and b from U(−1/√(F·K·K), 1/√(F·K·K)), as PyTorch's `nn.ConvTranspose2d` does (its
    /// fan-in is taken from the weight's second axis).
    fn initialize(&mut self, rng: &mut SeededRng) {
        let bound = 1.0 / libm::sqrtf((F * K * K) as f32);
        for index in 0..Self::TENSORS {
            for value in self.tensor_mut(index) {
                *value = uniform_symmetric(rng, bound);
            }
        }
    }

    /// W from U(−√(6/(K·K·(C + F))), √(6/(K·K·(C + F)))), b = 0, as Keras's `Conv2DTranspose` does.
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
    const OP: usize,
    A: Activation,
> Network for ConvTranspose2d<C, H, W, F, K, S, P, OP, A>
{
    const INPUTS: usize = C * H * W;
    const OUTPUTS: usize = F * Self::OUT_HEIGHT * Self::OUT_WIDTH;
    const ACTIVATIONS: usize = Self::LOWERED + Self::OUTPUTS;
    const SCRATCH: usize = Self::LOWERED;
    /// Those of the convolution it is the adjoint of: F·C for each pair of an input position
    /// and a kernel tap that reaches the output.
    const MACS: usize = Self::GEOMETRY.macs();
    const CONVOLUTIONAL: bool = true;

    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        let () = Self::VALID;
        let layer = LayerShape {
            inputs: Self::INPUTS as u32,
            outputs: Self::OUTPUTS as u32,
            activation: A::CODE,
            conv: Some(ConvShape {
                transposed: true,
                in_channels: C as u16,
                in_height: H as u16,
                in_width: W as u16,
                out_channels: F as u16,
                kernel: K as u8,
                stride: S as u8,
                padding: P as u8,
                output_padding: OP as u8,
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
            // In the adjoint's terms x is the convolution's output gradient. One chunk's
            // lowered matrix at a time, in the head of the lowered region.
            let l = &mut lowered_all[..batch.min(CHUNK) * Self::LOWERED];
            let chunks = x
                .chunks(CHUNK * Self::INPUTS)
                .zip(y.chunks_mut(CHUNK * Self::OUTPUTS));
            for (x, y) in chunks {
                lowered::convolve_adjoint(g, weight, x, x.len() / Self::INPUTS, l);
                let images = y.chunks_exact_mut(Self::OUTPUTS);
                for (y, l) in images.zip(l.chunks_exact(Self::LOWERED)) {
                    lowered::add_rows_to_image(g, l, y);
                }
                add_bias_and_activate::<A>(&self.bias, y);
            }
            return Ok(());
        }
        let samples = x
            .chunks_exact(Self::INPUTS)
            .zip(y.chunks_exact_mut(Self::OUTPUTS));
        for (x, y) in samples {
            direct::convolve_adjoint(g, weight, x, y);
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
        A::backward_in_place(outputs, delta);
        let delta = &*delta;
        let weight = flat(&self.weight);
        let grad_input = match grad_input {
            Some(buffer) => Some(sized_mut(buffer, Self::INPUTS, batch)?),
            None => None,
        };
        accumulate_bias_gradient(delta, &mut grads.bias);
        // In the adjoint's terms δ is the convolution's input and x its output gradient.
        if Self::batched(batch) {
            let l = sized_mut(scratch, Self::LOWERED, batch.min(CHUNK))?;
            let chunks = x
                .chunks(CHUNK * Self::INPUTS)
                .zip(delta.chunks(CHUNK * Self::OUTPUTS));
            let mut grad_input = grad_input.map(|all| all.chunks_mut(CHUNK * Self::INPUTS));
            for (x, delta) in chunks {
                let samples = x.len() / Self::INPUTS;
                let l = &mut l[..samples * Self::LOWERED];
                lowered::lower(g, delta, samples, l);
                lowered::accumulate_weight_gradient(g, x, l, samples, flat_mut(&mut grads.weight));
                if let Some(grad_x) = grad_input.as_mut().and_then(Iterator::next) {
                    lowered::convolve(g, weight, l, samples, grad_x);
                }
            }
            return Ok(());
        }
        let samples = x
            .chunks_exact(Self::INPUTS)
            .zip(delta.chunks_exact(Self::OUTPUTS));
        for (x, delta) in samples {
            direct::accumulate_weight_gradient(g, x, delta, flat_mut(&mut grads.weight));
        }
        if let Some(grad_input) = grad_input {
            let images = grad_input.chunks_exact_mut(Self::INPUTS);
            for (grad_x, delta) in images.zip(delta.chunks_exact(Self::OUTPUTS)) {
                direct::convolve(g, weight, delta, grad_x);
            }
        }
        Ok(())
    }
}
