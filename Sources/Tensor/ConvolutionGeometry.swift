/// How a convolution pads its input.
public enum Padding: Hashable, Sendable {
    /// Keras/TensorFlow "same": output size ⌈in/stride⌉, padding split with the extra pixel after.
    case same
    /// No padding.
    case valid
    /// Explicit pixels on each side.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)
}

/// Every size of one 2-D convolution: NHWC input [n, h, w, inChannels], HWIO filter
/// [kh, kw, inChannels / groups, outChannels], NHWC output [n, outHeight, outWidth, outChannels].
/// Also the key of the kernel caches.
///
/// With `groups` > 1 the channels split into that many groups and each output channel sees only
/// its group's inputs; `groups == inChannels == outChannels` is a depthwise convolution, whose
/// filter [kh, kw, 1, C] has the memory layout of TensorFlow's depthwise [kh, kw, C, 1].
public struct ConvolutionGeometry: Hashable, Sendable {
    public let n, h, w, inChannels, outChannels, kh, kw, strideH, strideW: Int
    public let padTop, padBottom, padLeft, padRight: Int
    public let outHeight, outWidth: Int
    public let groups: Int

    public init(inputShape: [Int], filterShape: [Int], stride: Int, padding: Padding, groups: Int = 1) {
        precondition(
            groups >= 1 && inputShape.count == 4 && filterShape.count == 4
                && inputShape[3] == filterShape[2] * groups && filterShape[3] % groups == 0,
            "conv2d: input \(inputShape) (NHWC) and filter \(filterShape) (HWIO) do not match in \(groups) groups")
        precondition(stride >= 1, "conv2d: stride must be at least 1")
        (n, h, w, inChannels) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        (kh, kw, outChannels) = (filterShape[0], filterShape[1], filterShape[3])
        self.groups = groups
        (strideH, strideW) = (stride, stride)
        func same(_ size: Int, _ k: Int) -> (Int, Int) {
            let out = (size + stride - 1) / stride
            let total = max((out - 1) * stride + k - size, 0)
            return (total / 2, total - total / 2)
        }
        switch padding {
        case .same: ((padTop, padBottom), (padLeft, padRight)) = (same(h, kh), same(w, kw))
        case .valid: (padTop, padBottom, padLeft, padRight) = (0, 0, 0, 0)
        case let .explicit(top, bottom, left, right):
            (padTop, padBottom, padLeft, padRight) = (top, bottom, left, right)
        }
        outHeight = (h + padTop + padBottom - kh) / stride + 1
        outWidth = (w + padLeft + padRight - kw) / stride + 1
        precondition(outHeight > 0 && outWidth > 0, "conv2d: \(kh)×\(kw) filter larger than padded \(h)×\(w) input")
    }

    public var inputShape: [Int] { [n, h, w, inChannels] }
    public var filterShape: [Int] { [kh, kw, inChannels / groups, outChannels] }
    public var outputShape: [Int] { [n, outHeight, outWidth, outChannels] }

    /// Multiply-adds of one pass (forward, input-gradient and filter-gradient all cost the same).
    public var multiplyAdds: Int { n * outHeight * outWidth * outChannels * kh * kw * inChannels / groups }

    /// Whether each channel is filtered on its own (one group per channel, one output per group).
    public var isDepthwise: Bool { groups > 1 && groups == inChannels && groups == outChannels }
}
