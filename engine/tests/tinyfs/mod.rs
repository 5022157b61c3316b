//! A small tmpfs for the disk-full tests (the engine's and, through `#[path]`, the real
//! binary's): mounted by the test, which runs as root as on CI, and failing where the mount is
//! refused rather than skipping; plus a filler that plays another process using up the disk.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for the test; unmounted (and its mount point removed) on drop.
pub struct TinyFs {
    pub path: PathBuf,
}

impl TinyFs {
    /// Mounts a tmpfs of `size` (mount(8) syntax, e.g. "12m") at a fresh directory named
    /// after `name` and the process.
    pub fn mount(size: &str, name: &str) -> TinyFs {
        let path =
            std::env::temp_dir().join(format!("omsmpp-tinyfs-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        let output = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&path)
            .output();
        let fs = TinyFs { path };
        match output {
            Ok(out) if out.status.success() => fs,
            Ok(out) => panic!(
                "cannot mount a {size} tmpfs at {} (this test needs root, as on CI): {}",
                fs.path.display(),
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => panic!("cannot run mount(8) (this test needs it, as on CI): {e}"),
        }
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        // Lazy: a gateway killed a moment ago may still hold files open.
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// Writes `path` until its filesystem has not a byte left (another process's data); returns
/// the bytes written.
pub fn fill(path: &Path) -> u64 {
    let mut file = std::fs::File::create(path).unwrap();
    let zeros = vec![0u8; 1 << 20];
    let (mut chunk, mut written) = (zeros.len(), 0u64);
    while chunk > 0 {
        match file.write(&zeros[..chunk]) {
            Ok(0) => chunk /= 2,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => chunk /= 2,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
    file.sync_all().ok();
    written
}
