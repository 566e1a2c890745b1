//! Which data a run uses, as given: the file or folder, its format, where the test set comes
//! from, the labels and the normalization. A [`DataSpec`] loads the same data every time; it is
//! what a checkpoint records of its data.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::normalize::{InputTransform, Normalization};
use super::npy::load_npy;
use super::split::hold_out;
use super::table::{LabelColumn, TableLayout, load_table};
use super::{DataError, Split, load_digits, load_idx_dir};

/// The formats the tool reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataFormat {
    /// A folder of the four MNIST-layout IDX files (images of any size), test set included.
    Idx,
    /// The UCI 8×8 digits CSV: 64 pixels in 0..=16 and the digit a line; its last fifth tests.
    Digits,
    /// A comma-separated table of float vectors.
    Csv,
    /// A tab-separated table of float vectors.
    Tsv,
    /// A NumPy `.npy` array, `(N, D)` vectors or `(N, H, W)` images.
    Npy,
}

impl DataFormat {
    /// The format a path names: a folder is IDX, `.npy` NumPy, `.tsv`/`.tab` TSV, anything
    /// else CSV (each name may end in `.gz`).
    pub fn of_path(path: &Path) -> Self {
        if path.is_dir() {
            return Self::Idx;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".npy") {
            Self::Npy
        } else if name.ends_with(".tsv") || name.ends_with(".tab") {
            Self::Tsv
        } else {
            Self::Csv
        }
    }

    /// Whether the format holds its own test set.
    pub fn has_test_set(self) -> bool {
        matches!(self, Self::Idx | Self::Digits)
    }
}

impl std::str::FromStr for DataFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "idx" => Ok(Self::Idx),
            "digits" => Ok(Self::Digits),
            "csv" => Ok(Self::Csv),
            "tsv" => Ok(Self::Tsv),
            "npy" => Ok(Self::Npy),
            _ => Err(format!(
                "the data formats are idx, digits, csv, tsv and npy, not '{text}'"
            )),
        }
    }
}

/// The test fraction held out when none is given.
pub const DEFAULT_TEST_FRACTION: f64 = 0.2;

/// Where the test set comes from, for the formats that do not hold one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestSet {
    /// The format's own (IDX folders, the digits CSV).
    Included,
    /// A second file of the same format and width.
    File {
        /// The test data.
        path: PathBuf,
        /// Its labels (`.npy` only).
        labels: Option<PathBuf>,
    },
    /// A seeded fraction of the samples.
    HeldOut {
        /// Fraction of the samples, in (0, 1).
        fraction: f64,
        /// Seed of the choice.
        seed: u64,
    },
}

/// Everything that decides which data a run sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    /// The data as given on the command line (or the shipped set's path).
    pub path: PathBuf,
    /// Its format.
    pub format: DataFormat,
    /// The label column of a table.
    pub label_column: Option<LabelColumn>,
    /// The labels of a `.npy` array.
    pub labels: Option<PathBuf>,
    /// Where the test set comes from.
    pub test: TestSet,
    /// How the inputs are normalized.
    pub normalization: Normalization,
}

/// Data loaded from a [`DataSpec`], normalized, with the transform it was normalized by.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedData {
    /// The samples, normalized.
    pub split: Split,
    /// The normalization fitted on the training set, if any.
    pub transform: Option<InputTransform>,
}

