//! A model's layers as one line of text, from the layer table its weight header records.

use tinyvae_core::{Architecture, ConvShape, Model};

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
            match layer.conv {
                None => format!("{}→{}{activation}", layer.inputs, layer.outputs),
                Some(shape) => conv_layer(&shape, &activation),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `conv3s2p1:1×28×28→32×14×14(relu)` or `tconv3s2p1o1:64×7×7→64×14×14(relu)`: the
/// operation with kernel, stride, padding (and output padding), then the shapes, channels
/// first.
fn conv_layer(shape: &ConvShape, activation: &str) -> String {
    let (name, extra) = if shape.transposed {
        ("tconv", format!("o{}", shape.output_padding))
    } else {
        ("conv", String::new())
    };
    let (height, width) = output_sides(shape);
    format!(
        "{name}{}s{}p{}{extra}:{}×{}×{}→{}×{height}×{width}{activation}",
        shape.kernel,
        shape.stride,
        shape.padding,
        shape.in_channels,
        shape.in_height,
        shape.in_width,
        shape.out_channels,
    )
}

/// The output height and width of a convolution, from its geometry.
fn output_sides(shape: &ConvShape) -> (u32, u32) {
    let [k, s, p, op] = [
        shape.kernel,
        shape.stride,
        shape.padding,
        shape.output_padding,
    ]
    .map(u32::from);
    let side = |input: u16| {
        let input = u32::from(input);
        if shape.transposed {
            (input.saturating_sub(1) * s + k + op).saturating_sub(2 * p)
        } else {
            (input + 2 * p).saturating_sub(k) / s.max(1) + 1
        }
    };
    (side(shape.in_height), side(shape.in_width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{ConvAeDigits, ConvVaeMnist, VaeDigits, VaeDigitsLearnedVariance};

    #[test]
    fn convolutions_show_their_geometry() {
        assert_eq!(
            architecture_of::<ConvVaeMnist>(),
            "conv3s2p1:1×28×28→32×14×14(relu) conv3s2p1:32×14×14→64×7×7(relu) 3136→16(relu) \
             16→2 16→2 2→3136(relu) tconv3s2p1o1:64×7×7→64×14×14(relu) \
             tconv3s2p1o1:64×14×14→32×28×28(relu) tconv3s1p1o0:32×28×28→1×28×28"
        );
        assert!(architecture_of::<ConvAeDigits>().starts_with("conv3s2p1:1×8×8→8×4×4(relu) "));
    }

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
