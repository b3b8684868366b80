/// One recorded step of the autodiff graph: the op that produced a tracked tensor.
///
/// A node keeps its inputs' nodes and a backward rule. Backward rules are written with Tensor ops,
/// so running them while recording (`createGraph: true`) differentiates the backward pass itself.
final class GradNode: @unchecked Sendable {
    /// The rule: given the output's gradient, the output itself (for ops like exp that reuse it;
    /// nil unless saved) and which inputs need a gradient, return one gradient per input (nil = none).
    typealias Backward = (_ gradient: Tensor, _ output: Tensor?, _ needed: [Bool]) -> [Tensor?]

    let inputs: [GradNode?]
    private(set) var backward: Backward?
    /// The op's output values, kept only by ops whose backward rule uses them.
    private var savedOutput: (storage: TensorStorage, shape: [Int])?

    /// A leaf: a value to differentiate by.
    init(leaf: Void) {
        inputs = []
        backward = nil
        Autodiff.nodeCounter?.increment()
    }

    init(inputs: [GradNode?], backward: @escaping Backward) {
        self.inputs = inputs
        self.backward = backward
        Autodiff.nodeCounter?.increment()
    }

    var isLeaf: Bool { inputs.isEmpty }

    func saveOutput(_ storage: TensorStorage, shape: [Int]) { savedOutput = (storage, shape) }

    /// Runs the backward rule; `release` drops it and the saved values afterwards to free memory early.
    func propagate(_ gradient: Tensor, needed: [Bool], release: Bool) -> [Tensor?] {
        guard let backward else {
            preconditionFailure(
                "backward through a graph that was already freed: pass retainGraph: true to the first call")
        }
        let output = savedOutput.map { Tensor(storage: $0.storage, shape: $0.shape, node: self) }
        let result = backward(gradient, output, needed)
        if release {
            self.backward = nil
            savedOutput = nil
        }
        return result
    }
}
