//! Tables of float vectors: CSV or TSV, one sample a line, with an optional header and an
//! optional label column.
//!
//! The first non-blank line is a header if any of its fields is not a number. Every other line
//! must have as many fields as the first; values are decimal floats (`1e-3`, `-0.5`) and must be
//! finite. A label column holds integers 0..=255 (class numbers); it is picked by number, by
//! header name, or as the last column.

use std::io::Read;
use std::path::Path;

use super::source::Source;
use super::{DataError, Dataset, RowProblem, SampleShape};

/// Which column holds the labels.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelColumn {
    /// The column with this number, counting from 1.
    Number(usize),
    /// The column with this name in the header.
    Name(String),
    /// The last column.
    Last,
}

impl std::str::FromStr for LabelColumn {
    type Err = String;

    /// `last`, a column number from 1, or a header name.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "" => Err("the label column is empty: give last, a number from 1, or a name".into()),
            "last" => Ok(Self::Last),
            _ => match text.parse::<usize>() {
                Ok(0) => Err("label columns count from 1".into()),
                Ok(n) => Ok(Self::Number(n)),
                Err(_) => Ok(Self::Name(text.to_string())),
            },
        }
    }
}

/// How a table is laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableLayout {
    /// The field separator: `b','` or `b'\t'`.
    pub delimiter: u8,
    /// The label column, if any.
    pub labels: Option<LabelColumn>,
}

impl TableLayout {
    /// Comma-separated, or tab-separated when the file name ends in `.tsv` or `.tab` (before an
    /// optional `.gz`).
    pub fn for_path(path: &Path, labels: Option<LabelColumn>) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let tab = name.ends_with(".tsv") || name.ends_with(".tab");
        Self {
            delimiter: if tab { b'\t' } else { b',' },
            labels,
        }
    }
}

/// Loads the table at `path` (gzip-compressed or raw) as one dataset of vectors named `name`.
pub fn load_table(path: &Path, layout: &TableLayout, name: &str) -> Result<Dataset, DataError> {
    table_of(Source::open(path)?, layout, name)
}

/// Reads a table from `reader` (gzip-compressed or raw) as [`load_table`] reads the file at
/// `path`: `path` only names the data in errors.
pub fn read_table(
    reader: impl Read,
    path: &Path,
    layout: &TableLayout,
    name: &str,
) -> Result<Dataset, DataError> {
    table_of(Source::new(reader, path)?, layout, name)
}

/// [`load_table`] of the bytes of `source`.
fn table_of(
    mut source: Source<'_>,
    layout: &TableLayout,
    name: &str,
) -> Result<Dataset, DataError> {
    let path = &source.path().to_path_buf();
    let mut bytes = Vec::new();
    source.read_all(&mut bytes).map_err(|e| source.error(e))?;
    let text = String::from_utf8_lossy(&bytes);
    let delimiter = char::from(layout.delimiter);
    let bad_row = |line: usize, problem: RowProblem| DataError::BadCsvRow {
        path: path.to_path_buf(),
        line,
        problem,
    };

    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty());
    let Some((first_number, first)) = lines.next() else {
        return Err(DataError::EmptyDataset {
            dataset: name.to_string(),
        });
    };
    let first_fields: Vec<&str> = first.split(delimiter).map(str::trim).collect();
    let header = first_fields.iter().any(|f| f.parse::<f64>().is_err());
    let columns = first_fields.len();
    let label_column = match &layout.labels {
        None => None,
        Some(LabelColumn::Last) => Some(columns - 1),
        // Columns count from 1, so 0 is no column either (`FromStr` refuses it, a caller
        // building the enum may not).
        Some(LabelColumn::Number(n)) if (1..=columns).contains(n) => Some(n - 1),
        Some(LabelColumn::Number(n)) => {
            return Err(DataError::NoSuchColumn {
                path: path.to_path_buf(),
                column: n.to_string(),
                columns,
            });
        }
        Some(LabelColumn::Name(wanted)) => {
            let found = header
                .then(|| first_fields.iter().position(|f| f == wanted))
                .flatten();
            Some(found.ok_or_else(|| DataError::NoSuchColumn {
                path: path.to_path_buf(),
                column: format!("{wanted:?}"),
                columns,
            })?)
        }
    };
    let width = columns - usize::from(label_column.is_some());
    if width == 0 {
        return Err(bad_row(
            first_number,
            RowProblem::FieldCount {
                expected: 2,
                found: columns,
            },
        ));
    }

    let mut values = Vec::new();
    let mut labels = Vec::new();
    let data_lines = std::iter::once((first_number, first))
        .filter(|_| !header)
        .chain(lines);
    for (number, line) in data_lines {
        let fields: Vec<&str> = line.split(delimiter).map(str::trim).collect();
        if fields.len() != columns {
            return Err(bad_row(
                number,
                RowProblem::FieldCount {
                    expected: columns,
                    found: fields.len(),
                },
            ));
        }
        for (index, field) in fields.iter().enumerate() {
            let column = index + 1;
            if Some(index) == label_column {
                labels.push(parse_label(field, column).map_err(|e| bad_row(number, e))?);
            } else {
                values.push(parse_value(field, column).map_err(|e| bad_row(number, e))?);
            }
        }
    }
    let len = values.len() / width;
    if len == 0 {
        return Err(DataError::EmptyDataset {
            dataset: name.to_string(),
        });
    }
    let labels = label_column.map(|_| labels);
    Dataset::from_parts(name, SampleShape::Vector { width }, values, len, labels)
}

