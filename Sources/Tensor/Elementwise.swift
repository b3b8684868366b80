import Glibc

// Elementwise ops. Each states its derivative once; backward rules use Tensor ops only,
// so they are differentiable again. Binary ops broadcast (NumPy rules); the gradient of a
// broadcast input is summed back to its shape by `sum(toShape:)`.

extension Tensor {
    /// Applies a unary kernel, producing a new contiguous storage of the same shape.
    func mapped(_ f: (Float) -> Float) -> TensorStorage {
        let result = TensorStorage(count: count)
        ElementwiseKernels.map(storage.pointer, result.pointer, count, f)
        return result
    }

    /// Applies a binary kernel with broadcasting. The result overwrites `a`'s storage when that is
    /// allowed: `a` already has the result's shape, nothing else holds its storage (no other tensor,
    /// saved output or backward rule), and `aIsNeeded` is false (the op's backward does not read a).
    /// That saves an allocation and a third stream of memory traffic in inference and in backward.
    static func zipped(
        _ a: consuming Tensor, _ b: Tensor, aIsNeeded: Bool, _ f: (Float, Float) -> Float
    ) -> (TensorStorage, [Int]) {
        let shape = Shape.broadcast(a.shape, b.shape)
        let result =
            !aIsNeeded && a.shape == shape && isKnownUniquelyReferenced(&a.storage) && a.storage !== b.storage
            ? a.storage : TensorStorage(count: Shape.count(shape))
        ElementwiseKernels.zip(a.storage.pointer, a.shape, b.storage.pointer, b.shape, result.pointer, shape, f)
        return (result, shape)
    }

    /// Whether a backward rule that reads its inputs' values may still run: recording is on and
    /// some input is tracked.
    private static func mayDifferentiate(_ a: borrowing Tensor, _ b: Tensor) -> Bool {
        Autodiff.isRecording && (a.node != nil || b.node != nil)
    }

    // MARK: binary

    // The result may reuse a's storage (see `zipped`): + and − never read a in backward; · and /
    // do when a gradient may flow to b, so they reuse it only when none can.

    /// a + b.  ∂/∂a = g, ∂/∂b = g (each summed to its input's shape).
    public static func + (a: consuming Tensor, b: Tensor) -> Tensor {
        let (aShape, nodes) = (a.shape, [a.node, b.node])
        let (out, shape) = zipped(a, b, aIsNeeded: false, +)
        return record(out, shape: shape, inputNodes: nodes) { g, _, needed in
            [needed[0] ? g.sum(toShape: aShape) : nil, needed[1] ? g.sum(toShape: b.shape) : nil]
        }
    }

    /// a − b.  ∂/∂a = g, ∂/∂b = −g.
    public static func - (a: consuming Tensor, b: Tensor) -> Tensor {
        let (aShape, nodes) = (a.shape, [a.node, b.node])
        let (out, shape) = zipped(a, b, aIsNeeded: false, -)
        return record(out, shape: shape, inputNodes: nodes) { g, _, needed in
            [needed[0] ? g.sum(toShape: aShape) : nil, needed[1] ? (-g).sum(toShape: b.shape) : nil]
        }
    }

    /// a · b.  ∂/∂a = g·b, ∂/∂b = g·a.
    public static func * (a: consuming Tensor, b: Tensor) -> Tensor {
        guard mayDifferentiate(a, b) else {
            let (out, shape) = zipped(a, b, aIsNeeded: false, *)
            return Tensor(storage: out, shape: shape)
        }
        let saved = copy a
        let (out, shape) = zipped(a, b, aIsNeeded: true, *)
        return record(out, shape: shape, inputs: [saved, b]) { g, _, needed in
            [needed[0] ? (g * b).sum(toShape: saved.shape) : nil, needed[1] ? (g * saved).sum(toShape: b.shape) : nil]
        }
    }

    /// a / b.  ∂/∂a = g/b, ∂/∂b = −g·a/b².
    public static func / (a: consuming Tensor, b: Tensor) -> Tensor {
        guard mayDifferentiate(a, b) else {
            let (out, shape) = zipped(a, b, aIsNeeded: false, /)
            return Tensor(storage: out, shape: shape)
        }
        let saved = copy a
        let (out, shape) = zipped(a, b, aIsNeeded: true, /)
        return record(out, shape: shape, inputs: [saved, b]) { g, _, needed in
            [
                needed[0] ? (g / b).sum(toShape: saved.shape) : nil,
                needed[1] ? (-(g * saved) / b.squared()).sum(toShape: b.shape) : nil,
            ]
        }
    }

    public static func + (a: consuming Tensor, b: Float) -> Tensor { a + Tensor(b) }
    public static func - (a: consuming Tensor, b: Float) -> Tensor { a - Tensor(b) }
    public static func * (a: consuming Tensor, b: Float) -> Tensor { a * Tensor(b) }
    public static func / (a: consuming Tensor, b: Float) -> Tensor { a * Tensor(1 / b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }

    // MARK: unary

    /// −x.  ∂ = −g.
    public static prefix func - (x: Tensor) -> Tensor {
        record(x.mapped { -$0 }, shape: x.shape, inputs: [x]) { g, _, _ in [-g] }
    }

    /// eˣ.  ∂ = g·eˣ (reuses the output).
    public func exp() -> Tensor {
        Tensor.record(mapped { Glibc.expf($0) }, shape: shape, inputs: [self], savesOutput: true) { g, y, _ in [g * y!]
        }
    }

    /// ln x.  ∂ = g/x.
    public func log() -> Tensor {
        let x = self
        return Tensor.record(mapped { Glibc.logf($0) }, shape: shape, inputs: [self]) { g, _, _ in [g / x] }
    }

    /// √x.  ∂ = g/(2√x) (reuses the output).
    public func sqrt() -> Tensor {
        Tensor.record(mapped { $0.squareRoot() }, shape: shape, inputs: [self], savesOutput: true) { g, y, _ in
            [g / (y! * 2)]
        }
    }

    /// x².  ∂ = 2g·x.
    public func squared() -> Tensor {
        let x = self
        return Tensor.record(mapped { $0 * $0 }, shape: shape, inputs: [self]) { g, _, _ in [g * x * 2] }
    }

    /// tanh x.  ∂ = g·(1 − tanh²x) (reuses the output).
    public func tanh() -> Tensor {
        Tensor.record(mapped { Glibc.tanhf($0) }, shape: shape, inputs: [self], savesOutput: true) { g, y, _ in
            [g * (1 - y!.squared())]
        }
    }

    /// LeakyReLU: x for x > 0, αx otherwise.  ∂ = g·m with the constant mask m = (x > 0 ? 1 : α),
    /// so its second derivative is zero almost everywhere, as it should be.
    public func leakyReLU(_ alpha: Float) -> Tensor {
        let x = self
        return Tensor.record(mapped { $0 > 0 ? $0 : $0 * alpha }, shape: shape, inputs: [self]) { g, _, _ in
            [g.activationGradient(.leakyReLU(alpha), at: x)]
        }
    }

    /// 1 where x > threshold, else 0: a constant (never differentiated), for masks and metrics.
    public func greater(than threshold: Float) -> Tensor {
        Tensor(storage: mapped { $0 > threshold ? 1 : 0 }, shape: shape)
    }
}
