//! The IDX format of MNIST and its many look-alikes (Fashion-MNIST, KMNIST, EMNIST...).
//!
//! An IDX file is a big-endian header, then the values in row-major order. The header is a
//! magic number whose third byte gives the value type (`0x08`: unsigned byte) and fourth the
//! number of dimensions, followed by each dimension as a `u32`. Image files are
//! `0x00000803`: count x rows x columns; label files `0x00000801`: count.

use std::io;
use std::path::{Path, PathBuf};

use super::source::Source;
use super::{DataError, Dataset, Split};

/// Base name of the training images, without `.gz`.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// Base name of the training labels, without `.gz`.
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// Base name of the test images, without `.gz`.
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// Base name of the test labels, without `.gz`.
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// What an IDX file must hold.
#[derive(Clone, Copy)]
enum Kind {
    Images,
    Labels,
}

impl Kind {
    fn magic(self) -> u32 {
        match self {
            Self::Images => 0x0000_0803,
            Self::Labels => 0x0000_0801,
        }
    }

    fn dims(self) -> usize {
        match self {
            Self::Images => 3,
            Self::Labels => 1,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Images => "images",
            Self::Labels => "labels",
        }
    }
}

/// The content of one IDX file: its dimensions and its bytes.
struct Idx {
    dims: Vec<u32>,
    values: Vec<u8>,
}

/// Loads the four standard IDX files of `dir`, each gzip-compressed or raw.
///
/// The files are [`TRAIN_IMAGES`], [`TRAIN_LABELS`], [`TEST_IMAGES`] and [`TEST_LABELS`], with
/// or without `.gz`. The datasets are named after the folder: `mnist train`, `mnist test`.
/// Pixels are scaled from 0..=255 to [0, 1]; labels are kept as written.
pub fn load_idx_dir(dir: &Path) -> Result<Split, DataError> {
    let name = dir
        .file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
    let train = load_idx_pair(
        &find(dir, TRAIN_IMAGES)?,
        &find(dir, TRAIN_LABELS)?,
        format!("{name} train"),
    )?;
    let test = load_idx_pair(
        &find(dir, TEST_IMAGES)?,
        &find(dir, TEST_LABELS)?,
        format!("{name} test"),
    )?;
    Ok(Split { train, test })
}

/// Loads one IDX image file and its IDX label file as a dataset called `name`.
pub fn load_idx_pair(
    images: &Path,
    labels: &Path,
    name: impl Into<String>,
) -> Result<Dataset, DataError> {
    let name = name.into();
    let images = read_idx(images, Kind::Images)?;
    let labels = read_idx(labels, Kind::Labels)?;
    let (image_count, label_count) = (images.dims[0] as usize, labels.dims[0] as usize);
    if image_count != label_count {
        return Err(DataError::CountMismatch {
            dataset: name,
            images: image_count,
            labels: label_count,
        });
    }
    if image_count == 0 {
        return Err(DataError::EmptyDataset { dataset: name });
    }
    let (height, width) = (images.dims[1] as usize, images.dims[2] as usize);
    let pixels = images.values.iter().map(|&v| f32::from(v) / 255.0).collect();
    Dataset::new(name, width, height, pixels, labels.values)
}

/// `dir/base`, or else `dir/base.gz`.
fn find(dir: &Path, base: &str) -> Result<PathBuf, DataError> {
    let raw = dir.join(base);
    let gz = dir.join(format!("{base}.gz"));
    if raw.is_file() {
        Ok(raw)
    } else if gz.is_file() {
        Ok(gz)
    } else {
        Err(DataError::MissingFile { path: raw, alternatives: vec![gz] })
    }
}

/// Reads a whole IDX file of `kind`, insisting that it is exactly as long as its header says.
fn read_idx(path: &Path, kind: Kind) -> Result<Idx, DataError> {
    let mut source = Source::open(path)?;
    // The magic first, so that a short non-IDX file is called that rather than truncated.
    let mut header = Vec::new();
    read_exactly(&mut source, 4, 4, &mut header)?;
    let magic = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if magic != kind.magic() {
        return Err(DataError::BadMagic {
            path: path.to_path_buf(),
            kind: kind.noun(),
            found: magic,
            expected: kind.magic(),
        });
    }
    let header_len = 4 * (1 + kind.dims() as u64);
    read_exactly(&mut source, header_len - 4, header_len, &mut header)?;
    let dims: Vec<u32> = header[4..]
        .chunks_exact(4)
        .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    // Saturating: a header declaring more than u64::MAX bytes is simply a truncated file.
    let body_len = dims.iter().fold(1u64, |acc, &d| acc.saturating_mul(u64::from(d)));
    let declared = header_len.saturating_add(body_len);
    let mut values = Vec::new();
    read_exactly(&mut source, body_len, declared, &mut values)?;
    match source.count_rest() {
        Ok(0) => Ok(Idx { dims, values }),
        Ok(extra) => Err(DataError::TrailingBytes { path: path.to_path_buf(), declared, extra }),
        Err(e) => Err(source.error(e)),
    }
}

/// Appends exactly `len` more bytes of `source` to `buf`, or fails with
/// [`DataError::Truncated`].
///
/// `declared` is the length of the whole file, for the error message, which takes the
/// `declared - len` bytes before these as read.
fn read_exactly(
    source: &mut Source,
    len: u64,
    declared: u64,
    buf: &mut Vec<u8>,
) -> Result<(), DataError> {
    let start = buf.len();
    let result = source.read_up_to(len, buf);
    let got = (buf.len() - start) as u64;
    let truncated = || DataError::Truncated {
        path: source.path().to_path_buf(),
        expected: declared,
        found: declared - len + got,
    };
    match result {
        // A gzip stream cut short ends the decoded data early, like a short raw file.
        Err(e) if source.is_gzip() && e.kind() == io::ErrorKind::UnexpectedEof => Err(truncated()),
        Err(e) => Err(source.error(e)),
        Ok(()) if got < len => Err(truncated()),
        Ok(()) => Ok(()),
    }
}
