import Foundation
import VigilNumPy
import VigilImport
import VigilRuntime

/// Reading packages and exchanging arrays with them at the CLI boundary.
enum PackageFiles {
    static func read(_ path: String) throws -> ModelPackage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read the package (missing or unreadable)")
        }
        do {
            return try ModelPackage.decode([UInt8](data))
        } catch {
            throw CLIError("\(path): \(error.message)")
        }
    }

    static func write(_ package: ModelPackage, to path: String) throws {
        do {
            try Data(package.encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("\(path): cannot write the package: \(error.localizedDescription)")
        }
    }

    /// How the source framework orders a tensor's axes, as recorded at import
    /// (`input.0.layout = 0,2,1/3`); native when absent.
    static func layout(_ package: ModelPackage, _ role: String, _ index: Int, rank: Int) throws -> TensorLayout {
        guard let text = package.manifest.value(for: "\(role).\(index).layout") else { return .native(rank: rank) }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let frameworkRank = Int(parts[1]) else {
            throw CLIError("package metadata \(role).\(index).layout = '\(text)' is malformed")
        }
        let axes = parts[0].split(separator: ",").compactMap { Int($0) }
        // Unit axes the framework does not see (-1) may repeat: an ONNX scalar is stored
        // after the unit batch axis as one more unit axis.
        let named = axes.filter { $0 >= 0 }
        guard axes.count == rank, axes.allSatisfy({ $0 >= -1 && $0 < frameworkRank }), Set(named).count == named.count else {
            throw CLIError("package metadata \(role).\(index).layout = '\(text)' does not fit a rank-\(rank) tensor")
        }
        return TensorLayout(storedAxes: axes, frameworkRank: frameworkRank)
    }

    static func metadataValue(_ layout: TensorLayout) -> String {
        layout.storedAxes.map(String.init).joined(separator: ",") + "/\(layout.frameworkRank)"
    }

    /// Reorders an array's elements between framework and runtime layouts.
    static func rearrange(_ array: NumPyArray, _ layout: TensorLayout, toVigil: Bool) -> NumPyArray? {
        if layout.isNative { return array }
        let size = array.dtype.byteSize
        let elements = (0..<array.elementCount).map { Array(array.bytes[($0 * size)..<(($0 + 1) * size)]) }
        let shape = toVigil ? layout.storedShape(frameworkShape: array.shape) : layout.frameworkShape(storedShape: array.shape)
        let moved = toVigil ? layout.toVigil(elements, frameworkShape: array.shape) : layout.toFramework(elements, storedShape: array.shape)
        guard let shape, let moved else { return nil }
        return NumPyArray(dtype: array.dtype, shape: shape, bytes: moved.flatMap { $0 })
    }

    static func dtype(_ d: DType) -> NumPyArray.DType {
        switch d {
        case .float32: return .float32
        case .int8: return .int8
        case .int32: return .int32
        case .int16: return .int16
        case .int64: return .int64
        case .uint8: return .uint8
        case .uint16: return .uint16
        case .uint32: return .uint32
        case .uint64: return .uint64
        case .bool: return .bool
        }
    }

    /// Checks an input array against graph input `index` and returns it in the runtime's
    /// layout, with its batch size.
    static func prepare(_ array: NumPyArray, for package: ModelPackage, input index: Int, source: String) throws -> (NumPyArray, batch: Int) {
        let tensor = package.graph.tensors[package.graph.inputs[index]]
        let layout = try layout(package, "input", index, rank: tensor.shape.count + 1)
        guard let native = rearrange(array, layout, toVigil: true) else {
            throw CLIError("\(source): shape \(array.shape) does not fit input '\(tensor.name)' in its framework layout (\(layout))")
        }
        if native.dtype != dtype(tensor.dtype) {
            throw CLIError("\(source): dtype \(array.dtype.rawValue) does not match input '\(tensor.name)' (\(tensor.dtype.name))")
        }
        guard native.shape.count == tensor.shape.count + 1, Array(native.shape.dropFirst()) == tensor.shape, native.shape[0] >= 1 else {
            let expected = "[batch, " + tensor.shape.map(String.init).joined(separator: ", ") + "]"
            throw CLIError("\(source): shape \(array.shape) does not fit input '\(tensor.name)', which takes \(expected) in Vigil's layout (framework layout: \(layout))")
        }
        return (native, native.shape[0])
    }
}
