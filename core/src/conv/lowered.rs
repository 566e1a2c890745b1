//! The batch path of a convolution: each sample's input lowered to a matrix (im2col), so the
//! convolution, its adjoint and its weight gradient are each one matrix product, handed to
//! the GEMM the dense layers use (`matrixmultiply`, in std builds).
//!
//! The lowered matrix of a C×H×W sample has a row per input channel and kernel tap (C·K·K
//! rows, in the weights' order) and a column per output position (HO·WO), row-major: entry
//! (c·K·K + kh·K + kw, oh·WO + ow) is x[c][oh·S − P + kh][ow·S − P + kw], or 0 in the padding.
//! Then y = W·L (F×HO·WO), ∂L/∂W += δ·Lᵀ, and ∂L/∂x is the sum back into the image of Wᵀ·δ
//! ([`add_columns_to_image`], col2im).
//!
//! The products sum in the GEMM's order, not the one-sample loops' ([`super::direct`]): the
//! two paths agree to rounding, not bit for bit, and which one runs depends only on the batch
//! size and the build ([`lowers`]), never on the thread count.

use nalgebra::{Dyn, MatrixView, MatrixViewMut};

use super::geometry::Geometry;
use crate::dense::gemm_pays;

/// A matrix over a caller's slice with any strides.
type View<'a> = MatrixView<'a, f32, Dyn, Dyn, Dyn, Dyn>;
/// A writable matrix over a caller's slice with any strides.
type ViewMut<'a> = MatrixViewMut<'a, f32, Dyn, Dyn, Dyn, Dyn>;

/// Whether batches of a convolution of this geometry go through the GEMM: in std builds, when
/// every side of its three products exceeds 5 (below that nalgebra would not hand them to
/// `matrixmultiply`). Device builds never lower, and keep no lowered matrix.
pub(crate) const fn lowers(g: &Geometry) -> bool {
    gemm_pays(g.filters, g.taps(), g.positions())
}

/// `rows`×`cols` stored row by row in `data` (exactly `rows`·`cols` floats).
fn row_major(data: &[f32], rows: usize, cols: usize) -> View<'_> {
    View::from_slice_with_strides_generic(data, Dyn(rows), Dyn(cols), Dyn(cols), Dyn(1))
}

/// The transpose (`cols`×`rows`) of the `rows`×`cols` row-major matrix in `data`.
fn transposed(data: &[f32], rows: usize, cols: usize) -> View<'_> {
    View::from_slice_with_strides_generic(data, Dyn(cols), Dyn(rows), Dyn(1), Dyn(cols))
}

/// `rows`×`cols` stored row by row in `data`, writable.
fn row_major_mut(data: &mut [f32], rows: usize, cols: usize) -> ViewMut<'_> {
    ViewMut::from_slice_with_strides_generic(data, Dyn(rows), Dyn(cols), Dyn(cols), Dyn(1))
}

/// Writes the lowered matrix of `x` (C×H×W) into `lowered` (C·K·K × HO·WO, row-major).
pub(crate) fn lower(g: &Geometry, x: &[f32], lowered: &mut [f32]) {
    let (k, plane, positions) = (g.kernel, g.height * g.width, g.positions());
    let mut rows = lowered.chunks_exact_mut(positions);
    for image in x.chunks_exact(plane) {
        for kh in 0..k {
            for kw in 0..k {
                let Some(row) = rows.next() else { return };
                for (oh, out) in row.chunks_exact_mut(g.out_width).enumerate() {
                    let ih = (oh * g.stride + kh) as isize - g.padding as isize;
                    if ih < 0 || ih as usize >= g.height {
                        out.fill(0.0);
                        continue;
                    }
                    let line = &image[ih as usize * g.width..(ih as usize + 1) * g.width];
                    for (ow, value) in out.iter_mut().enumerate() {
                        let iw = (ow * g.stride + kw) as isize - g.padding as isize;
                        *value = if iw < 0 || iw as usize >= g.width {
                            0.0
                        } else {
                            line[iw as usize]
                        };
                    }
                }
            }
        }
    }
}

/// Sums the lowered matrix `lowered` back into the image `x` (C×H×W, overwritten): each
/// input is the sum, from 0 in row order, of the entries that [`lower`] would copy it to.
pub(crate) fn add_columns_to_image(g: &Geometry, lowered: &[f32], x: &mut [f32]) {
    x.fill(0.0);
    let (k, plane, positions) = (g.kernel, g.height * g.width, g.positions());
    let mut rows = lowered.chunks_exact(positions);
    for image in x.chunks_exact_mut(plane) {
        for kh in 0..k {
            for kw in 0..k {
                let Some(row) = rows.next() else { return };
                for (oh, out) in row.chunks_exact(g.out_width).enumerate() {
                    let ih = (oh * g.stride + kh) as isize - g.padding as isize;
                    if ih < 0 || ih as usize >= g.height {
                        continue;
                    }
                    let line = &mut image[ih as usize * g.width..(ih as usize + 1) * g.width];
                    for (ow, &value) in out.iter().enumerate() {
                        let iw = (ow * g.stride + kw) as isize - g.padding as isize;
                        if iw >= 0 && (iw as usize) < g.width {
                            line[iw as usize] += value;
                        }
                    }
                }
            }
        }
    }
}

/// y = W·L: `w` F×C·K·K, `lowered` C·K·K × HO·WO, `y` F×HO·WO (overwritten), without bias.
pub(crate) fn convolve(g: &Geometry, w: &[f32], lowered: &[f32], y: &mut [f32]) {
    let (f, t, p) = (g.filters, g.taps(), g.positions());
    let mut y = row_major_mut(y, f, p);
    y.gemm(1.0, &row_major(w, f, t), &row_major(lowered, t, p), 0.0);
}

/// L̄ = Wᵀ·δ: `w` F×C·K·K, `delta` F×HO·WO, `lowered` receives C·K·K × HO·WO, which
/// [`add_columns_to_image`] turns into the adjoint's image.
pub(crate) fn convolve_adjoint(g: &Geometry, w: &[f32], delta: &[f32], lowered: &mut [f32]) {
    let (f, t, p) = (g.filters, g.taps(), g.positions());
    let mut lowered = row_major_mut(lowered, t, p);
    lowered.gemm(1.0, &transposed(w, f, t), &row_major(delta, f, p), 0.0);
}

/// ∂L/∂W += δ·Lᵀ: `delta` F×HO·WO, `lowered` C·K·K × HO·WO, `grad_w` F×C·K·K.
pub(crate) fn accumulate_weight_gradient(
    g: &Geometry,
    delta: &[f32],
    lowered: &[f32],
    grad_w: &mut [f32],
) {
    let (f, t, p) = (g.filters, g.taps(), g.positions());
    let mut grad_w = row_major_mut(grad_w, f, t);
    grad_w.gemm(
        1.0,
        &row_major(delta, f, p),
        &transposed(lowered, t, p),
        1.0,
    );
}
