import Foundation
import SwiftProtobuf
import VigilRuntime

/// Imports ONNX models (opsets 11 to 21; later opsets, which changed the supported ops
/// only by adding element types, are accepted too) into Vigil graphs. Of the supported
/// ops, opsets 11 and 12 define Softmax (over axes flattened into one) and Squeeze and
/// Unsqueeze (axes as an attribute) differently: Softmax is read in its old form where
/// it normalizes a single axis, Squeeze and Unsqueeze only from opset 13. Every other
/// supported op means the same in opsets 11 to 13 (Dropout's ratio attribute of opset 11
/// matters only in training, which that opset does not express). Older opsets changed
/// Clip, Slice and others more deeply and are refused.
///
/// ONNX is channels first and Vigil channels last. The importer converts once, at
/// import: weights are rewritten, each value carries the order in which its axes are
/// stored, Transposes become relabels, and graph inputs are stored in whichever order
/// their consumers need. The result never transposes at run time; where that is
/// impossible, the import fails and says which node is at fault.
public enum ONNXImporter {
    public static let supportedOpsets: ClosedRange<Int> = 11...21
    /// The newest opset accepted: opsets 22–28 changed the supported ops only by adding
    /// element types (bfloat16, float8, int4…), which a float32 import never sees.
    public static let newestAcceptedOpset = 28
    public static var supportedOps: [String] { ONNXGraphConverter.supportedOps }

    public static func importModel(contentsOf data: Data, name: String) throws(ImportError) -> ImportedModel {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw .malformedFile(path: name, reason: "not a readable ONNX protobuf (\(error))")
        }
        return try importModel(model, name: name)
    }

    public static func importModel(contentsOf bytes: [UInt8], name: String) throws(ImportError) -> ImportedModel {
        try importModel(contentsOf: Data(bytes), name: name)
    }

    /// Reads and imports the file at `path`.
    public static func importModel(atPath path: String) throws(ImportError) -> ImportedModel {
        return try importModel(contentsOf: try readModelFile(path), name: path)
    }

    static func importModel(_ model: Onnx_ModelProto, name: String) throws(ImportError) -> ImportedModel {
        guard model.hasGraph else { throw .malformedFile(path: name, reason: "the model has no graph") }
        let opsets = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let opset = opsets.first.map({ Int(clamping: $0.version) }) else {
            throw .malformedFile(path: name, reason: "the model imports no version of the default ONNX operator set")
        }
        guard opset >= supportedOpsets.lowerBound && opset <= newestAcceptedOpset else {
            throw .unsupportedVersion("\(name) uses ONNX opset \(opset); Vigil imports opsets \(supportedOpsets.lowerBound)–\(supportedOpsets.upperBound) (up to \(newestAcceptedOpset) accepted)")
        }
        var producer = model.producerName.isEmpty ? "unknown" : model.producerName
        if !model.producerVersion.isEmpty { producer += " " + model.producerVersion }
        let source = "onnx opset \(opset), producer \(producer)"

        // A model whose inputs all have a fixed first axis has no batch axis to vary:
        // when it cannot be imported with that axis as Vigil's batch (an op works
        // along it, an input has rank 1), it is imported batch-free, as one sample.
        do {
            return try importModel(model, name: name, opset: opset, source: source, batchFree: false)
        } catch {
            guard ONNXGraphConverter.hasFixedLeadingAxes(model.graph),
                  let model = try? importModel(model, name: name, opset: opset, source: source, batchFree: true) else { throw error }
            return model
        }
    }

    private static func importModel(_ model: Onnx_ModelProto, name: String, opset: Int, source: String, batchFree: Bool) throws(ImportError) -> ImportedModel {
        // Each graph input starts in ONNX's own order; a consumer that needs another
        // order asks for it and the conversion restarts. Every layout is tried once.
        var layouts: [Int: [Int]] = [:]
        var tried: Set<String> = []
        while true {
            var converter = ONNXGraphConverter(path: name, opset: opset, inputLayouts: layouts, batchFree: batchFree)
            converter.triedLayouts = tried
            do {
                let (_, outputLayouts) = try converter.convert(model.graph)
                let graph: Graph
                do {
                    graph = try converter.graph.validated().optimized()
                } catch {
                    throw ImportError.invalidGraph(error)
                }
                return ImportedModel(graph: graph, inputLayouts: converter.inputLayoutsUsed, outputLayouts: outputLayouts, source: source)
            } catch let request as InputRelayout {
                let key = InputRelayout.key(input: request.input, storedAxes: request.storedAxes)
                if tried.contains(key) || tried.count > 16 { throw request.otherwise }
                tried.insert(key)
                layouts[request.input] = request.storedAxes
            } catch let error as ImportError {
                throw error
            } catch {
                throw .malformedFile(path: name, reason: "\(error)")
            }
        }
    }
}
