import Colorization
import Foundation
import Imaging

/// One input on its way through `colorize images`: its job, then its pixels (decoded, then the
/// result to write), or why it failed.
struct ImageWork: Sendable {
    let job: OutputPlan.Job
    /// 1…total, for the progress line.
    let position: Int
    var pixels: PixelImage? = nil
    var width = 0
    var height = 0
    /// Seconds spent on this file so far.
    var seconds = 0.0
    var error: String? = nil
}

/// What `colorize images` does to one file in each pipeline stage: read, colorize (in batches),
/// write. Value type with only settings, so the reader and writer threads can share it.
struct ImageStages: Sendable {
    let pixelLimit: Int
    /// Colour hints for every image (each must lie inside it).
    let hints: [ColorHint]
    let keepColorInput: Bool
    let overwrite: Bool
    let skipExisting: Bool
    let encoding: ImageCodec.EncodingOptions
    /// Output folders that could not be made, with the reason (their jobs fail without being read).
    let unusableFolders: [String: String]

    /// Reader stage: decodes the input (upright, 8-bit).
    func load(_ work: ImageWork) -> ImageWork {
        var work = work
        let start = Date(), job = work.job
        if let reason = unusableFolders[AtomicFile.parentFolder(of: job.output)] {
            work.error = "\(job.input): cannot write \(job.output): \(reason)"
            return work
        }
        do {
            let pixels = try ImageCodec.readPixels(path: job.input, pixelLimit: pixelLimit)
            (work.pixels, work.width, work.height) = (pixels, pixels.width, pixels.height)
        } catch {
            work.error = Self.message(for: error)
        }
        if let pixels = work.pixels {
            do { for hint in hints { try hint.check(width: pixels.width, height: pixels.height) } } catch {
                (work.pixels, work.error) = (nil, "\(job.input): \(error)")
            }
        }
        work.seconds += Date().timeIntervalSince(start)
        return work
    }

    /// Network stage: colorizes the decoded images of `batch` with one `network` call (colour inputs
    /// are passed on unchanged with --keep-color-input); each gets an equal share of the time.
    func colorize(_ batch: [ImageWork], network: ([PixelImage]) -> [PixelImage]) -> [ImageWork] {
        var batch = batch
        let indices = batch.indices.filter { index in
            guard let pixels = batch[index].pixels else { return false }
            return !(keepColorInput && !pixels.isGrey)
        }
        guard !indices.isEmpty else { return batch }
        let start = Date()
        let results = network(indices.compactMap { batch[$0].pixels })
        let share = Date().timeIntervalSince(start) / Double(indices.count)
        for (index, result) in zip(indices, results) {
            batch[index].pixels = result
            batch[index].seconds += share
        }
        return batch
    }

    /// Writer stage: encodes and writes the result atomically, unless its output appeared meanwhile.
    func store(_ work: ImageWork) -> FileOutcome {
        let job = work.job, start = Date()
        func outcome(_ status: FileOutcome.Status, error: String? = nil) -> FileOutcome {
            let decoded = work.pixels != nil
            return FileOutcome(
                input: job.input, output: job.output, status: status, width: decoded ? work.width : nil,
                height: decoded ? work.height : nil, seconds: work.seconds + Date().timeIntervalSince(start),
                error: error)
        }
        guard let pixels = work.pixels, work.error == nil else {
            return outcome(.failed, error: work.error ?? "\(job.input): not colorized")
        }
        // Checked again at the last moment: something may have appeared there while colorizing.
        if !overwrite, OutputPlan.exists(job.output) {
            return skipExisting
                ? outcome(.skipped)
                : outcome(.failed, error: "\(job.input): \(job.output) already exists (use --overwrite to replace it)")
        }
        do {
            try ImageCodec.write(pixels, to: job.output, format: job.format, options: encoding, replacing: overwrite)
            return outcome(.colorized)
        } catch {
            return outcome(.failed, error: "\(error)")
        }
    }

    /// The message for a file that could not be read; a size limit says which option raises it.
    static func message(for error: ImageError) -> String {
        switch error {
        case let .tooLarge(path, width, height, limit):
            "\(path): \(width)×\(height) is \(width * height) pixels, more than the limit of \(limit)"
                + " (raise --max-pixels to colorize it)"
        case let .unreadable(_, reason) where reason.contains("pixel limit"):
            "\(error) (raise --max-pixels to read it)"
        default:
            "\(error)"
        }
    }
}
