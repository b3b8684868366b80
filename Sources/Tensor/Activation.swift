/// The activations a convolution can fuse into the write of its output (`Tensor.conv2d`), each
/// also an op of its own. Both are piecewise linear: their backward multiplies by a constant mask,
/// so second derivatives vanish almost everywhere, as they should.
public enum Activation: Hashable, Sendable {
    /// x for x > 0, αx otherwise (the seed's generator and critic).
    case leakyReLU(Float)
    /// min(max(x, 0), 6): MobileNet's bounded ReLU, which EfficientNet-Lite uses throughout.
    case relu6
}

extension Tensor {
    /// The activation applied to every element.
    public func activated(_ activation: Activation) -> Tensor {
        switch activation {
        case .leakyReLU(let alpha): leakyReLU(alpha)
        case .relu6: relu6()
        }
    }

    /// ReLU6: min(max(x, 0), 6).  ∂ = g·m with the constant mask m = (0 < x < 6 ? 1 : 0).
    public func relu6() -> Tensor {
        Tensor.record(mapped { min(max($0, 0), 6) }, shape: shape, inputs: [self], savesOutput: true) { g, y, _ in
            [g.activationGradient(.relu6, at: y!)]
        }
    }

    /// An activation's backward as an op of its own: g·m, with the mask m read from `activation`'s
    /// output `y` (its input gives the same mask) and held constant. Linear in g, so its derivative
    /// is itself.
    func activationGradient(_ activation: Activation, at y: Tensor) -> Tensor {
        precondition(shape == y.shape, "activation gradient \(shape) for activation \(y.shape)")
        let mask = y.detached()
        let out = TensorStorage(count: count)
        switch activation {
        case .leakyReLU(let alpha):
            ElementwiseKernels.leakyReLUGradient(
                storage.pointer, mask.storage.pointer, out.pointer, count, alpha: alpha)
        case .relu6:
            ElementwiseKernels.relu6Gradient(storage.pointer, mask.storage.pointer, out.pointer, count)
        }
        return Tensor.record(out, shape: shape, inputs: [self]) { g, _, _ in
            [g.activationGradient(activation, at: mask)]
        }
    }
}
