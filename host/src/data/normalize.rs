//! Normalization of the inputs: a per-feature affine map fitted on the training set, applied
//! the same way to every sample the model sees — test data, evaluation data, and on the device.
//!
//! The transform is `x' = (x − offset) · scale`, in `f32`, feature by feature, then clamped to
//! [0, 1] for the range scalings (so a test value outside the training range stays a valid
//! Bernoulli target). The formula is the core's, `tinyvae_core::input_transform::normalize`, and
//! the exported weight blob carries the transform, so the device computes the same bits as the
//! host.

use serde::{Deserialize, Serialize};
use tinyvae_core::InputTransformRef;

use super::{DataError, Dataset};

/// How the inputs are normalized, as chosen on the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalization {
    /// The values as loaded.
    #[default]
    None,
    /// One range for every feature: `x' = clamp((x − min) / (max − min), 0, 1)`.
    Range {
        /// The value mapped to 0.
        min: f32,
        /// The value mapped to 1.
        max: f32,
    },
    /// Each feature scaled to [0, 1] by its minimum and maximum over the training set.
    MeasuredRange,
    /// Each feature to mean 0 and standard deviation 1 over the training set:
    /// `x' = (x − μ) / σ` (σ of a constant feature taken as 1).
    Standardize,
}

impl std::str::FromStr for Normalization {
    type Err = String;

    /// `none`, `minmax`, `standardize` or `range:MIN:MAX`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "none" => Ok(Self::None),
            "minmax" => Ok(Self::MeasuredRange),
            "standardize" => Ok(Self::Standardize),
            _ => {
                let usage = || {
                    format!(
                        "--normalize takes none, minmax, standardize or range:MIN:MAX, not '{text}'"
                    )
                };
                let rest = text.strip_prefix("range:").ok_or_else(usage)?;
                let (min, max) = rest.split_once(':').ok_or_else(usage)?;
                let (min, max): (f32, f32) = (
                    min.parse().map_err(|_| usage())?,
                    max.parse().map_err(|_| usage())?,
                );
                if !(min.is_finite() && max.is_finite() && min < max) {
                    return Err(format!(
                        "--normalize range:{min}:{max} needs finite MIN < MAX"
                    ));
                }
                Ok(Self::Range { min, max })
            }
        }
    }
}

/// A fitted normalization: `x' = (x − offset[i]) · scale[i]`, clamped to [0, 1] if `clamp`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputTransform {
    /// Subtracted from each feature.
    pub offset: Vec<f32>,
    /// Then multiplied with it.
    pub scale: Vec<f32>,
    /// Whether the result is clamped to [0, 1].
    pub clamp: bool,
}

impl InputTransform {
    /// Fits `normalization` on `train`; `None` for [`Normalization::None`].
    pub fn fit(normalization: Normalization, train: &Dataset) -> Option<Self> {
        let features = train.pixels_per_image();
        let samples = || train.images().chunks_exact(features.max(1));
        match normalization {
            Normalization::None => None,
            Normalization::Range { min, max } => Some(Self {
                offset: vec![min; features],
                scale: vec![1.0 / (max - min); features],
                clamp: true,
            }),
            Normalization::MeasuredRange => {
                let mut low = vec![f32::INFINITY; features];
                let mut high = vec![f32::NEG_INFINITY; features];
                for sample in samples() {
                    for ((l, h), &x) in low.iter_mut().zip(&mut high).zip(sample) {
                        *l = l.min(x);
                        *h = h.max(x);
                    }
                }
                let scale = low
                    .iter()
                    .zip(&high)
                    .map(|(&l, &h)| if h > l { 1.0 / (h - l) } else { 1.0 })
                    .collect();
                Some(Self {
                    offset: low,
                    scale,
                    clamp: true,
                })
            }
            Normalization::Standardize => {
                let n = train.len().max(1) as f64;
                let mut mean = vec![0.0f64; features];
                for sample in samples() {
                    for (m, &x) in mean.iter_mut().zip(sample) {
                        *m += f64::from(x);
                    }
                }
                mean.iter_mut().for_each(|m| *m /= n);
                let mut variance = vec![0.0f64; features];
                for sample in samples() {
                    for ((v, &m), &x) in variance.iter_mut().zip(&mean).zip(sample) {
                        *v += (f64::from(x) - m).powi(2);
                    }
                }
                let scale = variance
                    .iter()
                    .map(|&v| {
                        let std_dev = (v / n).sqrt();
                        if std_dev > 0.0 {
                            (1.0 / std_dev) as f32
                        } else {
                            1.0
                        }
                    })
                    .collect();
                Some(Self {
                    offset: mean.iter().map(|&m| m as f32).collect(),
                    scale,
                    clamp: false,
                })
            }
        }
    }

