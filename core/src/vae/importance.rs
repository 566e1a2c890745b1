//! The importance-weighted estimate of log p(x) (Burda, Grosse & Salakhutdinov 2016).

use super::gaussian::{check_finite, clamp_log_variance, log_standard_normal_density};
use super::{DecoderVariance, GaussianVariance, Likelihood, Vae, VaeConfig};
use crate::activation::sigmoid;
use crate::batch::{check_input, split_buffer};
use crate::loss::{
    binary_cross_entropy_with_logits, gaussian_negative_log_likelihood,
    gaussian_negative_log_likelihood_learned,
};
use crate::rng::fill_standard_normal;
use crate::{Error, Network, SeededRng};

impl<E: Network, const H: usize, const Z: usize, D: Network, V: DecoderVariance>
    Vae<E, H, Z, D, V>
{
    /// Floats of workspace that [`Vae::importance_weighted_log_likelihood`] needs to decode
    /// `chunk` samples at once: E::ACTIVATIONS + 2Z for q(z|x), then Z + 1 + D::ACTIVATIONS per
    /// sample (the code, its log p(z) − log q(z|x), the decoder's activations).
    pub const fn importance_workspace(chunk: usize) -> usize {
        E::ACTIVATIONS + 2 * Z + chunk * (Z + 1 + D::ACTIVATIONS)
    }

    /// The importance-weighted estimate of log p(x) for one sample x (Burda et al. 2016):
    ///
    /// log p(x) ≈ log (1/K) Σₖ p(x, zₖ)/q(zₖ|x), zₖ ~ q(z|x),
    ///
    /// with log p(x, z) = log p(x|z) + log N(z; 0, I) and log q(z|x) = log N(z; μ, diag σ²),
    /// normalizing constants (ln 2π) included, and log p(x|z) that of `config`'s likelihood, the
    /// one the model trains with (a learned decoder variance included). Its expectation is a lower bound on log p(x) that
    /// grows with K = `samples` towards log p(x); K = 1 is a one-draw estimate of the ELBO.
    ///
    /// The log-weights are combined by a streaming log-mean-exp (running maximum and rescaled
    /// sum), so K costs no memory. The draws are decoded in chunks of as many as `workspace`
    /// holds: [`Self::importance_workspace`]`(1)` floats (less than
    /// [`Self::WORKSPACE_FLOATS`]) suffice for any K; each extra Z + 1 + D::ACTIVATIONS floats
    /// decode one more draw per batch. The draws (ε, Z per sample, sample by sample) do not
    /// depend on the chunk size.
    pub fn importance_weighted_log_likelihood(
        &self,
        config: &VaeConfig,
        x: &[f32],
        samples: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
    ) -> Result<f32, Error> {
        let () = Self::SHAPES_AGREE;
        Self::check_config(config)?;
        check_input(x, E::INPUTS, 1)?;
        check_finite(x)?;
        if samples == 0 {
            return Err(Error::InvalidConfig("importance samples must be >= 1"));
        }
        let found = workspace.len();
        let per_draw = Z + 1 + D::ACTIVATIONS;
        let chunk = found.saturating_sub(Self::importance_workspace(0)) / per_draw;
        if chunk == 0 {
            return Err(Error::BufferTooSmall {
                needed: Self::importance_workspace(1),
                found,
            });
        }
        let (mean, rest) = split_buffer(workspace, Z)?;
        let (log_variance, rest) = split_buffer(rest, Z)?;
        let (encoder_activations, draws) = split_buffer(rest, E::ACTIVATIONS)?;
        self.encode_into(x, mean, Some(log_variance), 1, encoder_activations)?;
        for v in log_variance.iter_mut() {
            *v = clamp_log_variance(*v);
        }
        // With z = μ + σε, log q(z|x) = Σ −½(ln 2π + log σ² + ε²) = log N(ε; 0, I) − ½ Σ log σ²,
        // which keeps every digit of ε however small σ is.
        let half_log_determinant = 0.5 * log_variance.iter().sum::<f32>();

        let mut log_mean_exp = LogMeanExp::default();
        let mut remaining = samples;
        while remaining > 0 {
            let size = remaining.min(chunk);
            let (codes, rest) = split_buffer(draws, Z * size)?;
            let (log_ratios, rest) = split_buffer(rest, size)?;
            let (decoder_activations, _) = split_buffer(rest, D::ACTIVATIONS * size)?;
            fill_standard_normal(rng, codes);
            for (code, log_ratio) in codes.chunks_exact_mut(Z).zip(log_ratios.iter_mut()) {
                let log_q = log_standard_normal_density(code)? - half_log_determinant;
                for ((z, &m), &log_variance) in code.iter_mut().zip(&*mean).zip(&*log_variance) {
                    *z = m + crate::math::exp(0.5 * log_variance) * *z;
                }
                *log_ratio = log_standard_normal_density(code)? - log_q;
            }
            self.decoder.forward(codes, decoder_activations, size)?;
            let start = (D::ACTIVATIONS - D::OUTPUTS) * size;
            let (_, logits) = split_buffer(decoder_activations, start)?;
            for (logits, &log_ratio) in logits.chunks_exact_mut(D::OUTPUTS).zip(&*log_ratios) {
                let log_likelihood = -match config.likelihood {
                    Likelihood::Bernoulli => {
                        binary_cross_entropy_with_logits(logits, x, None, 1.0)?
                    }
                    Likelihood::Gaussian { variance } => {
                        for l in logits.iter_mut() {
                            *l = sigmoid(*l);
                        }
                        gaussian_negative_log_likelihood(logits, x, variance, None, 1.0)?
                    }
                    Likelihood::LinearGaussian {
                        variance: GaussianVariance::Fixed(variance),
                    } => gaussian_negative_log_likelihood(logits, x, variance, None, 1.0)?,
                    Likelihood::LinearGaussian {
                        variance: GaussianVariance::Learned,
                    } => gaussian_negative_log_likelihood_learned(
                        logits,
                        x,
                        self.learned_raw_log_variance()?,
                        None,
                        1.0,
                    )?,
                };
                log_mean_exp.push(log_likelihood + log_ratio)?;
            }
            remaining -= size;
        }
        log_mean_exp.finish()
    }
}

/// log((1/n) Σ e^{vᵢ}) over a stream of values, without storing them: keeps the running
/// maximum m and s = Σ e^{vᵢ − m}, rescaling s when m grows. f64 inside, so K = 5000 terms add
/// without losing digits.
#[derive(Clone, Copy, Debug)]
struct LogMeanExp {
    max: f64,
    sum: f64,
    count: u64,
}

impl Default for LogMeanExp {
    fn default() -> Self {
        Self {
            max: f64::NEG_INFINITY,
            sum: 0.0,
            count: 0,
        }
    }
}

impl LogMeanExp {
    /// Adds one finite value.
    fn push(&mut self, value: f32) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(Error::NonFinite);
        }
        let value = f64::from(value);
        if value > self.max {
            self.sum = self.sum * libm::exp(self.max - value) + 1.0;
            self.max = value;
        } else {
            self.sum += libm::exp(value - self.max);
        }
        self.count += 1;
        Ok(())
    }

    /// m + ln s − ln n.
    fn finish(&self) -> Result<f32, Error> {
        if self.count == 0 {
            return Err(Error::EmptyBatch);
        }
        let value = (self.max + libm::log(self.sum) - libm::log(self.count as f64)) as f32;
        if value.is_finite() {
            Ok(value)
        } else {
            Err(Error::NonFinite)
        }
    }
}
