//! The batch path of a convolution: the whole batch's input lowered to one matrix (im2col),
//! so the convolution, its adjoint and its weight gradient are each one matrix product over
//! every sample at once, handed to the GEMM the dense layers use (`matrixmultiply`, in std
//! builds).
//!
//! The lowered matrix has a row per sample and output position (B·HO·WO rows, sample-major)
//! and a column per kernel tap and input channel (K·K·C, in the weights' order), row-major:
//! entry (b·HO·WO + oh·WO + ow, (kh·K + kw)·C + c) is x_b[oh·S − P + kh][ow·S − P + kw][c], or 0
//! in the padding. With channels-last tensors, the rows of the product L·Wᵀ are the outputs
//! in their own layout (B·HO·WO × F), so y = L·Wᵀ, ∂L/∂W += δᵀ·L, and ∂L/∂x is the sum back
//! into the images of δ·W ([`add_rows_to_image`], col2im) with no reordering.
//!
//! The products sum in the GEMM's order, not the one-sample loops' ([`super::direct`]): the
//! two paths agree to rounding, not bit for bit, and which one runs depends only on the batch
//! size and the build ([`lowers`]).

use nalgebra::{Dyn, MatrixView, MatrixViewMut};

use super::geometry::Geometry;
use crate::dense::gemm_pays;

/// Samples lowered and multiplied at a time. Their lowered matrix (8 × 225 KB in
/// `conv-vae-mnist`'s widest layer) is still in cache when it is summed back into the images,
/// where a whole batch's would stream through memory, and the weights are packed once per 8
/// samples. Fixed, so the sums do not depend on the batch or the thread count.
pub(crate) const CHUNK: usize = 8;

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

/// Writes the lowered matrix of the `batch` samples in `x` (each H×W×C) into `lowered`
/// (B·HO·WO × K·K·C, row-major).
pub(crate) fn lower(g: &Geometry, x: &[f32], batch: usize, lowered: &mut [f32]) {
    let (k, c, plane) = (g.kernel, g.channels, g.height * g.width * g.channels);
    let rows = lowered
        .chunks_exact_mut(g.taps())
        .take(batch * g.positions());
    for (n, row) in rows.enumerate() {
        let (b, position) = (n / g.positions(), n % g.positions());
        let image = &x[b * plane..(b + 1) * plane];
        let (oh, ow) = (position / g.out_width, position % g.out_width);
        let (kh_start, kh_end, row0) = g.window(oh, g.height);
        let (kw_start, kw_end, col0) = g.window(ow, g.width);
        let first = (col0 + kw_start as isize) as usize;
        for (kh, segment) in row.chunks_exact_mut(k * c).enumerate() {
            if !(kh_start..kh_end).contains(&kh) {
                segment.fill(0.0);
                continue;
            }
            let ih = (row0 + kh as isize) as usize;
            let (before, rest) = segment.split_at_mut(kw_start * c);
            let (inside, after) = rest.split_at_mut((kw_end - kw_start) * c);
            before.fill(0.0);
            inside.copy_from_slice(&image[(ih * g.width + first) * c..][..inside.len()]);
            after.fill(0.0);
        }
    }
}

/// Sums one sample's rows of a lowered matrix (HO·WO × K·K·C) back into its image `x`
/// (H×W×C, overwritten): each input is the sum, from 0 in row order, of the entries that
/// [`lower`] would copy it to.
pub(crate) fn add_rows_to_image(g: &Geometry, lowered: &[f32], x: &mut [f32]) {
    x.fill(0.0);
    let (k, c) = (g.kernel, g.channels);
    for (position, row) in lowered
        .chunks_exact(g.taps())
        .take(g.positions())
        .enumerate()
    {
        let (oh, ow) = (position / g.out_width, position % g.out_width);
        let (kh_start, kh_end, row0) = g.window(oh, g.height);
        let (kw_start, kw_end, col0) = g.window(ow, g.width);
        let run = (kw_end - kw_start) * c;
        let first = (col0 + kw_start as isize) as usize;
        for kh in kh_start..kh_end {
            let ih = (row0 + kh as isize) as usize;
            let targets = &mut x[(ih * g.width + first) * c..][..run];
            let values = &row[(kh * k + kw_start) * c..][..run];
            for (target, &value) in targets.iter_mut().zip(values) {
                *target += value;
            }
        }
    }
}

/// y = L·Wᵀ for `batch` samples: `w` F×K·K·C, `lowered` B·HO·WO × K·K·C, `y` B·HO·WO × F
/// (overwritten), without bias.
pub(crate) fn convolve(g: &Geometry, w: &[f32], lowered: &[f32], batch: usize, y: &mut [f32]) {
    let (f, t, rows) = (g.filters, g.taps(), batch * g.positions());
    let mut y = row_major_mut(&mut y[..rows * f], rows, f);
    y.gemm(
        1.0,
        &row_major(&lowered[..rows * t], rows, t),
        &transposed(w, f, t),
        0.0,
    );
}

/// L̄ = δ·W for `batch` samples: `w` F×K·K·C, `delta` B·HO·WO × F, `lowered` receives
/// B·HO·WO × K·K·C, which [`add_rows_to_image`] turns into the adjoint's images.
pub(crate) fn convolve_adjoint(
    g: &Geometry,
    w: &[f32],
    delta: &[f32],
    batch: usize,
    lowered: &mut [f32],
) {
    let (f, t, rows) = (g.filters, g.taps(), batch * g.positions());
    let mut lowered = row_major_mut(&mut lowered[..rows * t], rows, t);
    lowered.gemm(
        1.0,
        &row_major(&delta[..rows * f], rows, f),
        &row_major(w, f, t),
        0.0,
    );
}

/// ∂L/∂W += δᵀ·L over `batch` samples: `delta` B·HO·WO × F, `lowered` B·HO·WO × K·K·C,
/// `grad_w` F×K·K·C.
pub(crate) fn accumulate_weight_gradient(
    g: &Geometry,
    delta: &[f32],
    lowered: &[f32],
    batch: usize,
    grad_w: &mut [f32],
) {
    let (f, t, rows) = (g.filters, g.taps(), batch * g.positions());
    let mut grad_w = row_major_mut(grad_w, f, t);
    grad_w.gemm(
        1.0,
        &transposed(&delta[..rows * f], rows, f),
        &row_major(&lowered[..rows * t], rows, t),
        1.0,
    );
}
