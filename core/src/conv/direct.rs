//! The three kernels of a convolution for one sample, as direct loops in a fixed summation
//! order: what a device runs, and what a host runs for small batches, bit for bit the same.
//!
//! Each output is a sum started from 0 and taken in the order the loops below visit the terms
//! (input channel, then kernel row, then kernel column; taps in the padding are skipped, not
//! added as zeros). IEEE basic operations are correctly rounded and Rust never fuses a
//! multiply and an add on its own, so every target computes the same bits.

use super::geometry::Geometry;

/// y[f][o] = Σ_c Σ_kh Σ_kw w[f][c][kh][kw]·x[c][oh·S − P + kh][ow·S − P + kw], over the taps
/// inside the input; `w` is F×C×K×K, `x` C×H×W and `y` F×HO×WO. Writes sums without bias.
pub(crate) fn convolve(g: &Geometry, w: &[f32], x: &[f32], y: &mut [f32]) {
    let (k, plane) = (g.kernel, g.height * g.width);
    let filters = w
        .chunks_exact(g.taps())
        .zip(y.chunks_exact_mut(g.positions()));
    for (filter, out) in filters {
        for oh in 0..g.out_height {
            let (kh_start, kh_end, row0) = g.window(oh, g.height);
            let rows = &mut out[oh * g.out_width..(oh + 1) * g.out_width];
            for (ow, value) in rows.iter_mut().enumerate() {
                let (kw_start, kw_end, col0) = g.window(ow, g.width);
                let mut sum = 0.0f32;
                for (taps, image) in filter.chunks_exact(k * k).zip(x.chunks_exact(plane)) {
                    for kh in kh_start..kh_end {
                        let row = (row0 + kh as isize) as usize * g.width;
                        let col = (col0 + kw_start as isize) as usize;
                        let weights = &taps[kh * k + kw_start..kh * k + kw_end];
                        let inputs = &image[row + col..row + col + weights.len()];
                        for (&a, &b) in weights.iter().zip(inputs) {
                            sum += a * b;
                        }
                    }
                }
                *value = sum;
            }
        }
    }
}

/// The adjoint of [`convolve`]: x[c][i][j] = Σ_f Σ_kh Σ_kw w[f][c][kh][kw]·y[f][oh][ow] over
/// the outputs (oh, ow) whose window reads (i, j) through (kh, kw); `y` is F×HO×WO and `x`
/// receives C×H×W. Each input is one sum in the order filter, kernel row, kernel column.
pub(crate) fn convolve_adjoint(g: &Geometry, w: &[f32], y: &[f32], x: &mut [f32]) {
    let (k, taps, positions) = (g.kernel, g.taps(), g.positions());
    let plane = g.height * g.width;
    for (c, image) in x.chunks_exact_mut(plane).enumerate() {
        for i in 0..g.height {
            for j in 0..g.width {
                let mut sum = 0.0f32;
                for f in 0..g.filters {
                    let filter = &w[f * taps + c * k * k..f * taps + (c + 1) * k * k];
                    let out = &y[f * positions..(f + 1) * positions];
                    for (kh, oh) in g.reaching(i, g.out_height) {
                        for (kw, ow) in g.reaching(j, g.out_width) {
                            sum += filter[kh * k + kw] * out[oh * g.out_width + ow];
                        }
                    }
                }
                image[i * g.width + j] = sum;
            }
        }
    }
}

/// ∂L/∂w += the correlation of δ with the input: for each weight, Σ_oh Σ_ow
/// δ[f][oh][ow]·x[c][oh·S − P + kh][ow·S − P + kw] over the outputs whose tap lies inside the
/// input, summed from 0 in row-major output order, then added to `grad_w` (F×C×K×K).
pub(crate) fn accumulate_weight_gradient(
    g: &Geometry,
    delta: &[f32],
    x: &[f32],
    grad_w: &mut [f32],
) {
    let (k, plane) = (g.kernel, g.height * g.width);
    let filters = grad_w
        .chunks_exact_mut(g.taps())
        .zip(delta.chunks_exact(g.positions()));
    for (filter, delta) in filters {
        for (taps, image) in filter.chunks_exact_mut(k * k).zip(x.chunks_exact(plane)) {
            for (tap, grad) in taps.iter_mut().enumerate() {
                let (kh, kw) = (tap / k, tap % k);
                let mut sum = 0.0f32;
                for oh in 0..g.out_height {
                    let (kh_start, kh_end, row0) = g.window(oh, g.height);
                    if !(kh_start..kh_end).contains(&kh) {
                        continue;
                    }
                    let row = (row0 + kh as isize) as usize * g.width;
                    for ow in 0..g.out_width {
                        let (kw_start, kw_end, col0) = g.window(ow, g.width);
                        if (kw_start..kw_end).contains(&kw) {
                            let col = (col0 + kw as isize) as usize;
                            sum += delta[oh * g.out_width + ow] * image[row + col];
                        }
                    }
                }
                *grad += sum;
            }
        }
    }
}
