//! The three kernels of a convolution for one sample, as direct loops in a fixed summation
//! order: what a device runs, and what a host runs for small batches, bit for bit the same.
//!
//! Tensors are channels-last (H×W×C) and weights filter-major with the input channel
//! innermost (F×K×K×C), so a kernel row's taps and their channels are one run in both the
//! input and the filter. Each output is one sum started from 0 and taken in a fixed order
//! (kernel row, then kernel column and channel), carried in a register; taps in the padding
//! are skipped, or added as zeros where that is faster, which gives the same bits (see
//! [`convolve`]). IEEE basic operations are correctly rounded and Rust never fuses a multiply
//! and an add on its own, so every target computes the same bits.
//!
//! The kernels are inlined into each layer, whose geometry is a constant, so every loop bound
//! is known as the layer compiles. What each costs per multiply-add on a Cortex-M4F is in
//! `firmware-sim/README.md`.

use super::geometry::Geometry;

/// y[oh][ow][f] = Σ_kh Σ_kw Σ_c w[f][kh][kw][c]·x[oh·S − P + kh][ow·S − P + kw][c], over the
/// taps inside the input; `w` is F×K×K×C, `x` H×W×C and `y` HO×WO×F. Writes sums without
/// bias.
///
/// Two filters per pass over a window, each sum in a register, so the inputs are loaded once
/// for both (three loads and two multiply-adds per pair of terms). Inlined into each layer,
/// whose geometry is a constant: the loops then have constant bounds. A window of at most
/// [`GATHERED_TAPS`] taps (a 3×3 kernel over one channel, as a first layer reading an image)
/// is gathered first ([`convolve_gathered`]).
#[inline(always)]
pub(crate) fn convolve(g: &Geometry, w: &[f32], x: &[f32], y: &mut [f32]) {
    if g.taps() <= GATHERED_TAPS {
        convolve_gathered(g, w, x, y);
    } else {
        convolve_runs(g, w, x, y);
    }
}

/// [`convolve`] over each kernel row's run of taps inside the input.
#[inline(always)]
pub(super) fn convolve_runs(g: &Geometry, w: &[f32], x: &[f32], y: &mut [f32]) {
    let (k, c, taps) = (g.kernel, g.channels, g.taps());
    for (position, out) in y.chunks_exact_mut(g.filters).enumerate() {
        let (oh, ow) = (position / g.out_width, position % g.out_width);
        let (kh_start, kh_end, row0) = g.window(oh, g.height);
        let (kw_start, kw_end, col0) = g.window(ow, g.width);
        let run = (kw_end - kw_start) * c;
        let first = (col0 + kw_start as isize) as usize;
        // The kernel rows inside the input, as (offset into x, offset into a filter).
        let rows = (kh_start..kh_end).map(|kh| {
            let ih = (row0 + kh as isize) as usize;
            ((ih * g.width + first) * c, (kh * k + kw_start) * c)
        });
        let mut filters = w.chunks_exact(2 * taps);
        let mut pairs = out.chunks_exact_mut(2);
        for (pair, both) in (&mut pairs).zip(&mut filters) {
            let (a, b) = both.split_at(taps);
            let (mut sum_a, mut sum_b) = (0.0f32, 0.0f32);
            for (at_x, at_w) in rows.clone() {
                let inputs = &x[at_x..][..run];
                let (wa, wb) = (&a[at_w..][..run], &b[at_w..][..run]);
                for ((&p, &q), &v) in wa.iter().zip(wb).zip(inputs) {
                    sum_a += p * v;
                    sum_b += q * v;
                }
            }
            pair[0] = sum_a;
            pair[1] = sum_b;
        }
        if let [last] = pairs.into_remainder() {
            let a = &filters.remainder()[..taps];
            let mut sum = 0.0f32;
            for (at_x, at_w) in rows {
                let inputs = &x[at_x..][..run];
                for (&p, &v) in a[at_w..][..run].iter().zip(inputs) {
                    sum += p * v;
                }
            }
            *last = sum;
        }
    }
}

/// Taps of the largest window [`convolve`] gathers into a buffer on the stack.
const GATHERED_TAPS: usize = 16;

