import VigilImport
import VigilKernels
import VigilRuntime

extension PostTrainingQuantizer {
    /// Refuses a package whose graph is not all float32; `name` (its path) names it.
    public static func requireFloat(_ package: ModelPackage, name: String) throws(QuantizationError) {
        let graph = package.graph
        if let t = graph.tensors.first(where: { $0.dtype != .float32 }) {
            throw .notAFloatPackage(package: name, tensor: t.name, dtype: t.dtype.name, quantized: graph.tensors.contains { $0.quantization != nil })
        }
    }

    /// Quantizes a float package (`vigil quantize`): calibrates on `calibration` with the
    /// host kernels, quantizes, and returns the int8 package: the float package's
    /// manifest with "vigil quantize" added to the provenance and `quantization.*`
    /// metadata (scheme, observer, samples, data source), and new golden vectors.
    public func quantize(package floatPackage: ModelPackage, name: String, calibration: QuantizeDataset) throws(QuantizationError) -> (package: ModelPackage, summary: Summary) {
        try PostTrainingQuantizer.requireFloat(floatPackage, name: name)
        let result = try quantize(floatPackage.graph, calibrationInputs: calibration.inputs, samples: calibration.count, kernels: HostKernels.self)

        var manifest = floatPackage.manifest
        manifest.provenance = floatPackage.manifest.provenance.isEmpty ? "vigil quantize" : floatPackage.manifest.provenance + "; vigil quantize"
        manifest.metadata.removeAll { $0.key.hasPrefix("quantization.") }
        manifest.metadata.append(("quantization.scheme", "int8 per-channel weights, per-tensor activations (TFLite)"))
        manifest.metadata.append(("quantization.observer", observer.description))
        if floatHead { manifest.metadata.append(("quantization.float_head", "true")) }
        if !keepFloat.isEmpty { manifest.metadata.append(("quantization.keep_float", keepFloat.sorted().joined(separator: ","))) }
        manifest.metadata.append(("quantization.calibration_samples", "\(calibration.count)"))
        if let source = calibration.source { manifest.metadata.append(("quantization.calibration_data", source)) }
        var package = ModelPackage(manifest: manifest, graph: result.graph, inputContract: floatPackage.inputContract)
        // Integer arithmetic is exact: a device must reproduce the outputs bit for bit,
        // unless float islands (GRU, LSTM) compute between the int8 parts.
        let floatIslands = result.graph.nodes.contains { $0.op != .dequantize && result.graph.tensors[$0.outputs[0]].dtype == .float32 }
        do { package.golden = try GoldenVectors.recorded(for: result.graph, tolerance: floatIslands ? 1e-4 : 0) } catch { throw .invalidGraph(error) }
        return (package, result.summary)
    }

    /// Lowers a package imported from ONNX's QDQ or QOperator format to Vigil's int8
    /// kernels with the model's own parameters (`lowerQDQ`); no calibration. Its manifest
    /// records "vigil quantize (QDQ lowered)", and new golden vectors.
    public func lower(package source: ModelPackage) throws(QuantizationError) -> (package: ModelPackage, summary: Summary) {
        let result = try lowerQDQ(source.graph)
        var manifest = source.manifest
        manifest.provenance = source.manifest.provenance.isEmpty ? "vigil quantize (QDQ lowered)" : source.manifest.provenance + "; vigil quantize (QDQ lowered)"
        manifest.metadata.removeAll { $0.key.hasPrefix("quantization.") }
        manifest.metadata.append(("quantization.scheme", "the model's own QDQ parameters on int8 kernels (TFLite requantization)"))
        if !keepFloat.isEmpty { manifest.metadata.append(("quantization.keep_float", keepFloat.sorted().joined(separator: ","))) }
        var package = ModelPackage(manifest: manifest, graph: result.graph, inputContract: source.inputContract)
        let floatIslands = result.graph.nodes.contains { $0.op != .dequantize && result.graph.tensors[$0.outputs[0]].dtype == .float32 }
        do { package.golden = try GoldenVectors.recorded(for: result.graph, tolerance: floatIslands ? 1e-4 : 0) } catch { throw .invalidGraph(error) }
        return (package, result.summary)
    }
}
