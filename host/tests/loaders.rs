//! Property tests of the data loaders: whatever the bytes of the file, raw or gzip, each
//! returns a dataset or a `DataError`, never panics.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use proptest::prelude::*;
use tinyvae_host::data::{
    LabelColumn, TableLayout, load_digits, load_idx_pair, load_npy, load_table,
};

/// Writes `bytes` to `name` in `dir`, gzip-compressed when `gzip` is set.
fn file(dir: &Path, name: &str, bytes: &[u8], gzip: bool) -> PathBuf {
    let path = dir.join(name);
    let bytes = if gzip {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    } else {
        bytes.to_vec()
    };
    std::fs::write(&path, bytes).unwrap();
    path
}

/// An IDX file: a magic of the right family (or any), dimensions near what the body holds (or
/// any), then random bytes.
fn idx(rank: usize) -> impl Strategy<Value = Vec<u8>> {
    let magic = prop_oneof![
        4 => Just(0x0800 | rank as u32),
        1 => any::<u32>(),
    ];
    let dim = prop_oneof![
        6 => 0u32..5,
        1 => any::<u32>(),
    ];
    (
        magic,
        proptest::collection::vec(dim, rank),
        proptest::collection::vec(any::<u8>(), 0..80),
        0usize..12,
    )
        .prop_map(|(magic, dims, body, cut)| {
            let mut bytes: Vec<u8> = std::iter::once(magic)
                .chain(dims)
                .flat_map(u32::to_be_bytes)
                .chain(body)
                .collect();
            bytes.truncate(bytes.len().saturating_sub(cut));
            bytes
        })
}

/// A CSV-like text: lines of fields, each a number, a word or nothing, joined by `,` or tabs,
/// with now and then a stray byte.
fn table_text() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        4 => (0u8..=20).prop_map(|n| n.to_string()),
        2 => any::<f32>().prop_map(|v| v.to_string()),
        1 => Just("-1".to_string()),
        1 => Just("nan".to_string()),
        1 => Just("1e40".to_string()),
        1 => "[a-z]{0,3}",
        1 => Just(String::new()),
    ];
    let line = (
        proptest::collection::vec(field, 0..70),
        prop_oneof![Just(","), Just("\t"), Just(" , ")],
    )
        .prop_map(|(fields, separator)| fields.join(separator));
    (
        proptest::collection::vec(line, 0..5),
        proptest::option::of((any::<usize>(), any::<u8>())),
    )
        .prop_map(|(lines, stray)| {
            let mut bytes = lines.join("\n").into_bytes();
            if let Some((at, byte)) = stray
                && !bytes.is_empty()
            {
                let len = bytes.len();
                bytes[at % len] = byte;
            }
            bytes
        })
}

/// A `.npy` file: the magic, a version, a header dictionary of some dtype, order and shape,
/// then random bytes.
fn npy() -> impl Strategy<Value = Vec<u8>> {
    let descr = prop_oneof![
        Just("<f4"),
        Just(">f8"),
        Just("|u1"),
        Just("<i2"),
        Just(">u8"),
        Just("<i8"),
        Just("<c8"),
        Just("|b1"),
        Just("zz"),
    ];
    let dim = prop_oneof![
        6 => 0u64..4,
        1 => any::<u64>(),
    ];
    let shape = proptest::collection::vec(dim, 0..4).prop_map(|dims| {
        let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
        match dims.len() {
            1 => format!("({},)", dims[0]),
            _ => format!("({})", dims.join(", ")),
        }
    });
    (
        descr,
        any::<bool>(),
        shape,
        prop_oneof![Just(1u8), Just(2), Just(3), any::<u8>()],
        proptest::collection::vec(any::<u8>(), 0..100),
    )
        .prop_map(|(descr, fortran, shape, major, data)| {
            let header = format!(
                "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}\n",
                if fortran { "True" } else { "False" }
            );
            let mut bytes = b"\x93NUMPY".to_vec();
            bytes.extend([major, 0]);
            if major == 1 {
                bytes.extend((header.len() as u16).to_le_bytes());
            } else {
                bytes.extend((header.len() as u32).to_le_bytes());
            }
            bytes.extend(header.bytes());
            bytes.extend(data);
            bytes
        })
}

fn label_column() -> impl Strategy<Value = Option<LabelColumn>> {
    prop_oneof![
        Just(None),
        Just(Some(LabelColumn::Last)),
        (0usize..5).prop_map(|n| Some(LabelColumn::Number(n))),
        "[a-z]{0,2}".prop_map(|name| Some(LabelColumn::Name(name))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn idx_pairs_never_panic(
        images in prop_oneof![idx(3), proptest::collection::vec(any::<u8>(), 0..40)],
        labels in prop_oneof![idx(1), proptest::collection::vec(any::<u8>(), 0..40)],
        gzip: bool,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let images = file(dir.path(), "images", &images, gzip);
        let labels = file(dir.path(), "labels", &labels, false);
        let _ = load_idx_pair(&images, &labels, "fuzz");
    }

    #[test]
    fn digits_csv_never_panics(
        text in prop_oneof![table_text(), proptest::collection::vec(any::<u8>(), 0..200)],
        gzip: bool,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let _ = load_digits(&file(dir.path(), "digits.csv", &text, gzip));
    }

    #[test]
    fn tables_never_panic(
        text in prop_oneof![table_text(), proptest::collection::vec(any::<u8>(), 0..200)],
        tab: bool,
        labels in label_column(),
        gzip: bool,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "table", &text, gzip);
        let layout = TableLayout {
            delimiter: if tab { b'\t' } else { b',' },
            labels,
        };
        let _ = load_table(&path, &layout, "fuzz");
    }

    #[test]
    fn npy_arrays_never_panic(
        data in prop_oneof![npy(), proptest::collection::vec(any::<u8>(), 0..100)],
        labels in proptest::option::of(npy()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let data = file(dir.path(), "x.npy", &data, false);
        let labels = labels.map(|labels| file(dir.path(), "y.npy", &labels, false));
        let _ = load_npy(&data, labels.as_deref(), "fuzz");
    }
}
