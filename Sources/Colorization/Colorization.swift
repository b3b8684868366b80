import Tensor
import NeuralNetwork
import Imaging
/// Placeholder: models, training and inference land here.
public enum Colorization {}
