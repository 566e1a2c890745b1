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
    pub fn reaching(
        &self,
        i: usize,
        out_side: usize,
    ) -> impl Iterator<Item = (usize, usize)> + use<> {
        let shifted = i + self.padding;
        let (stride, kernel) = (self.stride, self.kernel);
        (shifted % stride..kernel.min(shifted + 1))
            .step_by(stride)
            .map(move |k| (k, (shifted - k) / stride))
            .filter(move |&(_, o)| o < out_side)
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
