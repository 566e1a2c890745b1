//! A fully connected layer with its activation: y = f(Wx + b).

use core::marker::PhantomData;

use bytemuck::AnyBitPattern;
use nalgebra::{Const, Dyn, MatrixView, SMatrix, SVector};

use crate::activation::{Activation, Identity};
use crate::batch::{Batch, BatchMut, batch_len, batch_view, batch_view_mut};
use crate::network::{Architecture, LayerShape, push_shape};
use crate::rng::{SeededRng, uniform_symmetric};
use crate::{Error, Network, Parameters};

/// A dense layer from `I` to `O` features with activation `A`: y = f(Wx + b), W being O×I.
///
/// W is stored transposed: `weight` is I×O column-major, so column `o` holds the `I` weights
/// into output `o` contiguously and one sample's forward pass is `O` contiguous dot products,
/// the cheapest form on a microcontroller (about 4 instructions per multiply-accumulate on a
/// Cortex-M4 against about 10 for column-major W·x).
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct Dense<const I: usize, const O: usize, A = Identity> {
    /// Wᵀ (I×O): column `o` is row `o` of W.
    pub weight: SMatrix<f32, I, O>,
    /// b (O).
    pub bias: SVector<f32, O>,
    activation: PhantomData<A>,
}

impl<const I: usize, const O: usize, A: Activation> Dense<I, O, A> {
    /// W as an O×I view of the transposed storage (no copy).
    fn weight_view(&self) -> MatrixView<'_, f32, Const<O>, Const<I>, Dyn, Dyn> {
        MatrixView::from_slice_with_strides_generic(
            self.weight.as_slice(),
            Const::<O>,
            Const::<I>,
            Dyn(I),
            Dyn(1),
        )
    }

    /// Y = WX + b·1ᵀ for X of shape I×B, before the activation.
    fn affine(&self, x: &Batch<'_, I>, y: &mut BatchMut<'_, O>) {
        if gemm_pays(I, O, x.ncols()) {
            y.gemm(1.0, &self.weight_view(), x, 0.0);
            for mut column in y.column_iter_mut() {
                column += &self.bias;
            }
            return;
        }
        for (x_column, mut y_column) in x.column_iter().zip(y.column_iter_mut()) {
            y_column.copy_from(&self.bias);
            y_column.gemv_tr(1.0, &self.weight, &x_column, 1.0);
        }
    }

    /// y = f(Wx + b) for one sample, bit for bit what `affine` (nalgebra's `gemv_tr`) and the
    /// activation give: each output is `dot + b` with `dot` summed in nalgebra's order (see
    /// [`dot_pair`]). Outputs go in pairs so every input is loaded once for two of them.
    ///
    /// In `no_std` builds never inlined: one body per layer shape, compiled on its own, the same
    /// for every caller and batch. Inlined into `forward`, its register allocation depended on
    /// the loop over the batch around it and on whether every caller of that monomorphized
    /// `forward` passed batch 1 (then LLVM folded the loop away): a second model sharing a
    /// layer shape at another batch cost the `vae-digits` inference 10 more loads per output
    /// pair in its 32 → 64 layer on the Cortex-M4F. The call costs a few instructions per
    /// sample. Host builds keep it inlined, and take the sparse path
    /// ([`Dense::forward_sample_sparse`], the same bits) when at most half the inputs are
    /// non-zero.
    #[cfg_attr(not(feature = "std"), inline(never))]
    fn forward_sample(&self, x: &[f32; I], y: &mut [f32; O]) {
        #[cfg(feature = "std")]
        if self.forward_sample_sparse(x, y) {
            return;
        }
        self.dense_sample(x, y);
    }

    /// [`Dense::forward_sample`] over every input.
    #[inline(always)]
    fn dense_sample(&self, x: &[f32; I], y: &mut [f32; O]) {
        let (columns, weight_last) = self.weight.as_slice().as_chunks::<I>();
        debug_assert!(weight_last.is_empty());
        let bias = self.bias.as_slice();
        let mut weights = columns.chunks_exact(2);
        let mut outputs = y.chunks_exact_mut(2);
        let mut biases = bias.chunks_exact(2);
        for ((w, out), b) in (&mut weights).zip(&mut outputs).zip(&mut biases) {
            let (dot_a, dot_b) = dot_pair(&w[0], &w[1], x);
            out[0] = A::apply(dot_a + b[0]);
            out[1] = A::apply(dot_b + b[1]);
        }
        if let ([w], [out], [b]) = (
            weights.remainder(),
            outputs.into_remainder(),
            biases.remainder(),
        ) {
            let (dot, _) = dot_pair(w, w, x);
            *out = A::apply(dot + *b);
        }
    }
}