    /// Features the transform is fitted for.
    pub fn features(&self) -> usize {
        self.offset.len()
    }

    /// The transform as the core takes it: what a weight blob stores and a device applies.
    ///
    /// Errors: [`tinyvae_core::Error::ShapeMismatch`] if there are not as many scales as
    /// offsets (only a corrupt record has that).
    pub fn as_core(&self) -> Result<InputTransformRef<'_>, tinyvae_core::Error> {
        InputTransformRef::new(&self.offset, &self.scale, self.clamp)
    }

    /// Normalizes one sample in place, with the core's formula.
    ///
    /// Errors: [`tinyvae_core::Error::ShapeMismatch`] unless the sample has
    /// [`Self::features`] values and there are as many scales as offsets.
    pub fn apply(&self, sample: &mut [f32]) -> Result<(), tinyvae_core::Error> {
        self.as_core()?.apply(sample)
    }

    /// Normalizes every sample of `data` in place; fails if its samples have another width.
    pub fn apply_to(&self, data: &mut Dataset) -> Result<(), DataError> {
        data.ensure_pixels_per_image(self.features())?;
        let transform = self.as_core().map_err(DataError::Transform)?;
        let features = self.features().max(1);
        for sample in data.values_mut().chunks_exact_mut(features) {
            transform.apply(sample).map_err(DataError::Transform)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::SampleShape;

    fn data(values: Vec<f32>, width: usize) -> Dataset {
        let len = values.len() / width;
        Dataset::from_parts("d", SampleShape::Vector { width }, values, len, None).unwrap()
    }

    #[test]
    fn measured_range_maps_the_training_set_onto_the_unit_interval() {
        let train = data(vec![0.0, 10.0, 2.0, 30.0, 4.0, 10.0], 2);
        let t = InputTransform::fit(Normalization::MeasuredRange, &train).unwrap();
        assert_eq!(
            (t.offset.clone(), t.scale.clone()),
            (vec![0.0, 10.0], vec![0.25, 0.05])
        );
        let mut test = data(vec![-4.0, 20.0, 8.0, 10.0], 2);
        t.apply_to(&mut test).unwrap();
        assert_eq!(test.images(), [0.0, 0.5, 1.0, 0.0]);
    }

    #[test]
    fn standardize_gives_zero_mean_unit_variance_and_keeps_constants() {
        let train = data(vec![1.0, 5.0, 3.0, 5.0], 2);
        let t = InputTransform::fit(Normalization::Standardize, &train).unwrap();
        let mut x = train.clone();
        t.apply_to(&mut x).unwrap();
        assert_eq!(x.images(), [-1.0, 0.0, 1.0, 0.0]);
        assert!(!t.clamp);
    }

    #[test]
    fn given_range_and_parsing() {
        let train = data(vec![0.0; 3], 3);
        let t = InputTransform::fit(
            Normalization::Range {
                min: -2.0,
                max: 2.0,
            },
            &train,
        )
        .unwrap();
        let mut x = [-3.0, 0.0, 1.0];
        t.apply(&mut x).unwrap();
        assert_eq!(x, [0.0, 0.5, 0.75]);
        assert!(t.apply(&mut [0.0; 2]).is_err());
        assert_eq!("minmax".parse(), Ok(Normalization::MeasuredRange));
        assert_eq!(
            "range:-2:2".parse(),
            Ok(Normalization::Range {
                min: -2.0,
                max: 2.0
            })
        );
        assert!("range:2:-2".parse::<Normalization>().is_err());
        assert!("range:0".parse::<Normalization>().is_err());
        assert!("zscore".parse::<Normalization>().is_err());
        assert!(InputTransform::fit(Normalization::None, &train).is_none());
        let mut other = data(vec![0.0; 4], 4);
        assert!(t.apply_to(&mut other).is_err());
        let corrupt = InputTransform {
            scale: vec![1.0; 2],
            ..t
        };
        let mut x = train.clone();
        assert!(matches!(
            corrupt.apply_to(&mut x),
            Err(DataError::Transform(_))
        ));
    }
}
