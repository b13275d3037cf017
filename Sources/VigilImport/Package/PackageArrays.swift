import VigilNumPy
import VigilRuntime

/// NumPy arrays in and out of a package, in the source framework's layout: what
/// `vigil run`, `vigil import --check` and the quantizer's data loading share.
public enum PackageArrays {
    /// Reorders an array's elements between framework and runtime layouts; nil when
    /// the shape does not fit the layout.
    public static func rearrange(_ array: NumPyArray, _ layout: TensorLayout, toVigil: Bool) -> NumPyArray? {
        if layout.isNative { return array }
        let size = array.dtype.byteSize
        let elements = (0..<array.elementCount).map { Array(array.bytes[($0 * size)..<(($0 + 1) * size)]) }
        let shape = toVigil ? layout.storedShape(frameworkShape: array.shape) : layout.frameworkShape(storedShape: array.shape)
        let moved = toVigil ? layout.toVigil(elements, frameworkShape: array.shape) : layout.toFramework(elements, storedShape: array.shape)
        guard let shape, let moved else { return nil }
        return NumPyArray(dtype: array.dtype, shape: shape, bytes: moved.flatMap { $0 })
    }

    /// The NumPy element type of a runtime element type.
    public static func dtype(_ d: DType) -> NumPyArray.DType {
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

    /// Checks an array in the framework's layout against graph input `index` and
    /// returns it in the runtime's layout, with its batch size. `source` names the
    /// array in messages.
    public static func prepare(_ array: NumPyArray, for package: ModelPackage, input index: Int, source: String) throws(PackageDataError) -> (NumPyArray, batch: Int) {
        let (layout, batch) = try check(shape: array.shape, dtype: array.dtype, for: package, input: index, source: source)
        guard let native = rearrange(array, layout, toVigil: true) else {
            throw PackageDataError("\(source): shape \(array.shape) does not fit input '\(package.graph.tensors[package.graph.inputs[index]].name)' in its framework layout (\(layout))")
        }
        return (native, batch)
    }

    /// What `prepare` checks, from an array's shape and dtype alone (a file's header):
    /// the input's layout and the batch size.
    static func check(shape: [Int], dtype elementType: NumPyArray.DType, for package: ModelPackage, input index: Int, source: String) throws(PackageDataError) -> (TensorLayout, batch: Int) {
        let tensor = package.graph.tensors[package.graph.inputs[index]]
        let layout = try PackageLayouts.layout(of: package, .input, index, rank: tensor.shape.count + 1)
        guard let native = layout.isNative ? shape : layout.storedShape(frameworkShape: shape) else {
            throw PackageDataError("\(source): shape \(shape) does not fit input '\(tensor.name)' in its framework layout (\(layout))")
        }
        if elementType != dtype(tensor.dtype) {
            throw PackageDataError("\(source): dtype \(elementType.rawValue) does not match input '\(tensor.name)' (\(tensor.dtype.name))")
        }
        guard native.count == tensor.shape.count + 1, Array(native.dropFirst()) == tensor.shape, native[0] >= 1 else {
            let expected = "[batch, " + tensor.shape.map(String.init).joined(separator: ", ") + "]"
            throw PackageDataError("\(source): shape \(shape) does not fit input '\(tensor.name)', which takes \(expected) in Vigil's layout (framework layout: \(layout))")
        }
        return (layout, native[0])
    }

    /// Runs the package's graph on `.npy` files, one per graph input, batch first;
    /// returns the outputs in the source framework's layout, named by tensor. The
    /// files are read `chunk` samples at a time (see `stream`).
    public static func run<K: KernelSet>(_ package: ModelPackage, inputFiles paths: [String], chunk: Int = ImportLimits.runChunkSamples, kernels: K.Type) throws(PackageDataError) -> [(name: String, array: NumPyArray)] {
        var collector = OutputCollector()
        try stream(package, inputFiles: paths, chunk: chunk, kernels: kernels, begin: { collector.begin($0) }, emit: { collector.emit($0) })
        return collector.arrays
    }

    /// Runs the package's graph on arrays, one per graph input, batch first, each with
    /// a name for messages; returns the outputs as `run(_:inputFiles:kernels:)` does.
    public static func run<K: KernelSet>(_ package: ModelPackage, inputs: [(array: NumPyArray, source: String)], chunk: Int = ImportLimits.runChunkSamples, kernels: K.Type) throws(PackageDataError) -> [(name: String, array: NumPyArray)] {
        var collector = OutputCollector()
        try run(package, count: inputs.count, chunk: chunk, kernels: kernels, input: { i throws(PackageDataError) in
            InputSource(array: inputs[i].array, source: inputs[i].source)
        }, begin: { collector.begin($0) }, emit: { collector.emit($0) })
        return collector.arrays
    }

    /// An output as a streamed run announces it: its name, element type and whole
    /// shape in the framework's layout (a constant output without a batch axis).
    public struct OutputShape: Sendable, Equatable {
        public var name: String
        public var dtype: NumPyArray.DType
        public var shape: [Int]
        public var isConstant: Bool
    }

    /// Runs the package's graph on `.npy` files without holding the batch in memory:
    /// each file is read `chunk` samples at a time, the chunk run, and its outputs
    /// handed to `emit` (in the framework's layout, in batch order; a constant output
    /// only with the first chunk, nil afterwards). `begin` first receives every
    /// output's whole shape. Where a layout puts the batch on a framework axis other
    /// than the first, the batch cannot be cut into contiguous rows and runs whole.
    public static func stream<K: KernelSet>(_ package: ModelPackage, inputFiles paths: [String], chunk: Int = ImportLimits.runChunkSamples, kernels: K.Type,
                                            begin: ([OutputShape]) throws(PackageDataError) -> Void,
                                            emit: ([NumPyArray?]) throws(PackageDataError) -> Void) throws(PackageDataError) {
        try run(package, count: paths.count, chunk: chunk, kernels: kernels, input: { i throws(PackageDataError) in
            do { return InputSource(reader: try NumPyReader(path: paths[i]), source: paths[i]) } catch { throw PackageDataError("\(error)") }
        }, begin: begin, emit: emit)
    }

    /// One input: a file read a chunk at a time, or an array in memory.
    struct InputSource {
        var shape: [Int]
        var dtype: NumPyArray.DType
        var source: String
        var next: (Int) throws(PackageDataError) -> NumPyArray

        init(reader: NumPyReader, source: String) {
            shape = reader.shape
            dtype = reader.dtype
            self.source = source
            next = { n throws(PackageDataError) in
                do { return try reader.read(rows: n) } catch { throw PackageDataError("\(error)") }
            }
        }

        init(array: NumPyArray, source: String) {
            shape = array.shape
            dtype = array.dtype
            self.source = source
            var row = 0
            next = { n in
                guard let rows = array.shape.first, rows > 0 else { return array }
                let size = array.bytes.count / rows
                let take = min(n, rows - row)
                defer { row += take }
                if take == rows { return array }
                return NumPyArray(dtype: array.dtype, shape: [take] + array.shape.dropFirst(), bytes: Array(array.bytes[(row * size)..<((row + take) * size)]))
            }
        }
    }

    /// Gathers streamed outputs into whole arrays.
    struct OutputCollector {
        var shapes: [OutputShape] = []
        var parts: [[UInt8]] = []

        mutating func begin(_ shapes: [OutputShape]) {
            self.shapes = shapes
            parts = Array(repeating: [], count: shapes.count)
        }

        mutating func emit(_ arrays: [NumPyArray?]) {
            for (i, a) in arrays.enumerated() { if let a { parts[i] += a.bytes } }
        }

        var arrays: [(name: String, array: NumPyArray)] {
            zip(shapes, parts).map { ($0.name, NumPyArray(dtype: $0.dtype, shape: $0.shape, bytes: $1)) }
        }
    }

    /// Inputs come one at a time (opened, then checked) so that messages follow the
    /// inputs' order; then the batch runs `chunk` samples at a time.
    private static func run<K: KernelSet>(_ package: ModelPackage, count: Int, chunk: Int, kernels: K.Type,
                                          input: (Int) throws(PackageDataError) -> InputSource,
                                          begin: ([OutputShape]) throws(PackageDataError) -> Void,
                                          emit: ([NumPyArray?]) throws(PackageDataError) -> Void) throws(PackageDataError) {
        let graph = package.graph
        if count != graph.inputs.count {
            throw PackageDataError("the model takes \(graph.inputs.count) input(s), \(count) given")
        }
        var sources: [InputSource] = []
        var layouts: [TensorLayout] = []
        var batch = 0
        for i in 0..<count {
            let source = try input(i)
            let (layout, b) = try check(shape: source.shape, dtype: source.dtype, for: package, input: i, source: source.source)
            if batch != 0 && b != batch { throw PackageDataError("\(source.source): batch \(b) differs from the other inputs' \(batch)") }
            batch = b
            sources.append(source)
            layouts.append(layout)
        }
        // A graph without inputs (every output a constant) runs as one sample.
        batch = max(batch, 1)
        var outputs: [OutputShape] = []
        var outputLayouts: [TensorLayout] = []
        for (i, id) in graph.outputs.enumerated() {
            let tensor = graph.tensors[id]
            // A constant output has no batch axis; its layout maps its own axes.
            let stored = tensor.isConstant ? tensor.shape : [batch] + tensor.shape
            let layout = try PackageLayouts.layout(of: package, .output, i, rank: stored.count)
            guard let shape = layout.isNative ? stored : layout.frameworkShape(storedShape: stored) else {
                throw PackageDataError("output '\(tensor.name)' cannot be put in its framework layout \(layout)")
            }
            outputs.append(OutputShape(name: tensor.name, dtype: dtype(tensor.dtype), shape: shape, isConstant: tensor.isConstant))
            outputLayouts.append(layout)
        }
        // Rows of a chunk are contiguous only where the batch is the framework's first axis.
        let batchFirst = layouts.allSatisfy { $0.storedAxes.first == 0 }
            && zip(outputs, outputLayouts).allSatisfy { $0.isConstant || $1.storedAxes.first == 0 }
        let rows = batchFirst ? max(1, min(chunk, batch)) : batch
        try begin(outputs)
        var interpreter: Interpreter<K>?
        var done = 0
        while done < batch {
            let n = min(rows, batch - done)
            if interpreter?.batch != n {
                interpreter = nil  // release the previous arena first
                do { interpreter = try Interpreter<K>(graph: graph, batch: n) } catch { throw PackageDataError(error.message) }
            }
            let interpreter = interpreter!
            for (i, source) in sources.enumerated() {
                let part = try source.next(n)
                guard let native = rearrange(part, layouts[i], toVigil: true), native.bytes.count == interpreter.inputBytes(i).count else {
                    throw PackageDataError("\(source.source): shape \(part.shape) does not fit input '\(graph.tensors[graph.inputs[i]].name)' in its framework layout (\(layouts[i]))")
                }
                let target = interpreter.inputBytes(i)
                native.bytes.withUnsafeBytes { target.copyMemory(from: $0) }
            }
            interpreter.invoke()
            var arrays: [NumPyArray?] = []
            for (i, id) in graph.outputs.enumerated() {
                let tensor = graph.tensors[id]
                if tensor.isConstant && done > 0 { arrays.append(nil); continue }
                let bytes = Array(interpreter.outputBytes(i))
                let shape = tensor.isConstant ? tensor.shape : [n] + tensor.shape
                let array = NumPyArray(dtype: dtype(tensor.dtype), shape: shape, bytes: bytes)
                guard let framework = rearrange(array, outputLayouts[i], toVigil: false) else {
                    throw PackageDataError("output '\(tensor.name)' cannot be put in its framework layout \(outputLayouts[i])")
                }
                arrays.append(framework)
            }
            try emit(arrays)
            done += n
        }
    }
}
