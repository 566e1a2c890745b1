//! How the dashboard draws: ASCII or not, colours or not, and the frame interval.

use std::time::Duration;

/// Default time between frames while data changes (keys and resizes redraw at once).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(100);

/// How the dashboard draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardOptions {
    /// Plain ASCII everywhere: borders `+-|`, bars and pixels from ` .:-=+*#%@`.
    pub ascii: bool,
    /// Colours (a 256-colour palette). Off: no colours at all, pixels as characters.
    pub color: bool,
    /// Shortest time between two frames drawn for new data.
    pub frame_interval: Duration,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        Self {
            ascii: false,
            color: true,
            frame_interval: FRAME_INTERVAL,
        }
    }
}

impl DashboardOptions {
    /// Options for `--ascii` (or not), with colours unless the `NO_COLOR` environment variable
    /// is set and not empty (<https://no-color.org>).
    pub fn from_environment(ascii: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            ascii,
            color: !no_color,
            ..Self::default()
        }
    }
}
