import Imaging
import NeuralNetwork
import Tensor

/// Image embeddings for FID-style feature statistics: the pooled 1280-channel features of an
/// ImageNet-pretrained EfficientNet-Lite (RGB, ImageNet preprocessing). Not Inception-v3: the
/// distances it gives are comparable with each other, not with published FID figures.
public final class FeatureEmbedding: @unchecked Sendable {
    public let variant: EfficientNetLite.Variant
    let network: EfficientNetLite

    /// Loads the installed pretrained weights (`scripts/install-pretrained.sh`).
    public init(_ variant: EfficientNetLite.Variant = .lite2) throws(CheckpointError) {
        self.variant = variant
        network = try EfficientNetLite(variant, greyInput: false, includeClassifier: true)
    }

    /// One embedding per raster (RGB, 0–1), computed in one batch.
    public func embed(_ rasters: [Raster]) -> [[Double]] {
        let size = variant.resolution
        let inputs = rasters.map { ImageNetClassification.input(Image(color: $0), size: size, grey: false) }
        let pooled = withoutGradients {
            network.pooledFeatures(EfficientNetLite.normalized(Tensor.concatenate(inputs, axis: 0)))
        }
        let width = pooled.shape[1]
        return rasters.indices.map { row in pooled.scalars[(row * width)..<((row + 1) * width)].map(Double.init) }
    }
}
