//! The shape of one 2-D convolution, as constants: what every kernel below loops over.

/// A convolution from `channels`×`height`×`width` to `filters`×`out_height`×`out_width`
/// with a square `kernel`, the same `stride` along both axes and `padding` zeros on every
/// side. Tensors are channels-last (H×W×C, as TensorFlow's NHWC without the batch axis), one
/// sample a contiguous column; shapes are written C×H×W regardless.
///
/// A transposed convolution is the adjoint of a convolution: `ConvTranspose2d` from C×H×W to
/// F×HO×WO runs the adjoint of the convolution F×HO×WO → C×H×W, so both layers are written
/// with the three kernels of one geometry (the convolution, its adjoint and its weight
/// gradient).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// Input channels C.
    pub channels: usize,
    /// Input height H.
    pub height: usize,
    /// Input width W.
    pub width: usize,
    /// Output channels F.
    pub filters: usize,
    /// Kernel side K.
    pub kernel: usize,
    /// Stride S.
    pub stride: usize,
    /// Zero padding P on every side.
    pub padding: usize,
    /// Output height HO = ⌊(H + 2P − K)/S⌋ + 1.
    pub out_height: usize,
    /// Output width WO = ⌊(W + 2P − K)/S⌋ + 1.
    pub out_width: usize,
}

impl Geometry {
    /// The convolution C×H×W → F×HO×WO; HO and WO follow from the rest. Assumes
    /// H + 2P ≥ K and W + 2P ≥ K, S ≥ 1 and K ≥ 1, which the layers check at compile time
    /// ([`Geometry::is_valid`]).
    pub const fn new(
        channels: usize,
        height: usize,
        width: usize,
        filters: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> Self {
        Self {
            channels,
            height,
            width,
            filters,
            kernel,
            stride,
            padding,
            out_height: out_side(height, kernel, stride, padding),
            out_width: out_side(width, kernel, stride, padding),
        }
    }

    /// Whether the sizes make a convolution that every output position of reads at least one
    /// input: no zero size, a kernel no larger than the padded input, padding smaller than the
    /// kernel (so no window lies wholly in the padding), and every size small enough for a
    /// weight header's table (16 bits for channels and sides, 8 for kernel, stride and
    /// padding).
    pub const fn is_valid(&self) -> bool {
        let sides = self.channels > 0
            && self.height > 0
            && self.width > 0
            && self.filters > 0
            && self.kernel > 0
            && self.stride > 0
            && self.padding < self.kernel
            && self.height + 2 * self.padding >= self.kernel
            && self.width + 2 * self.padding >= self.kernel;
        let fits = self.channels <= u16::MAX as usize
            && self.height <= u16::MAX as usize
            && self.width <= u16::MAX as usize
            && self.filters <= u16::MAX as usize
            && self.kernel <= u8::MAX as usize
            && self.stride <= u8::MAX as usize
            && self.padding <= u8::MAX as usize;
        sides && fits
    }

    /// Floats of one output sample, F·HO·WO.
    pub const fn outputs(&self) -> usize {
        self.filters * self.out_height * self.out_width
    }

    /// Output positions per channel, HO·WO.
    pub const fn positions(&self) -> usize {
        self.out_height * self.out_width
    }

    /// Floats of one filter, and columns of the lowered (im2col) input: one per kernel tap and
    /// input channel, K·K·C.
    pub const fn taps(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }

    /// Multiply-accumulates of the convolution of one sample, which its adjoint and its
    /// weight gradient also take: F·C for every pair of an output position and a kernel tap
    /// that lies inside the input. Taps in the padding are skipped, not counted.
    pub const fn macs(&self) -> usize {
        let rows = self.pairs_inside(self.out_height, self.height);
        let columns = self.pairs_inside(self.out_width, self.width);
        rows * columns * self.channels * self.filters
    }

    /// Σ over the `outputs` output rows of the kernel rows [`Geometry::window`] keeps inside
    /// an input side of `side`.
    const fn pairs_inside(&self, outputs: usize, side: usize) -> usize {
        let mut pairs = 0;
        let mut o = 0;
        while o < outputs {
            let origin = (o * self.stride) as isize - self.padding as isize;
            let mut k = 0;
            while k < self.kernel {
                let i = origin + k as isize;
                if i >= 0 && i < side as isize {
                    pairs += 1;
                }
                k += 1;
            }
            o += 1;
        }
        pairs
    }

    /// The kernel rows `k` that output row `o` reads inside the input (not the padding), as
    /// `k_start..k_end`, and the input row of tap 0 (which may lie in the padding, as a
    /// signed offset). The same for columns with `width`.
    #[inline(always)]
    pub fn window(&self, o: usize, side: usize) -> (usize, usize, isize) {
        let origin = (o * self.stride) as isize - self.padding as isize;
        let start = (-origin).max(0) as usize;
        let end = (side as isize - origin).clamp(0, self.kernel as isize) as usize;
        (start.min(end), end, origin)
    }

    /// The output rows that read input row `i` through kernel row `k`, for the taps `k` that
    /// reach it: first the tap `k₀` ≡ (i + P) mod S, then every S-th; each pair is
    /// `(k, o)` with `o·S − P + k = i` and `o < out_side`.
    #[inline(always)]
    pub fn reaching(&self, i: usize, out_side: usize) -> Reaching {
        let shifted = i + self.padding;
        Reaching {
            tap: shifted % self.stride,
            end: self.kernel.min(shifted + 1),
            shifted,
            stride: self.stride,
            out_side,
        }
    }
}

/// The (tap, output) pairs of [`Geometry::reaching`]: a plain counter, which the compiler
/// keeps in registers in the adjoint's inner loops.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reaching {
    /// The next tap to try.
    tap: usize,
    /// One past the last tap that can reach the input.
    end: usize,
    /// The input's index plus the padding.
    shifted: usize,
    /// S.
    stride: usize,
    /// Outputs along this side.
    out_side: usize,
}

impl Iterator for Reaching {
    type Item = (usize, usize);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, usize)> {
        while self.tap < self.end {
            let (tap, output) = (self.tap, (self.shifted - self.tap) / self.stride);
            self.tap += self.stride;
            if output < self.out_side {
                return Some((tap, output));
            }
        }
        None
    }
}

/// ⌊(side + 2P − K)/S⌋ + 1, for a side the kernel fits in once padded.
const fn out_side(side: usize, kernel: usize, stride: usize, padding: usize) -> usize {
    if side + 2 * padding < kernel || stride == 0 {
        0
    } else {
        (side + 2 * padding - kernel) / stride + 1
    }
}

/// The output side of a transposed convolution of `side` with `kernel`, `stride`,
/// `padding` and `output_padding`: (side − 1)·S − 2P + K + OP, as PyTorch's
/// `ConvTranspose2d`; 0 where that is not positive.
pub(crate) const fn transposed_side(
    side: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    output_padding: usize,
) -> usize {
    let grown = (side.saturating_sub(1)) * stride + kernel + output_padding;
    grown.saturating_sub(2 * padding)
}
