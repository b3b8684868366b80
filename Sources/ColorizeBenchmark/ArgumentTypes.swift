import ArgumentParser
import Colorization
import NeuralNetwork
import Tensor

/// `--precision auto|fp32|bf16` on the commands that train or time training.
extension PrecisionChoice: ExpressibleByArgument {}

/// `--variant lite0|lite1|lite2` on `classify` and `encoder`.
extension EfficientNetLite.Variant: ExpressibleByArgument {}

/// `--architecture seed|lite0|lite2` on `generators`.
extension ModelConfiguration.Architecture: ExpressibleByArgument {}
