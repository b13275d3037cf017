/// The resource budgets of model import, in one place. A model file that exceeds
/// one fails with an error naming the limit.
public enum ImportLimits {
    /// Most bytes `model.weights.h5` in a `.keras` archive may inflate to: 2 GiB.
    public static let maximumKerasWeightsBytes = 1 << 31
    /// Most bytes `config.json` or `metadata.json` in a `.keras` archive may inflate
    /// to: 64 MiB (real configs are kilobytes).
    public static let maximumKerasJSONBytes = 1 << 26
    /// Samples `vigil run` (`PackageArrays.stream`) reads, runs and writes at a time,
    /// so that a batch of any size needs memory for one chunk only: 1,024 samples
    /// of the reference model are 1 MiB of input and 35 MB of arena.
    public static let runChunkSamples = 1024
}
