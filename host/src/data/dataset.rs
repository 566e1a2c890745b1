//! A dataset in memory: samples of one shape, one after the other, with labels if it has any.

use std::ops::{Bound, RangeBounds};

use serde::{Deserialize, Serialize};

use super::DataError;

/// What one sample is: a grey-scale image, or a vector of features (a sensor window, a row of
/// a table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleShape {
    /// `width × height` pixels, row-major.
    Image {
        /// Pixels per row.
        width: usize,
        /// Rows.
        height: usize,
    },
    /// `width` features.
    Vector {
        /// Features per sample.
        width: usize,
    },
}

impl SampleShape {
    /// Values per sample: the input size of a model for this data.
    pub fn features(self) -> usize {
        match self {
            Self::Image { width, height } => width * height,
            Self::Vector { width } => width,
        }
    }

    /// The sample drawn as a picture, `(width, height)`: a vector is one row.
    pub fn picture(self) -> (usize, usize) {
        match self {
            Self::Image { width, height } => (width, height),
            Self::Vector { width } => (width, 1),
        }
    }
}

impl std::fmt::Display for SampleShape {
    /// `28x28 images` or `384-value vectors`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Image { width, height } => write!(f, "{width}x{height} images"),
            Self::Vector { width } => write!(f, "{width}-value vectors"),
        }
    }
}

/// Samples of one shape, stored one after the other, with a label each if the data has labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub(super) name: String,
    shape: SampleShape,
    /// `len() * shape.features()` values, sample after sample.
    values: Vec<f32>,
    /// Samples (when there are no labels).
    len: usize,
    labels: Option<Vec<u8>>,
}

/// A training set and the test set held out from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// The samples to learn from.
    pub train: Dataset,
    /// The samples to evaluate on.
    pub test: Dataset,
}

impl Dataset {
    /// A dataset of `labels.len()` labelled images of `width x height` pixels, stored one after
    /// the other in `images`.
    ///
    /// Fails if a side is zero or if `images` does not hold exactly one image per label. An
    /// empty dataset is allowed here; the loaders refuse empty files.
    pub fn new(
        name: impl Into<String>,
        width: usize,
        height: usize,
        images: Vec<f32>,
        labels: Vec<u8>,
    ) -> Result<Self, DataError> {
        let len = labels.len();
        Self::from_parts(
            name,
            SampleShape::Image { width, height },
            images,
            len,
            Some(labels),
        )
    }

    /// A dataset of `len` samples of `shape`, stored one after the other in `values`, with one
    /// label per sample or none.
    ///
    /// Fails if the shape has a zero side, if `values` does not hold exactly `len` samples, or
    /// if there are labels but not `len` of them.
    pub fn from_parts(
        name: impl Into<String>,
        shape: SampleShape,
        values: Vec<f32>,
        len: usize,
        labels: Option<Vec<u8>>,
    ) -> Result<Self, DataError> {
        let name = name.into();
        let (width, height) = shape.picture();
        if width == 0 || height == 0 {
            return Err(DataError::ZeroSizedImages {
                dataset: name,
                width,
                height,
            });
        }
        if let Some(labels) = &labels
            && labels.len() != len
        {
            return Err(DataError::CountMismatch {
                dataset: name,
                images: len,
                labels: labels.len(),
            });
        }
        let expected = len.checked_mul(shape.features());
        if expected != Some(values.len()) {
            return Err(DataError::PixelCount {
                dataset: name,
                width,
                height,
                labels: len,
                expected: expected.unwrap_or(usize::MAX),
                found: values.len(),
            });
        }
        Ok(Self {
            name,
            shape,
            values,
            len,
            labels,
        })
    }