impl DataSpec {
    /// The data at `path` in the format its name gives, its own test set or 20 % held out with
    /// seed 0, no labels, no normalization.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let format = DataFormat::of_path(&path);
        Self::with_format(path, format)
    }

    /// The data at `path` in `format`, with the defaults of [`DataSpec::new`].
    pub fn with_format(path: impl Into<PathBuf>, format: DataFormat) -> Self {
        Self {
            path: path.into(),
            format,
            label_column: None,
            labels: None,
            test: if format.has_test_set() {
                TestSet::Included
            } else {
                TestSet::HeldOut {
                    fraction: DEFAULT_TEST_FRACTION,
                    seed: 0,
                }
            },
            normalization: Normalization::None,
        }
    }

    /// Loads, splits and normalizes the data (the transform fitted on the training side).
    pub fn load(&self) -> Result<LoadedData, DataError> {
        let mut split = self.load_raw()?;
        let transform = InputTransform::fit(self.normalization, &split.train);
        if let Some(transform) = &transform {
            transform.apply_to(&mut split.train)?;
            transform.apply_to(&mut split.test)?;
        }
        Ok(LoadedData { split, transform })
    }

    /// Loads and splits the data, not normalized.
    pub fn load_raw(&self) -> Result<Split, DataError> {
        let split = match (&self.test, self.format) {
            (TestSet::Included, DataFormat::Idx) => load_idx_dir(&self.path)?,
            (TestSet::Included, DataFormat::Digits) => load_digits(&self.path)?,
            (TestSet::Included, format) => return Err(DataError::NoTestSet { format }),
            (TestSet::File { .. }, DataFormat::Idx | DataFormat::Digits) => {
                return Err(DataError::TestSetIncluded {
                    format: self.format,
                });
            }
            (TestSet::File { path, labels }, _) => Split {
                train: self.load_one(&self.path, self.labels.as_deref(), "train")?,
                test: self.load_one(path, labels.as_deref(), "test")?,
            },
            (TestSet::HeldOut { fraction, seed }, _) => {
                let all = self.load_one(&self.path, self.labels.as_deref(), "")?;
                hold_out(&all, *fraction, *seed)?
            }
        };
        if split.test.shape() != split.train.shape() {
            return Err(DataError::ShapesDiffer {
                train: split.train.shape(),
                test: split.test.shape(),
            });
        }
        Ok(split)
    }

    /// One file of a table or array format, named after it (`x.csv train`).
    fn load_one(
        &self,
        path: &Path,
        labels: Option<&Path>,
        side: &str,
    ) -> Result<super::Dataset, DataError> {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let name = if side.is_empty() {
            file
        } else {
            format!("{file} {side}")
        };
        match self.format {
            DataFormat::Csv | DataFormat::Tsv => {
                let mut layout = TableLayout::for_path(path, self.label_column.clone());
                layout.delimiter = if self.format == DataFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                load_table(path, &layout, &name)
            }
            DataFormat::Npy => load_npy(path, labels, &name),
            DataFormat::Idx | DataFormat::Digits => Err(DataError::TestSetIncluded {
                format: self.format,
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::{SampleShape, default_data_dir};

    #[test]
    fn formats_from_names() {
        for (name, format) in [
            ("a.csv", DataFormat::Csv),
            ("a.CSV.gz", DataFormat::Csv),
            ("a.tsv", DataFormat::Tsv),
            ("a.tab.gz", DataFormat::Tsv),
            ("a.npy", DataFormat::Npy),
            ("a.txt", DataFormat::Csv),
        ] {
            assert_eq!(DataFormat::of_path(Path::new(name)), format, "{name}");
        }
        assert_eq!(DataFormat::of_path(&default_data_dir()), DataFormat::Idx);
        assert!("parquet".parse::<DataFormat>().is_err());
    }

    #[test]
    fn a_table_with_a_held_out_test_set_and_a_test_file() {
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("train.csv");
        let rows: String = (0..10)
            .map(|i| format!("{i},{},{}\n", 2 * i, i % 3))
            .collect();
        std::fs::write(&train, format!("x,y,class\n{rows}")).unwrap();
        let mut spec = DataSpec::new(&train);
        spec.label_column = Some(LabelColumn::Name("class".into()));
        spec.normalization = Normalization::MeasuredRange;
        let loaded = spec.load().unwrap();
        assert_eq!((loaded.split.train.len(), loaded.split.test.len()), (8, 2));
        assert_eq!(loaded.split.train.shape(), SampleShape::Vector { width: 2 });
        assert!(loaded.transform.is_some());
        assert!(
            loaded
                .split
                .train
                .images()
                .iter()
                .all(|v| (0.0..=1.0).contains(v))
        );

        let test = dir.path().join("test.csv");
        std::fs::write(&test, "x,y,class\n1,1,0\n").unwrap();
        spec.test = TestSet::File {
            path: test.clone(),
            labels: None,
        };
        let loaded = spec.load().unwrap();
        assert_eq!((loaded.split.train.len(), loaded.split.test.len()), (10, 1));
        assert_eq!(loaded.split.test.name(), "test.csv test");

        std::fs::write(&test, "x,y,z,class\n1,1,1,0\n").unwrap();
        assert!(matches!(spec.load(), Err(DataError::ShapesDiffer { .. })));
    }

    #[test]
    fn included_test_sets_only_where_the_format_has_one() {
        let mut spec = DataSpec::new("x.csv");
        spec.test = TestSet::Included;
        assert!(matches!(spec.load(), Err(DataError::NoTestSet { .. })));
        let mut spec = DataSpec::new(default_data_dir().join("digits/digits.csv.gz"));
        spec.format = DataFormat::Digits;
        spec.test = TestSet::Included;
        let loaded = spec.load().unwrap();
        assert_eq!(loaded.split.test.len(), 360);
    }
}
