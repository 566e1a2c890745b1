//! The views of the dashboard, cycled with tab.

/// The views cycled with tab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Progress, losses and test digits with their reconstructions.
    #[default]
    Overview,
    /// Samples from the prior, the latent scatter and the manifold grid.
    Latent,
    /// Run facts, hyperparameters in force and the message log.
    Run,
}

impl Mode {
    /// All views, in tab order.
    pub const ALL: [Mode; 3] = [Mode::Overview, Mode::Latent, Mode::Run];

    /// The view after this one.
    pub fn next(self) -> Mode {
        match self {
            Mode::Overview => Mode::Latent,
            Mode::Latent => Mode::Run,
            Mode::Run => Mode::Overview,
        }
    }

    /// The view before this one.
    pub fn previous(self) -> Mode {
        match self {
            Mode::Overview => Mode::Run,
            Mode::Latent => Mode::Overview,
            Mode::Run => Mode::Latent,
        }
    }

    /// Short name shown in the tab bar.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Overview => "overview",
            Mode::Latent => "latent",
            Mode::Run => "run",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_and_previous_go_round_all_views() {
        for mode in Mode::ALL {
            assert_eq!(mode.next().previous(), mode);
        }
        assert_eq!(Mode::Run.next(), Mode::Overview);
    }
}
