import ArgumentParser
import MessagePassing

/// One of N disjoint slices of a batch's inputs, so that N processes (a SLURM job array, GNU parallel,
/// a shell loop, or the ranks of `mpirun`) share one batch without talking to each other. Slices are
/// taken from the sorted list of every input, the same in every process whatever already exists, so
/// together they cover each input exactly once; with `--skip-existing` any of them can be re-run.
struct Shard: ExpressibleByArgument, Equatable, CustomStringConvertible {
    /// 0 ..< count.
    let index: Int
    let count: Int

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// "K/N" with 0 ≤ K < N.
    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
            (0..<count).contains(index)
        else { return nil }
        self.init(index: index, count: count)
    }

    var description: String { "\(index)/\(count)" }

    static var defaultCompletionKind: CompletionKind { .default }

    /// The shard of this process: `explicit`, else its rank when an MPI launcher started several.
    static func resolve(_ explicit: Shard?, environment: LaunchEnvironment = LaunchEnvironment()) -> Shard? {
        if let explicit { return explicit }
        return environment.size > 1 ? Shard(index: environment.rank, count: environment.size) : nil
    }

    /// The paths of this shard: of `paths` sorted (duplicates once), positions count·K/N ..< count·(K+1)/N.
    func select(_ paths: [String]) -> Set<String> {
        let sorted = Array(Set(paths)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        // count·K in full width: K and N may be as large as Int allows (a slice of 2⁶² inputs).
        func position(_ k: Int) -> Int {
            count.dividingFullWidth(sorted.count.multipliedFullWidth(by: k)).quotient
        }
        return Set(sorted[position(index)..<position(index + 1)])
    }
}
