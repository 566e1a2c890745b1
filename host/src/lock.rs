//! One process per checkpoint: an advisory lock held for the whole run, so a second run on the
//! same checkpoint path refuses to start instead of overwriting the first one's saves.
//!
//! The lock is `flock`-style on a small file beside the checkpoint,
//! `.tinyvae-<key>.lock` (the key as for the temporary files), taken with
//! [`File::try_lock`]; the system releases it when the process ends, however it ends. The
//! file itself stays: removing it could let two processes hold locks on two different files.

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use crate::atomic_file::{lock_name, write_target};

/// Why a checkpoint's lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("{} is in use by another tinyvae process (lock {})", path.display(), lock.display())]
    Held {
        /// The checkpoint.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// The lock file could not be made or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        /// The checkpoint.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

/// The lock of one checkpoint path, held until dropped.
#[derive(Debug)]
pub struct CheckpointLock {
    _file: File,
    path: PathBuf,
}

impl CheckpointLock {
    /// Takes the lock of `checkpoint` (of its target, when it is a symlink), or fails at once
    /// if another process holds it.
    pub fn acquire(checkpoint: &Path) -> Result<Self, LockError> {
        let io = |source| LockError::Io {
            path: checkpoint.to_path_buf(),
            source,
        };
        let target = write_target(checkpoint).map_err(io)?;
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&folder).map_err(io)?;
        let name = target.file_name().unwrap_or_default();
        let lock = folder.join(lock_name(name));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self {
                _file: file,
                path: lock,
            }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held {
                path: checkpoint.to_path_buf(),
                lock,
            }),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.ckpt");
        let first = CheckpointLock::acquire(&path).unwrap();
        let second = CheckpointLock::acquire(&path).unwrap_err();
        assert!(matches!(second, LockError::Held { .. }), "{second}");
        assert!(
            second
                .to_string()
                .contains("in use by another tinyvae process")
        );
        // Another checkpoint in the same folder is free.
        CheckpointLock::acquire(&dir.path().join("other.ckpt")).unwrap();
        drop(first);
        CheckpointLock::acquire(&path).unwrap();
    }
}
