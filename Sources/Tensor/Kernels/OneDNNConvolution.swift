import CDNNL
import Synchronization

/// Convolutions on oneDNN's JIT kernels: NHWC activations, filters kept plain (HWIO) in the engine
/// and reordered into whatever blocked layout each primitive prefers (`format_tag_any`; plain filters
/// would select oneDNN's reference code, ~1000× slower). Primitives are built once per shape and pass.
///
/// Each call returns false when oneDNN has only reference code for the shape; the caller then uses im2col.
enum OneDNNConvolution {
    static func forward(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
                        output: UnsafeMutablePointer<Float>) -> Bool {
        run(.forward, g, source: input, filter: UnsafeMutablePointer(mutating: filter), destination: output)
    }

    static func backwardData(_ g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
                             inputGradient: UnsafeMutablePointer<Float>) -> Bool {
        run(.backwardData, g, source: inputGradient, filter: UnsafeMutablePointer(mutating: filter),
            destination: UnsafeMutablePointer(mutating: outputGradient))
    }

    static func backwardWeights(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                filterGradient: UnsafeMutablePointer<Float>) -> Bool {
        run(.backwardWeights, g, source: input, filter: filterGradient, destination: UnsafeMutablePointer(mutating: outputGradient))
    }

    enum Pass: Hashable, Sendable { case forward, backwardData, backwardWeights }

    /// Built primitives by pass and shape; nil marks a shape oneDNN has only reference code for.
    /// The lock also serialises execution on the one shared stream.
    private static let plans = Mutex<[Plan.Key: Plan?]>([:])

    /// Executes one pass. `source` is x (or dx), `filter` is w (or dw), `destination` is y (or dy).
    private static func run(_ pass: Pass, _ g: ConvolutionGeometry, source: UnsafePointer<Float>,
                            filter: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>) -> Bool {
        plans.withLock { plans in
            let key = Plan.Key(pass: pass, geometry: g)
            let plan: Plan?
            if let cached = plans[key] { plan = cached } else {
                plan = Plan(pass: pass, geometry: g)
                plans[key] = plan
            }
            guard let plan else { return false }
            plan.execute(source: source, filter: filter, destination: destination)
            return true
        }
    }
}

/// The process-wide oneDNN CPU engine and stream.
private final class DNNLRuntime: @unchecked Sendable {
    static let shared = DNNLRuntime()
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    private init() {
        Threads.configure()
        var engine: dnnl_engine_t?
        var stream: dnnl_stream_t?
        guard dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success, let engine,
              dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream else {
            fatalError("oneDNN: cannot create the CPU engine")
        }
        self.engine = engine
        self.stream = stream
    }
}

/// One convolution primitive plus the reorder between the plain HWIO filter and its preferred layout.
private final class Plan: @unchecked Sendable {
    struct Key: Hashable, Sendable {
        let pass: OneDNNConvolution.Pass
        let geometry: ConvolutionGeometry
    }

    let pass: OneDNNConvolution.Pass
    let primitive: dnnl_primitive_t
    let sourceDescriptor, destinationDescriptor, plainFilterDescriptor, filterDescriptor: dnnl_memory_desc_t
    /// Plain → preferred (forward, backward-data) or preferred → plain (backward-weights); nil if equal.
    let reorder: dnnl_primitive_t?
    let filterBytes: Int
    let scratchpadDescriptor: dnnl_memory_desc_t
    let scratchpadBytes: Int