/// The dot products of `a` and `b` with `x`, each summed exactly as nalgebra's `dot` sums
/// (so that this path and `gemv_tr` agree bit for bit): a·b + c·d and a + b + c for 2 and 3
/// terms, (a + c) + (b + d) for 4; otherwise eight lanes over the chunks of 8, lane k summing
/// terms k, k + 8, … in order, then 0 + (l0 + l4) + (l1 + l5) + (l2 + l6) + (l3 + l7) and the
/// leftover terms one by one. A lane starting from its first product instead of from 0 + it
/// changes at most the sign of a zero lane, which the leading 0 + … erases.
#[inline(always)]
fn dot_pair<const I: usize>(a: &[f32; I], b: &[f32; I], x: &[f32; I]) -> (f32, f32) {
    match I {
        2 => (a[0] * x[0] + a[1] * x[1], b[0] * x[0] + b[1] * x[1]),
        3 => (
            a[0] * x[0] + a[1] * x[1] + a[2] * x[2],
            b[0] * x[0] + b[1] * x[1] + b[2] * x[2],
        ),
        4 => (
            (a[0] * x[0] + a[2] * x[2]) + (a[1] * x[1] + a[3] * x[3]),
            (b[0] * x[0] + b[2] * x[2]) + (b[1] * x[1] + b[3] * x[3]),
        ),
        _ => {
            let (a_chunks, a_rest) = a.as_chunks::<8>();
            let (b_chunks, b_rest) = b.as_chunks::<8>();
            let (x_chunks, x_rest) = x.as_chunks::<8>();
            let mut res_a = 0.0f32;
            let mut res_b = 0.0f32;
            if let (Some((a0, a_chunks)), Some((b0, b_chunks)), Some((x0, x_chunks))) = (
                a_chunks.split_first(),
                b_chunks.split_first(),
                x_chunks.split_first(),
            ) {
                let mut lanes_a: [f32; 8] = core::array::from_fn(|k| a0[k] * x0[k]);
                let mut lanes_b: [f32; 8] = core::array::from_fn(|k| b0[k] * x0[k]);
                for ((ac, bc), xc) in a_chunks.iter().zip(b_chunks).zip(x_chunks) {
                    for k in 0..8 {
                        lanes_a[k] += ac[k] * xc[k];
                        lanes_b[k] += bc[k] * xc[k];
                    }
                }
                for k in 0..4 {
                    res_a += lanes_a[k] + lanes_a[k + 4];
                    res_b += lanes_b[k] + lanes_b[k + 4];
                }
            }
            for ((&ak, &bk), &xk) in a_rest.iter().zip(b_rest).zip(x_rest) {
                res_a += ak * xk;
                res_b += bk * xk;
            }
            (res_a, res_b)
        }
    }
}

impl<const I: usize, const O: usize, A: Activation> Parameters for Dense<I, O, A> {
    const TENSORS: usize = 2;
    const SCALARS: usize = I * O + O;

    fn tensor(&self, index: usize) -> &[f32] {
        match index {
            0 => self.weight.as_slice(),
            1 => self.bias.as_slice(),
            _ => &[],
        }
    }

    fn tensor_mut(&mut self, index: usize) -> &mut [f32] {
        match index {
            0 => self.weight.as_mut_slice(),
            1 => self.bias.as_mut_slice(),
            _ => &mut [],
        }
    }

    /// W and b from U(−1/√I, 1/√I), as PyTorch's `nn.Linear` does.
    fn initialize(&mut self, rng: &mut SeededRng) {
        let bound = 1.0 / libm::sqrtf(I as f32);
        for index in 0..Self::TENSORS {
            for value in self.tensor_mut(index) {
                *value = uniform_symmetric(rng, bound);
            }
        }
    }

    /// W from U(−√(6/(I + O)), √(6/(I + O))), b = 0, as Keras's `Dense` does.
    fn initialize_glorot(&mut self, rng: &mut SeededRng) {
        crate::parameters::glorot(
            self.weight.as_mut_slice(),
            self.bias.as_mut_slice(),
            I + O,
            rng,
        );
    }
}

impl<const I: usize, const O: usize, A: Activation> Network for Dense<I, O, A> {
    const INPUTS: usize = I;
    const OUTPUTS: usize = O;
    const ACTIVATIONS: usize = O;
    const SCRATCH: usize = 0;
    const MACS: usize = I * O;

    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        let layer = LayerShape {
            inputs: I as u32,
            outputs: O as u32,
            activation: A::CODE,
            conv: None,
        };
        push_shape(architecture, layer)
    }

    fn forward(&self, input: &[f32], activations: &mut [f32], batch: usize) -> Result<(), Error> {
        let x = batch_view::<I>(input, batch)?;
        let mut y = batch_view_mut::<O>(activations, batch)?;
        if gemm_pays(I, O, batch) {
            self.affine(&x, &mut y);
            y.iter_mut().for_each(|v| *v = A::apply(*v));
            return Ok(());
        }
        let (inputs, _) = x.as_slice().as_chunks::<I>();
        let (outputs, _) = y.as_mut_slice().as_chunks_mut::<O>();
        for (x, y) in inputs.iter().zip(outputs) {
            self.forward_sample(x, y);
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
        _scratch: &mut [f32],
        batch: usize,
    ) -> Result<(), Error> {
        let x = batch_view::<I>(input, batch)?;
        let outputs = Self::output(activations, batch)?;
        let found = grad_output.len();
        let needed = batch_len(O, batch, found)?;
        let grad_output = grad_output
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed, found })?;
        // ∂L/∂(Wx + b) = ∂L/∂y ⊙ f′.
        A::backward_in_place(outputs, grad_output);
        let delta = batch_view::<O>(grad_output, batch)?;

        for column in delta.column_iter() {
            grads.bias += column;
        }
        accumulate_weight_gradient(&mut grads.weight, &x, &delta, grad_output, batch);
        if let Some(grad_input) = grad_input {
            // ∂L/∂x = Wᵀδ, which is `weight`·δ in the transposed storage.
            let mut grad_x = batch_view_mut::<I>(grad_input, batch)?;
            grad_x.gemm(1.0, &self.weight, &delta, 0.0);
        }
        Ok(())
    }
}

