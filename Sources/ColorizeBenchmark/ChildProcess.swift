import Foundation

/// Runs a program (this benchmark binary again, or `colorize`) as a child process and reports its
/// `ru_maxrss` from `wait4`. On Linux that value also holds the spawning process's peak at the
/// time (exec records the old address space's high-water mark), so it measures the child only
/// while this process stays smaller; the `colorize` cases print their own peak instead.
enum ChildProcess {
    struct Result {
        var output: String
        var peakRSSMiB: Double
        var seconds: Double
    }

    /// Runs `colorize-benchmark ARGUMENTS…` and returns what it printed and its peak RSS.
    static func runSelf(_ arguments: [String]) throws -> Result {
        try run(URL(fileURLWithPath: CommandLine.arguments[0]).path, arguments)
    }

    /// The `colorize` executable built beside this benchmark.
    static var colorize: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("colorize")
            .path
    }

    /// Runs `executable ARGUMENTS…` (standard output captured, standard error passed through) and
    /// waits for it; throws unless it exits with status 0.
    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("colorize-benchmark-child-\(getpid())-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        let spawned = posix_spawn(&child, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw BenchmarkError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(child, &status, 0, &usage) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw BenchmarkError("\(arguments.joined(separator: " ")) failed (status \(status)):\n\(output)")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(output: output, peakRSSMiB: Double(usage.ru_maxrss) / 1024, seconds: seconds)
    }
}

/// A benchmark that could not run, with the reason.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
