import Foundation
import Synchronization

/// What a forward convolution does to its output before returning it: add a per-channel bias, then
/// optionally an activation. Fusing these saves two passes over the output.
struct ConvolutionEpilogue: Hashable, Sendable {
    var hasBias: Bool
    var activation: Activation?

    static let none = ConvolutionEpilogue(hasBias: false, activation: nil)
}

/// The three passes of a convolution; the forward one with its fused epilogue.
enum ConvolutionPass: Hashable, Sendable { case forward(ConvolutionEpilogue), backwardData, backwardWeights }

/// One pass at one shape and precision: the unit kernels are chosen and built for. The precision
/// is the one the kernels run (`ConvolutionPrecision.effective`: bf16 is fp32 without bf16 kernels).
struct ConvolutionProblem: Hashable, Sendable {
    let pass: ConvolutionPass
    let geometry: ConvolutionGeometry
    var precision = ConvolutionPrecision.effective
}

/// Routes each convolution pass to oneDNN, our direct kernels or im2col, by the task's `ConvolutionBackend`.
/// Depthwise convolutions have no im2col path: `DepthwiseConvolution`'s loops take its place.
enum ConvolutionKernels {
    /// y = epilogue(conv(x, w)); `bias` must be given exactly when the epilogue has one.
    /// `cache` (see `ReorderedOperands`) lets oneDNN's backward passes reuse the forward pass's
    /// reordered x and the backward-data pass's reordered dy.
    static func forward(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        epilogue: ConvolutionEpilogue = .none, bias: UnsafePointer<Float>? = nil, output: UnsafeMutablePointer<Float>,
        cache: ReorderedOperands? = nil
    ) {
        precondition(epilogue.hasBias == (bias != nil), "bias pointer must match the epilogue")
        dispatch(
            .forward(epilogue), g,
            oneDNN: {
                OneDNNConvolution.forward(
                    g, input: input, filter: filter, epilogue: epilogue, bias: bias, output: output, cache: cache)
            },
            im2col: {
                if g.isDepthwise {
                    DepthwiseConvolution.forward(g, input: input, filter: filter, output: output)
                } else {
                    Im2ColConvolution.forward(g, input: input, filter: filter, output: output)
                }
                if epilogue != .none {
                    ElementwiseKernels.biasAndActivation(
                        output, count: Shape.count(g.outputShape), bias: bias, channels: g.outChannels,
                        activation: epilogue.activation)
                }
            })
    }

    static func backwardData(
        _ g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, cache: ReorderedOperands? = nil
    ) {
        dispatch(
            .backwardData, g,
            oneDNN: {
                OneDNNConvolution.backwardData(
                    g, outputGradient: outputGradient, filter: filter, inputGradient: inputGradient, cache: cache)
            },
            direct: {
                DirectConvolution.backwardData(
                    g, outputGradient: outputGradient, filter: filter, inputGradient: inputGradient)
            },
            im2col: {
                if g.isDepthwise {
                    DepthwiseConvolution.backwardData(
                        g, outputGradient: outputGradient, filter: filter, inputGradient: inputGradient)
                } else {
                    Im2ColConvolution.backwardData(
                        g, outputGradient: outputGradient, filter: filter, inputGradient: inputGradient)
                }
            })
    }

    static func backwardWeights(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        filterGradient: UnsafeMutablePointer<Float>, cache: ReorderedOperands? = nil
    ) {
        dispatch(
            .backwardWeights, g,
            oneDNN: {
                OneDNNConvolution.backwardWeights(
                    g, input: input, outputGradient: outputGradient, filterGradient: filterGradient, cache: cache)
            },
            direct: {
                DirectConvolution.backwardWeights(
                    g, input: input, outputGradient: outputGradient, filterGradient: filterGradient)
            },
            im2col: {
                if g.isDepthwise {
                    DepthwiseConvolution.backwardWeights(
                        g, input: input, outputGradient: outputGradient, filterGradient: filterGradient)
                } else {
                    Im2ColConvolution.backwardWeights(
                        g, input: input, outputGradient: outputGradient, filterGradient: filterGradient)
                }
            })
    }

    /// The kernels a pass can run on. `oneDNN` and `direct` return false where they do not apply.
    private enum Kernel: String { case oneDNN, direct, im2col }

