//! The trait every feed-forward network implements, for one sample or a batch.

use bytemuck::AnyBitPattern;

use crate::batch::batch_len;
use crate::{Error, Parameters};

/// Most layers an [`Architecture`] records.
pub const MAX_LAYERS: usize = 16;

/// One layer as a weight header records it: its sizes, its activation and, for a
/// convolution, its geometry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayerShape {
    /// Input features (for a convolution, channels × height × width).
    pub inputs: u32,
    /// Output features.
    pub outputs: u32,
    /// [`crate::Activation::CODE`] of the layer's activation.
    pub activation: u8,
    /// The convolution the layer computes; `None` for a dense layer.
    pub conv: Option<ConvShape>,
}

/// The geometry of a convolution layer ([`crate::conv::Conv2d`] or
/// [`crate::conv::ConvTranspose2d`]): square kernels, the same stride and padding along both
/// axes, sizes as a header stores them (each checked to fit at compile time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConvShape {
    /// A transposed convolution (`ConvTranspose2d`) rather than a convolution.
    pub transposed: bool,
    /// Input channels.
    pub in_channels: u16,
    /// Input height.
    pub in_height: u16,
    /// Input width.
    pub in_width: u16,
    /// Output channels (filters).
    pub out_channels: u16,
    /// Kernel height and width.
    pub kernel: u8,
    /// Stride along both axes.
    pub stride: u8,
    /// Zero padding on each side (for a transposed convolution, what it removes from each side).
    pub padding: u8,
    /// Extra rows and columns at the bottom and right of a transposed convolution's output
    /// (PyTorch's `output_padding`); 0 for a convolution.
    pub output_padding: u8,
}

/// The layers of a model in storage order.
pub type Architecture = heapless::Vec<LayerShape, MAX_LAYERS>;

/// Appends `layer` to `architecture`, or says the table is full.
pub(crate) fn push_shape(architecture: &mut Architecture, layer: LayerShape) -> Result<(), Error> {
    architecture.push(layer).map_err(|_| Error::BufferTooSmall {
        needed: architecture.len() + 1,
        found: MAX_LAYERS,
    })
}

/// A feed-forward network with sizes fixed by its type, run on batches held in caller-owned
/// buffers (a single sample is a batch of one).
///
/// Buffers hold one column of features per sample (see [`crate::batch`]). `forward` keeps what
/// `backward` needs in `activations`: the output of every layer, the network's own output last.
pub trait Network: Parameters + AnyBitPattern {
    /// Features per input sample.
    const INPUTS: usize;
    /// Features per output sample.
    const OUTPUTS: usize;
    /// Floats per sample that `forward` writes to `activations`.
    const ACTIVATIONS: usize;
    /// Floats per sample of scratch that `backward` needs.
    const SCRATCH: usize;
    /// Multiply-accumulates of the forward pass of one sample, the count a device's
    /// instructions per MAC are taken over: I·O for a dense layer, the taps inside the input
    /// for a convolution.
    const MACS: usize;
    /// Whether any layer is a convolution: its weight header then needs the wide layer
    /// table that records convolution geometry.
    const CONVOLUTIONAL: bool = false;

    /// Runs the network on `batch` samples: `input` is INPUTS×batch, `activations` holds at
    /// least ACTIVATIONS·batch floats and receives every layer's output.
    fn forward(&self, input: &[f32], activations: &mut [f32], batch: usize) -> Result<(), Error>;

    /// Back-propagates ∂L/∂output through the network.
    ///
    /// `input` and `activations` are those of the matching `forward`. `grad_output` holds
    /// ∂L/∂output (OUTPUTS×batch) and is overwritten. Parameter gradients are *added* to
    /// `grads`, so shared weights and accumulated batches need no extra buffers. When
    /// `grad_input` is given it receives ∂L/∂input (INPUTS×batch). `scratch` holds at least
    /// SCRATCH·batch floats.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        input: &[f32],
        activations: &[f32],
        grad_output: &mut [f32],
        grads: &mut Self,
        grad_input: Option<&mut [f32]>,
        scratch: &mut [f32],
        batch: usize,
    ) -> Result<(), Error>;

    /// Appends this network's layers, in storage order, to `architecture`.
    fn describe(architecture: &mut Architecture) -> Result<(), Error>;

    /// The network's output (OUTPUTS×batch) inside `activations` written by `forward`.
    fn output(activations: &[f32], batch: usize) -> Result<&[f32], Error> {
        let found = activations.len();
        let start = batch_len(Self::ACTIVATIONS - Self::OUTPUTS, batch, found)?;
        let end = batch_len(Self::ACTIVATIONS, batch, found)?;
        activations
            .get(start..end)
            .ok_or(Error::BufferTooSmall { needed: end, found })
    }
}

/// The larger of two sizes, usable in constants.
pub(crate) const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}
