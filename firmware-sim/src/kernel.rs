//! The benchmark kernel: a dense layer `y = Wᵀx` with `W` a 64×32 `f32` matrix stored
//! column-major, so each output's weights are contiguous and each output is one dot
//! product (nalgebra's `gemv_tr`).

use nalgebra::{SMatrixView, SVector};

/// Inputs of the dense layer (rows of `W`).
pub const IN: usize = 64;
/// Outputs of the dense layer (columns of `W`).
pub const OUT: usize = 32;
/// Multiply-accumulates per evaluation.
pub const MACS: usize = IN * OUT;

/// The weights, viewed in place: column `j` holds output `j`'s weights.
pub type Weights<'a> = SMatrixView<'a, f32, IN, OUT>;

/// Views `MACS` floats as the weight matrix (column-major).
pub fn weights(data: &[f32; MACS]) -> Weights<'_> {
    Weights::from_slice(data)
}

/// `y = Wᵀx` through nalgebra (`gemv_tr`: one contiguous column dot product per output).
///
/// Never inlined, so a benchmark times real calls.
#[inline(never)]
pub fn dense_tr(w: &Weights<'_>, x: &SVector<f32, IN>, y: &mut SVector<f32, OUT>) {
    y.gemv_tr(1.0, w, x, 0.0);
}

/// The same product with plain loops: the reference the kernel is checked against.
pub fn dense_reference(w: &[f32; MACS], x: &[f32; IN]) -> [f32; OUT] {
    let mut y = [0.0; OUT];
    for (yj, col) in y.iter_mut().zip(w.chunks_exact(IN)) {
        *yj = col.iter().zip(x).map(|(a, b)| a * b).sum();
    }
    y
}

/// The benchmark input: a fixed pattern in [-1, 1].
pub fn bench_input() -> SVector<f32, IN> {
    SVector::from_fn(|i, _| ((i * 7 % 13) as f32 - 6.0) / 6.0)
}
