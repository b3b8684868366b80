import Foundation
import Imaging
import Testing

/// Data-parallel pre-training under `mpirun -np 2` on this machine (loopback) trains exactly
/// as one process on the same global batch, keeps both ranks' weights bit-identical, resumes in one
/// process, and fails fast — leaving its last checkpoint loadable — when a rank is killed.
/// Runs when `mpirun` is installed (`scripts/install-system-packages.sh`, which `.ci/run` runs).
@Suite(.enabled(if: MPILauncher.path != nil, "needs mpirun (Debian: openmpi-bin)"))
struct DistributedTrainingTests {
    typealias CLI = ColorizeCommandTests

    static var mpirun: String? { MPILauncher.path }

    /// Two ranks on a 2-core machine also when the test runs as root (CI containers), over shared
    /// memory without the single-copy mechanism that containers often forbid.
    static func mpirunArguments(ranks: Int) -> [String] {
        [
            "-np", String(ranks), "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
            "--mca", "btl_vader_single_copy_mechanism", "none", CLI.executable,
        ]
    }

    static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        environment["COLORIZE_THREADS"] = "1"
        environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
        return environment
    }()

    /// Six small photos with different colours and structure, and uniform-ish magic weights for them.
    static func makePhotos(in root: String) throws -> (photos: String, weights: String) {
        let photos = root + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for k in 0..<6 {
            var samples: [Float] = []
            for y in 0..<80 {
                for x in 0..<96 {
                    let t = Float(x) / 95, u = Float((y + 13 * k) % 80) / 79
                    samples += [0.5 + 0.5 * sinf(Float(k + 2) * t), u, Float(k) / 5 * (1 - t)]
                }
            }
            try ImageCodec.write(Image(samples: samples, width: 96, height: 80, channels: 3), to: "\(photos)/p\(k).png")
        }
        let weights = root + "/weights.json"
        let made = try CLI.run(["weights", "--data", photos, "--crops", "30", "--size", "64", "--output", weights])
        #expect(made.status == 0, "\(made.errors)")
        return (photos, weights)
    }

    /// `colorize pretrain` on the tiny seed U-Net with global batch 6. At 1e-5 the losses of 2 ranks stay
    /// within 5·10⁻⁶ of one process's over 20 steps; at 1e-4 Adam amplifies rounding (the kernels,
    /// chosen by timing, sum in different orders) so much that two single-process runs drift 10⁻³ apart.
    /// fp32 whatever the CPU (the default `auto` picks bf16 where it is native): ranks are compared
    /// with one process to 1e-4, a claim about fp32 sums.
    static func pretrainArguments(photos: String, weights: String, out: String, steps: Int) -> [String] {
        [
            "pretrain", "--data", photos, "--out", out, "--size", "64", "--width", "0.125", "--batch", "6",
            "--steps", String(steps), "--log-every", "1", "--checkpoint-every", "10", "--weights", weights,
            "--workers", "1", "--lr", "1e-5", "--sync-batchnorm", "--precision", "fp32",
        ]
    }

    /// Runs `executable ARGUMENTS` with `environment`, output to files; its exit status and output.
    static func run(
        _ executable: String, _ arguments: [String], in root: String, name: String
    ) throws -> (
        status: Int32, output: String
    ) {
        let process = try start(executable, arguments, in: root, name: name)
        process.waitUntilExit()
        return (process.terminationStatus, output(of: name, in: root))
    }

    static func start(_ executable: String, _ arguments: [String], in root: String, name: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let log = root + "/\(name).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = process.standardOutput
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func output(of name: String, in root: String) -> String {
        String(decoding: FileManager.default.contents(atPath: root + "/\(name).log") ?? Data(), as: UTF8.self)
    }

    /// Step → (loss a, loss b) from a run's log.jsonl.
    static func losses(_ run: String) -> [Int: (Double, Double)] {
        let text = String(decoding: FileManager.default.contents(atPath: run + "/log.jsonl") ?? Data(), as: UTF8.self)
        var losses: [Int: (Double, Double)] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let step = object["step"] as? Int, let a = object["loss_a"] as? Double,
                let b = object["loss_b"] as? Double
            else { continue }
            losses[step] = (a, b)
        }
        return losses
    }

    @Test(.timeLimit(.minutes(5))) func twoRanksTrainAsOneProcessAndResumeAlone() throws {
        let root = CLI.temporaryDirectory()
        let (photos, weights) = try Self.makePhotos(in: root)
        let single = try Self.run(
            CLI.executable, Self.pretrainArguments(photos: photos, weights: weights, out: root + "/single", steps: 20),
            in: root, name: "single")
        #expect(single.status == 0, "\(single.output)")
        guard let mpirun = Self.mpirun else { return }
        let started = Date()
        let parallel = try Self.run(
            mpirun,
            Self.mpirunArguments(ranks: 2)
                + Self.pretrainArguments(photos: photos, weights: weights, out: root + "/mpi", steps: 20),
            in: root, name: "mpi")
        print("mpirun -np 2, 20 steps: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(parallel.status == 0, "\(parallel.output)")
        #expect(parallel.output.contains("2 ranks × 1 threads, batch statistics synchronised"), "\(parallel.output)")
        // Each rank hashes its parameters and compares with rank 0's: identical bits on both.
        #expect(parallel.output.contains("parameters bit-identical on all 2 ranks"), "\(parallel.output)")

        let (one, two) = (Self.losses(root + "/single"), Self.losses(root + "/mpi"))
        #expect(one.count == 20 && two.count == 20)
        for step in 1...20 {
            guard let (a1, b1) = one[step], let (a2, b2) = two[step] else {
                Issue.record("step \(step) missing")
                continue
            }
            #expect(abs(a1 - a2) <= 1e-4 * abs(a1), "step \(step): loss a \(a1) alone, \(a2) on 2 ranks")
            #expect(abs(b1 - b2) <= 1e-4 * abs(b1), "step \(step): loss b \(b1) alone, \(b2) on 2 ranks")
        }

        // The 2-rank checkpoint resumes in one process.
        let resumed = try Self.run(
            CLI.executable,
            Self.pretrainArguments(photos: photos, weights: weights, out: root + "/mpi", steps: 22) + ["--resume"],
            in: root, name: "resumed")
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming \(root)/mpi/generator.safetensors at step 20"), "\(resumed.output)")
        #expect(Self.losses(root + "/mpi")[22] != nil)
    }

    /// A rank that hangs without dying (stopped by SIGSTOP, so mpirun sees nothing wrong) does not hang
    /// the job: the other rank's watchdog ends it after COLORIZE_MPI_TIMEOUT seconds in one collective.
    @Test(.timeLimit(.minutes(5))) func aHungRankEndsTheJobThroughTheWatchdog() throws {
        guard let mpirun = Self.mpirun else { return }
        let root = CLI.temporaryDirectory()
        let (photos, weights) = try Self.makePhotos(in: root)
        let run = root + "/mpi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments =
            Self.mpirunArguments(ranks: 2)
            + Self.pretrainArguments(photos: photos, weights: weights, out: run, steps: 100_000)
        var environment = Self.environment
        environment["COLORIZE_MPI_TIMEOUT"] = "5"
        process.environment = environment
        let log = root + "/hung.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = process.standardOutput
        try process.run()
        guard case let (victim, seconds)? = Self.signalRankOne(SIGSTOP, of: process, run: run, afterStep: 3) else {
            Issue.record("the job ended early or has no rank 1")
            return
        }
        kill(victim, SIGKILL)
        let output = Self.output(of: "hung", in: root)
        print("the job ended \(String(format: "%.1f", seconds)) s after rank 1 stopped")
        #expect(seconds < 30, "the job outlived its hung rank by \(seconds) s")
        #expect(process.terminationStatus != 0)
        #expect(output.contains("waited more than 5 s for the other ranks"), "\(output)")
    }

    /// The adversarial stage on 2 ranks: the critic's estimates and the generator's loss are one
    /// process's, the schedule follows rank 0, and both models stay identical on both ranks.
    @Test(.timeLimit(.minutes(5))) func adversarialLoopOnTwoRanksMatchesOneProcess() throws {
        guard let mpirun = Self.mpirun else { return }
        let root = CLI.temporaryDirectory()
        let (photos, weights) = try Self.makePhotos(in: root)
        let pretrained = try Self.run(
            CLI.executable, Self.pretrainArguments(photos: photos, weights: weights, out: root + "/p", steps: 2),
            in: root, name: "pretrain")
        #expect(pretrained.status == 0, "\(pretrained.output)")
        let gan = { (out: String) in
            [
                "gan", "--data", photos, "--from", root + "/p/generator.safetensors", "--out", out, "--loops", "1",
                "--batch", "6", "--frozen-layers", "10", "--unfreeze-every", "0", "--precision", "fp32",
            ]
        }
        let single = try Self.run(CLI.executable, gan(root + "/g1"), in: root, name: "gan-single")
        #expect(single.status == 0, "\(single.output)")
        let parallel = try Self.run(
            mpirun, Self.mpirunArguments(ranks: 2) + gan(root + "/g2"), in: root, name: "gan-mpi")
        #expect(parallel.status == 0, "\(parallel.output)")
        #expect(parallel.output.contains("parameters bit-identical on all 2 ranks"), "\(parallel.output)")
        func first(_ run: String) -> [String: Any] {
            let text = String(
                decoding: FileManager.default.contents(atPath: run + "/log.jsonl") ?? Data(), as: UTF8.self)
            let line = text.split(separator: "\n").first.map(String.init) ?? "{}"
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
        }
        let (one, two) = (first(root + "/g1"), first(root + "/g2"))
        for key in ["wasserstein", "penalty", "generator_loss"] {
            guard let a = one[key] as? Double, let b = two[key] as? Double else {
                Issue.record("\(key) missing")
                continue
            }
            #expect(abs(a - b) <= 1e-4 * max(abs(a), 1e-3), "\(key): \(a) alone, \(b) on 2 ranks")
        }
        #expect(one["ratio"] as? Int == two["ratio"] as? Int)
        #expect(one["generator_steps"] as? Int == two["generator_steps"] as? Int)
    }

    /// The rank of `mpirun`'s child `pid`, from its environment.
    static func rank(of pid: Int32) -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
        let entries = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return entries.first { $0.hasPrefix("OMPI_COMM_WORLD_RANK=") }.flatMap { Int($0.dropFirst(21)) }
    }

    /// Processes whose parent is `parent`.
    /// Waits until `job` (mpirun) has logged `step`, sends `signal` to its rank 1 and measures how long
    /// the job then takes to end (killed after 60 s). Nil (and the job killed) if it ended first or has
    /// no rank 1.
    static func signalRankOne(
        _ signal: Int32, of job: Process, run: String, afterStep step: Int
    ) -> (rank: pid_t, seconds: Double)? {
        let deadline = Date().addingTimeInterval(180)
        while job.isRunning && Date() < deadline && (losses(run).keys.max() ?? 0) < step { usleep(100_000) }
        guard job.isRunning, let victim = children(of: job.processIdentifier).first(where: { rank(of: $0) == 1 })
        else {
            kill(job.processIdentifier, SIGKILL)
            return nil
        }
        let sent = Date()
        kill(victim, signal)
        while job.isRunning && Date().timeIntervalSince(sent) < 60 { usleep(50_000) }
        let seconds = Date().timeIntervalSince(sent)
        if job.isRunning { kill(job.processIdentifier, SIGKILL) }
        job.waitUntilExit()
        return (victim, seconds)
    }

    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
            let text = String(decoding: stat, as: UTF8.self)
            // Fields after the command name (which may hold spaces): state, then the parent's id.
            guard let close = text.lastIndex(of: ")") else { return false }
            let fields = text[text.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }

    @Test(.timeLimit(.minutes(5))) func killingARankFailsTheJobFastAndKeepsTheCheckpoint() throws {
        guard let mpirun = Self.mpirun else { return }
        let root = CLI.temporaryDirectory()
        let (photos, weights) = try Self.makePhotos(in: root)
        let run = root + "/mpi"
        let job = try Self.start(
            mpirun,
            Self.mpirunArguments(ranks: 2)
                + Self.pretrainArguments(photos: photos, weights: weights, out: run, steps: 100_000),
            in: root, name: "killed")
        // After the first checkpoint (step 10) and a few steps beyond it.
        guard case let (_, seconds)? = Self.signalRankOne(SIGKILL, of: job, run: run, afterStep: 13) else {
            Issue.record("the job ended early: \(Self.output(of: "killed", in: root))")
            return
        }
        print("mpirun ended \(String(format: "%.2f", seconds)) s after rank 1 was killed")
        #expect(seconds < 30, "the job outlived its killed rank by \(seconds) s")
        #expect(job.terminationStatus != 0)
        for child in Self.children(of: job.processIdentifier) { kill(child, SIGKILL) }

        // The checkpoint left behind is whole: one process resumes from it.
        let saved = run + "/generator.safetensors"
        #expect(FileManager.default.fileExists(atPath: saved))
        let resumed = try Self.run(
            CLI.executable,
            Self.pretrainArguments(photos: photos, weights: weights, out: run, steps: 21) + ["--resume"],
            in: root, name: "after-kill")
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming \(saved) at step"), "\(resumed.output)")
    }
}

/// `mpirun` on the PATH, if any.
enum MPILauncher {
    static let path: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/mpirun" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()
}

/// Without OpenMPI a run that asks for MPI says what to install (and exits 1); without MPI it never asks.
@Suite struct MissingMPITests {
    @Test func aMissingLibraryNamesWhatToInstall() throws {
        let root = ColorizeCommandTests.temporaryDirectory()
        let (photos, weights) = try DistributedTrainingTests.makePhotos(in: root)
        var environment = ProcessInfo.processInfo.environment
        environment["COLORIZE_MPI_LIBRARY"] = "/nonexistent/libmpi.so.40"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ColorizeCommandTests.executable)
        process.arguments =
            DistributedTrainingTests.pretrainArguments(photos: photos, weights: weights, out: root + "/run", steps: 1)
            + ["--distributed"]
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(
            text.contains("cannot start MPI") && text.contains("apt-get install openmpi-bin libopenmpi-dev"), "\(text)")
    }
}
