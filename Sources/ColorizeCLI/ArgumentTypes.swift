import ArgumentParser
import Colorization
import Tensor

/// `--precision fp32|bf16` on the commands that train or time training.
extension ConvolutionPrecision: ExpressibleByArgument {}

/// `--architecture seed|lite0|lite2` on `pretrain`.
extension ModelConfiguration.Architecture: ExpressibleByArgument {}
