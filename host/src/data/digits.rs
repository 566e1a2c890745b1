//! The UCI "Optical Recognition of Handwritten Digits" set, as the CSV scikit-learn ships.
//!
//! Each line is one 8x8 image: 64 pixel values in 0..=16 (counts of set pixels in 4x4 blocks
//! of the original 32x32 bitmaps), row-major, then the digit 0..=9.

use std::io::Read;
use std::path::Path;

use super::source::Source;
use super::{DataError, Dataset, RowProblem, Split};

/// Side of a digits image, in pixels.
pub const DIGITS_SIDE: usize = 8;
/// Values per line: the 64 pixels, then the label.
pub const DIGITS_FIELDS: usize = DIGITS_SIDE * DIGITS_SIDE + 1;
/// Largest pixel value; pixels are divided by it to land in [0, 1].
const MAX_PIXEL: u8 = 16;
/// Largest label.
const MAX_LABEL: u8 = 9;

/// Loads the digits CSV at `path` (gzip-compressed or raw) and splits it in file order.
///
/// The last fifth of the images, rounded up, is the test set and the rest the training set:
/// for the 1,797 images shipped, 1,437 to train and 360 to test. The split is deterministic
/// and keeps no image on both sides; since the file is not sorted by class, both sides hold
/// every digit. Blank lines are skipped; any other line that is not 65 integers in range
/// fails with its line number.
pub fn load_digits(path: &Path) -> Result<Split, DataError> {
    split_digits(Source::open(path)?)
}

/// Reads the digits CSV from `reader` (gzip-compressed or raw) as [`load_digits`] reads the
/// file at `path`: `path` only names the data, in the datasets' names and in errors.
pub fn read_digits(reader: impl Read, path: &Path) -> Result<Split, DataError> {
    split_digits(Source::new(reader, path)?)
}

/// [`load_digits`] of the bytes of `source`.
fn split_digits(mut source: Source<'_>) -> Result<Split, DataError> {
    let path = &source.path().to_path_buf();
    let mut bytes = Vec::new();
    source.read_all(&mut bytes).map_err(|e| source.error(e))?;
    // Lossy: a stray non-UTF-8 byte then shows up as a bad field with its line number.
    let text = String::from_utf8_lossy(&bytes);

    let mut images = Vec::new();
    let mut labels = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if !line.trim().is_empty() {
            let label = parse_row(line, &mut images)
                .map_err(|problem| at_line(path, index + 1, problem))?;
            labels.push(label);
        }
    }

    let name = path
        .file_name()
        .map_or_else(|| "digits".to_owned(), |n| n.to_string_lossy().into_owned());
    let test_len = labels.len().div_ceil(5);
    let train_len = labels.len() - test_len;
    let all = Dataset::new(name.clone(), DIGITS_SIDE, DIGITS_SIDE, images, labels)?;
    let split = Split {
        train: all.subset(..train_len).renamed(format!("{name} train")),
        test: all.subset(train_len..).renamed(format!("{name} test")),
    };
    for side in [&split.train, &split.test] {
        if side.is_empty() {
            return Err(DataError::EmptyDataset {
                dataset: side.name.clone(),
            });
        }
    }
    Ok(split)
}

/// Why a line was refused, before it gets a path and line number.
enum LineError {
    Row(RowProblem),
    Label(i64),
}

/// Gives a line's error its place in the file.
fn at_line(path: &Path, line: usize, error: LineError) -> DataError {
    let path = path.to_path_buf();
    match error {
        LineError::Row(problem) => DataError::BadCsvRow {
            path,
            line,
            problem,
        },
        LineError::Label(label) => DataError::LabelOutOfRange {
            path,
            line,
            label,
            max: MAX_LABEL,
        },
    }
}

