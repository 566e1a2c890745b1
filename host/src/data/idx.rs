//! The IDX format of MNIST and its many look-alikes (Fashion-MNIST, KMNIST, EMNIST...).
//!
//! An IDX file is a big-endian header, then the values in row-major order. The header is a
//! magic number whose third byte gives the value type (`0x08`: unsigned byte) and fourth the
//! number of dimensions, followed by each dimension as a `u32`. Image files are
//! `0x00000803`: count x rows x columns; label files `0x00000801`: count.
//!
//! Images load as stored, row after row. EMNIST stores its images transposed, so they come out
//! mirrored along the diagonal; transposing them is left to the caller.

use std::io::{self, Read};
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

/// The largest label: EMNIST ByClass, the look-alike with the most classes, has 62.
pub const MAX_IDX_LABEL: u8 = 61;

/// The largest IDX body read: 4 GiB (MNIST's training images are 47 MB).
pub const MAX_IDX_BYTES: u64 = 4 << 30;

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
    let name = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
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
    let images = read_idx(Source::open(images)?, Kind::Images)?;
    pair(images, Source::open(labels)?, name.into())
}

/// Reads an IDX image file from `images` and its IDX label file from `labels` (each
/// gzip-compressed or raw) as [`load_idx_pair`] reads the files at `images_path` and
/// `labels_path`: the paths only name the data in errors.
pub fn read_idx_pair(
    images: impl Read,
    images_path: &Path,
    labels: impl Read,
    labels_path: &Path,
    name: impl Into<String>,
) -> Result<Dataset, DataError> {
    let images = read_idx(Source::new(images, images_path)?, Kind::Images)?;
    pair(images, Source::new(labels, labels_path)?, name.into())
}

/// The dataset `name` of `images` and the labels read from `labels`.
fn pair(images: Idx, labels: Source<'_>, name: String) -> Result<Dataset, DataError> {
    let labels_path = &labels.path().to_path_buf();
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
    if let Some((index, &label)) = labels
        .values
        .iter()
        .enumerate()
        .find(|(_, l)| **l > MAX_IDX_LABEL)
    {
        return Err(DataError::IdxLabelOutOfRange {
            path: labels_path.to_path_buf(),
            index: index + 1,
            label,
            max: MAX_IDX_LABEL,
        });
    }
    let (height, width) = (images.dims[1] as usize, images.dims[2] as usize);
    let pixels = images
        .values
        .iter()
        .map(|&v| f32::from(v) / 255.0)
        .collect();
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
        Err(DataError::MissingFile {
            path: raw,
            alternatives: vec![gz],
        })
    }
}

/// Reads a whole IDX file of `kind`, insisting that it is exactly as long as its header says.
fn read_idx(mut source: Source<'_>, kind: Kind) -> Result<Idx, DataError> {
    let path = &source.path().to_path_buf();
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
    let body_len = dims
        .iter()
        .fold(1u64, |acc, &d| acc.saturating_mul(u64::from(d)));
    let declared = header_len.saturating_add(body_len);
    if body_len > MAX_IDX_BYTES {
        return Err(DataError::TooLarge {
            path: path.to_path_buf(),
            declared: body_len,
            max: MAX_IDX_BYTES,
        });
    }
    let mut values = Vec::new();
    read_exactly(&mut source, body_len, declared, &mut values)?;
    match source.count_rest() {
        Ok(0) => Ok(Idx { dims, values }),
        Ok(extra) => Err(DataError::TrailingBytes {
            path: path.to_path_buf(),
            declared,
            extra,
        }),
        Err(e) => Err(source.error(e)),
    }
}

