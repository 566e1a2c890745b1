//! Encoding, decoding, sampling from the prior and latent interpolation.

use super::gaussian::check_finite;
use super::{DecoderVariance, Vae, VaeConfig};
use crate::batch::{check_input, check_workspace, split_buffer};
use crate::interpolation::interpolation_point;
use crate::rng::fill_standard_normal;
use crate::{DecoderOutput, Error, Network, SeededRng};

impl<E: Network, const H: usize, const Z: usize, D: Network, V: DecoderVariance>
    Vae<E, H, Z, D, V>
{
    /// The parameters of q(z|x) = N(μ, diag σ²): μ (Z×batch) into `mean` and the raw head output
    /// log σ² (Z×batch, not clamped) into `log_variance`. `workspace` holds at least
    /// [`Vae::INFERENCE_WORKSPACE_FLOATS`]·batch floats, as for every inference method.
    pub fn encode_distribution(
        &self,
        input: &[f32],
        mean: &mut [f32],
        log_variance: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_workspace(workspace, Self::INFERENCE_WORKSPACE_FLOATS, batch)?;
        self.encode_into(input, mean, Some(log_variance), batch, workspace)
    }

    /// Draws `count` codes z ~ N(0, I) from `rng` (Z per sample, sample by sample) and decodes
    /// them: x̂ = σ(D(z)), X×count into `output`.
    ///
    /// The samples are decoded in chunks of as many as `workspace` holds at
    /// Z + D::ACTIVATIONS floats each, so one sample's worth of workspace is enough for any
    /// `count`; the draws do not depend on the chunk size.
    pub fn sample_prior(
        &self,
        rng: &mut SeededRng,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.sample_prior_as(DecoderOutput::Sigmoid, rng, output, count, workspace)
    }

    /// [`Vae::sample_prior`] decoded to the mean of p(x|z) under `config`'s likelihood: σ(D(z)),
    /// or D(z) itself for [`super::Likelihood::LinearGaussian`]. The same draws.
    pub fn sample_prior_with(
        &self,
        config: &VaeConfig,
        rng: &mut SeededRng,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.sample_prior_as(config.likelihood.output(), rng, output, count, workspace)
    }

    fn sample_prior_as(
        &self,
        map: DecoderOutput,
        rng: &mut SeededRng,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_in_chunks(map, output, count, workspace, |codes, _| {
            fill_standard_normal(rng, codes);
        })
    }

    /// Decodes `steps` codes evenly spaced on the segment from the code `from` to the code `to`
    /// (Z floats each): z_i = (1 − t_i)·from + t_i·to with t_i = i/(steps − 1) (t = 0 for a
    /// single step), X×steps into `output`. The first and last outputs decode `from` and `to`
    /// exactly. Chunked like [`Vae::sample_prior`].
    pub fn interpolate(
        &self,
        from: &[f32],
        to: &[f32],
        steps: usize,
        output: &mut [f32],
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.interpolate_as(DecoderOutput::Sigmoid, from, to, steps, output, workspace)
    }

    /// [`Vae::interpolate`] decoded to the mean of p(x|z) under `config`'s likelihood, as in
    /// [`Vae::sample_prior_with`].
    pub fn interpolate_with(
        &self,
        config: &VaeConfig,
        from: &[f32],
        to: &[f32],
        steps: usize,
        output: &mut [f32],
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let map = config.likelihood.output();
        self.interpolate_as(map, from, to, steps, output, workspace)
    }

    fn interpolate_as(
        &self,
        map: DecoderOutput,
        from: &[f32],
        to: &[f32],
        steps: usize,
        output: &mut [f32],
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_input(from, Z, 1)?;
        check_input(to, Z, 1)?;
        check_finite(from)?;
        check_finite(to)?;
        self.decode_in_chunks(map, output, steps, workspace, |codes, first| {
            for (step, code) in (first..).zip(codes.chunks_exact_mut(Z)) {
                interpolation_point(from, to, step, steps, code);
            }
        })
    }

    /// Decodes `count` codes written by `fill(codes, index of the first)` chunk by chunk, as
    /// many per chunk as `workspace` holds, mapped by `map`.
    fn decode_in_chunks(
        &self,
        map: DecoderOutput,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
        mut fill: impl FnMut(&mut [f32], usize),
    ) -> Result<(), Error> {
        let () = Self::SHAPES_AGREE;
        if count == 0 {
            return Err(Error::EmptyBatch);
        }
        let needed = E::INPUTS.saturating_mul(count);
        let found = output.len();
        let output = output
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed, found })?;
        let chunk = workspace.len() / Self::DECODE_WORKSPACE;
        if chunk == 0 {
            return Err(Error::BufferTooSmall {
                needed: Self::DECODE_WORKSPACE,
                found: workspace.len(),
            });
        }
        let mut first = 0;
        for output in output.chunks_mut(E::INPUTS * chunk) {
            let size = output.len() / E::INPUTS;
            let (codes, rest) = split_buffer(workspace, Z * size)?;
            fill(codes, first);
            self.decode_into(map, codes, output, size, rest)?;
            first += size;
        }
        Ok(())
    }

    /// μ(x) into `mean` and, when asked, log σ²(x) into `log_variance`.
    pub(super) fn encode_into(
        &self,
        input: &[f32],
        mean: &mut [f32],
        log_variance: Option<&mut [f32]>,
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let () = Self::SHAPES_AGREE;
        check_input(input, E::INPUTS, batch)?;
        check_finite(input)?;
        let (activations, _) = split_buffer(workspace, E::ACTIVATIONS * batch)?;
        self.encoder.forward(input, activations, batch)?;
        let hidden = E::output(activations, batch)?;
        self.mean_head.forward(hidden, mean, batch)?;
        check_finite(mean.get(..Z * batch).unwrap_or_default())?;
        if let Some(log_variance) = log_variance {
            self.log_variance_head
                .forward(hidden, log_variance, batch)?;
            check_finite(log_variance.get(..Z * batch).unwrap_or_default())?;
        }
        Ok(())
    }

    /// x̂ = σ(D(z)), or D(z) for a linear `map`, for `batch` codes (Z×batch, length checked by
    /// the caller) into the first X×batch floats of `output`; `workspace` holds at least
    /// D::ACTIVATIONS·batch floats.
    pub(super) fn decode_into(
        &self,
        map: DecoderOutput,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let () = Self::SHAPES_AGREE;
        check_finite(code)?;
        let needed = E::INPUTS * batch;
        let found = output.len();
        let output = output
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed, found })?;
        let (activations, _) = split_buffer(workspace, D::ACTIVATIONS * batch)?;
        self.decoder.forward(code, activations, batch)?;
        map.write(D::output(activations, batch)?, output);
        check_finite(output)
    }
}
