import CDNNL
import Synchronization
import Threading

/// Convolutions on oneDNN's JIT kernels: NHWC activations, filters kept plain (HWIO) in the engine
/// and reordered into whatever blocked layout each primitive prefers (`format_tag_any`; plain filters
/// would select oneDNN's reference code, ~1000× slower). Primitives are built once per shape and pass.
///
/// The forward pass can fuse the layer's epilogue (bias, then LeakyReLU as an eltwise post-op), so
/// the output is written once instead of being re-read and re-written by two elementwise passes.
///
/// Each call returns false when oneDNN has only reference code for the shape; the caller then uses im2col.
enum OneDNNConvolution {
    /// With a `cache`, the forward pass keeps its reordered copy of x there, the backward-data pass
    /// its copy of dy, and the backward-weights pass uses both instead of reordering again.
    static func forward(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        epilogue: ConvolutionEpilogue, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        cache: ReorderedOperands? = nil
    ) -> Bool {
        run(
            .forward(epilogue), g, source: input, filter: UnsafeMutablePointer(mutating: filter), bias: bias,
            destination: output,
            cache: cache, keep: [.source])
    }

    static func backwardData(
        _ g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, cache: ReorderedOperands? = nil
    ) -> Bool {
        run(
            .backwardData, g, source: inputGradient, filter: UnsafeMutablePointer(mutating: filter), bias: nil,
            destination: UnsafeMutablePointer(mutating: outputGradient), cache: cache, keep: [.destination])
    }

    static func backwardWeights(
        _ g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        filterGradient: UnsafeMutablePointer<Float>, cache: ReorderedOperands? = nil
    ) -> Bool {
        run(
            .backwardWeights, g, source: input, filter: filterGradient, bias: nil,
            destination: UnsafeMutablePointer(mutating: outputGradient),
            cache: cache, keep: [])
    }

    /// Built primitives by pass and shape; nil marks a shape oneDNN has only reference code for.
    /// The lock also serialises execution on the one shared stream.
    private static let plans = Mutex<[ConvolutionProblem: Plan?]>([:])

    /// Executes one pass. `source` is x (or dx), `filter` is w (or dw), `destination` is y (or dy).
    private static func run(
        _ pass: ConvolutionPass, _ g: ConvolutionGeometry, source: UnsafePointer<Float>,
        filter: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
        destination: UnsafeMutablePointer<Float>, cache: ReorderedOperands?, keep: Set<ReorderedOperands.Slot>
    ) -> Bool {
        plans.withLock { plans in
            let key = ConvolutionProblem(pass: pass, geometry: g)
            let plan: Plan?
            if let cached = plans[key] {
                plan = cached
            } else {
                plan = fastestPlan(key)
                plans[key] = plan
            }
            guard let plan else { return false }
            plan.execute(source: source, filter: filter, bias: bias, destination: destination, cache: cache, keep: keep)
            return true
        }
    }
}

/// Reordered copies (bf16, or a blocked layout) of one convolution's activations, kept by one pass
/// for a later pass on the same data: x from the forward pass and dy from the backward-data pass,
/// both read again by the backward-weights pass. The buffers go back to the pool with the cache.
final class ReorderedOperands: @unchecked Sendable {
    enum Slot: Hashable { case source, destination }

    fileprivate struct Copy {
        let descriptor: dnnl_memory_desc_t
        let buffer: UnsafeMutableRawPointer
        let bytes: Int
    }

    fileprivate var copies: [Slot: Copy] = [:]

    /// Drops the copy in `slot` (dy changes with every backward pass).
    func discard(_ slot: Slot) {
        if let copy = copies.removeValue(forKey: slot) { BufferPool.shared.release(copy.buffer, bytes: copy.bytes) }
    }

    deinit { for slot in Array(copies.keys) { discard(slot) } }
}

/// Builds the primitive with plain NHWC activations and with the primitive's preferred (blocked)
/// activations plus reorders, times both on scratch buffers, and keeps the faster: which one wins
/// depends on the pass, the shape and the CPU's instruction set.
private func fastestPlan(_ problem: ConvolutionProblem) -> Plan? {
    let candidates = [false, true].compactMap { Plan(problem, blockedActivations: $0) }
    guard candidates.count > 1 else { return candidates.first }
    let scratch = ScratchOperands(problem.geometry)
    let timed = candidates.map { plan in
        (
            plan: plan,
            nanoseconds: Timing.bestOfThree {
                plan.execute(
                    source: scratch.input.pointer, filter: scratch.filter.pointer, bias: scratch.bias.pointer,
                    destination: scratch.output.pointer)
            }
        )
    }
    KernelLog.choice(
        problem,
        timed.map {
            ("oneDNN \($0.plan.implementation)\($0.plan.blockedActivations ? " blocked" : " nhwc")", $0.nanoseconds)
        })
    return timed.min { $0.nanoseconds < $1.nanoseconds }?.plan
}

