import ArgumentParser
import Tensor

/// `--precision fp32|bf16` on the commands that train or time training.
extension ConvolutionPrecision: ExpressibleByArgument {}
