import Tensor

/// MobileNetV2's inverted residual as EfficientNet-Lite uses it (no squeeze-excitation, ReLU6):
/// an optional 1×1 expansion, a k×k depthwise convolution (which carries the block's stride), a
/// 1×1 linear projection, and the input added back when the shape is unchanged.
public final class MBConvBlock: Layer, @unchecked Sendable {
    public let expand: ConvBatchNorm?
    public let depthwise: ConvBatchNorm
    public let project: ConvBatchNorm

    public init(expand: ConvBatchNorm?, depthwise: ConvBatchNorm, project: ConvBatchNorm) {
        self.expand = expand
        self.depthwise = depthwise
        self.project = project
    }

    public var inChannels: Int { expand.map { $0.weight.value.shape[2] } ?? depthwise.weight.value.shape[3] }
    public var outChannels: Int { project.weight.value.shape[3] }
    public var stride: Int { depthwise.stride }
    public var hasResidual: Bool { stride == 1 && inChannels == outChannels }
    var units: [ConvBatchNorm] { (expand.map { [$0] } ?? []) + [depthwise, project] }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        (expand.map { parameters(of: $0, prefix: "expand") } ?? [])
            + parameters(of: depthwise, prefix: "depthwise") + parameters(of: project, prefix: "project")
    }

    public func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        let expanded = expand.map { $0(x, training: training) } ?? x
        let y = project(depthwise(expanded, training: training), training: training)
        return hasResidual ? y + x : y
    }
}
