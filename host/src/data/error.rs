//! The one error type of the data loaders, worded for someone reading it at a terminal.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::{DataFormat, SampleShape};

/// Everything that can go wrong while loading or preparing a dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A file the loader needs does not exist.
    #[error("data file not found: {}{}", path.display(), AlsoTried(alternatives))]
    MissingFile {
        /// The file looked for.
        path: PathBuf,
        /// Other names tried in its place (such as the same file with `.gz`).
        alternatives: Vec<PathBuf>,
    },

    /// Reading a file failed for a reason other than bad contents.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file being read.
        path: PathBuf,
        /// What the operating system reported.
        source: io::Error,
    },

    /// A file starts with the gzip signature but does not decompress.
    #[error("{} is not a valid gzip file (corrupt or cut short): {source}", path.display())]
    BadGzip {
        /// The file being read.
        path: PathBuf,
        /// What the decompressor reported.
        source: io::Error,
    },

    /// A file does not start with the magic number of the expected IDX kind.
    #[error(
        "{} is not an IDX {kind} file: its magic number is 0x{found:08x}, expected 0x{expected:08x}",
        path.display()
    )]
    BadMagic {
        /// The file being read.
        path: PathBuf,
        /// What the file should hold: `"images"` or `"labels"`.
        kind: &'static str,
        /// The first four bytes as read, big-endian.
        found: u32,
        /// The magic number required.
        expected: u32,
    },

    /// A file holds fewer bytes than its header declares.
    #[error(
        "{} is truncated: it should hold {expected} bytes (after decompression) but holds {found}",
        path.display()
    )]
    Truncated {
        /// The file being read.
        path: PathBuf,
        /// Bytes the file should hold, header included (after decompression).
        expected: u64,
        /// Bytes actually present (after decompression).
        found: u64,
    },

    /// A file holds more bytes than its header declares.
    #[error(
        "{} has {extra} unexpected bytes after the {declared} its header declares",
        path.display()
    )]
    TrailingBytes {
        /// The file being read.
        path: PathBuf,
        /// Bytes the header declares, header included (after decompression).
        declared: u64,
        /// Bytes found past that point.
        extra: u64,
    },

    /// The number of images and the number of labels differ.
    #[error("{dataset}: {images} images but {labels} labels; there must be one label per image")]
    CountMismatch {
        /// Name of the dataset.
        dataset: String,
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },

    /// The pixel buffer does not hold exactly one `width x height` image per label.
    #[error(
        "{dataset}: {labels} images of {width}x{height} pixels need {expected} pixel values, got {found}"
    )]
    PixelCount {
        /// Name of the dataset.
        dataset: String,
        /// Image width in pixels.
        width: usize,
        /// Image height in pixels.
        height: usize,
        /// Number of labels, hence of images.
        labels: usize,
        /// Pixel values needed.
        expected: usize,
        /// Pixel values given.
        found: usize,
    },

    /// Images with a zero side.
    #[error("{dataset}: images of {width}x{height} pixels; both sides must be at least 1")]
    ZeroSizedImages {
        /// Name of the dataset.
        dataset: String,
        /// Image width in pixels.
        width: usize,
        /// Image height in pixels.
        height: usize,
    },

    /// The dataset's samples do not have the size the model takes.
    #[error(
        "the model takes {expected} values per sample but {dataset} has {shape} ({} values)",
        shape.features()
    )]
    WrongSampleSize {
        /// Name of the dataset.
        dataset: String,
        /// Values per sample the model takes.
        expected: usize,
        /// What a sample of the data is.
        shape: SampleShape,
    },

    /// An evaluation needs labels the data does not have.
    #[error("{dataset} has no labels, which {purpose} needs")]
    NoLabels {
        /// Name of the dataset.
        dataset: String,
        /// What needs them.
        purpose: &'static str,
    },

    /// A line of a CSV file cannot be read as one image and its label.
    #[error("{}, line {line}: {problem}", path.display())]
    BadCsvRow {
        /// The file being read.
        path: PathBuf,
        /// Line number, counting from 1.
        line: usize,
        /// What is wrong with the line.
        problem: RowProblem,
    },

    /// A label outside the classes of the dataset.
    #[error("{}, line {line}: label {label} is out of range 0..={max}", path.display())]
    LabelOutOfRange {
        /// The file being read.
        path: PathBuf,
        /// Line number, counting from 1.
        line: usize,
        /// The label as read.
        label: i64,
        /// The largest valid label.
        max: u8,
    },

    /// A label of an IDX file above the most classes an IDX dataset may have.
    #[error(
        "{}, label {index}: {label} is above {max}, the largest label an IDX dataset may have (EMNIST's 62 classes)",
        path.display()
    )]
    IdxLabelOutOfRange {
        /// The labels file.
        path: PathBuf,
        /// The label's position in the file, counting from 1.
        index: usize,
        /// The label as read.
        label: u8,
        /// The largest valid label.
        max: u8,
    },

    /// A file declaring more data than a dataset may hold.
    #[error("{} declares {declared} bytes of data; the most a dataset may hold is {max}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Bytes its header declares.
        declared: u64,
        /// The most allowed.
        max: u64,
    },

    /// A `.npy` file that does not hold a dataset.
    #[error("{}: {problem}", path.display())]
    BadNpy {
        /// The file being read.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// A test fraction outside (0, 1).
    #[error("the test fraction must be between 0 and 1 (exclusive), not {fraction}")]
    BadTestFraction {
        /// The fraction given.
        fraction: f64,
    },

    /// Too few samples to hold a test set out of.
    #[error("{dataset} has {samples} sample(s): at least 2 are needed to hold out a test set")]
    TooFewToSplit {
        /// Name of the dataset.
        dataset: String,
        /// Samples it has.
        samples: usize,
    },

    /// A format without a test set of its own, asked to use it.
    #[error("{format:?} data holds no test set: give a test file or a fraction to hold out")]
    NoTestSet {
        /// The format.
        format: DataFormat,
    },

    /// A format that holds its own test set, given another.
    #[error("{format:?} data holds its own test set; a test file or fraction does not apply")]
    TestSetIncluded {
        /// The format.
        format: DataFormat,
    },

    /// The training and test data have different shapes.
    #[error("the training data has {train} but the test data has {test}")]
    ShapesDiffer {
        /// Shape of the training samples.
        train: SampleShape,
        /// Shape of the test samples.
        test: SampleShape,
    },

    /// A label column that the table does not have.
    #[error("{}: no column {column} (the table has {columns} columns)", path.display())]
    NoSuchColumn {
        /// The file being read.
        path: PathBuf,
        /// The column asked for, as given.
        column: String,
        /// Columns in the table.
        columns: usize,
    },

    /// A dataset, or one side of a train/test split, has no images.
    #[error("{dataset} has no images")]
    EmptyDataset {
        /// Name of the dataset.
        dataset: String,
    },

    /// A recorded input transform that cannot be applied: as many scales as offsets are needed.
    #[error("the input transform cannot be applied: {0}")]
    Transform(tinyvae_core::Error),

    /// An output buffer whose length differs from its input's.
    #[error("output buffer holds {found} values but the input has {expected}")]
    BufferLength {
        /// Length of the input.
        expected: usize,
        /// Length of the output buffer.
        found: usize,
    },
}