    /// The name used in messages, such as `mnist train`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same data under another name.
    pub fn renamed(self, name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..self
        }
    }

    /// What one sample is.
    pub fn shape(&self) -> SampleShape {
        self.shape
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Width of a sample drawn as a picture (a vector's length).
    pub fn width(&self) -> usize {
        self.shape.picture().0
    }

    /// Height of a sample drawn as a picture (1 for a vector).
    pub fn height(&self) -> usize {
        self.shape.picture().1
    }

    /// Values per sample: the input size of a model for this dataset.
    pub fn pixels_per_image(&self) -> usize {
        self.shape.features()
    }

    /// The values of sample `i`, or `None` past the end.
    pub fn image(&self, i: usize) -> Option<&[f32]> {
        let n = self.pixels_per_image();
        self.values
            .get(i.checked_mul(n)?..i.checked_add(1)?.checked_mul(n)?)
    }

    /// The label of sample `i`, or `None` past the end or when the data has no labels.
    pub fn label(&self, i: usize) -> Option<u8> {
        self.labels.as_ref()?.get(i).copied()
    }

    /// All values, sample after sample.
    pub fn images(&self) -> &[f32] {
        &self.values
    }

    /// All values, mutably (normalization rewrites them in place).
    pub(super) fn values_mut(&mut self) -> &mut [f32] {
        &mut self.values
    }

    /// All labels, in sample order, if the data has labels.
    pub fn labels(&self) -> Option<&[u8]> {
        self.labels.as_deref()
    }

    /// The labels, or an error naming what needs them.
    pub fn require_labels(&self, purpose: &'static str) -> Result<&[u8], DataError> {
        self.labels().ok_or_else(|| DataError::NoLabels {
            dataset: self.name.clone(),
            purpose,
        })
    }

    /// The samples with their labels, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[f32], Option<u8>)> + '_ {
        self.values
            .chunks_exact(self.pixels_per_image())
            .enumerate()
            .map(|(i, sample)| (sample, self.label(i)))
    }

    /// Checks that the samples have the `features` a model takes.
    pub fn ensure_pixels_per_image(&self, features: usize) -> Result<(), DataError> {
        if self.pixels_per_image() == features {
            Ok(())
        } else {
            Err(DataError::WrongSampleSize {
                dataset: self.name.clone(),
                expected: features,
                shape: self.shape,
            })
        }
    }

    /// The samples whose indices are in `range`, under the same name; `..1000` gives the first
    /// thousand. The range is clipped to the dataset, so it may come out shorter, even empty.
    pub fn subset(&self, range: impl RangeBounds<usize>) -> Dataset {
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&e) => e.saturating_add(1),
            Bound::Excluded(&e) => e,
            Bound::Unbounded => self.len(),
        };
        let end = end.min(self.len());
        let start = start.min(end);
        self.select(&(start..end).collect::<Vec<_>>())
    }

    /// The samples at `indices`, in that order, under the same name.
    ///
    /// # Panics
    /// If an index is out of range; callers pass indices below [`Dataset::len`].
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let n = self.pixels_per_image();
        let mut values = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            values.extend_from_slice(&self.values[i * n..(i + 1) * n]);
        }
        Dataset {
            name: self.name.clone(),
            shape: self.shape,
            values,
            len: indices.len(),
            labels: self
                .labels
                .as_ref()
                .map(|labels| indices.iter().map(|&i| labels[i]).collect()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Three 2x1 images whose pixels tell their index: image i is [i/10, i/10 + 0.05].
    fn tiny() -> Dataset {
        let images = (0..3u8).flat_map(|i| [f32::from(i) / 10.0, f32::from(i) / 10.0 + 0.05]);
        Dataset::new("tiny", 2, 1, images.collect(), vec![7, 8, 9]).unwrap()
    }

    #[test]
    fn accessors_index_images_row_major() {
        let d = tiny();
        assert_eq!(
            (d.len(), d.width(), d.height(), d.pixels_per_image()),
            (3, 2, 1, 2)
        );
        assert_eq!(d.image(1).unwrap(), &[0.1, 0.1 + 0.05]);
        assert_eq!(d.label(2), Some(9));
        assert_eq!((d.image(3), d.label(3)), (None, None));
        assert_eq!(d.image(usize::MAX), None);
        assert_eq!(
            d.iter().map(|(_, l)| l).collect::<Vec<_>>(),
            [Some(7), Some(8), Some(9)]
        );
        assert!(!d.is_empty());
    }

    #[test]
    fn vectors_without_labels() {
        let shape = SampleShape::Vector { width: 3 };
        let d = Dataset::from_parts("v", shape, vec![1.0; 6], 2, None).unwrap();
        assert_eq!((d.len(), d.pixels_per_image(), d.height()), (2, 3, 1));
        assert_eq!((d.labels(), d.label(0)), (None, None));
        let err = d.require_labels("the linear probe").unwrap_err();
        assert_eq!(
            err.to_string(),
            "v has no labels, which the linear probe needs"
        );
        assert_eq!(d.subset(1..).len(), 1);
        assert_eq!(shape.to_string(), "3-value vectors");
    }

    #[test]
    fn new_checks_the_lengths() {
        let err = Dataset::new("odd", 2, 2, vec![0.0; 7], vec![0, 1]).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::PixelCount {
                    expected: 8,
                    found: 7,
                    ..
                }
            ),
            "{err}"
        );
        let err = Dataset::new("flat", 0, 2, vec![], vec![]).unwrap_err();
        assert!(matches!(err, DataError::ZeroSizedImages { .. }), "{err}");
        let shape = SampleShape::Vector { width: 2 };
        let err = Dataset::from_parts("few", shape, vec![0.0; 4], 2, Some(vec![1])).unwrap_err();
        assert!(matches!(err, DataError::CountMismatch { .. }), "{err}");
        assert!(
            Dataset::new("empty", 2, 2, vec![], vec![])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn subset_clips_its_range() {
        let d = tiny();
        let middle = d.subset(1..2);
        assert_eq!(
            (middle.labels().unwrap(), middle.images()),
            (&[8][..], &[0.1, 0.1 + 0.05][..])
        );
        assert_eq!(d.subset(..=1).labels().unwrap(), [7, 8]);
        assert_eq!(d.subset(2..).labels().unwrap(), [9]);
        assert_eq!(d.subset(..100), d);
        assert!(d.subset(5..9).is_empty());
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = d.subset(2..1);
        assert!(backwards.is_empty());
        assert_eq!(d.select(&[2, 0]).labels().unwrap(), [9, 7]);
    }

    #[test]
    fn size_check_names_both_sizes() {
        let d = tiny();
        assert!(d.ensure_pixels_per_image(2).is_ok());
        let err = d.ensure_pixels_per_image(64).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the model takes 64 values per sample but tiny has 2x1 images (2 values)"
        );
    }
}
