/// Reverse-mode automatic differentiation over the graph of `GradNode`s.
public enum Autodiff {
    /// Whether ops record graph nodes. Off inside `withoutGradients` and while running backward
    /// rules without `createGraph`.
    @TaskLocal static var isRecording = true

    /// Counts the graph nodes `body` records in this task: zero for inference, which records nothing.
    public static func nodesRecorded(during body: () throws -> Void) rethrows -> Int {
        let counter = NodeCounter()
        try $nodeCounter.withValue(counter, operation: body)
        return counter.count
    }

    @TaskLocal static var nodeCounter: NodeCounter?

    final class NodeCounter: @unchecked Sendable {
        private(set) var count = 0
        func increment() { count += 1 }
    }
}

/// Runs `body` without recording any graph: for inference and data preparation.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try Autodiff.$isRecording.withValue(false, operation: body)
}

/// The gradients of the scalar `output` with respect to each tensor of `inputs`.
///
/// - Parameters:
///   - createGraph: record the backward pass itself, so the returned gradients can be
///     differentiated again (PyTorch's `create_graph`; needed by the WGAN-GP penalty).
///   - retainGraph: keep the graph for another call; defaults to `createGraph`. When false,
///     each node's saved tensors are freed as soon as its rule has run.
/// - Returns: one gradient per input, zeros where `output` does not depend on it.
public func gradients(
    of output: Tensor, wrt inputs: [Tensor], createGraph: Bool = false,
    retainGraph: Bool? = nil
) -> [Tensor] {
    precondition(output.count == 1, "gradients(of:) needs a scalar output, got shape \(output.shape)")
    guard let root = output.node else { return inputs.map { Tensor.zeros($0.shape) } }
    let release = !(retainGraph ?? createGraph)

    // Order the graph (inputs before users) and mark the nodes that lead to a wanted input.
    let targets = Set(inputs.compactMap { $0.node.map(ObjectIdentifier.init) })
    let order = topologicalOrder(from: root)
    var leadsToTarget = Set<ObjectIdentifier>()
    for node in order {
        let id = ObjectIdentifier(node)
        if targets.contains(id)
            || node.inputs.contains(where: { $0.map { leadsToTarget.contains(ObjectIdentifier($0)) } ?? false })
        {
            leadsToTarget.insert(id)
        }
    }

    var accumulated: [ObjectIdentifier: Tensor] = [:]
    Autodiff.$isRecording.withValue(createGraph) {
        accumulated[ObjectIdentifier(root)] = Tensor.ones(output.shape)
        for node in order.reversed() {
            let id = ObjectIdentifier(node)
            guard !node.isLeaf, leadsToTarget.contains(id), let gradient = accumulated.removeValue(forKey: id) else {
                continue
            }
            let needed = node.inputs.map { $0.map { leadsToTarget.contains(ObjectIdentifier($0)) } ?? false }
            let inputGradients = node.propagate(gradient, needed: needed, release: release)
            for (input, inputGradient) in zip(node.inputs, inputGradients) {
                guard let input, let inputGradient, leadsToTarget.contains(ObjectIdentifier(input)) else { continue }
                let key = ObjectIdentifier(input)
                if let earlier = accumulated.removeValue(forKey: key) {
                    accumulated[key] = consume earlier + inputGradient  // in place when nothing else holds it
                } else {
                    accumulated[key] = inputGradient
                }
            }
        }
    }
    return inputs.map { input in
        input.node.flatMap { accumulated[ObjectIdentifier($0)] } ?? Tensor.zeros(input.shape)
    }
}

/// Post-order depth-first walk: every node comes after all of its inputs.
private func topologicalOrder(from root: GradNode) -> [GradNode] {
    var order: [GradNode] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(node: GradNode, nextInput: Int)] = [(root, 0)]
    visited.insert(ObjectIdentifier(root))
    while !stack.isEmpty {
        let (node, next) = stack[stack.count - 1]
        if next < node.inputs.count {
            stack[stack.count - 1].nextInput += 1
            if let input = node.inputs[next], visited.insert(ObjectIdentifier(input)).inserted {
                stack.append((input, 0))
            }
        } else {
            order.append(node)
            stack.removeLast()
        }
    }
    return order
}

extension Tensor {
    /// Wraps a freshly computed result, recording a graph node when recording is on and any input
    /// is tracked. `savesOutput` keeps the result for rules that reuse it (exp, tanh, sqrt, softmax).
    static func record(
        _ storage: TensorStorage, shape: [Int], inputs: [Tensor], savesOutput: Bool = false,
        backward: @escaping GradNode.Backward
    ) -> Tensor {
        record(storage, shape: shape, inputNodes: inputs.map(\.node), savesOutput: savesOutput, backward: backward)
    }

    /// `record` given only the inputs' nodes, for ops that must not hold their inputs' storage.
    static func record(
        _ storage: TensorStorage, shape: [Int], inputNodes: [GradNode?], savesOutput: Bool = false,
        backward: @escaping GradNode.Backward
    ) -> Tensor {
        guard Autodiff.isRecording, inputNodes.contains(where: { $0 != nil }) else {
            return Tensor(storage: storage, shape: shape)
        }
        let node = GradNode(inputs: inputNodes, backward: backward)
        if savesOutput { node.saveOutput(storage, shape: shape) }
        return Tensor(storage: storage, shape: shape, node: node)
    }
}