/// The process-wide oneDNN CPU engine and stream.
private final class DNNLRuntime: @unchecked Sendable {
    static let shared = DNNLRuntime()
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    private init() {
        Threads.configure()
        _ = CPUFeatures.level  // hands COLORIZE_MAX_CPU_ISA to oneDNN before its first kernel
        var engine: dnnl_engine_t?
        var stream: dnnl_stream_t?
        guard dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success, let engine,
            dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream
        else {
            fatalError("oneDNN: cannot create the CPU engine")
        }
        self.engine = engine
        self.stream = stream
    }
}

/// One argument of a primitive: the plain layout the engine keeps (NHWC activations, HWIO filters),
/// the layout the primitive prefers, and the reorder between them (nil when they are equal).
private struct Operand {
    let argument: Int32
    let plain: dnnl_memory_desc_t
    let preferred: dnnl_memory_desc_t
    /// Outputs are reordered preferred → plain after the primitive; inputs plain → preferred before it.
    let isOutput: Bool
    let reorder: dnnl_primitive_t?
    let preferredBytes: Int

    init?(
        argument: Int32, plain: dnnl_memory_desc_t, preferred: dnnl_memory_desc_t, isOutput: Bool, engine: dnnl_engine_t
    ) {
        var plain = plain, preferred = preferred
        self.argument = argument
        self.isOutput = isOutput
        preferredBytes = dnnl_memory_desc_get_size(&preferred)
        var reorder: dnnl_primitive_t?
        if dnnl_memory_desc_equal(&plain, &preferred) == 0 {
            var reorderPD: dnnl_primitive_desc_t?
            let created =
                isOutput
                ? dnnl_reorder_primitive_desc_create(&reorderPD, &preferred, engine, &plain, engine, nil)
                : dnnl_reorder_primitive_desc_create(&reorderPD, &plain, engine, &preferred, engine, nil)
            guard created == dnnl_success, let reorderPD else { return nil }
            defer { dnnl_primitive_desc_destroy(reorderPD) }
            guard dnnl_primitive_create(&reorder, reorderPD) == dnnl_success else { return nil }
        }
        self.reorder = reorder
        self.plain = plain
        self.preferred = preferred
    }

    /// Whether data laid out as `descriptor` can be given to the primitive as this operand.
    func wants(_ descriptor: dnnl_memory_desc_t) -> Bool {
        var preferred = preferred, descriptor = descriptor
        return dnnl_memory_desc_equal(&preferred, &descriptor) != 0
    }

    func destroy() { if let reorder { dnnl_primitive_destroy(reorder) } }
}

/// One convolution primitive with its three operands and a user-managed scratchpad.
private final class Plan: @unchecked Sendable {
    let primitive: dnnl_primitive_t
    /// Source (x or dx), filter (w or dw), destination (y or dy), in that order.
    let operands: [Operand]
    let scratchpadDescriptor: dnnl_memory_desc_t
    let scratchpadBytes: Int
    /// The plain [outChannels] bias of a forward plan that adds one.
    let biasDescriptor: dnnl_memory_desc_t?
    /// oneDNN's name of the kernel (e.g. `brgconv:avx512_core_bf16`), and the activation layout.
    let implementation: String
    let blockedActivations: Bool