/// [`convolve`] for a window of at most [`GATHERED_TAPS`] taps, whose rows are a few floats
/// each: the window is copied into a buffer on the stack first, zeros in the padding, and every
/// filter is then one dot product with it, all K·K·C terms in order. Adding the zero terms of
/// the padding gives the sums' bits unchanged (a sum from +0 is never −0, and a finite weight
/// times 0 is ±0, which leaves any other value as it is), so this computes what skipping them
/// does.
#[inline(always)]
pub(super) fn convolve_gathered(g: &Geometry, w: &[f32], x: &[f32], y: &mut [f32]) {
    let (k, c, taps) = (g.kernel, g.channels, g.taps());
    for (position, out) in y.chunks_exact_mut(g.filters).enumerate() {
        let (oh, ow) = (position / g.out_width, position % g.out_width);
        let (kh_start, kh_end, row0) = g.window(oh, g.height);
        let (kw_start, kw_end, col0) = g.window(ow, g.width);
        // Every tap written, a value or 0: no fill before, and no call to copy a short run.
        let mut buffer = [0.0f32; GATHERED_TAPS];
        for (tap, slot) in buffer[..taps].iter_mut().enumerate() {
            let (kh, kw, channel) = (tap / (k * c), tap / c % k, tap % c);
            let inside = (kh_start..kh_end).contains(&kh) && (kw_start..kw_end).contains(&kw);
            *slot = if inside {
                let (ih, iw) = ((row0 + kh as isize) as usize, (col0 + kw as isize) as usize);
                x[(ih * g.width + iw) * c + channel]
            } else {
                0.0
            };
        }
        let window = &buffer[..taps];
        let mut filters = w.chunks_exact(2 * taps);
        let mut pairs = out.chunks_exact_mut(2);
        for (pair, both) in (&mut pairs).zip(&mut filters) {
            let (a, b) = both.split_at(taps);
            let (mut sum_a, mut sum_b) = (0.0f32, 0.0f32);
            for ((&p, &q), &v) in a.iter().zip(b).zip(window) {
                sum_a += p * v;
                sum_b += q * v;
            }
            pair[0] = sum_a;
            pair[1] = sum_b;
        }
        if let [last] = pairs.into_remainder() {
            let mut sum = 0.0f32;
            for (&p, &v) in filters.remainder().iter().zip(window) {
                sum += p * v;
            }
            *last = sum;
        }
    }
}

/// The adjoint of [`convolve`]: x[i][j][c] = Σ_kh Σ_kw Σ_f w[f][kh][kw][c]·y[oh][ow][f] over
/// the outputs (oh, ow) whose window reads (i, j) through (kh, kw); `y` is HO×WO×F and `x`
/// receives H×W×C. Each input is one sum from 0 in the order kernel row, kernel column,
/// filter.
///
/// Per output that reads (i, j), two channels per pass over its F deltas, each sum carried in
/// a register through the filters (three loads and two multiply-adds per pair of terms; one
/// channel, as the image a decoder rebuilds, takes two loads a term). Inlined like
/// [`convolve`].
#[inline(always)]
pub(crate) fn convolve_adjoint(g: &Geometry, w: &[f32], y: &[f32], x: &mut [f32]) {
    let (k, c, taps, filters) = (g.kernel, g.channels, g.taps(), g.filters);
    for (pixel, out) in x.chunks_exact_mut(c).enumerate() {
        let (i, j) = (pixel / g.width, pixel % g.width);
        out.fill(0.0);
        for (kh, oh) in g.reaching(i, g.out_height) {
            for (kw, ow) in g.reaching(j, g.out_width) {
                let deltas = &y[(oh * g.out_width + ow) * filters..][..filters];
                let tap = (kh * k + kw) * c;
                let mut channels = out.chunks_exact_mut(2);
                let mut at = tap;
                for pair in &mut channels {
                    let (mut sum_a, mut sum_b) = (pair[0], pair[1]);
                    for (filter, &d) in w.chunks_exact(taps).zip(deltas) {
                        sum_a += filter[at] * d;
                        sum_b += filter[at + 1] * d;
                    }
                    pair[0] = sum_a;
                    pair[1] = sum_b;
                    at += 2;
                }
                if let [last] = channels.into_remainder() {
                    let mut sum = *last;
                    for (filter, &d) in w.chunks_exact(taps).zip(deltas) {
                        sum += filter[at] * d;
                    }
                    *last = sum;
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
