//! A model's layers as one line of text, from the layer table its weight header records.

use tinyvae_core::{Architecture, Model};

/// `784→400(relu) 400→20 …`: the layers of a model as its weight header records them; an entry
/// without inputs, a learned decoder variance, shows as `logσ²(784)`.
pub fn architecture_of<M: Model>() -> String {
    let mut architecture = Architecture::new();
    if M::describe(&mut architecture).is_err() {
        return "?".to_string();
    }
    describe(&architecture)
}

/// `784→400(relu) …`: a layer table as one line.
pub fn describe(architecture: &Architecture) -> String {
    architecture
        .iter()
        .map(|layer| {
            if layer.inputs == 0 {
                return format!("logσ²({})", layer.outputs);
            }
            let activation = match layer.activation {
                0 => String::new(),
                1 => "(relu)".into(),
                2 => "(leaky)".into(),
                3 => "(σ)".into(),
                4 => "(tanh)".into(),
                other => format!("({other})"),
            };
            format!("{}→{}{activation}", layer.inputs, layer.outputs)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{VaeDigits, VaeDigitsLearnedVariance};

    #[test]
    fn a_learned_variance_is_named_after_the_layers() {
        let plain = architecture_of::<VaeDigits>();
        assert_eq!(plain, "64→32(relu) 32→2 32→2 2→32(relu) 32→64");
        assert_eq!(
            architecture_of::<VaeDigitsLearnedVariance>(),
            format!("{plain} logσ²(64)")
        );
    }
}
