//! A fully connected layer with its activation: y = f(Wx + b).

use core::marker::PhantomData;

use bytemuck::AnyBitPattern;
use nalgebra::{Const, Dyn, MatrixView, SMatrix, SVector};

use crate::activation::{Activation, Identity};
use crate::batch::{Batch, BatchMut, batch_view, batch_view_mut};
use crate::network::{Architecture, LayerShape, MAX_LAYERS};
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
}

impl<const I: usize, const O: usize, A: Activation> Network for Dense<I, O, A> {
    const INPUTS: usize = I;
    const OUTPUTS: usize = O;
    const ACTIVATIONS: usize = O;
    const SCRATCH: usize = 0;

    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        let layer = LayerShape {
            inputs: I as u32,
            outputs: O as u32,
            activation: A::CODE,
        };
        architecture.push(layer).map_err(|_| Error::BufferTooSmall {
            needed: architecture.len() + 1,
            found: MAX_LAYERS,
        })
    }

    fn forward(&self, input: &[f32], activations: &mut [f32], batch: usize) -> Result<(), Error> {
        let x = batch_view::<I>(input, batch)?;
        let mut y = batch_view_mut::<O>(activations, batch)?;
        self.affine(&x, &mut y);
        y.iter_mut().for_each(|v| *v = A::apply(*v));
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
        let needed = O * batch;
        let found = grad_output.len();
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

#[cfg(test)]
mod tests;
