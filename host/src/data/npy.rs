//! NumPy `.npy` arrays as datasets: `(N, D)` is N vectors of D features, `(N, H, W)` is N
//! images of H rows of W pixels. Float (`f4`, `f8`) and integer (`i1`…`i8`, `u1`…`u8`) arrays
//! in either byte order and in C or Fortran order load as `f32`; labels come from a 1-D integer
//! array of the same length with values 0..=255.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use npyz::{DType, NpyFile, Order, TypeChar};
use py_literal::Value;

use super::{DataError, Dataset, SampleShape};

/// The most values a data array may hold: 2³⁰ (4 GiB as `f32`).
pub const MAX_NPY_VALUES: u64 = 1 << 30;

/// An array read whole: its shape and its values in C order.
struct Array {
    shape: Vec<usize>,
    values: Vec<f64>,
}

/// Loads the array at `path` as a dataset named `name`, with the labels at `labels` if given.
pub fn load_npy(path: &Path, labels: Option<&Path>, name: &str) -> Result<Dataset, DataError> {
    let samples = samples(read_array(open(path)?, path)?, path, name)?;
    let labels = labels
        .map(|labels| read_labels(open(labels)?, labels, samples.len))
        .transpose()?;
    samples.with_labels(name, labels)
}

/// Reads an array from `data` as [`load_npy`] reads the file at `path`, with the labels read
/// from the first of `labels` if given: each path only names its data in errors. Each reader
/// is read from its start.
pub fn read_npy<R: Read + Seek>(
    data: R,
    path: &Path,
    labels: Option<(R, &Path)>,
    name: &str,
) -> Result<Dataset, DataError> {
    let samples = samples(read_array(data, path)?, path, name)?;
    let labels = labels
        .map(|(reader, labels)| read_labels(reader, labels, samples.len))
        .transpose()?;
    samples.with_labels(name, labels)
}

/// Opens the file at `path`.
fn open(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => DataError::MissingFile {
            path: path.to_path_buf(),
            alternatives: Vec::new(),
        },
        _ => DataError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// The samples of a data array, checked, waiting for their labels.
struct Samples {
    len: usize,
    shape: SampleShape,
    values: Vec<f32>,
}

impl Samples {
    /// The dataset `name` of these samples and `labels`.
    fn with_labels(self, name: &str, labels: Option<Vec<u8>>) -> Result<Dataset, DataError> {
        Dataset::from_parts(name, self.shape, self.values, self.len, labels)
    }
}

/// The samples of `array`, read from `path`, for the dataset `name`: a 2-D or 3-D array of
/// at least one sample and finite `f32` values.
fn samples(array: Array, path: &Path, name: &str) -> Result<Samples, DataError> {
    let (len, shape) = match array.shape[..] {
        [n, width] => (n, SampleShape::Vector { width }),
        [n, height, width] => (n, SampleShape::Image { width, height }),
        _ => {
            return Err(bad(
                path,
                format!(
                    "an array of shape {:?}; data must be (samples, features) or (samples, rows, \
                     columns)",
                    array.shape
                ),
            ));
        }
    };
    if len == 0 {
        return Err(DataError::EmptyDataset {
            dataset: name.to_string(),
        });
    }
    let mut values = Vec::with_capacity(array.values.len());
    for (index, &v) in array.values.iter().enumerate() {
        let value = v as f32;
        if !value.is_finite() {
            return Err(bad(
                path,
                format!(
                    "value {v} at sample {}, feature {} is not a finite f32",
                    index / shape.features().max(1),
                    index % shape.features().max(1)
                ),
            ));
        }
        values.push(value);
    }
    Ok(Samples { len, shape, values })
}

fn read_labels(reader: impl Read + Seek, path: &Path, len: usize) -> Result<Vec<u8>, DataError> {
    let array = read_array(reader, path)?;
    if array.shape != [len] {
        return Err(bad(
            path,
            format!(
                "labels of shape {:?}; the data has {len} samples, so they must be ({len},)",
                array.shape
            ),
        ));
    }
    array
        .values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
                Ok(v as u8)
            } else {
                Err(bad(
                    path,
                    format!("label {v} of sample {i} is not in 0..=255"),
                ))
            }
        })
        .collect()
}

fn bad(path: &Path, problem: String) -> DataError {
    DataError::BadNpy {
        path: path.to_path_buf(),
        problem,
    }
}