/// What is wrong with one CSV line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowProblem {
    /// The line does not have the expected number of fields.
    FieldCount {
        /// Fields required.
        expected: usize,
        /// Fields found.
        found: usize,
    },
    /// A field is not an integer.
    NotAnInteger {
        /// Column number, counting from 1.
        column: usize,
        /// The field as written.
        text: String,
    },
    /// A field is not a decimal number.
    NotANumber {
        /// Column number, counting from 1.
        column: usize,
        /// The field as written.
        text: String,
    },
    /// A field is a number but not a finite one (NaN, inf).
    NotFinite {
        /// Column number, counting from 1.
        column: usize,
        /// The field as written.
        text: String,
    },
    /// A label outside 0..=max.
    LabelOutOfRange {
        /// Column number, counting from 1.
        column: usize,
        /// The value as read.
        value: i64,
        /// The largest valid label.
        max: u8,
    },
    /// A pixel value outside its range.
    PixelOutOfRange {
        /// Column number, counting from 1.
        column: usize,
        /// The value as read.
        value: i64,
        /// The largest valid value.
        max: u8,
    },
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldCount { expected, found } => {
                write!(f, "expected {expected} values, found {found}")
            }
            Self::NotAnInteger { column, text } => {
                write!(f, "column {column}: {text:?} is not an integer")
            }
            Self::NotANumber { column, text } => {
                write!(f, "column {column}: {text:?} is not a number")
            }
            Self::NotFinite { column, text } => {
                write!(f, "column {column}: {text:?} is not finite")
            }
            Self::LabelOutOfRange { column, value, max } => {
                write!(
                    f,
                    "column {column}: label {value} is out of range 0..={max}"
                )
            }
            Self::PixelOutOfRange { column, value, max } => {
                write!(
                    f,
                    "column {column}: pixel value {value} is out of range 0..={max}"
                )
            }
        }
    }
}

/// Formats the alternatives of a missing file as ` (nor a or b)`, or nothing.
struct AlsoTried<'a>(&'a [PathBuf]);

impl fmt::Display for AlsoTried<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, path) in self.0.iter().enumerate() {
            let lead = if i == 0 { " (nor " } else { " or " };
            write!(f, "{lead}{}", path.display())?;
        }
        if !self.0.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_well_at_a_terminal() {
        let missing = DataError::MissingFile {
            path: PathBuf::from("data/mnist/train-images-idx3-ubyte"),
            alternatives: vec![PathBuf::from("data/mnist/train-images-idx3-ubyte.gz")],
        };
        assert_eq!(
            missing.to_string(),
            "data file not found: data/mnist/train-images-idx3-ubyte \
             (nor data/mnist/train-images-idx3-ubyte.gz)"
        );
        let size = DataError::WrongSampleSize {
            dataset: "mnist train".into(),
            expected: 64,
            shape: SampleShape::Image {
                width: 28,
                height: 28,
            },
        };
        assert_eq!(
            size.to_string(),
            "the model takes 64 values per sample but mnist train has 28x28 images (784 values)"
        );
        let row = DataError::BadCsvRow {
            path: PathBuf::from("d.csv"),
            line: 3,
            problem: RowProblem::PixelOutOfRange {
                column: 5,
                value: 17,
                max: 16,
            },
        };
        assert_eq!(
            row.to_string(),
            "d.csv, line 3: column 5: pixel value 17 is out of range 0..=16"
        );
    }
}
