//! Endless or junk inputs (`/dev/zero`) are refused at their first bytes, not after reading
//! as much as the largest valid file.

use crate::cli::{stderr, tinyvae};

#[test]
fn dev_zero_is_refused_at_its_first_bytes_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (&["eval", "--checkpoint", "/dev/zero"][..], "bad magic"),
        (&["inspect", "/dev/zero"], "bad magic"),
        (
            &["train", "--headless", "--resume", "/dev/zero"],
            "bad magic",
        ),
        (
            &[
                "train",
                "--headless",
                "--preset",
                "vae-digits",
                "--data",
                "/dev/zero",
                "--format",
                "csv",
            ],
            "NUL byte at offset 0",
        ),
    ] {
        let output = tinyvae(args, dir.path());
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
    }
}
