import Foundation

/// Wall-clock timing helpers: the median of repeated runs after warm-up.
enum Timing {
    /// Median seconds of `runs` calls of `body`, after `warmup` untimed calls.
    static func median(runs: Int = 5, warmup: Int = 1, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var samples: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return samples.sorted()[samples.count / 2]
    }

    /// Median over `runs` back-to-back pairs of time(numerator) / time(denominator): a ratio that
    /// slow drifts of a shared machine's speed, which move both medians apart, do not bias.
    static func medianRatio(runs: Int = 5, _ numerator: () -> Void, over denominator: () -> Void) -> Double {
        numerator()
        denominator()
        let ratios = (0..<runs).map { _ in
            median(runs: 1, warmup: 0, numerator) / median(runs: 1, warmup: 0, denominator)
        }
        return ratios.sorted()[ratios.count / 2]
    }

    /// "12.3 ms" style, fixed width for tables.
    static func milliseconds(_ seconds: Double) -> String { String(format: "%8.2f ms", seconds * 1000) }

    /// GFLOP/s for `flops` done in `seconds`.
    static func gflops(_ flops: Double, _ seconds: Double) -> String {
        String(format: "%7.1f GFLOP/s", flops / seconds / 1e9)
    }
}