    /// Nil when oneDNN offers only a reference implementation (or fails) for this problem.
    /// With `blockedActivations` the activations go to the primitive in its preferred layout
    /// (paying reorders) instead of plain NHWC.
    ///
    /// In bf16 the pass's two inputs are bf16 and its output fp32 (forward: x, w → y; backward-data:
    /// dy, w → dx; backward-weights: x, dy → dw), so the reorders from the engine's fp32 buffers
    /// also round to bf16, and results need no conversion back.
    init?(_ problem: ConvolutionProblem, blockedActivations: Bool) {
        let (pass, g) = (problem.pass, problem.geometry)
        let runtime = DNNLRuntime.shared
        func descriptor(
            _ dims: [Int], _ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32
        ) -> dnnl_memory_desc_t {
            var md = dnnl_memory_desc_t()
            _ = dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims.map(Int64.init), type, tag)
            return md
        }
        let sourceDims = [g.n, g.inChannels, g.h, g.w]
        let destinationDims = [g.n, g.outChannels, g.outHeight, g.outWidth]
        // Grouped filters are 5-D for oneDNN, (groups, out/groups, in/groups, kh, kw); the engine's
        // HWIO [kh, kw, in/groups, out] is the same memory as oneDNN's hwigo.
        let filterDims =
            g.groups == 1
            ? [g.outChannels, g.inChannels, g.kh, g.kw]
            : [g.groups, g.outChannels / g.groups, g.inChannels / g.groups, g.kh, g.kw]
        let plainFilterTag = g.groups == 1 ? dnnl_hwio : dnnl_hwigo
        let activationTag = blockedActivations ? dnnl_format_tag_any : dnnl_nhwc
        let outputIndex =
            switch pass {
            case .forward: 2;
            case .backwardData: 0;
            case .backwardWeights: 1
            }
        let inputType = problem.precision == .bf16 ? dnnl_bf16 : dnnl_f32
        let type = { (index: Int) in index == outputIndex ? dnnl_f32 : inputType }
        var source = descriptor(sourceDims, activationTag, type(0))
        var anyFilter = descriptor(filterDims, dnnl_format_tag_any, type(1))
        var destination = descriptor(destinationDims, activationTag, type(2))
        let strides: [Int64] = [Int64(g.strideH), Int64(g.strideW)]
        let padLeft: [Int64] = [Int64(g.padTop), Int64(g.padLeft)]
        let padRight: [Int64] = [Int64(g.padBottom), Int64(g.padRight)]

