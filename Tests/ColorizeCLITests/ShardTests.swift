import Foundation
import Imaging
import MessagePassing
import Testing

@testable import ColorizeCLI

/// `colorize … --shard K/N` colorizes the K-th of N disjoint slices of the sorted inputs, and
/// under mpirun each rank takes its own slice.
@Suite struct ShardTests {
    typealias CLI = ColorizeCommandTests

    /// Five small photos `in/pN.png` (N = 0 … 4).
    static func inputs(in root: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        return try (0..<5).map { index in
            let path = root + "/in/p\(index).png"
            try ImageCodec.write(CLI.oddImage(width: 64 + index, height: 48), to: path)
            return path
        }
    }

    static func outputs(_ folder: String) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") })
    }

    @Test func slicesAreDisjointAndCoverTheSortedInputs() {
        let paths = (0..<11).map { "f\($0).png" }.shuffled()
        let slices = (0..<4).map { Shard(index: $0, count: 4).select(paths + paths.prefix(3)) }
        #expect(slices.map(\.count) == [2, 3, 3, 3])
        #expect(slices.reduce(Set<String>()) { $0.union($1) } == Set(paths))
        for a in 0..<4 { for b in a + 1..<4 { #expect(slices[a].isDisjoint(with: slices[b])) } }
        // In sorted order: the first slice takes the first names.
        #expect(slices[0] == ["f0.png", "f1.png"])
        #expect(Shard(argument: "3/4") == Shard(index: 3, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"] { #expect(Shard(argument: bad) == nil, "\(bad)") }
    }

    /// Shard numbers as large as Int allows: count·K is computed in full width, not overflowed.
    @Test func hugeShardNumbersSelectWithoutOverflow() throws {
        let paths = (0..<5).map { "f\($0).png" }
        let last = try #require(Shard(argument: "4611686018427387903/4611686018427387904"))
        #expect(last.select(paths) == ["f4.png"])
        let first = Shard(index: 0, count: Int.max)
        #expect(first.select(paths).isEmpty)
        #expect(Shard(index: Int.max - 1, count: Int.max).select(paths) == ["f4.png"])
    }

    /// A launcher's variables leaked into a plain run's environment: the run says on standard error
    /// that it colorizes one rank's share, and how to do all.
    @Test func aRankShareChosenByTheEnvironmentIsAnnounced() throws {
        let directory = ColorizeCommandTests.temporaryDirectory()
        let inputs = try OutputSafetyTests.images(["a.png", "b.png"], in: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_COMM_WORLD_SIZE"] = "2"
        environment["OMPI_COMM_WORLD_RANK"] = "0"
        let result = try VideoCommandTests.run(
            ColorizeCommandTests.executable, inputs + ["-o", directory + "/out"], environment: environment)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("note: started as rank 0 of 2 by an MPI launcher"), "\(result.errors)")
        #expect(result.errors.contains("--shard 0/1 colorizes all of them"))
    }

    @Test func theRankChoosesTheShardOnlyUnderAnMPILauncher() {
        let mpi = LaunchEnvironment(["OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "2"])
        #expect(Shard.resolve(nil, environment: mpi) == Shard(index: 2, count: 3))
        #expect(Shard.resolve(Shard(index: 0, count: 5), environment: mpi) == Shard(index: 0, count: 5))
        // A SLURM batch script is not an MPI launch: its SLURM_NTASKS counts tasks it does not run.
        let batchScript = LaunchEnvironment(["SLURM_PROCID": "0", "SLURM_NTASKS": "8"])
        #expect(Shard.resolve(nil, environment: batchScript) == nil)
        let pmix = LaunchEnvironment(["PMIX_RANK": "1", "SLURM_PROCID": "1", "SLURM_NTASKS": "4"])
        #expect(Shard.resolve(nil, environment: pmix) == Shard(index: 1, count: 4))
    }

    @Test func shardsOfARunShareItsInputs() throws {
        let root = CLI.temporaryDirectory()
        _ = try Self.inputs(in: root)
        let common = [root + "/in", "-o", root + "/out", "--size", "64", "--model", CLI.model]
        let first = try CLI.run(common + ["--shard", "0/2"])
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.contains("shard 0/2: 2 of 5 inputs"), "\(first.output)")
        #expect(Self.outputs(root + "/out") == ["p0_color.png", "p1_color.png"])
        let second = try CLI.run(common + ["--shard", "1/2", "--skip-existing"])
        #expect(second.status == 0, "\(second.errors)")
        #expect(Self.outputs(root + "/out").count == 5)
        let bad = try CLI.run(common + ["--shard", "2/2"])
        #expect(bad.status == 2 && bad.errors.contains("--shard"), "\(bad.errors)")
    }

    @Test(.enabled(if: MPILauncher.path != nil, "needs mpirun (Debian: openmpi-bin)"))
    func mpirunGivesEachRankItsShard() throws {
        guard let mpirun = MPILauncher.path else { return }
        let root = CLI.temporaryDirectory()
        _ = try Self.inputs(in: root)
        let result = try DistributedTrainingTests.run(
            mpirun,
            DistributedTrainingTests.mpirunArguments(ranks: 2)
                + [root + "/in", "-o", root + "/out", "--size", "64", "--model", CLI.model],
            in: root, name: "mpirun")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("shard 0/2: 2 of 5 inputs"), "\(result.output)")
        #expect(result.output.contains("shard 1/2: 3 of 5 inputs"), "\(result.output)")
        #expect(Self.outputs(root + "/out").count == 5)
    }
}