/// Reads the whole array of `reader`, from its start; `path` names it in errors.
fn read_array(mut reader: impl Read + Seek, path: &Path) -> Result<Array, DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file_len = reader.seek(SeekFrom::End(0)).map_err(io)?;
    reader.rewind().map_err(io)?;
    let mut reader = BufReader::new(reader);
    check_header(&mut reader, path, file_len)?;
    reader.rewind().map_err(io)?;
    let npy =
        NpyFile::new(reader).map_err(|e| bad(path, format!("not a NumPy array file: {e}")))?;
    let DType::Plain(type_str) = npy.dtype() else {
        return Err(bad(
            path,
            "a structured array; expected plain numbers".into(),
        ));
    };
    let size = type_str.size_field();
    let count = npy.len();
    if count > MAX_NPY_VALUES {
        return Err(bad(
            path,
            format!("{count} values, more than the {MAX_NPY_VALUES} a dataset may hold"),
        ));
    }
    if count.saturating_mul(size) > file_len {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected: count.saturating_mul(size),
            found: file_len,
        });
    }
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    let order = npy.order();
    let read = |e: std::io::Error| bad(path, format!("cannot read the values: {e}"));
    let values: Vec<f64> = match (type_str.type_char(), size) {
        (TypeChar::Float, 4) => widen(npy.into_vec::<f32>().map_err(read)?),
        (TypeChar::Float, 8) => npy.into_vec::<f64>().map_err(read)?,
        (TypeChar::Int, 1) => widen(npy.into_vec::<i8>().map_err(read)?),
        (TypeChar::Int, 2) => widen(npy.into_vec::<i16>().map_err(read)?),
        (TypeChar::Int, 4) => widen(npy.into_vec::<i32>().map_err(read)?),
        (TypeChar::Int, 8) => npy
            .into_vec::<i64>()
            .map_err(read)?
            .into_iter()
            .map(|v| v as f64)
            .collect(),
        (TypeChar::Uint, 1) => widen(npy.into_vec::<u8>().map_err(read)?),
        (TypeChar::Uint, 2) => widen(npy.into_vec::<u16>().map_err(read)?),
        (TypeChar::Uint, 4) => widen(npy.into_vec::<u32>().map_err(read)?),
        (TypeChar::Uint, 8) => npy
            .into_vec::<u64>()
            .map_err(read)?
            .into_iter()
            .map(|v| v as f64)
            .collect(),
        _ => {
            return Err(bad(
                path,
                format!("values of type {type_str}; expected floats or integers"),
            ));
        }
    };
    let values = match order {
        Order::C => values,
        Order::Fortran => to_c_order(&values, &shape),
    };
    Ok(Array { shape, values })
}

