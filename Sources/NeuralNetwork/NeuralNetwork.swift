import Tensor
/// Placeholder: layers, optimizers and checkpoints land here.
public enum NeuralNetwork {}
