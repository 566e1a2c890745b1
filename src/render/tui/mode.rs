//! The views of the dashboard, cycled with tab.

/// The views cycled with tab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Progress, losses and test digits with their reconstructions.
    #[default]
    Overview,
    /// Samples from the prior, the latent scatter and the manifold grid.
    Latent,
    /// A detector's run (`--normal-class`): the test scores of normal and abnormal samples,
    /// each score's ROC AUC per epoch, and the figures at the threshold calibration would set.
    Detector,
    /// Run facts, hyperparameters in force and the message log.
    Run,
}

impl Mode {
    /// All views, in tab order.
    pub const ALL: [Mode; 4] = [Mode::Overview, Mode::Latent, Mode::Detector, Mode::Run];

    /// Whether the view is shown: the detector view only for a detector's run.
    pub fn shown(self, detector: bool) -> bool {
        self != Mode::Detector || detector
    }

    /// The shown view after this one.
    pub fn next(self, detector: bool) -> Mode {
        self.step(detector, 1)
    }

    /// The shown view before this one.
    pub fn previous(self, detector: bool) -> Mode {
        self.step(detector, Self::ALL.len() - 1)
    }

    fn step(self, detector: bool, by: usize) -> Mode {
        let count = Self::ALL.len();
        let at = Self::ALL.iter().position(|&m| m == self).unwrap_or(0);
        (1..=count)
            .map(|k| Self::ALL[(at + k * by) % count])
            .find(|m| m.shown(detector))
            .unwrap_or(Mode::Overview)
    }

    /// Short name shown in the tab bar.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Overview => "overview",
            Mode::Latent => "latent",
            Mode::Detector => "detector",
            Mode::Run => "run",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_and_previous_go_round_the_shown_views() {
        for detector in [false, true] {
            for mode in Mode::ALL.into_iter().filter(|m| m.shown(detector)) {
                assert_eq!(mode.next(detector).previous(detector), mode);
            }
        }
        assert_eq!(Mode::Run.next(false), Mode::Overview);
        assert_eq!(Mode::Latent.next(false), Mode::Run);
        assert_eq!(Mode::Latent.next(true), Mode::Detector);
        assert_eq!(Mode::Run.previous(true), Mode::Detector);
        // Left on the detector view by a run that was one, the next run moves on.
        assert_eq!(Mode::Detector.next(false), Mode::Run);
    }
}
