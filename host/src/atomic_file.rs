//! Writing files so that a crash leaves either the old file or the new one, never half of one.
//!
//! A file is written to a temporary file in the target's folder, synced, renamed over the
//! target, and the folder synced. The temporary name is short and unique —
//! `.tinyvae-<key>-<pid>-<n>.tmp`, `<key>` a hash of the target's name — so it fits wherever
//! the target's name fits, two writers never share one, and [`remove_stale_temporaries`] finds
//! the ones a killed process left. A symlinked target is written through: the link stays and
//! its target is replaced.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporaries made by this process so far (their names' last number).
static TEMPORARIES: AtomicU64 = AtomicU64::new(0);

/// The file a write to `path` replaces: `path` itself, or what a symlink there points to
/// (followed to the end, relative links against the link's folder).
pub fn write_target(path: &Path) -> io::Result<PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&target)?;
                target = match target.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}: too many levels of symbolic links", path.display()),
    ))
}

/// The folder and file name a write to `path` uses (after following symlinks).
fn parts(path: &Path) -> io::Result<(PathBuf, std::ffi::OsString)> {
    let target = write_target(path)?;
    let name = target
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: the path has no file name", path.display()),
            )
        })?
        .to_os_string();
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((folder, name))
}

/// The hash naming the temporaries of files called `name` (FNV-1a, 64 bits, in hex).
fn key(name: &OsStr) -> String {
    let hash = name
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:016x}")
}

/// The name of the lock file of files called `name` (see [`crate::lock`]).
pub fn lock_name(name: &OsStr) -> String {
    format!(".tinyvae-{}.lock", key(name))
}

/// A fresh temporary name for files called `name`.
fn temporary_name(name: &OsStr) -> String {
    let n = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
    format!(".tinyvae-{}-{}-{n}.tmp", key(name), std::process::id())
}

/// Refuses a target that exists and is not a regular file: a rename would replace a folder's
/// entry, a device or a pipe with a file.
fn refuse_other_than_file(target: &Path) -> io::Result<()> {
    match fs::metadata(target) {
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            format!("{} is a folder", target.display()),
        )),
        Ok(meta) if !meta.is_file() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file (a device, a pipe or a socket)",
                target.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync, rename over the
/// target, fsync of the folder. A process killed at any point leaves `path` as it was or
/// wholly new, and at worst a temporary file [`remove_stale_temporaries`] removes. A target
/// that is a folder, a device, a pipe or a socket is refused.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (folder, name) = parts(path)?;
    let target = folder.join(&name);
    refuse_other_than_file(&target)?;
    fs::create_dir_all(&folder)?;
    let temporary = folder.join(temporary_name(&name));
    let result = (|| {
        let mut file = File::create_new(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, &target)?;
        // The rename itself must reach the disk too.
        File::open(&folder)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Checks, before any work, that [`write_atomically`] can write `path`: it is not a folder, a
/// device, a pipe or a socket, the folder exists or can be made, and a file with a name as long
/// as the target's (a temporary one, its name padded) can be made and removed in it.
pub fn check_writable(path: &Path) -> io::Result<()> {
    let (folder, name) = parts(path)?;
    let target = folder.join(&name);
    refuse_other_than_file(&target)?;
    fs::create_dir_all(&folder)?;
    let mut probe_name = temporary_name(&name);
    let long = name.as_encoded_bytes().len();
    if probe_name.len() < long {
        let stem = probe_name.len() - ".tmp".len();
        probe_name.insert_str(stem, &"-".repeat(long - probe_name.len()));
    }
    let probe = folder.join(&probe_name);
    File::create_new(&probe).map_err(|e| {
        if e.kind() == io::ErrorKind::InvalidFilename {
            // The target's own name does not fit this file system.
            io::Error::new(
                e.kind(),
                format!(
                    "the name {} is too long for its folder's file system ({long} bytes)",
                    name.to_string_lossy()
                ),
            )
        } else {
            e
        }
    })?;
    fs::remove_file(&probe)
}

/// Removes the temporary files that writes of `path` left behind (a process killed while
/// saving). Call it only while holding the path's lock, so no live writer's file is removed.
/// Returns how many were removed.
pub fn remove_stale_temporaries(path: &Path) -> io::Result<usize> {
    let (folder, name) = parts(path)?;
    let prefix = format!(".tinyvae-{}-", key(&name));
    let mut removed = 0;
    let entries = match fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if file.starts_with(&prefix) && file.ends_with(".tmp") && entry.path().is_file() {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(names(dir.path()), ["a.bin"]);
    }

    #[test]
    fn failure_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        write_atomically(&path, b"old").unwrap();
        // A directory in the way of the rename makes it fail.
        let blocked = dir.path().join("blocked");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("x"), b"").unwrap();
        assert!(write_atomically(&blocked, b"new").is_err());
        assert!(check_writable(&blocked).is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
    }

    #[test]
    fn folders_devices_and_names_too_long_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("folder");
        fs::create_dir(&folder).unwrap();
        assert!(check_writable(&folder).is_err());
        assert!(write_atomically(&folder, b"x").is_err());
        assert!(folder.is_dir());
        // Only checked, never written: a regression must not replace a device.
        let device = check_writable(Path::new("/dev/null")).unwrap_err();
        assert!(
            device.to_string().contains("not a regular file"),
            "{device}"
        );
        let long = dir.path().join(format!("{}.ckpt", "x".repeat(251)));
        let error = check_writable(&long).unwrap_err();
        assert!(error.to_string().contains("too long"), "{error}");
        assert_eq!(names(dir.path()), ["folder"]);
    }

    #[test]
    fn a_symlinked_target_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.ckpt");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.ckpt");
        std::os::unix::fs::symlink("real.ckpt", &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn long_names_fit_and_stale_temporaries_go() {
        let dir = tempfile::tempdir().unwrap();
        let long = dir.path().join(format!("{}.ckpt", "x".repeat(245)));
        check_writable(&long).unwrap();
        write_atomically(&long, b"ok").unwrap();
        // A killed writer's leftover, and one of another file's that must stay.
        let (_, name) = parts(&long).unwrap();
        fs::write(dir.path().join(temporary_name(&name)), b"torn").unwrap();
        let other = dir.path().join("other.ckpt");
        let (_, other_name) = parts(&other).unwrap();
        fs::write(dir.path().join(temporary_name(&other_name)), b"live").unwrap();
        assert_eq!(remove_stale_temporaries(&long).unwrap(), 1);
        assert_eq!(names(dir.path()).len(), 2);
        assert_eq!(remove_stale_temporaries(&long).unwrap(), 0);
    }
}
