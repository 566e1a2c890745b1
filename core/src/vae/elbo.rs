//! −ELBO for a given ε, and its gradient by hand-written back-propagation.

use super::gaussian::{
    check_finite, kl_to_standard_normal, kl_to_standard_normal_gradient, reparameterize,
    reparameterize_gradient,
};
use super::{DecoderVariance, GaussianVariance, Likelihood, Vae, VaeConfig};
use crate::activation::sigmoid;
use crate::batch::{batch_view, batch_view_mut, check_input, check_workspace, split_buffer};
use crate::loss::{
    binary_cross_entropy_with_logits, gaussian_negative_log_likelihood,
    gaussian_negative_log_likelihood_learned, gaussian_negative_log_likelihood_learned_gradient,
    per_sample,
};
use crate::model::LossParts;
use crate::{Error, Network};

impl<E: Network, const H: usize, const Z: usize, D: Network, V: DecoderVariance>
    Vae<E, H, Z, D, V>
{
    /// −ELBO of a batch with the noise ε given (Z×batch, one column per sample), and its
    /// gradient *added* into `grads`.
    ///
    /// Per sample, with z = μ + σ ⊙ ε: loss = −log p(x|z) + β·KL(N(μ, diag σ²) ‖ N(0, I)), the KL
    /// in closed form. The returned parts, and the gradient, are of the mean over the batch.
    /// Back-propagation runs through the decoder, the reparameterization
    /// (∂z/∂μ = 1, ∂z/∂log σ² = ½σε), the KL term (∂/∂μ = βμ, ∂/∂log σ² = ½β(σ² − 1)), both
    /// heads and the encoder body; a learned decoder variance gets the gradient of −log p(x|z)
    /// in its raw parameters. `workspace` holds at least
    /// [`Self::LOSS_WORKSPACE`]·batch floats. Nothing is added to `grads` when an error
    /// (bad shapes, NaN in the input, ε or any intermediate value) is returned.
    pub fn loss_and_gradients_with_epsilon(
        &self,
        config: &VaeConfig,
        input: &[f32],
        epsilon: &[f32],
        batch: usize,
        workspace: &mut [f32],
        grads: &mut Self,
    ) -> Result<LossParts, Error> {
        self.negative_elbo(config, input, epsilon, batch, workspace, Some(grads))
    }

    /// −ELBO of a batch with the noise ε given, as in [`Vae::loss_and_gradients_with_epsilon`],
    /// without gradients.
    pub fn loss_with_epsilon(
        &self,
        config: &VaeConfig,
        input: &[f32],
        epsilon: &[f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<LossParts, Error> {
        self.negative_elbo(config, input, epsilon, batch, workspace, None)
    }

    pub(super) fn negative_elbo(
        &self,
        config: &VaeConfig,
        input: &[f32],
        epsilon: &[f32],
        batch: usize,
        workspace: &mut [f32],
        grads: Option<&mut Self>,
    ) -> Result<LossParts, Error> {
        let () = Self::SHAPES_AGREE;
        Self::check_config(config)?;
        check_workspace(workspace, Self::LOSS_WORKSPACE, batch)?;
        check_input(input, E::INPUTS, batch)?;
        check_input(epsilon, Z, batch)?;
        check_finite(input)?;
        check_finite(epsilon)?;
        let latent = Z * batch;
        let (encoder_activations, rest) = split_buffer(workspace, E::ACTIVATIONS * batch)?;
        let (mean, rest) = split_buffer(rest, latent)?;
        let (log_variance, rest) = split_buffer(rest, latent)?;
        let (z, rest) = split_buffer(rest, latent)?;
        let (decoder_activations, rest) = split_buffer(rest, D::ACTIVATIONS * batch)?;
        let (grad_logits, rest) = split_buffer(rest, E::INPUTS * batch)?;
        let (grad_z, rest) = split_buffer(rest, latent)?;
        let (grad_log_variance, tail) = split_buffer(rest, latent)?;

        // Forward: q(z|x), one draw z, the decoder's logits.
        self.encoder.forward(input, encoder_activations, batch)?;
        let hidden = E::output(encoder_activations, batch)?;
        self.mean_head.forward(hidden, mean, batch)?;
        self.log_variance_head
            .forward(hidden, log_variance, batch)?;
        reparameterize(mean, log_variance, epsilon, z)?;
        self.decoder.forward(z, decoder_activations, batch)?;
        let logits = D::output(decoder_activations, batch)?;

        // Reconstruction −log p(x|z) and its gradient ∂/∂ℓ of the batch mean.
        let scale = 1.0 / batch as f32;
        let want_grad = grads.is_some();
        let reconstruction = match config.likelihood {
            Likelihood::Bernoulli => binary_cross_entropy_with_logits(
                logits,
                input,
                want_grad.then_some(&mut *grad_logits),
                scale,
            )?,
            Likelihood::Gaussian { variance } => {
                let (means, _) = split_buffer(tail, E::INPUTS * batch)?;
                for (m, &l) in means.iter_mut().zip(logits) {
                    *m = sigmoid(l);
                }
                let nll = gaussian_negative_log_likelihood(
                    means,
                    input,
                    variance,
                    want_grad.then_some(&mut *grad_logits),
                    scale,
                )?;
                if want_grad {
                    // Chain rule through the mean σ(ℓ): dσ/dℓ = σ(1 − σ).
                    for (g, &m) in grad_logits.iter_mut().zip(means.iter()) {
                        *g *= m * (1.0 - m);
                    }
                }
                nll
            }
            Likelihood::LinearGaussian {
                variance: GaussianVariance::Fixed(variance),
            } => gaussian_negative_log_likelihood(
                logits,
                input,
                variance,
                want_grad.then_some(&mut *grad_logits),
                scale,
            )?,
            Likelihood::LinearGaussian {
                variance: GaussianVariance::Learned,
            } => gaussian_negative_log_likelihood_learned(
                logits,
                input,
                self.learned_raw_log_variance()?,
                want_grad.then_some(&mut *grad_logits),
                scale,
            )?,
        };
        let kl = kl_to_standard_normal(mean, log_variance)?;
        let parts = LossParts {
            total: per_sample(reconstruction + config.beta * kl, batch)?,
            reconstruction: per_sample(reconstruction, batch)?,
            kl: per_sample(kl, batch)?,
        };
        let Some(grads) = grads else {
            return Ok(parts);
        };
        if config.likelihood.learns_variance() {
            let grad_raw = grads
                .decoder_variance
                .raw_log_variance_mut()
                .ok_or(NO_LEARNED_VARIANCE)?;
            gaussian_negative_log_likelihood_learned_gradient(
                logits,
                input,
                self.learned_raw_log_variance()?,
                scale,
                grad_raw,
            )?;
        }

        // Backward: decoder → z → (μ, log σ²) with the KL term → heads → encoder body.
        self.decoder.backward(
            z,
            decoder_activations,
            grad_logits,
            &mut grads.decoder,
            Some(&mut *grad_z),
            tail,
            batch,
        )?;
        reparameterize_gradient(log_variance, epsilon, grad_z, grad_log_variance)?;
        // grad_z becomes ∂L/∂μ = ∂L/∂z + β·∂KL/∂μ.
        kl_to_standard_normal_gradient(
            mean,
            log_variance,
            config.beta * scale,
            grad_z,
            grad_log_variance,
        )?;
        let hidden = E::output(encoder_activations, batch)?;
        self.log_variance_head.backward(
            hidden,
            log_variance,
            grad_log_variance,
            &mut grads.log_variance_head,
            None,
            &mut [],
            batch,
        )?;
        let (grad_hidden, scratch) = split_buffer(tail, H * batch)?;
        self.mean_head.backward(
            hidden,
            mean,
            grad_z,
            &mut grads.mean_head,
            Some(&mut *grad_hidden),
            &mut [],
            batch,
        )?;
        {
            // ∂L/∂h += W_vᵀ·∂L/∂log σ², the log-variance head's share, added in place rather
            // than through a second H×batch buffer.
            let delta = batch_view::<Z>(grad_log_variance, batch)?;
            let mut grad_h = batch_view_mut::<H>(grad_hidden, batch)?;
            grad_h.gemm(1.0, &self.log_variance_head.weight, &delta, 1.0);
        }
        self.encoder.backward(
            input,
            encoder_activations,
            grad_hidden,
            &mut grads.encoder,
            None,
            scratch,
            batch,
        )?;
        Ok(parts)
    }
}

/// The error of a learned-variance likelihood on a model without one (caught by
/// [`Vae::check_config`] before anything is computed).
pub(super) const NO_LEARNED_VARIANCE: Error =
    Error::InvalidConfig("a learned Gaussian variance needs a Vae with LearnedVariance");

impl<E: Network, const H: usize, const Z: usize, D: Network, V: DecoderVariance>
    Vae<E, H, Z, D, V>
{
    /// The raw parameters of the learned decoder variance.
    pub(super) fn learned_raw_log_variance(&self) -> Result<&[f32], Error> {
        self.decoder_variance
            .raw_log_variance()
            .ok_or(NO_LEARNED_VARIANCE)
    }
}
