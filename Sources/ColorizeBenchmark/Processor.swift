import Foundation
import Tensor
import Threading

/// What this CPU can do at most in fp32, to put the measured GFLOP/s in proportion.
///
/// peak = cores × FLOP per cycle × clock. The clock is measured, not read from /proc (a VM reports
/// its nominal base clock there): a chain of N dependent 64-bit integer multiplies takes 3·N cycles on
/// every current x86 core (imul r64 latency 3 on Zen 1–5 and Intel since Sandy Bridge), so
/// clock = 3·N / seconds. FLOP per cycle: two FMA pipes × 8 fp32 lanes (256-bit) × 2 FLOP = 32, on
/// Zen 4 with AVX-512 as well (it splits 512-bit FMAs into two 256-bit halves).
enum Processor {
    /// Measured clock in GHz (median of 5), while one thread is busy.
    static func measuredGHz() -> Double {
        let iterations = 200_000_000
        // An odd multiplier read at run time, so the chain cannot be folded at compile time.
        let factor = UInt64(ProcessInfo.processInfo.processIdentifier) | 1
        var sink: UInt64 = 0
        let seconds = Timing.median(runs: 5) {
            var x = factor
            for _ in 0..<iterations { x = x &* x &+ factor }
            sink ^= x
        }
        if sink == 42 { print("") }  // keeps the result alive
        return 4 * Double(iterations) / seconds / 1e9
    }

    /// fp32 FLOP per cycle per core of 256-bit double-FMA cores (see above).
    static let flopsPerCycle = 32.0

    /// "2 cores × 32 FLOP/cycle × 3.70 GHz = 236.8 GFLOP/s" and the peak in FLOP/s.
    static func peak() -> (description: String, flops: Double) {
        let ghz = measuredGHz()
        let peak = Double(Threads.count) * flopsPerCycle * ghz * 1e9
        let description = String(
            format: "%d threads × %.0f FLOP/cycle × %.2f GHz (measured) = %.1f GFLOP/s fp32 peak",
            Threads.count, flopsPerCycle, ghz, peak / 1e9)
        return (description, peak)
    }

    /// Peak resident set size of this process so far, in MiB.
    static var peakRSSMiB: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Peak resident set of this program since exec, in MiB (VmHWM): `ru_maxrss` on Linux also keeps
    /// the peak of the process that spawned this one.
    static var peakSinceExecMiB: Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        return (line?.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
    }
}
