import Foundation
import Imaging
import Tensor
import Threading

/// Colorizes a video file into another, frame by frame through the network with the temporal
/// filter between network and output, in four overlapping stages so throughput is that of the
/// slowest: a reader thread decodes grey frames (ffmpeg) and computes their lightness at the
/// network's size; the calling thread runs batches of those through the network; a filter thread
/// makes them consistent in time (`TemporalFilter`, in frame order: it is recursive); a writer
/// thread recombines each frame's own full-resolution L with the upsampled a/b and feeds the
/// encoder (ffmpeg). Queues of `batch` frames between the stages bound memory to a few frames
/// whatever the length.
///
/// The output is written under a temporary name (`.NAME.PID.tmp`, which `AtomicFile` also
/// recognises as stale after a kill) beside the final one and renamed only when the encoder has
/// finished cleanly, so a failure or `cancel()` never leaves a partial file under the final name.
public final class VideoColorizer: @unchecked Sendable {
    public struct Settings: Sendable {
        public var temperature: Double?
        /// The network's working size (default: the model's).
        public var networkSize: Int?
        /// Frames through the network at once.
        public var batch: Int
        public var filter: TemporalFilter.Settings
        public var encoding: FrameWriter.Settings
        /// Also write each colorized frame as `frame-000001.png` here (inspection; off by default).
        public var keepFrames: String?
        /// Colour references for the whole film (`Colorizer.reference(_:name:)`).
        public var references: [ColorReference]
        /// Colour keyframes: the colours frame `frame` (0-based) should have. Every frame follows
        /// the nearest keyframe before it and the nearest after it (with `references`).
        public var keyframes: [Keyframe]

        /// A colour image for one frame of the film.
        public struct Keyframe: Sendable {
            public var frame: Int
            public var reference: ColorReference
            public init(frame: Int, reference: ColorReference) {
                self.frame = frame
                self.reference = reference
            }
        }

        public init(
            temperature: Double? = nil, networkSize: Int? = nil, batch: Int = 4,
            filter: TemporalFilter.Settings = TemporalFilter.Settings(),
            encoding: FrameWriter.Settings = FrameWriter.Settings(), keepFrames: String? = nil,
            references: [ColorReference] = [], keyframes: [Keyframe] = []
        ) {
            self.temperature = temperature
            self.networkSize = networkSize
            self.batch = batch
            self.filter = filter
            self.encoding = encoding
            self.keepFrames = keepFrames
            self.references = references
            self.keyframes = keyframes.sorted { $0.frame < $1.frame }
        }

        /// The references frame `index` follows: the film's, and the nearest keyframes on either side.
        func references(frame index: Int) -> [ColorReference] {
            let before = keyframes.last { $0.frame <= index }, after = keyframes.first { $0.frame > index }
            return references + [before, after].compactMap { $0?.reference }
        }
    }

    /// Where a run is, reported after each frame written.
    public struct Progress: Sendable {
        public var frames: Int
        public var estimatedTotal: Int?
        public var seconds: Double
    }

    public struct Summary: Sendable {
        public var frames: Int
        public var width: Int
        public var height: Int
        public var networkWidth: Int
        public var networkHeight: Int
        /// Restarts of the temporal filter (scene cuts or lost tracking).
        public var sceneCuts: Int
        /// Mean fraction of each frame the filter followed along the motion (its confidence).
        public var meanMatch: Double
        public var seconds: Double
        public var framesPerSecond: Double { seconds > 0 ? Double(frames) / seconds : 0 }
    }

    public let colorizer: Colorizer
    public let tools: FFmpegTools
    private let state = NSLock()
    private var cancelled = false
    private var failure: VideoError?
    private var reader: FrameReader?
    private var writer: FrameWriter?
    /// Ends the running stages' queues, so no stage waits for another that has stopped.
    private var closeQueues: (@Sendable () -> Void)?

    public init(colorizer: Colorizer, tools: FFmpegTools) {
        self.colorizer = colorizer
        self.tools = tools
    }

    /// Stops a run from any thread (a signal handler's): the subprocesses are terminated, `run`
    /// removes the temporary file and throws `VideoError.cancelled`.
    public func cancel() {
        state.lock()
        cancelled = true
        state.unlock()
        stopStages()
    }