/// Refuses what npyz cannot be trusted with: a header longer than the file (npyz allocates the
/// length the file states before reading it), a header nesting brackets deeper than
/// [`MAX_HEADER_NESTING`] (parsing it takes time exponential in the depth) and a shape whose
/// dimensions multiply past `u64` (npyz multiplies them unchecked, which panics or wraps). Anything else, well-formed
/// or not, is left for npyz to read and to word its errors.
fn check_header(reader: &mut impl Read, path: &Path, file_len: u64) -> Result<(), DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut prefix = Vec::new();
    reader.take(12).read_to_end(&mut prefix).map_err(io)?;
    let (prefix_len, header_len) = match prefix[..] {
        [0x93, b'N', b'U', b'M', b'P', b'Y', 1, _, a, b, ..] => {
            (10, u64::from(u16::from_le_bytes([a, b])))
        }
        [0x93, b'N', b'U', b'M', b'P', b'Y', 2 | 3, _, a, b, c, d] => {
            (12, u64::from(u32::from_le_bytes([a, b, c, d])))
        }
        _ => return Ok(()),
    };
    let expected = prefix_len + header_len;
    if expected > file_len {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected,
            found: file_len,
        });
    }
    let mut text = prefix.split_off(prefix_len as usize);
    text.truncate(header_len as usize);
    let rest = header_len - text.len() as u64;
    reader.take(rest).read_to_end(&mut text).map_err(io)?;
    if nesting(&text) > MAX_HEADER_NESTING {
        return Err(bad(
            path,
            format!("the header nests brackets deeper than {MAX_HEADER_NESTING} levels"),
        ));
    }
    // Parsed as npyz parses it: UTF-8, a trailing newline dropped, a Python literal.
    let text = text.strip_suffix(b"\n").unwrap_or(&text);
    let Ok(Ok(Value::Dict(entries))) = std::str::from_utf8(text).map(str::parse::<Value>) else {
        return Ok(());
    };
    let shapes = entries
        .iter()
        .filter_map(|(key, value)| match (key, value) {
            (Value::String(key), Value::Tuple(dims) | Value::List(dims)) if key == "shape" => {
                Some(dims)
            }
            _ => None,
        });
    for dims in shapes {
        let product = dims.iter().try_fold(1u64, |product, dim| match dim {
            Value::Integer(dim) => match u64::try_from(dim) {
                // A zero dimension still leaves npyz multiplying the others for the strides.
                Ok(0) | Err(_) => Some(product),
                Ok(dim) => product.checked_mul(dim),
            },
            _ => Some(product),
        });
        if product.is_none() {
            let dims: Vec<String> = dims.iter().map(Value::to_string).collect();
            return Err(bad(
                path,
                format!(
                    "shape ({}) has more values than a u64 counts",
                    dims.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// The deepest nesting of brackets a `.npy` header may have. NumPy's header of a plain array
/// nests 2 (a tuple in a dictionary), of a structured array 4 (a field's shape in a tuple in
/// the list of fields); a deeper header is refused before it is parsed, because the parser of
/// Python literals that npyz uses takes time exponential in the nesting.
const MAX_HEADER_NESTING: usize = 4;

/// The deepest nesting of `(`, `[` and `{` in `text`, counting brackets inside strings too
/// (a plain array's header has none there).
fn nesting(text: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for byte in text {
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn widen<T: Into<f64>>(values: Vec<T>) -> Vec<f64> {
    values.into_iter().map(Into::into).collect()
}

/// Reorders column-major (Fortran) `values` of `shape` into row-major order.
fn to_c_order(values: &[f64], shape: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    let mut index = vec![0usize; shape.len()];
    for _ in 0..values.len() {
        // Position of `index` in Fortran order: the first axis varies fastest.
        let (mut offset, mut stride) = (0, 1);
        for (&i, &d) in index.iter().zip(shape) {
            offset += i * stride;
            stride *= d;
        }
        out.push(values[offset]);
        // Next index in C order: the last axis varies fastest.
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            if index[axis] < shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::PathBuf;

    use tempfile::TempDir;

    use super::*;

    /// A version 1.0 `.npy` file of `descr` and `shape` around `data`.
    fn npy(
        dir: &TempDir,
        name: &str,
        descr: &str,
        fortran: bool,
        shape: &str,
        data: &[u8],
    ) -> PathBuf {
        let mut header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn f32s(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn vectors_images_and_labels() {
        let dir = tempfile::tempdir().unwrap();
        let data = npy(
            &dir,
            "x.npy",
            "<f4",
            false,
            "(2, 3)",
            &f32s(&[1., 2., 3., 4., 5., 6.]),
        );
        let labels = npy(&dir, "y.npy", "|u1", false, "(2,)", &[4, 9]);
        let d = load_npy(&data, Some(&labels), "x").unwrap();
        assert_eq!(d.shape(), SampleShape::Vector { width: 3 });
        assert_eq!(d.image(1).unwrap(), [4.0, 5.0, 6.0]);
        assert_eq!(d.labels().unwrap(), [4, 9]);

        let images = npy(
            &dir,
            "i.npy",
            "|u1",
            false,
            "(1, 2, 3)",
            &[0, 1, 2, 3, 4, 5],
        );
        let d = load_npy(&images, None, "i").unwrap();
        assert_eq!(
            d.shape(),
            SampleShape::Image {
                width: 3,
                height: 2
            }
        );
        assert_eq!(d.images(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn read_npy_reads_what_load_npy_loads() {
        let dir = tempfile::tempdir().unwrap();
        let data = npy(
            &dir,
            "x.npy",
            "<f4",
            false,
            "(2, 2)",
            &f32s(&[1., 2., 3., 4.]),
        );
        let labels = npy(&dir, "y.npy", "|u1", false, "(2,)", &[4, 9]);
        let loaded = load_npy(&data, Some(&labels), "x").unwrap();
        let (data, labels) = (std::fs::read(data).unwrap(), std::fs::read(labels).unwrap());
        let read = read_npy(
            std::io::Cursor::new(&data[..]),
            Path::new("x.npy"),
            Some((std::io::Cursor::new(&labels[..]), Path::new("y.npy"))),
            "x",
        )
        .unwrap();
        assert_eq!(read, loaded);
        // Labels that do not fit are named by the path given with them.
        let err = read_npy(
            std::io::Cursor::new(&data[..]),
            Path::new("x.npy"),
            Some((std::io::Cursor::new(&data[..]), Path::new("y.npy"))),
            "x",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("y.npy"), "{err}");
    }

    #[test]
    fn fortran_order_and_big_endian_doubles() {
        let dir = tempfile::tempdir().unwrap();
        // [[1, 2, 3], [4, 5, 6]] stored column by column.
        let bytes: Vec<u8> = [1.0f64, 4., 2., 5., 3., 6.]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let path = npy(&dir, "f.npy", ">f8", true, "(2, 3)", &bytes);
        let d = load_npy(&path, None, "f").unwrap();
        assert_eq!(d.images(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn broken_arrays_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let flat = npy(&dir, "a.npy", "<f4", false, "(3,)", &f32s(&[1., 2., 3.]));
        assert!(
            load_npy(&flat, None, "a")
                .unwrap_err()
                .to_string()
                .contains("shape [3]")
        );
        let nan = npy(
            &dir,
            "n.npy",
            "<f4",
            false,
            "(1, 2)",
            &f32s(&[1., f32::NAN]),
        );
        assert!(
            load_npy(&nan, None, "n")
                .unwrap_err()
                .to_string()
                .contains("not a finite")
        );
        let short = npy(&dir, "s.npy", "<f4", false, "(1000, 1000)", &f32s(&[1.]));
        assert!(matches!(
            load_npy(&short, None, "s"),
            Err(DataError::Truncated { .. })
        ));
        let huge = npy(&dir, "h.npy", "<f4", false, "(100000, 100000)", &[]);
        assert!(
            load_npy(&huge, None, "h")
                .unwrap_err()
                .to_string()
                .contains("more than")
        );
        let text = npy(&dir, "t.npy", "<U3", false, "(1, 1)", &[0; 12]);
        assert!(
            load_npy(&text, None, "t")
                .unwrap_err()
                .to_string()
                .contains("type")
        );
        let data = npy(&dir, "x.npy", "<f4", false, "(2, 1)", &f32s(&[1., 2.]));
        let labels = npy(&dir, "y.npy", "<i8", false, "(3,)", &[0; 24]);
        assert!(
            load_npy(&data, Some(&labels), "x")
                .unwrap_err()
                .to_string()
                .contains("(2,)")
        );
        let negative = npy(&dir, "z.npy", "<i2", false, "(2,)", &[0, 0, 0xff, 0xff]);
        assert!(
            load_npy(&data, Some(&negative), "x")
                .unwrap_err()
                .to_string()
                .contains("-1")
        );
        std::fs::write(dir.path().join("junk.npy"), b"not numpy").unwrap();
        let junk = load_npy(&dir.path().join("junk.npy"), None, "j").unwrap_err();
        assert!(
            junk.to_string().contains("not a NumPy array file"),
            "{junk}"
        );
    }

    #[test]
    fn fortran_reorder_of_three_axes() {
        // shape (2, 2, 2); C-order value at (i, j, k) is 4i + 2j + k.
        let fortran: Vec<f64> = (0..8)
            .map(|offset| {
                let (i, j, k) = (offset % 2, offset / 2 % 2, offset / 4);
                f64::from(4 * i + 2 * j + k)
            })
            .collect();
        assert_eq!(
            to_c_order(&fortran, &[2, 2, 2]),
            (0..8).map(f64::from).collect::<Vec<_>>()
        );
    }

    #[test]
    fn shapes_whose_size_overflows_are_refused() {
        // npyz multiplied these dimensions unchecked: a panic in a debug build.
        let dir = tempfile::tempdir().unwrap();
        for shape in ["(4294967296, 4294967296)", "(0, 4294967296, 4294967296)"] {
            let path = npy(&dir, "x.npy", "<f4", false, shape, &[]);
            let err = load_npy(&path, None, "x").unwrap_err();
            assert!(
                err.to_string()
                    .ends_with("has more values than a u64 counts"),
                "{err}"
            );
        }
    }

    #[test]
    fn deeply_nested_headers_are_refused_before_they_are_parsed() {
        // Once a hang: the Python literal parser backtracks exponentially in the nesting, and
        // a header of 16 `{` took minutes (16 `[`, a second; 22 `[` closed again, 23 s).
        let dir = tempfile::tempdir().unwrap();
        for shape in [
            "{".repeat(16),
            "[".repeat(22) + &"]".repeat(22),
            "((((1,),),),)".into(),
        ] {
            let path = npy(&dir, "x.npy", "<f4", false, &shape, &[]);
            let err = load_npy(&path, None, "x").unwrap_err();
            assert!(
                err.to_string().contains("nests brackets deeper than"),
                "{err}"
            );
        }
        // As deep as a structured array's header: parsed, and refused for what it is.
        let header = "{'descr': [('x', '<f4', (2,))], 'fortran_order': False, 'shape': (1,), }\n";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.bytes().chain([0; 8]));
        let structured = dir.path().join("s.npy");
        std::fs::write(&structured, bytes).unwrap();
        let err = load_npy(&structured, None, "s").unwrap_err();
        assert!(err.to_string().contains("structured"), "{err}");
    }

    #[test]
    fn a_header_longer_than_the_file_is_truncated() {
        // Version 2 gives the header length as a u32, which npyz allocated before reading.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.npy");
        let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
        bytes.extend(u32::MAX.to_le_bytes());
        bytes.extend(b"{'descr': '<f4'");
        std::fs::write(&path, bytes).unwrap();
        let err = load_npy(&path, None, "x").unwrap_err();
        assert!(matches!(err, DataError::Truncated { .. }), "{err}");
    }
}