/// Appends exactly `len` more bytes of `source` to `buf`, or fails with
/// [`DataError::Truncated`].
///
/// `declared` is the length of the whole file, for the error message, which takes the
/// `declared - len` bytes before these as read.
fn read_exactly(
    source: &mut Source<'_>,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::fs;
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;
    use tempfile::TempDir;

    use super::*;
    use crate::data::default_data_dir;

    /// An IDX file: the magic, the dimensions, then the values.
    fn idx(magic: u32, dims: &[u32], values: &[u8]) -> Vec<u8> {
        let header = std::iter::once(magic).chain(dims.iter().copied());
        header
            .flat_map(u32::to_be_bytes)
            .chain(values.iter().copied())
            .collect()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// `n` images of 2x3 pixels, pixel j of image i being `10 * i + j`.
    fn images(n: u8) -> Vec<u8> {
        let values: Vec<u8> = (0..n)
            .flat_map(|i| (0..6).map(move |j| 10 * i + j))
            .collect();
        idx(0x803, &[u32::from(n), 3, 2], &values)
    }

    fn labels(values: &[u8]) -> Vec<u8> {
        idx(0x801, &[values.len() as u32], values)
    }

    #[test]
    fn labels_out_of_range_and_huge_headers_are_refused() {
        let dir = TempDir::new().unwrap();
        let (x, y) = (dir.path().join("x"), dir.path().join("y"));
        fs::write(&x, images(2)).unwrap();
        fs::write(&y, labels(&[3, 200])).unwrap();
        let err = load_idx_pair(&x, &y, "t").unwrap_err();
        assert!(
            err.to_string()
                .ends_with("label 2: 200 is above 61, the largest label an IDX dataset may have (EMNIST's 62 classes)"),
            "{err}"
        );
        // A header declaring 2^40 pixels is refused before anything is read.
        fs::write(&x, idx(0x803, &[1 << 20, 1 << 10, 1 << 10], &[])).unwrap();
        let err = load_idx_pair(&x, &y, "t").unwrap_err();
        assert!(matches!(err, DataError::TooLarge { .. }), "{err}");
    }

    /// A folder with the four files, written as given (callers gzip some of them).
    fn dir_with(files: [(&str, Vec<u8>); 4]) -> TempDir {
        let dir = TempDir::new().unwrap();
        for (name, bytes) in files {
            fs::write(dir.path().join(name), bytes).unwrap();
        }
        dir
    }

    fn valid_dir() -> TempDir {
        dir_with([
            (TRAIN_IMAGES, images(3)),
            (TRAIN_LABELS, labels(&[1, 2, 3])),
            (TEST_IMAGES, images(1)),
            (TEST_LABELS, labels(&[4])),
        ])
    }

    fn train_error(dir: &TempDir) -> DataError {
        let path = |name: &str| dir.path().join(name);
        load_idx_pair(&path(TRAIN_IMAGES), &path(TRAIN_LABELS), "t").unwrap_err()
    }

    #[test]
    fn shipped_mnist_has_its_known_shape_and_labels() {
        let Split { train, test } = load_idx_dir(&default_data_dir().join("mnist")).unwrap();
        assert_eq!((train.name(), test.name()), ("mnist train", "mnist test"));
        assert_eq!((train.len(), test.len()), (60_000, 10_000));
        assert_eq!(
            (train.width(), train.height(), test.pixels_per_image()),
            (28, 28, 784)
        );
        assert_eq!(train.labels().unwrap()[..5], [5, 0, 4, 1, 9]);
        assert_eq!(test.labels().unwrap()[..5], [7, 2, 1, 0, 4]);
        let counts = |d: &Dataset| {
            let mut counts = [0usize; 10];
            d.labels()
                .unwrap()
                .iter()
                .for_each(|&l| counts[usize::from(l)] += 1);
            counts
        };
        // The per-digit counts published with MNIST.
        let train_counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
        let test_counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
        assert_eq!((counts(&train), counts(&test)), (train_counts, test_counts));
        let (min, max) = train
            .images()
            .iter()
            .fold((1.0f32, 0.0f32), |(lo, hi), &p| (lo.min(p), hi.max(p)));
        assert_eq!((min, max), (0.0, 1.0));
        // The first image, a 5, has 27,525 as the sum of its bytes.
        let sum: f32 = train.image(0).unwrap().iter().sum();
        assert!((sum * 255.0 - 27_525.0).abs() < 0.5, "{sum}");
    }

    #[test]
    fn raw_and_gzip_files_load_alike() {
        let raw = load_idx_dir(valid_dir().path()).unwrap();
        // Compression is told from the bytes: a gzip file without `.gz` and a raw one with it.
        let mixed = dir_with([
            (TRAIN_IMAGES, gzip(&images(3))),
            (&format!("{TRAIN_LABELS}.gz"), labels(&[1, 2, 3])),
            (&format!("{TEST_IMAGES}.gz"), gzip(&images(1))),
            (TEST_LABELS, labels(&[4])),
        ]);
        let mixed = load_idx_dir(mixed.path()).unwrap();
        assert_eq!(raw.train.images(), mixed.train.images());
        assert_eq!(raw.test.labels(), mixed.test.labels());
        assert_eq!(
            (raw.train.len(), raw.train.width(), raw.train.height()),
            (3, 2, 3)
        );
        assert_eq!(raw.train.labels().unwrap(), [1, 2, 3]);
        assert_eq!(raw.train.image(1).unwrap()[5], 15.0 / 255.0);
    }

    #[test]
    fn read_idx_pair_reads_what_load_idx_pair_loads() {
        let dir = valid_dir();
        let path = |name: &str| dir.path().join(name);
        let loaded = load_idx_pair(&path(TRAIN_IMAGES), &path(TRAIN_LABELS), "t").unwrap();
        let (x, y) = (gzip(&images(3)), labels(&[1, 2, 3]));
        let read = read_idx_pair(&x[..], Path::new("x"), &y[..], Path::new("y"), "t").unwrap();
        assert_eq!(read, loaded);
        let err = read_idx_pair(&x[..], Path::new("x"), &x[..], Path::new("y"), "t").unwrap_err();
        assert!(
            matches!(err, DataError::BadMagic { ref path, .. } if path == Path::new("y")),
            "{err}"
        );
    }

    #[test]
    fn missing_file_names_both_candidates() {
        let dir = valid_dir();
        fs::remove_file(dir.path().join(TEST_LABELS)).unwrap();
        match load_idx_dir(dir.path()).unwrap_err() {
            DataError::MissingFile { path, alternatives } => {
                assert_eq!(path, dir.path().join(TEST_LABELS));
                assert_eq!(alternatives, [dir.path().join(format!("{TEST_LABELS}.gz"))]);
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn labels_where_images_belong_is_a_bad_magic() {
        let dir = valid_dir();
        fs::copy(dir.path().join(TRAIN_LABELS), dir.path().join(TRAIN_IMAGES)).unwrap();
        let err = train_error(&dir);
        assert!(
            matches!(
                err,
                DataError::BadMagic {
                    found: 0x801,
                    expected: 0x803,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn short_images_are_truncated() {
        let dir = valid_dir();
        let mut bytes = images(3);
        bytes.truncate(bytes.len() - 2);
        fs::write(dir.path().join(TRAIN_IMAGES), bytes).unwrap();
        let err = train_error(&dir);
        assert!(
            matches!(
                err,
                DataError::Truncated {
                    expected: 34,
                    found: 32,
                    ..
                }
            ),
            "{err}"
        );
        // Cut inside the header, before any dimension is known.
        fs::write(dir.path().join(TRAIN_IMAGES), &images(3)[..6]).unwrap();
        let err = train_error(&dir);
        assert!(
            matches!(
                err,
                DataError::Truncated {
                    expected: 16,
                    found: 6,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn cut_gzip_stream_is_truncated() {
        let dir = valid_dir();
        // Enough values that cutting the stream in half loses some of them.
        let values: Vec<u8> = (0..=255).cycle().take(3 * 400).collect();
        let original = idx(0x803, &[3, 20, 20], &values);
        let compressed = gzip(&original);
        let path = dir.path().join(TRAIN_IMAGES);
        fs::write(&path, &compressed[..compressed.len() / 2]).unwrap();
        let err = read_idx(Source::open(&path).unwrap(), Kind::Images)
            .err()
            .unwrap();
        assert!(
            matches!(err, DataError::Truncated { expected: 1216, found, .. } if found < 1216),
            "{err}"
        );
    }

    #[test]
    fn corrupt_gzip_is_reported_as_such() {
        let dir = valid_dir();
        let mut compressed = gzip(&images(3));
        let crc_at = compressed.len() - 8;
        compressed[crc_at] ^= 0xff;
        fs::write(dir.path().join(TRAIN_IMAGES), compressed).unwrap();
        let err = train_error(&dir);
        assert!(matches!(err, DataError::BadGzip { .. }), "{err}");
    }

    #[test]
    fn image_and_label_counts_must_agree() {
        let dir = valid_dir();
        fs::write(dir.path().join(TRAIN_LABELS), labels(&[1, 2])).unwrap();
        let err = train_error(&dir);
        assert!(
            matches!(
                err,
                DataError::CountMismatch {
                    images: 3,
                    labels: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let dir = valid_dir();
        let mut bytes = labels(&[1, 2, 3]);
        bytes.extend([0; 5]);
        fs::write(dir.path().join(TRAIN_LABELS), gzip(&bytes)).unwrap();
        let err = train_error(&dir);
        assert!(
            matches!(
                err,
                DataError::TrailingBytes {
                    declared: 11,
                    extra: 5,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn zero_images_is_an_empty_dataset() {
        let dir = valid_dir();
        fs::write(dir.path().join(TRAIN_IMAGES), images(0)).unwrap();
        fs::write(dir.path().join(TRAIN_LABELS), labels(&[])).unwrap();
        assert!(matches!(train_error(&dir), DataError::EmptyDataset { .. }));
    }
}