/// Whether a product of these sizes goes to `matrixmultiply`: only std builds have it, and
/// nalgebra hands it only products whose every side exceeds 5 (its smaller ones fall back to
/// loops that do not take the strided views used here).
pub(crate) const fn gemm_pays(inputs: usize, outputs: usize, batch: usize) -> bool {
    cfg!(feature = "std") && inputs > 5 && outputs > 5 && batch > 5
}

/// ∂L/∂Wᵀ += X·δᵀ (I×O), the transposed storage of ∂L/∂W = δXᵀ.
fn accumulate_weight_gradient<const I: usize, const O: usize>(
    grad_weight: &mut SMatrix<f32, I, O>,
    x: &Batch<'_, I>,
    delta: &Batch<'_, O>,
    delta_data: &[f32],
    batch: usize,
) {
    if gemm_pays(I, O, batch) {
        // δᵀ as a B×O view of the same floats.
        let delta_t = MatrixView::from_slice_with_strides_generic(
            delta_data,
            Dyn(batch),
            Const::<O>,
            Dyn(O),
            Dyn(1),
        );
        grad_weight.gemm(1.0, x, &delta_t, 1.0);
        return;
    }
    for (x_column, delta_column) in x.column_iter().zip(delta.column_iter()) {
        grad_weight.ger(1.0, &x_column, &delta_column, 1.0);
    }
}

#[cfg(feature = "std")]
mod sparse;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod sample_path_tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::activation::Sigmoid;
    use crate::seeded_rng;
    use bytemuck::Zeroable;

    /// `forward_sample` against nalgebra's `gemv_tr` plus the activation, bit for bit, on
    /// random values and on inputs whose products are signed zeros.
    fn agrees_with_gemv_tr<const I: usize, const O: usize>(seed: u64) {
        let mut rng = seeded_rng(seed);
        let mut layer = Dense::<I, O, Sigmoid>::zeroed();
        for round in 0..20 {
            layer.initialize(&mut rng);
            let mut x = [0.0f32; I];
            for (i, v) in x.iter_mut().enumerate() {
                *v = match round % 4 {
                    0 => uniform_symmetric(&mut rng, 3.0),
                    1 => 0.0,
                    2 => -0.0,
                    _ => [0.0, -0.0, 1.5, -2.25][i % 4],
                };
            }
            if round % 2 == 1 {
                layer.bias.iter_mut().step_by(2).for_each(|b| *b = -0.0);
                layer.weight.iter_mut().step_by(3).for_each(|w| *w = 0.0);
            }
            let mut expected = SVector::<f32, O>::zeros();
            expected.copy_from(&layer.bias);
            expected.gemv_tr(1.0, &layer.weight, &SVector::<f32, I>::from(x), 1.0);
            let mut identity = [0.0f32; O];
            let linear = Dense::<I, O, Identity> {
                weight: layer.weight,
                bias: layer.bias,
                activation: PhantomData,
            };
            linear.forward_sample(&x, &mut identity);
            let mut activated = [0.0f32; O];
            layer.forward_sample(&x, &mut activated);
            for o in 0..O {
                assert_eq!(
                    identity[o].to_bits(),
                    expected[o].to_bits(),
                    "{I}→{O} output {o}"
                );
                let sigmoid = Sigmoid::apply(expected[o]);
                assert_eq!(
                    activated[o].to_bits(),
                    sigmoid.to_bits(),
                    "{I}→{O} output {o}"
                );
            }
        }
    }

    #[test]
    fn single_sample_path_matches_gemv_tr_bitwise() {
        agrees_with_gemv_tr::<1, 3>(1);
        agrees_with_gemv_tr::<2, 32>(2);
        agrees_with_gemv_tr::<3, 5>(3);
        agrees_with_gemv_tr::<4, 7>(4);
        agrees_with_gemv_tr::<5, 2>(5);
        agrees_with_gemv_tr::<7, 1>(6);
        agrees_with_gemv_tr::<8, 3>(7);
        agrees_with_gemv_tr::<9, 4>(8);
        agrees_with_gemv_tr::<16, 5>(9);
        agrees_with_gemv_tr::<23, 3>(10);
        agrees_with_gemv_tr::<32, 2>(11);
        agrees_with_gemv_tr::<32, 64>(12);
        agrees_with_gemv_tr::<64, 32>(13);
        agrees_with_gemv_tr::<64, 16>(14);
    }
}
