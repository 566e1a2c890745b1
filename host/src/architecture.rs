//! A model's layers as one line of text, from the layer table its weight header records.

use tinyvae_core::{Architecture, Model};

/// `784-400(relu)-20 …`: the layers of a model as its weight header records them.
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
