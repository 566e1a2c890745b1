//! One sample through a dense layer over its non-zero inputs only, with the bits of the dense
//! path: a host's single-sample inference on sparse data (about 80 % of an MNIST image's
//! pixels are exactly 0, and half of a ReLU layer's outputs).
//!
//! The dense path ([`Dense::forward_sample`](super::Dense)) sums each output in eight lanes,
//! lane k taking inputs k, k + 8, … in order, then combines the lanes in a fixed tree and adds
//! the inputs past the last full chunk of eight one by one. Here each lane sums the same terms
//! in the same order but without those whose input is 0. A finite weight times ±0 is ±0, and
//! adding ±0 to a sum leaves it as it is unless the sum is itself a zero, whose sign the
//! combination's leading `0 +` erases; so the outputs are the dense path's, bit for bit, as
//! the tests check.
//!
//! The non-zero inputs are listed lane by lane, each lane's list padded with zero terms to the
//! longest, so the eight lanes run side by side as eight independent sums. Only `std` builds
//! take it: a device keeps one code path.

use super::Dense;
use crate::activation::Activation;

/// Inputs a layer needs for the sparse path to be considered: below this the dense loop is
/// as fast.
pub(super) const MIN_INPUTS: usize = 64;
/// Inputs a layer may have at most: the lists live on the stack, 8 bytes per input.
pub(super) const MAX_INPUTS: usize = 4096;

/// The non-zero inputs of one sample in the full chunks of eight, lane by lane: row `r` holds
/// the `r`-th non-zero input of each lane (index and value), a zero term where a lane has
/// fewer.
struct Lanes<const I: usize> {
    index: [u32; I],
    value: [f32; I],
    rows: usize,
}

impl<const I: usize, const O: usize, A: Activation> Dense<I, O, A> {
    /// [`Dense::forward_sample`] over the non-zero inputs, if at most half of the inputs are
    /// non-zero and the layer's size suits (see the module); `false` (and `y` untouched)
    /// otherwise.
    pub(super) fn forward_sample_sparse(&self, x: &[f32; I], y: &mut [f32; O]) -> bool {
        if !(MIN_INPUTS..=MAX_INPUTS).contains(&I) {
            return false;
        }
        let full = I / 8 * 8;
        let nonzero = x[..full].iter().filter(|&&v| v != 0.0).count();
        if 2 * nonzero > I {
            return false;
        }
        let lanes = Lanes::<I>::of(&x[..full]);
        let (columns, _) = self.weight.as_slice().as_chunks::<I>();
        let tail = &x[full..];
        for ((out, w), &b) in y.iter_mut().zip(columns).zip(self.bias.iter()) {
            let mut sums = [0.0f32; 8];
            let rows = lanes.index[..8 * lanes.rows]
                .chunks_exact(8)
                .zip(lanes.value[..8 * lanes.rows].chunks_exact(8));
            for (index, value) in rows {
                for k in 0..8 {
                    sums[k] += w[index[k] as usize] * value[k];
                }
            }
            let mut dot = 0.0f32;
            for k in 0..4 {
                dot += sums[k] + sums[k + 4];
            }
            for (&wk, &xk) in w[full..].iter().zip(tail) {
                dot += wk * xk;
            }
            *out = A::apply(dot + b);
        }
        true
    }
}

impl<const I: usize> Lanes<I> {
    /// The lanes of `x`, the full chunks of eight of a sample.
    fn of(x: &[f32]) -> Self {
        let mut lanes = Self {
            index: [0; I],
            value: [0.0; I],
            rows: 0,
        };
        let mut filled = [0usize; 8];
        for (j, &v) in x.iter().enumerate() {
            if v != 0.0 {
                let k = j % 8;
                // At most I / 8 inputs per lane, so a row index stays below I / 8.
                let at = 8 * filled[k] + k;
                lanes.index[at] = j as u32;
                lanes.value[at] = v;
                filled[k] += 1;
            }
        }
        lanes.rows = filled.iter().copied().max().unwrap_or(0);
        // The padding: index 0 and value 0 (from the initialization), a zero term.
        lanes
    }
}
