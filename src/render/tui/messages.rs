//! The dashboard's feedback lines: the status bar shows the latest, the run view the log,
//! which keeps the last [`LOG_CAPACITY`].

use std::collections::VecDeque;

use tinyvae_host::train::events::Command;

/// Messages kept in the log.
pub const LOG_CAPACITY: usize = 200;

/// How important a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Feedback and progress.
    Info,
    /// Something went wrong without ending the run.
    Warning,
    /// The run failed.
    Error,
}

/// A line of feedback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Importance.
    pub level: Level,
    /// Text.
    pub text: String,
}

/// The last [`LOG_CAPACITY`] messages, oldest first.
#[derive(Clone, Debug, Default)]
pub struct MessageLog(VecDeque<Message>);

impl MessageLog {
    /// Adds a message, forgetting the oldest when full.
    pub fn push(&mut self, level: Level, text: String) {
        if self.0.len() == LOG_CAPACITY {
            self.0.pop_front();
        }
        self.0.push_back(Message { level, text });
    }

    /// The messages, oldest first.
    pub fn messages(&self) -> &VecDeque<Message> {
        &self.0
    }

    /// The latest message.
    pub fn last(&self) -> Option<&Message> {
        self.0.back()
    }
}

/// A few words saying what a command asks.
pub fn describe(command: Command) -> String {
    match command {
        Command::TogglePause => "pause/resume".to_string(),
        Command::ScaleLearningRate(f) => format!("learning rate x{f}"),
        Command::ScaleBeta(f) => format!("beta x{f}"),
        Command::SaveCheckpoint => "save a checkpoint".to_string(),
        Command::ExportWeights => "export the device weights".to_string(),
        Command::Resample => "new samples".to_string(),
        Command::MoveDigits(n) => format!("digits {n:+}"),
        Command::Stop { save: true } => "save and stop".to_string(),
        Command::Stop { save: false } => "stop".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_latest() {
        let mut log = MessageLog::default();
        for i in 0..LOG_CAPACITY + 5 {
            log.push(Level::Info, i.to_string());
        }
        assert_eq!(log.messages().len(), LOG_CAPACITY);
        assert_eq!(log.messages().front().map(|m| m.text.as_str()), Some("5"));
        assert_eq!(
            log.last().map(|m| m.text.clone()),
            Some((LOG_CAPACITY + 4).to_string())
        );
    }
}