        // A user-managed scratchpad: oneDNN's own is thread-local and shared between primitives, which
        // breaks when a primitive built on one thread runs on another (as Swift concurrency does).
        var attributes: dnnl_primitive_attr_t?
        guard dnnl_primitive_attr_create(&attributes) == dnnl_success, let attributes,
            dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user) == dnnl_success
        else { return nil }
        defer { dnnl_primitive_attr_destroy(attributes) }

        // The backward passes are built against the forward pass without an epilogue (it is the
        // backward of the convolution alone: the chain rule through the epilogue is the caller's),
        // with the operand types that pass has in training.
        var forwardSource = descriptor(sourceDims, activationTag, inputType)
        var forwardFilter = descriptor(filterDims, dnnl_format_tag_any, inputType)
        var forwardDestination = descriptor(destinationDims, activationTag)
        var forwardDesc = dnnl_convolution_desc_t()
        guard
            dnnl_convolution_forward_desc_init(
                &forwardDesc, dnnl_forward_training, dnnl_convolution_direct, &forwardSource,
                &forwardFilter, nil, &forwardDestination, strides, padLeft, padRight) == dnnl_success
        else { return nil }
        var forwardPD: dnnl_primitive_desc_t?
        guard dnnl_primitive_desc_create(&forwardPD, &forwardDesc, attributes, runtime.engine, nil) == dnnl_success,
            let forwardPD
        else { return nil }
        defer { dnnl_primitive_desc_destroy(forwardPD) }

        var pd: dnnl_primitive_desc_t?
        let queries: [(dnnl_query_t, Int32)]
        switch pass {
        case .forward(let epilogue):
            var biasDescriptor = descriptor([g.outChannels], dnnl_a)
            var desc = dnnl_convolution_desc_t()
            let described = withUnsafePointer(to: &biasDescriptor) { bias in
                dnnl_convolution_forward_desc_init(
                    &desc, dnnl_forward_inference, dnnl_convolution_direct, &source, &anyFilter,
                    epilogue.hasBias ? bias : nil, &destination, strides, padLeft, padRight)
            }
            guard described == dnnl_success,
                let fused = epilogue.attributes(scratchpadUser: attributes),
                dnnl_primitive_desc_create(&pd, &desc, fused, runtime.engine, nil) == dnnl_success
            else { return nil }
            if fused != attributes { dnnl_primitive_attr_destroy(fused) }
            queries = [
                (dnnl_query_src_md, DNNL_ARG_SRC), (dnnl_query_weights_md, DNNL_ARG_WEIGHTS),
                (dnnl_query_dst_md, DNNL_ARG_DST),
            ]
        case .backwardData:
            var desc = dnnl_convolution_desc_t()
            guard
                dnnl_convolution_backward_data_desc_init(
                    &desc, dnnl_convolution_direct, &source, &anyFilter,
                    &destination, strides, padLeft, padRight) == dnnl_success,
                dnnl_primitive_desc_create(&pd, &desc, attributes, runtime.engine, forwardPD) == dnnl_success
            else { return nil }
            queries = [
                (dnnl_query_diff_src_md, DNNL_ARG_DIFF_SRC), (dnnl_query_weights_md, DNNL_ARG_WEIGHTS),
                (dnnl_query_diff_dst_md, DNNL_ARG_DIFF_DST),
            ]
        case .backwardWeights:
            var desc = dnnl_convolution_desc_t()
            guard
                dnnl_convolution_backward_weights_desc_init(
                    &desc, dnnl_convolution_direct, &source, &anyFilter, nil,
                    &destination, strides, padLeft, padRight) == dnnl_success,
                dnnl_primitive_desc_create(&pd, &desc, attributes, runtime.engine, forwardPD) == dnnl_success
            else { return nil }
            queries = [
                (dnnl_query_src_md, DNNL_ARG_SRC), (dnnl_query_diff_weights_md, DNNL_ARG_DIFF_WEIGHTS),
                (dnnl_query_diff_dst_md, DNNL_ARG_DIFF_DST),
            ]
        }
        guard let pd else { return nil }
        defer { dnnl_primitive_desc_destroy(pd) }

        var info: UnsafePointer<CChar>?
        _ = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info)
        guard let info, case let name = String(cString: info), !name.hasPrefix("ref") else { return nil }

        let plains = [
            descriptor(sourceDims, dnnl_nhwc), descriptor(filterDims, plainFilterTag),
            descriptor(destinationDims, dnnl_nhwc),
        ]
        var operands: [Operand] = []
        for (index, (query, argument)) in queries.enumerated() {
            guard let preferred = dnnl_primitive_desc_query_md(pd, query, 0)?.pointee,
                let operand = Operand(
                    argument: argument, plain: plains[index], preferred: preferred,
                    isOutput: index == outputIndex, engine: runtime.engine)
            else {
                operands.forEach { $0.destroy() }
                return nil
            }
            operands.append(operand)
        }
        guard let scratchpad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)?.pointee else {
            return nil
        }
        var primitive: dnnl_primitive_t?
        guard dnnl_primitive_create(&primitive, pd) == dnnl_success, let primitive else {
            operands.forEach { $0.destroy() }
            return nil
        }
        self.primitive = primitive
        self.operands = operands
        implementation = name
        self.blockedActivations = blockedActivations
        scratchpadDescriptor = scratchpad
        if case .forward(let epilogue) = pass, epilogue.hasBias {
            biasDescriptor = descriptor([g.outChannels], dnnl_a)
        } else {
            biasDescriptor = nil
        }
        scratchpadBytes = withUnsafePointer(to: scratchpad) { dnnl_memory_desc_get_size($0) }
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        operands.forEach { $0.destroy() }
    }

    /// Runs the primitive on plain buffers, reordering operands in and out as their layouts require.
    /// `bias` is read only by a forward plan whose epilogue has one.
    ///
    /// An input reorder whose result `cache` already holds in the layout wanted is skipped; the
    /// reordered inputs in the `keep` slots are handed to `cache` instead of back to the pool.
    func execute(
        source: UnsafePointer<Float>, filter: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
        destination: UnsafeMutablePointer<Float>, cache: ReorderedOperands? = nil,
        keep: Set<ReorderedOperands.Slot> = []
    ) {
        let runtime = DNNLRuntime.shared
        var memories: [dnnl_memory_t?] = []
        // Reordered operands and the scratchpad come from the pool: fresh pages would be faulted
        // in and zeroed by the kernel on every call.
        var buffers: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
        defer {
            for memory in memories { dnnl_memory_destroy(memory) }
            for buffer in buffers { BufferPool.shared.release(buffer.pointer, bytes: buffer.bytes) }
        }
        func memory(_ descriptor: dnnl_memory_desc_t, _ handle: UnsafeMutableRawPointer) -> dnnl_memory_t? {
            var descriptor = descriptor
            var memory: dnnl_memory_t?
            guard dnnl_memory_create(&memory, &descriptor, runtime.engine, handle) == dnnl_success else {
                fatalError("oneDNN: cannot wrap a buffer")
            }
            memories.append(memory)
            return memory
        }
        func buffer(_ bytes: Int) -> UnsafeMutableRawPointer {
            let pointer = BufferPool.shared.allocate(bytes: bytes)
            buffers.append((pointer, bytes))
            return pointer
        }
        let handles = [
            UnsafeMutableRawPointer(mutating: source), UnsafeMutableRawPointer(filter),
            UnsafeMutableRawPointer(destination),
        ]
        var arguments: [(Int32, dnnl_memory_t?)] = [
            (DNNL_ARG_SCRATCHPAD, memory(scratchpadDescriptor, buffer(scratchpadBytes)))
        ]
        if let bias, let biasDescriptor {
            arguments.append((DNNL_ARG_BIAS, memory(biasDescriptor, UnsafeMutableRawPointer(mutating: bias))))
        }
        var outputReorders: [(dnnl_primitive_t, dnnl_memory_t?, dnnl_memory_t?)] = []
        let slots: [ReorderedOperands.Slot?] = [.source, nil, .destination]
        for (index, (operand, handle)) in zip(operands, handles).enumerated() {
            guard let reorder = operand.reorder else {
                arguments.append((operand.argument, memory(operand.plain, handle)))
                continue
            }
            if !operand.isOutput, let slot = slots[index], let copy = cache?.copies[slot],
                operand.wants(copy.descriptor)
            {
                arguments.append((operand.argument, memory(operand.preferred, copy.buffer)))
                continue
            }
            let plain = memory(operand.plain, handle)
            let bytes = operand.preferredBytes
            let target: UnsafeMutableRawPointer
            if !operand.isOutput, let cache, let slot = slots[index], keep.contains(slot) {
                target = BufferPool.shared.allocate(bytes: bytes)
                cache.discard(slot)
                cache.copies[slot] = ReorderedOperands.Copy(descriptor: operand.preferred, buffer: target, bytes: bytes)
            } else {
                target = buffer(bytes)
            }
            let preferred = memory(operand.preferred, target)
            arguments.append((operand.argument, preferred))
            if operand.isOutput {
                outputReorders.append((reorder, preferred, plain))
            } else {
                submit(reorder, [(DNNL_ARG_FROM, plain), (DNNL_ARG_TO, preferred)])
            }
        }
        submit(primitive, arguments)
        for (reorder, from, to) in outputReorders { submit(reorder, [(DNNL_ARG_FROM, from), (DNNL_ARG_TO, to)]) }
        dnnl_stream_wait(runtime.stream)
    }

    private func submit(_ primitive: dnnl_primitive_t, _ arguments: [(Int32, dnnl_memory_t?)]) {
        let args = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }
        guard dnnl_primitive_execute(primitive, DNNLRuntime.shared.stream, Int32(args.count), args) == dnnl_success
        else {
            fatalError("oneDNN: primitive execution failed")
        }
    }
}

