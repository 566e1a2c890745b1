//! Opening a data file that may or may not be gzip-compressed.
//!
//! Compression is told from the content (the gzip signature `1f 8b`), not from the name, so a
//! decompressed file that kept its `.gz` name, or a gzip file without it, still loads.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

use super::DataError;

/// The largest text file (after decompression) a table loader reads: 2 GiB.
pub const MAX_TEXT_BYTES: u64 = 2 << 30;

/// The first two bytes of every gzip stream (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A data file's decompressed bytes, plus what is needed to word its read errors.
pub(crate) struct Source<'a> {
    path: PathBuf,
    gzip: bool,
    reader: Box<dyn Read + 'a>,
}

impl Source<'static> {
    /// Opens `path`, decompressing on the fly if it is gzip.
    pub(crate) fn open(path: &Path) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => DataError::MissingFile {
                path: path.to_path_buf(),
                alternatives: Vec::new(),
            },
            _ => DataError::Io {
                path: path.to_path_buf(),
                source,
            },
        })?;
        Source::new(file, path)
    }
}

impl<'a> Source<'a> {
    /// The bytes of `reader`, decompressed on the fly if they are gzip; `path` names them in
    /// errors. [`Source::open`] is this over the file at `path`.
    pub(crate) fn new(reader: impl Read + 'a, path: &Path) -> Result<Self, DataError> {
        let mut buffered = BufReader::new(reader);
        let head = read_head(&mut buffered).map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let gzip = head.starts_with(&GZIP_MAGIC);
        // The bytes taken to look at, put back in front.
        let buffered = io::Cursor::new(head).chain(buffered);
        // Multi-member decoding: concatenated gzip streams are valid gzip too.
        let reader: Box<dyn Read + 'a> = if gzip {
            Box::new(MultiGzDecoder::new(buffered))
        } else {
            Box::new(buffered)
        };
        Ok(Self {
            path: path.to_path_buf(),
            gzip,
            reader,
        })
    }

    /// The path the bytes come from.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends up to `limit` bytes to `buf`; fewer only at the end of the data.
    ///
    /// On a read error the bytes read so far stay in `buf`, so the caller can say how far the
    /// data went.
    pub(crate) fn read_up_to(&mut self, limit: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        (&mut self.reader).take(limit).read_to_end(buf).map(drop)
    }

    /// Appends all the remaining bytes to `buf`, up to [`MAX_TEXT_BYTES`]: a larger file (or an
    /// endless one, such as `/dev/zero`) is an error, not a growing buffer. Text never holds a
    /// NUL byte: one is an error as soon as it is read, before the rest is.
    pub(crate) fn read_all(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        const CHUNK: u64 = 1 << 20;
        loop {
            let start = buf.len();
            let room = (MAX_TEXT_BYTES + 1).saturating_sub(start as u64);
            (&mut self.reader).take(CHUNK.min(room)).read_to_end(buf)?;
            if let Some(at) = buf[start..].iter().position(|&b| b == 0) {
                return Err(io::Error::other(format!(
                    "a NUL byte at offset {}: not a text table",
                    start + at
                )));
            }
            if buf.len() == start || buf.len() as u64 > MAX_TEXT_BYTES {
                break;
            }
        }
        if buf.len() as u64 > MAX_TEXT_BYTES {
            return Err(io::Error::other(format!(
                "more than {} GiB of text: too large for a table",
                MAX_TEXT_BYTES >> 30
            )));
        }
        Ok(())
    }

    /// Counts the bytes left, which also makes the decoder check the gzip trailer (CRC-32 and
    /// length).
    pub(crate) fn count_rest(&mut self) -> io::Result<u64> {
        io::copy(&mut self.reader, &mut io::sink())
    }

    /// Whether the file is gzip-compressed.
    pub(crate) fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Wraps a read error: decoder complaints become [`DataError::BadGzip`], the rest
    /// [`DataError::Io`].
    pub(crate) fn error(&self, source: io::Error) -> DataError {
        let path = self.path.clone();
        let from_decoder = matches!(
            source.kind(),
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
        );
        if self.gzip && from_decoder {
            DataError::BadGzip { path, source }
        } else {
            DataError::Io { path, source }
        }
    }
}

/// The first bytes of `reader`, as many as [`GZIP_MAGIC`] has (fewer only at the end of the
/// data), however few each read returns.
fn read_head(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    reader
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}
