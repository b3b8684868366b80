import ArgumentParser
import Colorization

/// How every colorizing command (`colorize`, `video`, `serve`, `sheet`, `evaluate`) turns the
/// network's distributions into colours (`ChromaDecoding`); the defaults were chosen on the
/// validation photos.
struct DecodingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Mute unsure colours: σc in Lab units (0: off; smaller mutes more).",
            discussion: "A pixel whose distributions spread over distant colours (σ) keeps σc²/(σc²+σ²) of its chroma."
        ))
    var confidence = ChromaDecoding.standard.confidence

    @Option(help: "Edge-aware colour refinement guided by lightness: window radius in network pixels (0: off).")
    var refineRadius = ChromaDecoding.standard.refineRadius

    @Option(help: "Refinement ε in (L/100)² units: lightness steps well above √ε keep their colour edge.")
    var refineEpsilon = ChromaDecoding.standard.refineEpsilon

    @Flag(
        inversion: .prefixedNo,
        help: "Average the network's distributions for the photo and its mirror image (twice the network's time).")
    var tta = ChromaDecoding.standard.flipAverage

    func validate() throws {
        guard (0...200).contains(confidence) else {
            throw ValidationError("--confidence must be from 0 (off) to 200 Lab units (got \(confidence))")
        }
        guard (0...64).contains(refineRadius) else {
            throw ValidationError("--refine-radius must be from 0 (off) to 64 network pixels (got \(refineRadius))")
        }
        guard refineEpsilon > 0 && refineEpsilon <= 1 else {
            throw ValidationError("--refine-epsilon must be above 0 and at most 1 (got \(refineEpsilon))")
        }
    }

    var decoding: ChromaDecoding {
        ChromaDecoding(
            confidence: confidence, refineRadius: refineRadius, refineEpsilon: refineEpsilon, flipAverage: tta)
    }
}