extension ConvolutionEpilogue {
    /// Primitive attributes for this epilogue: `base` itself when there is no activation, otherwise a
    /// new attribute (the caller destroys it) with a user scratchpad and the activation as an eltwise
    /// post-op (LeakyReLU: oneDNN's relu with a negative slope; ReLU6: clip to [0, 6]). Nil if oneDNN refuses.
    fileprivate func attributes(scratchpadUser base: dnnl_primitive_attr_t) -> dnnl_primitive_attr_t? {
        guard let activation else { return base }
        let (kind, alpha, beta): (dnnl_alg_kind_t, Float, Float) =
            switch activation {
            case .leakyReLU(let slope): (dnnl_eltwise_relu, slope, 0)
            case .relu6: (dnnl_eltwise_clip, 0, 6)
            }
        var attributes: dnnl_primitive_attr_t?
        var postOps: dnnl_post_ops_t?
        guard dnnl_primitive_attr_create(&attributes) == dnnl_success, let attributes else { return nil }
        guard dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user) == dnnl_success,
            dnnl_post_ops_create(&postOps) == dnnl_success, let postOps
        else {
            dnnl_primitive_attr_destroy(attributes)
            return nil
        }
        defer { dnnl_post_ops_destroy(postOps) }
        guard dnnl_post_ops_append_eltwise(postOps, 1, kind, alpha, beta) == dnnl_success,
            dnnl_primitive_attr_set_post_ops(attributes, postOps) == dnnl_success
        else {
            dnnl_primitive_attr_destroy(attributes)
            return nil
        }
        return attributes
    }
}