/// Appends the line's pixels, scaled to [0, 1], to `pixels` and returns its label.
///
/// Nothing is appended if the line is refused.
fn parse_row(line: &str, pixels: &mut Vec<f32>) -> Result<u8, LineError> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    if fields.len() != DIGITS_FIELDS {
        return Err(LineError::Row(RowProblem::FieldCount {
            expected: DIGITS_FIELDS,
            found: fields.len(),
        }));
    }
    let mut values = [0u8; DIGITS_FIELDS];
    for (column, (field, value)) in fields.iter().zip(&mut values).enumerate() {
        let column = column + 1;
        let is_label = column == DIGITS_FIELDS;
        let number: i64 = field.parse().map_err(|_| {
            LineError::Row(RowProblem::NotAnInteger {
                column,
                text: (*field).to_owned(),
            })
        })?;
        let max = if is_label { MAX_LABEL } else { MAX_PIXEL };
        *value = match u8::try_from(number) {
            Ok(v) if v <= max => v,
            _ if is_label => return Err(LineError::Label(number)),
            _ => {
                return Err(LineError::Row(RowProblem::PixelOutOfRange {
                    column,
                    value: number,
                    max,
                }));
            }
        };
    }
    let (label, image) = (values[DIGITS_FIELDS - 1], &values[..DIGITS_FIELDS - 1]);
    pixels.extend(image.iter().map(|&v| f32::from(v) / f32::from(MAX_PIXEL)));
    Ok(label)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    use tempfile::TempDir;

    use super::*;
    use crate::data::default_data_dir;

    /// A valid line: pixel j is `j % 17`, then `label`.
    fn line(label: u8) -> String {
        let pixels = (0..64).map(|j| (j % 17).to_string());
        pixels
            .chain([label.to_string()])
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Ten valid lines (labels 0..=9), with line `at` (counting from 1) replaced by `bad`.
    fn csv_with(bad: &str, at: usize) -> (TempDir, PathBuf) {
        let mut lines: Vec<String> = (0..10).map(line).collect();
        lines[at - 1] = bad.to_owned();
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("digits.csv");
        fs::write(&path, lines.join("\n")).unwrap();
        (dir, path)
    }

    fn error_at_line_4(bad: &str) -> DataError {
        let (_dir, path) = csv_with(bad, 4);
        load_digits(&path).unwrap_err()
    }

    #[test]
    fn shipped_digits_split_four_to_one() {
        let Split { train, test } =
            load_digits(&default_data_dir().join("digits/digits.csv.gz")).unwrap();
        assert_eq!((train.len(), test.len()), (1437, 360));
        assert_eq!((train.width(), train.height()), (8, 8));
        assert_eq!(
            (train.label(0), test.label(0), test.label(359)),
            (Some(0), Some(2), Some(8))
        );
        // The first image's top row is 0,0,5,13,9,1,0,0.
        let top_row: Vec<f32> = [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]
            .map(|v| v / 16.0)
            .into();
        assert_eq!(train.image(0).unwrap()[..8], top_row);
        assert!(
            train
                .images()
                .iter()
                .chain(test.images())
                .all(|p| (0.0..=1.0).contains(p))
        );
        let mut test_counts = [0; 10];
        test.labels()
            .unwrap()
            .iter()
            .for_each(|&l| test_counts[usize::from(l)] += 1);
        assert_eq!(test_counts, [35, 36, 35, 37, 37, 37, 37, 36, 33, 37]);
    }

    /// Hands out its bytes one at a time, as a slow pipe would.
    struct Trickle<'a>(&'a [u8]);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&byte, rest)), Some(slot)) => {
                    *slot = byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn read_digits_reads_what_load_digits_loads() {
        let path = default_data_dir().join("digits/digits.csv.gz");
        let bytes = fs::read(&path).unwrap();
        let loaded = load_digits(&path).unwrap();
        // A gzip stream whose reader returns a byte at a time is still told by its signature.
        let read = read_digits(Trickle(&bytes), &path).unwrap();
        assert_eq!((read.train, read.test), (loaded.train, loaded.test));
        let err = read_digits(&b"1,2"[..], Path::new("in memory")).unwrap_err();
        assert!(err.to_string().starts_with("in memory, line 1:"), "{err}");
    }

    #[test]
    fn raw_csv_with_blank_lines_and_spaces_loads() {
        let (_dir, path) = csv_with(&line(3).replace(',', " , "), 4);
        fs::write(
            &path,
            format!("\n{}\r\n\n", fs::read_to_string(&path).unwrap()),
        )
        .unwrap();
        let Split { train, test } = load_digits(&path).unwrap();
        assert_eq!((train.len(), test.len()), (8, 2));
        assert_eq!(train.labels().unwrap(), [0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(train.image(3).unwrap()[16], 16.0 / 16.0);
    }

    #[test]
    fn wrong_field_count_is_a_bad_row() {
        let err = error_at_line_4("1,2,3");
        let problem = RowProblem::FieldCount {
            expected: 65,
            found: 3,
        };
        assert!(
            matches!(err, DataError::BadCsvRow { line: 4, problem: ref p, .. } if *p == problem),
            "{err}"
        );
    }

    #[test]
    fn pixel_17_is_out_of_range() {
        let err = error_at_line_4(&line(3).replacen("0,", "17,", 1));
        let problem = RowProblem::PixelOutOfRange {
            column: 1,
            value: 17,
            max: 16,
        };
        assert!(
            matches!(err, DataError::BadCsvRow { line: 4, problem: ref p, .. } if *p == problem),
            "{err}"
        );
    }

    #[test]
    fn label_10_is_out_of_range() {
        let bad = format!("{}0", line(1));
        let err = error_at_line_4(&bad);
        assert!(
            matches!(
                err,
                DataError::LabelOutOfRange {
                    line: 4,
                    label: 10,
                    max: 9,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn non_number_is_a_bad_row() {
        let err = error_at_line_4(&line(3).replacen("0,", "x,", 1));
        let problem = RowProblem::NotAnInteger {
            column: 1,
            text: "x".into(),
        };
        assert!(
            matches!(err, DataError::BadCsvRow { line: 4, problem: ref p, .. } if *p == problem),
            "{err}"
        );
    }

    #[test]
    fn missing_and_too_small_files_fail() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("none.csv");
        assert!(matches!(
            load_digits(&path).unwrap_err(),
            DataError::MissingFile { .. }
        ));
        fs::write(&path, line(1)).unwrap();
        let err = load_digits(&path).unwrap_err();
        assert!(
            matches!(err, DataError::EmptyDataset { ref dataset } if dataset == "none.csv train"),
            "{err}"
        );
    }
}