    /// Nil when oneDNN offers only a reference implementation (or fails) for this shape.
    init?(pass: OneDNNConvolution.Pass, geometry g: ConvolutionGeometry) {
        let runtime = DNNLRuntime.shared
        func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
            var md = dnnl_memory_desc_t()
            _ = dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims.map(Int64.init), dnnl_f32, tag)
            return md
        }
        var source = descriptor([g.n, g.inChannels, g.h, g.w], dnnl_nhwc)
        var destination = descriptor([g.n, g.outChannels, g.outHeight, g.outWidth], dnnl_nhwc)
        var anyFilter = descriptor([g.outChannels, g.inChannels, g.kh, g.kw], dnnl_format_tag_any)
        let strides: [Int64] = [Int64(g.strideH), Int64(g.strideW)]
        let padLeft: [Int64] = [Int64(g.padTop), Int64(g.padLeft)]
        let padRight: [Int64] = [Int64(g.padBottom), Int64(g.padRight)]

        // A user-managed scratchpad: oneDNN's own is thread-local and shared between primitives, which
        // breaks when a primitive built on one thread runs on another (as Swift concurrency does).
        var attributes: dnnl_primitive_attr_t?
        guard dnnl_primitive_attr_create(&attributes) == dnnl_success, let attributes,
              dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user) == dnnl_success else { return nil }
        defer { dnnl_primitive_attr_destroy(attributes) }

        var forwardDesc = dnnl_convolution_desc_t()
        guard dnnl_convolution_forward_desc_init(&forwardDesc, dnnl_forward_training, dnnl_convolution_direct,
                                                 &source, &anyFilter, nil, &destination, strides, padLeft, padRight) == dnnl_success
        else { return nil }
        var forwardPD: dnnl_primitive_desc_t?
        guard dnnl_primitive_desc_create(&forwardPD, &forwardDesc, attributes, runtime.engine, nil) == dnnl_success,
              let forwardPD else { return nil }
        defer { dnnl_primitive_desc_destroy(forwardPD) }

        var pd: dnnl_primitive_desc_t?
        switch pass {
        case .forward:
            guard dnnl_primitive_desc_clone(&pd, forwardPD) == dnnl_success else { return nil }
        case .backwardData:
            var desc = dnnl_convolution_desc_t()
            guard dnnl_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, &source, &anyFilter,
                                                           &destination, strides, padLeft, padRight) == dnnl_success,
                  dnnl_primitive_desc_create(&pd, &desc, attributes, runtime.engine, forwardPD) == dnnl_success else { return nil }
        case .backwardWeights:
            var desc = dnnl_convolution_desc_t()
            guard dnnl_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, &source, &anyFilter, nil,
                                                              &destination, strides, padLeft, padRight) == dnnl_success,
                  dnnl_primitive_desc_create(&pd, &desc, attributes, runtime.engine, forwardPD) == dnnl_success else { return nil }
        }
        guard let pd else { return nil }
        defer { dnnl_primitive_desc_destroy(pd) }

        var info: UnsafePointer<CChar>?
        _ = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info)
        if let info, String(cString: info).hasPrefix("ref") { return nil }

        let filterQuery = pass == .backwardWeights ? dnnl_query_diff_weights_md : dnnl_query_weights_md
        guard let preferred = dnnl_primitive_desc_query_md(pd, filterQuery, 0)?.pointee else { return nil }
        guard let scratchpad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)?.pointee else { return nil }
        var primitive: dnnl_primitive_t?
        guard dnnl_primitive_create(&primitive, pd) == dnnl_success, let primitive else { return nil }

        var plain = descriptor([g.outChannels, g.inChannels, g.kh, g.kw], dnnl_hwio)
        var optimal = preferred
        var reorder: dnnl_primitive_t?
        if dnnl_memory_desc_equal(&plain, &optimal) == 0 {
            var reorderPD: dnnl_primitive_desc_t?
            let created = pass == .backwardWeights
                ? dnnl_reorder_primitive_desc_create(&reorderPD, &optimal, runtime.engine, &plain, runtime.engine, nil)
                : dnnl_reorder_primitive_desc_create(&reorderPD, &plain, runtime.engine, &optimal, runtime.engine, nil)
            guard created == dnnl_success, let reorderPD else { dnnl_primitive_destroy(primitive); return nil }
            defer { dnnl_primitive_desc_destroy(reorderPD) }
            guard dnnl_primitive_create(&reorder, reorderPD) == dnnl_success else { dnnl_primitive_destroy(primitive); return nil }
        }
        self.pass = pass
        self.primitive = primitive
        self.reorder = reorder
        sourceDescriptor = source
        destinationDescriptor = destination
        plainFilterDescriptor = plain
        filterDescriptor = optimal
        filterBytes = dnnl_memory_desc_get_size(&optimal)
        scratchpadDescriptor = scratchpad
        scratchpadBytes = withUnsafePointer(to: scratchpad) { dnnl_memory_desc_get_size($0) }
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        if let reorder { dnnl_primitive_destroy(reorder) }
    }

    func execute(source: UnsafePointer<Float>, filter: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>) {
        let runtime = DNNLRuntime.shared
        var memories: [dnnl_memory_t?] = []
        defer { for memory in memories { dnnl_memory_destroy(memory) } }
        func memory(_ descriptor: dnnl_memory_desc_t, _ handle: UnsafeMutableRawPointer) -> dnnl_memory_t? {
            var descriptor = descriptor
            var memory: dnnl_memory_t?
            guard dnnl_memory_create(&memory, &descriptor, runtime.engine, handle) == dnnl_success else {
                fatalError("oneDNN: cannot wrap a buffer")
            }
            memories.append(memory)
            return memory
        }
        let scratchpadBuffer = UnsafeMutableRawPointer.allocate(byteCount: max(scratchpadBytes, 64), alignment: 64)
        defer { scratchpadBuffer.deallocate() }
        let scratchpad = memory(scratchpadDescriptor, scratchpadBuffer)
        let blocked = reorder == nil ? nil : UnsafeMutableRawPointer.allocate(byteCount: filterBytes, alignment: 64)
        defer { blocked?.deallocate() }
        let plainFilter = memory(plainFilterDescriptor, filter)
        let primitiveFilter = blocked.map { memory(filterDescriptor, $0) } ?? plainFilter
        let src = memory(sourceDescriptor, UnsafeMutableRawPointer(mutating: source))
        let dst = memory(destinationDescriptor, destination)

        if let reorder, pass != .backwardWeights {
            submit(reorder, [(DNNL_ARG_FROM, plainFilter), (DNNL_ARG_TO, primitiveFilter)])
        }
        switch pass {
        case .forward:
            submit(primitive, [(DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, primitiveFilter), (DNNL_ARG_DST, dst), (DNNL_ARG_SCRATCHPAD, scratchpad)])
        case .backwardData:
            submit(primitive, [(DNNL_ARG_DIFF_SRC, src), (DNNL_ARG_WEIGHTS, primitiveFilter), (DNNL_ARG_DIFF_DST, dst), (DNNL_ARG_SCRATCHPAD, scratchpad)])
        case .backwardWeights:
            submit(primitive, [(DNNL_ARG_SRC, src), (DNNL_ARG_DIFF_WEIGHTS, primitiveFilter), (DNNL_ARG_DIFF_DST, dst), (DNNL_ARG_SCRATCHPAD, scratchpad)])
            if let reorder { submit(reorder, [(DNNL_ARG_FROM, primitiveFilter), (DNNL_ARG_TO, plainFilter)]) }
        }
        dnnl_stream_wait(runtime.stream)
    }

    private func submit(_ primitive: dnnl_primitive_t, _ arguments: [(Int32, dnnl_memory_t?)]) {
        let args = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }
        guard dnnl_primitive_execute(primitive, DNNLRuntime.shared.stream, Int32(args.count), args) == dnnl_success else {
            fatalError("oneDNN: primitive execution failed")
        }
    }
}