    public var isCancelled: Bool {
        state.lock()
        defer { state.unlock() }
        return cancelled
    }

    /// Colorizes `input` (probed as `info`) into `output`, replacing it if it exists (the caller
    /// decides whether it may). `progress` is called on the writer thread.
    public func run(
        input: String, info: VideoInfo, output: String, container: VideoContainer, settings: Settings,
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) throws(VideoError) -> Summary {
        let started = Date()
        state.lock()
        failure = nil
        state.unlock()
        let size = settings.networkSize ?? colorizer.metadata.configuration.size
        let network = Colorizer.networkDimensions(width: info.width, height: info.height, size: size)
        let outputURL = URL(fileURLWithPath: output)
        let temporary = outputURL.deletingLastPathComponent()
            .appendingPathComponent(".\(outputURL.lastPathComponent).\(getpid()).tmp").path
        if let keepFrames = settings.keepFrames {
            do { try AtomicFile.makeFolder(keepFrames) } catch {
                throw .encodeFailed(path: keepFrames, reason: Self.reason(error))
            }
        }
        let reader = try FrameReader(path: input, info: info, format: .grey, tools: tools)
        let writer: FrameWriter
        do {
            writer = try FrameWriter(
                path: temporary, container: container, width: info.width, height: info.height,
                frameRate: info.frameRate, audioSource: (input, info.audioCodecs),
                sampleAspectRatio: info.sampleAspectRatio, settings: settings.encoding, tools: tools)
        } catch {
            reader.close()
            throw error
        }
        let decoded = BoundedQueue<(frame: PixelImage, lightness: Raster)>(capacity: settings.batch)
        let predicted = BoundedQueue<(frame: PixelImage, lightness: Raster, chroma: Raster)>(capacity: settings.batch)
        let filtered = BoundedQueue<(frame: PixelImage, chroma: Raster)>(capacity: settings.batch)
        state.lock()
        (self.reader, self.writer) = (reader, writer)
        closeQueues = {
            decoded.close()
            predicted.close()
            filtered.close()
        }
        let alreadyCancelled = cancelled
        state.unlock()
        if alreadyCancelled { stopStages() }
        defer {
            state.lock()
            (self.reader, self.writer, closeQueues) = (nil, nil, nil)
            state.unlock()
        }

        let stages = DispatchGroup()
        let fail: @Sendable (VideoError) -> Void = { [self] error in
            record(error)
            stopStages()
        }

        stages.enter()
        let readerThread = Thread {
            defer { stages.leave() }
            do throws(VideoError) {
                while let frame = try reader.next() {
                    let lightness = frame.lightness(width: network.width, height: network.height)
                    if !decoded.put((frame, lightness)) { break }
                }
                if reader.count == 0 { fail(.decodeFailed(path: input, reason: "no frames decoded")) }
            } catch {
                fail(error)
            }
            decoded.close()
        }
        readerThread.name = "video reader"

        let total = info.estimatedFrames
        let keepFrames = settings.keepFrames
        stages.enter()
        let writerThread = Thread {
            defer { stages.leave() }
            while let (frame, chroma) = filtered.take() {
                if self.isCancelled || self.recordedFailure() != nil { break }
                do throws(VideoError) {
                    try Self.store(frame.recombined(withChroma: chroma), writer: writer, keepFrames: keepFrames)
                } catch {
                    fail(error)
                    break
                }
                progress(
                    Progress(frames: writer.count, estimatedTotal: total, seconds: Date().timeIntervalSince(started)))
            }
        }
        writerThread.name = "video writer"

        // The filter runs on a thread of its own (it is sequential, frame after frame), so the
        // network's next batch overlaps it.
        let filterSettings = settings.filter
        let filterResult = BoundedQueue<TemporalFilter>(capacity: 1)
        stages.enter()
        let filterThread = Thread {
            defer { stages.leave() }
            var filter = TemporalFilter(settings: filterSettings)
            while let (frame, lightness, chroma) = predicted.take() {
                if !filtered.put((frame, filter.filter(lightness: lightness, chroma: chroma))) { break }
            }
            filtered.close()
            filterResult.put(filter)
        }
        filterThread.name = "video filter"
        readerThread.start()
        filterThread.start()
        writerThread.start()

        let pixels = network.width * network.height
        let matcher = settings.references.isEmpty && settings.keyframes.isEmpty ? nil : colorizer.referenceMatcher
        var frameIndex = 0
        while true {
            let batch = decoded.takeBatch(max: settings.batch)
            if batch.isEmpty { break }
            var input = [Float]()
            input.reserveCapacity(batch.count * pixels)
            for item in batch { input += item.lightness.values.lazy.map { $0 * 0.01 } }
            let lightness = Tensor(shape: [batch.count, network.height, network.width, 1], values: input)
            // With references, each frame's confident matches become its colour hints.
            let field = matcher.map { matcher in
                HintField.make(
                    lightness: lightness,
                    points: matcher.points(
                        lightness, references: batch.indices.map { settings.references(frame: frameIndex + $0) }),
                    bins: colorizer.metadata.configuration.bins)
            }
            frameIndex += batch.count
            let ab = colorizer.decoding(temperature: settings.temperature).predictAB(
                colorizer.generator, lightness, hints: field
            ).scalars
            var stopped = false
            for (n, item) in batch.enumerated() {
                let prediction = Raster(
                    width: network.width, height: network.height, channels: 2,
                    values: ab[(n * pixels * 2)..<((n + 1) * pixels * 2)].map { $0 * 100 })
                if !predicted.put((item.frame, item.lightness, prediction)) {
                    stopped = true
                    break
                }
            }
            if stopped { break }
        }
        predicted.close()
        stages.wait()
        filterResult.close()
        let filter = filterResult.take() ?? TemporalFilter(settings: filterSettings)

        if let error = recordedFailure() ?? (isCancelled ? VideoError.cancelled : nil) {
            reader.close()
            writer.cancel()
            _ = try? writer.finish()
            try? FileManager.default.removeItem(atPath: temporary)
            throw isCancelled ? .cancelled : Self.naming(error, temporary: temporary, output: output)
        }
        reader.close()
        do throws(VideoError) {
            try writer.finish()
            guard rename(temporary, output) == 0 else {
                throw VideoError.encodeFailed(path: output, reason: ImageError.reason(errno: errno))
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw isCancelled ? .cancelled : Self.naming(error, temporary: temporary, output: output)
        }
        return Summary(
            frames: writer.count, width: info.width, height: info.height, networkWidth: network.width,
            networkHeight: network.height, sceneCuts: filter.sceneCuts,
            meanMatch: filter.matchFrames > 0 ? filter.matchTotal / Double(filter.matchFrames) : 0,
            seconds: Date().timeIntervalSince(started))
    }

    /// An encoder error names the output the user asked for, not its temporary name.
    private static func naming(_ error: VideoError, temporary: String, output: String) -> VideoError {
        guard case .encodeFailed(temporary, let reason) = error else { return error }
        return .encodeFailed(path: output, reason: reason.replacingOccurrences(of: temporary, with: output))
    }

    /// Sends one colour frame to the encoder, and to a PNG when frames are kept.
    private static func store(_ colour: PixelImage, writer: FrameWriter, keepFrames: String?) throws(VideoError) {
        try writer.write(colour)
        guard let keepFrames else { return }
        let name = (keepFrames as NSString).appendingPathComponent(String(format: "frame-%06d.png", writer.count))
        do { try ImageCodec.write(colour, to: name) } catch { throw .encodeFailed(path: name, reason: reason(error)) }
    }

    /// An image error's reason without the path it starts with (the video error names the path).
    private static func reason(_ error: ImageError) -> String {
        switch error {
        case let .writeFailed(_, reason), let .unreadable(_, reason), let .unsupported(_, reason): reason
        default: error.description
        }
    }

    private func record(_ error: VideoError) {
        state.lock()
        if failure == nil { failure = error }
        state.unlock()
    }

    private func recordedFailure() -> VideoError? {
        state.lock()
        defer { state.unlock() }
        return failure
    }

    /// Closes the queues (every stage then finishes its loop) and stops both ffmpeg processes.
    private func stopStages() {
        state.lock()
        let (reader, writer, closeQueues) = (self.reader, self.writer, self.closeQueues)
        state.unlock()
        closeQueues?()
        reader?.cancel()
        writer?.cancel()
    }
}
