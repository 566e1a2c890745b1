//! The one-class protocol on labelled data: a model learns the normal classes alone and is
//! judged on the whole test set, every other class abnormal.

use super::AnomalyError;
use crate::data::Dataset;

/// The classes a one-class run takes as normal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneClass {
    normal: Vec<u8>,
}

impl OneClass {
    /// The protocol with `normal` as the normal classes (sorted, each once).
    ///
    /// Errors: no class given.
    pub fn new(normal: &[u8]) -> Result<Self, AnomalyError> {
        let mut normal = normal.to_vec();
        normal.sort_unstable();
        normal.dedup();
        if normal.is_empty() {
            return Err(AnomalyError::Data("give at least one normal class".into()));
        }
        Ok(Self { normal })
    }

    /// The normal classes, ascending.
    pub fn normal_classes(&self) -> &[u8] {
        &self.normal
    }

    /// Whether `label` is a normal class.
    pub fn is_normal(&self, label: u8) -> bool {
        self.normal.binary_search(&label).is_ok()
    }

    /// The samples of `data` of the normal classes, in their order: what the model learns.
    ///
    /// Errors: data without labels, or without a sample of any normal class.
    pub fn train_set(&self, data: &Dataset) -> Result<Dataset, AnomalyError> {
        let labels = self.labels(data)?;
        let indices: Vec<usize> = labels
            .iter()
            .enumerate()
            .filter(|&(_, &label)| self.is_normal(label))
            .map(|(i, _)| i)
            .collect();
        if indices.is_empty() {
            return Err(AnomalyError::Data(format!(
                "{} has no sample of the normal classes {:?}",
                data.name(),
                self.normal
            )));
        }
        Ok(data.select(&indices))
    }

    /// For every sample of `data`, whether it is abnormal (of a class that is not normal).
    ///
    /// Errors: data without labels.
    pub fn anomalous(&self, data: &Dataset) -> Result<Vec<bool>, AnomalyError> {
        Ok(self
            .labels(data)?
            .iter()
            .map(|&label| !self.is_normal(label))
            .collect())
    }

    fn labels<'a>(&self, data: &'a Dataset) -> Result<&'a [u8], AnomalyError> {
        data.labels().ok_or_else(|| {
            AnomalyError::Data(format!(
                "{} has no labels: the one-class protocol needs them to tell the classes apart",
                data.name()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn labelled(labels: &[u8]) -> Dataset {
        let images = labels.iter().map(|&l| f32::from(l) / 10.0).collect();
        Dataset::new("toy", 1, 1, images, labels.to_vec()).unwrap()
    }

    #[test]
    fn trains_on_the_normal_classes_and_flags_the_others() {
        let data = labelled(&[3, 1, 4, 1, 5, 9, 2, 6]);
        let protocol = OneClass::new(&[1, 9, 1]).unwrap();
        assert_eq!(protocol.normal_classes(), [1, 9]);
        let train = protocol.train_set(&data).unwrap();
        assert_eq!(train.labels().unwrap(), [1, 1, 9]);
        assert_eq!(train.images(), [0.1, 0.1, 0.9]);
        assert_eq!(
            protocol.anomalous(&data).unwrap(),
            [true, false, true, false, true, false, true, true]
        );
    }

    #[test]
    fn refuses_what_the_protocol_cannot_use() {
        assert!(OneClass::new(&[]).is_err());
        let data = labelled(&[0, 2]);
        let absent = OneClass::new(&[7]).unwrap();
        assert!(absent.train_set(&data).is_err());
        let unlabelled = Dataset::from_parts(
            "plain",
            crate::data::SampleShape::Vector { width: 1 },
            vec![0.5, 0.25],
            2,
            None,
        )
        .unwrap();
        assert!(absent.anomalous(&unlabelled).is_err());
    }
}
