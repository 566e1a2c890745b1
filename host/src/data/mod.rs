//! Datasets: loading the image sets the trainer learns from, and preparing their pixels.
//!
//! Two formats are read, each gzip-compressed or raw: the IDX files of MNIST and its
//! look-alikes ([`load_idx_dir`]) and the CSV of the UCI 8x8 digits ([`load_digits`]). Either
//! gives a [`Split`] of two [`Dataset`]s whose pixels are scaled to [0, 1].

mod binarize;
mod digits;
mod error;
mod idx;
mod source;

use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};

pub use binarize::{binarize_dynamic, binarize_threshold};
pub use digits::{DIGITS_FIELDS, DIGITS_SIDE, load_digits};
pub use error::{DataError, RowProblem};
pub use idx::{TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, load_idx_dir, load_idx_pair};

/// Environment variable naming the folder that holds the shipped `mnist/` and `digits/`.
pub const DATA_DIR_VARIABLE: &str = "TINYVAE_DATA";

/// The folder holding the shipped `mnist/` and `digits/`: `$TINYVAE_DATA` if set; else `data/`
/// in the working directory if it holds either set, which serves an installed binary run
/// beside its data; else the project's `data/` as it was at build time, so `cargo run` works
/// from any folder.
pub fn default_data_dir() -> PathBuf {
    // Absolute, so the path still names the same folder when handed to a process started
    // elsewhere.
    let local = std::env::current_dir().unwrap_or_default().join("data");
    resolve_data_dir(
        std::env::var_os(DATA_DIR_VARIABLE).map(PathBuf::from),
        &local,
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data"),
    )
}

/// [`default_data_dir`]'s choice, from its three candidates in order of precedence.
fn resolve_data_dir(from_variable: Option<PathBuf>, local: &Path, built_in: PathBuf) -> PathBuf {
    if let Some(dir) = from_variable.filter(|dir| !dir.as_os_str().is_empty()) {
        return dir;
    }
    if local.join("mnist").is_dir() || local.join("digits").is_dir() {
        return local.to_path_buf();
    }
    built_in
}

/// Labelled grayscale images of one size, pixels row-major and scaled to [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    name: String,
    width: usize,
    height: usize,
    /// `len() * width * height` values, image after image.
    images: Vec<f32>,
    labels: Vec<u8>,
}

/// A training set and the test set held out from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// The images to learn from.
    pub train: Dataset,
    /// The images to evaluate on.
    pub test: Dataset,
}

impl Dataset {
    /// A dataset of `labels.len()` images of `width x height` pixels, stored one after the
    /// other in `images`.
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
        let name = name.into();
        if width == 0 || height == 0 {
            return Err(DataError::ZeroSizedImages {
                dataset: name,
                width,
                height,
            });
        }
        let expected = labels.len().checked_mul(width * height);
        if expected != Some(images.len()) {
            return Err(DataError::PixelCount {
                dataset: name,
                width,
                height,
                labels: labels.len(),
                expected: expected.unwrap_or(usize::MAX),
                found: images.len(),
            });
        }
        Ok(Self {
            name,
            width,
            height,
            images,
            labels,
        })
    }

    /// The name used in messages, such as `mnist train`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Image height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// `width * height`: the input size of a model for this dataset.
    pub fn pixels_per_image(&self) -> usize {
        self.width * self.height
    }

    /// The pixels of image `i`, row-major, or `None` past the end.
    pub fn image(&self, i: usize) -> Option<&[f32]> {
        let n = self.pixels_per_image();
        self.images
            .get(i.checked_mul(n)?..i.checked_add(1)?.checked_mul(n)?)
    }

    /// The label of image `i`, or `None` past the end.
    pub fn label(&self, i: usize) -> Option<u8> {
        self.labels.get(i).copied()
    }

    /// All pixels, image after image.
    pub fn images(&self) -> &[f32] {
        &self.images
    }

    /// All labels, in image order.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The images with their labels, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[f32], u8)> + '_ {
        self.images
            .chunks_exact(self.pixels_per_image())
            .zip(self.labels.iter().copied())
    }

    /// Checks that the images have the `pixels` per image a model takes.
    pub fn ensure_pixels_per_image(&self, pixels: usize) -> Result<(), DataError> {
        if self.pixels_per_image() == pixels {
            Ok(())
        } else {
            Err(DataError::WrongImageSize {
                dataset: self.name.clone(),
                expected: pixels,
                width: self.width,
                height: self.height,
            })
        }
    }

    /// The images whose indices are in `range`, under the same name; `..1000` gives the first
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
        let n = self.pixels_per_image();
        Dataset {
            name: self.name.clone(),
            width: self.width,
            height: self.height,
            images: self.images[start * n..end * n].to_vec(),
            labels: self.labels[start..end].to_vec(),
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
        assert_eq!(d.iter().map(|(_, l)| l).collect::<Vec<_>>(), [7, 8, 9]);
        assert!(!d.is_empty());
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
            (middle.labels(), middle.images()),
            (&[8][..], &[0.1, 0.1 + 0.05][..])
        );
        assert_eq!(d.subset(..=1).labels(), [7, 8]);
        assert_eq!(d.subset(2..).labels(), [9]);
        assert_eq!(d.subset(..100), d);
        assert!(d.subset(5..9).is_empty());
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = d.subset(2..1);
        assert!(backwards.is_empty());
    }

    #[test]
    fn image_size_check_names_both_sizes() {
        let d = tiny();
        assert!(d.ensure_pixels_per_image(2).is_ok());
        let err = d.ensure_pixels_per_image(64).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the model takes 64 pixels per image but tiny has 2x1 = 2 pixels per image"
        );
    }

    #[test]
    fn data_dir_prefers_the_variable_then_a_local_data_folder() {
        let scratch = tempfile::tempdir().unwrap();
        let local = scratch.path().join("data");
        let built_in = PathBuf::from("/built/in/data");
        let chosen = |variable: Option<&str>| {
            resolve_data_dir(variable.map(PathBuf::from), &local, built_in.clone())
        };
        assert_eq!(chosen(None), built_in, "no local data folder yet");
        std::fs::create_dir_all(local.join("other")).unwrap();
        assert_eq!(chosen(None), built_in, "a data folder without the sets");
        std::fs::create_dir_all(local.join("digits")).unwrap();
        assert_eq!(chosen(None), local);
        assert_eq!(chosen(Some("/elsewhere")), PathBuf::from("/elsewhere"));
        assert_eq!(chosen(Some("")), local, "an empty variable counts as unset");
    }

    #[test]
    fn default_data_dir_holds_the_shipped_sets() {
        let dir = default_data_dir();
        assert!(dir.is_absolute(), "{}", dir.display());
        assert!(
            dir.join("mnist").is_dir() && dir.join("digits").is_dir(),
            "{}",
            dir.display()
        );
    }
}
