//! The three kernels of a convolution for one sample, as direct loops in a fixed summation
//! order: what a device runs, and what a host runs for small batches, bit for bit the same.
//!
//! Tensors are channels-last (H×W×C) and weights filter-major with the input channel
//! innermost (F×K×K×C), so every inner loop runs over contiguous floats: a kernel row's taps
//! and their channels are one run in both the input and the filter. Each output is a sum
//! started from 0 and taken in loop order (kernel row, then kernel column and channel); taps
//! in the padding are skipped, not added as zeros. IEEE basic operations are correctly rounded
//! and Rust never fuses a multiply and an add on its own, so every target computes the same
//! bits.

use super::geometry::Geometry;

/// y[oh][ow][f] = Σ_kh Σ_kw Σ_c w[f][kh][kw][c]·x[oh·S − P + kh][ow·S − P + kw][c], over the
/// taps inside the input; `w` is F×K×K×C, `x` H×W×C and `y` HO×WO×F. Writes sums without
/// bias.
pub(crate) fn convolve(g: &Geometry, w: &[f32], x: &[f32], y: &mut [f32]) {
    let (k, c) = (g.kernel, g.channels);
    let pixels = y.chunks_exact_mut(g.filters);
    for (position, out) in pixels.enumerate() {
        let (oh, ow) = (position / g.out_width, position % g.out_width);
        let (kh_start, kh_end, row0) = g.window(oh, g.height);
        let (kw_start, kw_end, col0) = g.window(ow, g.width);
        let run = (kw_end - kw_start) * c;
        let first = (col0 + kw_start as isize) as usize;
        for (value, filter) in out.iter_mut().zip(w.chunks_exact(g.taps())) {
            let mut sum = 0.0f32;
            for kh in kh_start..kh_end {
                let ih = (row0 + kh as isize) as usize;
                let inputs = &x[(ih * g.width + first) * c..][..run];
                let weights = &filter[(kh * k + kw_start) * c..][..run];
                for (&a, &b) in weights.iter().zip(inputs) {
                    sum += a * b;
                }
            }
            *value = sum;
        }
    }
}

/// The adjoint of [`convolve`]: x[i][j][c] = Σ_kh Σ_kw Σ_f w[f][kh][kw][c]·y[oh][ow][f] over
/// the outputs (oh, ow) whose window reads (i, j) through (kh, kw); `y` is HO×WO×F and `x`
/// receives H×W×C. Each input is one sum from 0 in the order kernel row, kernel column,
/// filter.
pub(crate) fn convolve_adjoint(g: &Geometry, w: &[f32], y: &[f32], x: &mut [f32]) {
    let (k, c, taps) = (g.kernel, g.channels, g.taps());
    for (pixel, out) in x.chunks_exact_mut(c).enumerate() {
        let (i, j) = (pixel / g.width, pixel % g.width);
        out.fill(0.0);
        for (kh, oh) in g.reaching(i, g.out_height) {
            for (kw, ow) in g.reaching(j, g.out_width) {
                let deltas = &y[(oh * g.out_width + ow) * g.filters..][..g.filters];
                let tap = (kh * k + kw) * c;
                for (f, &d) in deltas.iter().enumerate() {
                    let weights = &w[f * taps + tap..][..c];
                    for (value, &a) in out.iter_mut().zip(weights) {
                        *value += a * d;
                    }
                }
            }
        }
    }
}

/// ∂L/∂w += the correlation of δ with the input: for each output position in row-major
/// order, each filter f and each tap inside the input, w̄[f][kh][kw][·] +=
/// δ[oh][ow][f]·x[oh·S − P + kh][ow·S − P + kw][·]; `delta` is HO×WO×F, `x` H×W×C and
/// `grad_w` F×K×K×C.
pub(crate) fn accumulate_weight_gradient(
    g: &Geometry,
    delta: &[f32],
    x: &[f32],
    grad_w: &mut [f32],
) {
    let (k, c) = (g.kernel, g.channels);
    for (position, deltas) in delta.chunks_exact(g.filters).enumerate() {
        let (oh, ow) = (position / g.out_width, position % g.out_width);
        let (kh_start, kh_end, row0) = g.window(oh, g.height);
        let (kw_start, kw_end, col0) = g.window(ow, g.width);
        let run = (kw_end - kw_start) * c;
        let first = (col0 + kw_start as isize) as usize;
        for (&d, filter) in deltas.iter().zip(grad_w.chunks_exact_mut(g.taps())) {
            for kh in kh_start..kh_end {
                let ih = (row0 + kh as isize) as usize;
                let inputs = &x[(ih * g.width + first) * c..][..run];
                let grads = &mut filter[(kh * k + kw_start) * c..][..run];
                for (grad, &input) in grads.iter_mut().zip(inputs) {
                    *grad += d * input;
                }
            }
        }
    }
}
