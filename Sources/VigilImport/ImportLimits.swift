/// The resource budgets of model import, in one place. A model file that exceeds
/// one fails with an error naming the limit.
public enum ImportLimits {
    /// Most bytes a model file (`.onnx`, `.tflite`, `.keras`, `.h5`) may have: 2 GiB,
    /// protobuf's own limit for an ONNX model; checked before the file is read.
    public static let maximumModelFileBytes = 1 << 31
    /// Most bytes `model.weights.h5` in a `.keras` archive may inflate to: 2 GiB.
    public static let maximumKerasWeightsBytes = 1 << 31
    /// Most bytes `config.json` or `metadata.json` in a `.keras` archive may inflate
    /// to: 64 MiB (real configs are kilobytes).
    public static let maximumKerasJSONBytes = 1 << 26
    /// Samples `vigil run` (`PackageArrays.stream`) reads, runs and writes at a time,
    /// so that a batch of any size needs memory for one chunk only: 1,024 samples
    /// of the reference model are 1 MiB of input and 35 MB of arena.
    public static let runChunkSamples = 1024
    /// Most elements a constant the ONNX importer computes (by broadcasting, Expand,
    /// Concat or Gather of constants) may have: 2^24, 64 MiB of float32, beyond any
    /// weight a device holds. Constants read from the file are bounded by its bytes; a
    /// folded one is not, so a 4 KB file could otherwise ask for gigabytes of work.
    public static let maximumFoldedConstantElements = 1 << 24
    /// Most iterations one ONNX Loop may unroll to at import: 1,024 (a GRU over 4 s of
    /// ECG at 256 Hz in 1-sample steps, the longest real case, is 1,024 steps).
    public static let maximumLoopIterations = 1024
    /// Most Loop body nodes the ONNX importer copies for all Loops of a model together:
    /// 2^16. Nested Loops multiply, so a small file could otherwise ask for 1,024^k copies.
    public static let maximumUnrolledLoopNodes = 1 << 16
}

import Foundation

/// The bytes of the model file at `path`, refused before reading when it is larger than
/// `ImportLimits.maximumModelFileBytes`.
func readModelFile(_ path: String) throws(ImportError) -> Data {
    let size: Int
    do {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        size = (attributes[.size] as? NSNumber)?.intValue ?? 0
    } catch {
        throw .malformedFile(path: path, reason: "cannot read the file (\(error.localizedDescription))")
    }
    if size > ImportLimits.maximumModelFileBytes {
        throw .malformedFile(path: path, reason: "\(size) bytes is more than the \(ImportLimits.maximumModelFileBytes)-byte limit (ImportLimits.maximumModelFileBytes)")
    }
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw .malformedFile(path: path, reason: "cannot read the file (\(error.localizedDescription))")
    }
}
