//! tinyvae: a terminal trainer for autoencoders and variational autoencoders.

fn main() {
    println!("tinyvae");
}