fn parse_value(field: &str, column: usize) -> Result<f32, RowProblem> {
    let value: f32 = field.parse().map_err(|_| RowProblem::NotANumber {
        column,
        text: field.to_string(),
    })?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(RowProblem::NotFinite {
            column,
            text: field.to_string(),
        })
    }
}

fn parse_label(field: &str, column: usize) -> Result<u8, RowProblem> {
    let number: i64 = field.parse().map_err(|_| RowProblem::NotAnInteger {
        column,
        text: field.to_string(),
    })?;
    u8::try_from(number).map_err(|_| RowProblem::LabelOutOfRange {
        column,
        value: number,
        max: u8::MAX,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::PathBuf;

    use tempfile::TempDir;

    use super::*;

    fn file(name: &str, text: &str) -> (TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn load(name: &str, text: &str, labels: Option<LabelColumn>) -> Result<Dataset, DataError> {
        let (_dir, path) = file(name, text);
        load_table(&path, &TableLayout::for_path(&path, labels), "t")
    }

    #[test]
    fn headers_and_label_columns() {
        let text = "a,b,class\n0.5,-1e-3,2\n\n1,2,7\n";
        let d = load("x.csv", text, Some(LabelColumn::Name("class".into()))).unwrap();
        assert_eq!(d.shape(), SampleShape::Vector { width: 2 });
        assert_eq!(d.images(), [0.5, -1e-3, 1.0, 2.0]);
        assert_eq!(d.labels().unwrap(), [2, 7]);
        let by_number = load("x.csv", text, Some(LabelColumn::Number(3))).unwrap();
        assert_eq!(by_number, d);
        let last = load("x.csv", text, Some(LabelColumn::Last)).unwrap();
        assert_eq!(last, d);
        // No label column: every column is a feature, the header is skipped.
        let plain = load("x.csv", text, None).unwrap();
        assert_eq!((plain.pixels_per_image(), plain.labels()), (3, None));
    }

    #[test]
    fn read_table_reads_what_load_table_loads() {
        let text = "a,b,class\n0.5,-1e-3,2\n1,2,7\n";
        let labels = Some(LabelColumn::Last);
        let loaded = load("x.csv", text, labels.clone()).unwrap();
        let layout = TableLayout {
            delimiter: b',',
            labels,
        };
        let read = read_table(text.as_bytes(), Path::new("x.csv"), &layout, "t").unwrap();
        assert_eq!(read, loaded);
    }

    #[test]
    fn tabs_by_extension_and_no_header() {
        let d = load("x.tsv", "1\t2\t3\n4\t5\t6\n", None).unwrap();
        assert_eq!((d.len(), d.pixels_per_image()), (2, 3));
        assert_eq!(d.image(1).unwrap(), [4.0, 5.0, 6.0]);
    }

    #[test]
    fn broken_tables_say_where() {
        let err = load("x.csv", "1,2\n3\n", None).unwrap_err();
        assert_eq!(
            err.to_string().rsplit('/').next().unwrap(),
            "x.csv, line 2: expected 2 values, found 1"
        );
        let err = load("x.csv", "1,2\n3,nan\n", None).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("line 2: column 2: \"nan\" is not finite"),
            "{err}"
        );
        let err = load("x.csv", "a,b\n1,x\n", None).unwrap_err();
        assert!(err.to_string().contains("\"x\" is not a number"), "{err}");
        let err = load("x.csv", "1,2\n3,300\n", Some(LabelColumn::Last)).unwrap_err();
        assert!(
            err.to_string()
                .contains("label 300 is out of range 0..=255"),
            "{err}"
        );
        let err = load("x.csv", "a,b\n1,2\n", Some(LabelColumn::Name("c".into()))).unwrap_err();
        assert!(err.to_string().contains("no column \"c\""), "{err}");
        let err = load("x.csv", "a,b\n1,2\n", Some(LabelColumn::Number(3))).unwrap_err();
        assert!(err.to_string().contains("no column 3"), "{err}");
        assert!(matches!(
            load("x.csv", "a,b\n", None),
            Err(DataError::EmptyDataset { .. })
        ));
        assert!(matches!(
            load("x.csv", "", None),
            Err(DataError::EmptyDataset { .. })
        ));
    }

    #[test]
    fn label_columns_parse() {
        assert_eq!("last".parse(), Ok(LabelColumn::Last));
        assert_eq!("3".parse(), Ok(LabelColumn::Number(3)));
        assert_eq!("class".parse(), Ok(LabelColumn::Name("class".into())));
        assert!("0".parse::<LabelColumn>().is_err());
    }

    #[test]
    fn label_column_zero_is_no_such_column() {
        // Once an integer underflow: column 0 passed the `n <= columns` check.
        let err = load("x.csv", "1,2\n3,4\n", Some(LabelColumn::Number(0))).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("no column 0 (the table has 2 columns)"),
            "{err}"
        );
    }
}