    private static func dispatch(
        _ pass: ConvolutionPass, _ g: ConvolutionGeometry, oneDNN: () -> Bool,
        direct: () -> Bool = { false }, im2col: () -> Void
    ) {
        switch ConvolutionBackend.current {
        case .im2col: im2col()
        case .oneDNN: if !oneDNN() { im2col() }
        case .direct: if !direct(), !oneDNN() { im2col() }
        case .fastest:
            switch fastest(pass, g) {
            case .oneDNN: if oneDNN() { return }
            case .direct: if direct() { return }
            case .im2col: break
            }
            im2col()
        }
    }

    /// Per pass and shape, the kernel that ran fastest: decided on first use by timing each that
    /// applies on scratch buffers.
    private static let choices = Mutex<[ConvolutionProblem: Kernel]>([:])

    private static func fastest(_ pass: ConvolutionPass, _ g: ConvolutionGeometry) -> Kernel {
        choices.withLock { choices in
            let key = ConvolutionProblem(pass: pass, geometry: g)
            if let known = choices[key] { return known }
            let scratch = ScratchOperands(g)
            let (x, w, y, b) = (
                scratch.input.pointer, scratch.filter.pointer, scratch.output.pointer, scratch.bias.pointer
            )
            let run: (ConvolutionBackend) -> Void = { backend in
                ConvolutionBackend.$current.withValue(backend) {
                    switch pass {
                    case .forward(let epilogue):
                        forward(g, input: x, filter: w, epilogue: epilogue, bias: epilogue.hasBias ? b : nil, output: y)
                    case .backwardData:
                        backwardData(g, outputGradient: y, filter: w, inputGradient: x)
                    case .backwardWeights:
                        backwardWeights(g, input: x, outputGradient: y, filterGradient: w)
                    }
                }
            }
            var times: [(Kernel, UInt64)] = [(.oneDNN, Timing.bestOfThree { run(.oneDNN) })]
            if DirectConvolution.applies(pass, g) { times.append((.direct, Timing.bestOfThree { run(.direct) })) }
            // im2col loses most large problems by 3–10×: once its warm-up run shows that, stop timing it.
            let best = times.map(\.1).min() ?? .max
            times.append((.im2col, Timing.bestOfThree(abandoningAbove: 2 * best) { run(.im2col) }))
            KernelLog.choice(key, times.map { ($0.0.rawValue, $0.1) })
            let choice = times.min { $0.1 < $1.1 }?.0 ?? .oneDNN
            choices[key] = choice
            return choice
        }
    }
}

/// Buffers of one convolution's shapes, filled with 0.5 (no denormals), for timing kernels; from
/// the pool, so they are aligned as tensors are.
struct ScratchOperands {
    let input, filter, output, bias: TensorStorage

    init(_ g: ConvolutionGeometry) {
        func buffer(_ count: Int) -> TensorStorage {
            let storage = TensorStorage(count: count)
            storage.pointer.update(repeating: 0.5, count: count)
            return storage
        }
        input = buffer(Shape.count(g.inputShape))
        filter = buffer(Shape.count(g.filterShape))
        output = buffer(Shape.count(g.outputShape))
        bias = buffer(g.outChannels)
    }
}

/// `COLORIZE_LOG_KERNELS=1` prints every kernel choice made on first use, with the timings that
/// decided it, to standard error.
enum KernelLog {
    static let isOn = ProcessInfo.processInfo.environment["COLORIZE_LOG_KERNELS"] != nil

    static func choice(_ problem: ConvolutionProblem, _ candidates: [(String, UInt64)]) {
        guard isOn else { return }
        let g = problem.geometry
        let shape =
            "\(g.n)×\(g.h)×\(g.w)×\(g.inChannels)→\(g.outChannels) \(g.kh)×\(g.kw)/\(g.strideH)"
            + (g.groups > 1 ? " in \(g.groups) groups" : "")
        let timings = candidates.map { "\($0.0) \(String(format: "%.2f", Double($0.1) / 1e6)) ms" }.joined(
            separator: ", ")
        FileHandle.standardError.write(
            Data("kernel choice \(problem.pass) \(problem.precision) \(shape): \(timings)\n".utf8))
    }
}

/// Kernel timing for the choices made on first use.
enum Timing {
    /// Nanoseconds of the fastest of three runs of `body` after one warm-up run, so a moment of
    /// contention does not decide; just the warm-up's time if that already exceeds `bound`.
    static func bestOfThree(abandoningAbove bound: UInt64 = .max, _ body: () -> Void) -> UInt64 {
        func nanoseconds() -> UInt64 {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return DispatchTime.now().uptimeNanoseconds - start
        }
        let warmUp = nanoseconds()
        if warmUp > bound { return warmUp }
        return (0..<3).map { _ in nanoseconds() }.min() ?? warmUp
    }
}
