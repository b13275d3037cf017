/// Layout constants of the package file (DESIGN §8).
///
///     header   32 bytes: magic "VIGILPKG", format version u16, header size u16,
///              section count u32, file size u64, reserved u64
///     table    32 bytes per section: kind u32, flags u32, offset u64, length u64, reserved u64
///     sections each starting on a 64-byte boundary, so constants can be used in place
public enum PackageFormat {
    public static let magic: [UInt8] = [0x56, 0x49, 0x47, 0x49, 0x4C, 0x50, 0x4B, 0x47]  // "VIGILPKG"
    public static let version = 1
    public static let headerSize = 32
    public static let sectionEntrySize = 32
    public static let sectionAlignment = 64
    public static let maximumSections = 16
}

public enum SectionKind: UInt32, Sendable, Equatable {
    case manifest = 1
    case graph = 2
    case constants = 3
    case golden = 4
    case signatures = 5
    /// The input contract (InputContract.swift).
    case contract = 6

    public var name: String {
        switch self {
        case .manifest: return "manifest"
        case .graph: return "graph"
        case .constants: return "constants"
        case .golden: return "golden"
        case .signatures: return "signatures"
        case .contract: return "contract"
        }
    }
}

/// What a package is and where it came from. Section digests bind the rest of the
/// file to it, so a signature over the manifest covers everything.
public struct Manifest: Sendable, Equatable {
    public var name: String
    /// "model" or "firmware".
    public var kind: String
    public var version: String
    /// Monotonic anti-rollback counter: a device refuses a package lower than what it runs.
    public var securityCounter: UInt64
    public var hardwareClass: String
    public var runtimeVersion: String
    public var provenance: String
    /// Free-form key/value facts (input layouts, class names, quantization report).
    public var metadata: [(key: String, value: String)]
    /// SHA-256 of every other section, by kind.
    public var digests: [(kind: SectionKind, sha256: [UInt8])]

    public init(name: String, kind: String = "model", version: String = "0.0.0", securityCounter: UInt64 = 0, hardwareClass: String = "any", runtimeVersion: String = Vigil.runtimeVersion, provenance: String = "", metadata: [(key: String, value: String)] = []) {
        self.name = name; self.kind = kind; self.version = version; self.securityCounter = securityCounter
        self.hardwareClass = hardwareClass; self.runtimeVersion = runtimeVersion; self.provenance = provenance
        self.metadata = metadata; self.digests = []
    }

    public func value(for key: String) -> String? {
        for entry in metadata where entry.key == key { return entry.value }
        return nil
    }

    public static func == (a: Manifest, b: Manifest) -> Bool {
        a.name == b.name && a.kind == b.kind && a.version == b.version && a.securityCounter == b.securityCounter
            && a.hardwareClass == b.hardwareClass && a.runtimeVersion == b.runtimeVersion && a.provenance == b.provenance
            && a.metadata.map { $0.key } == b.metadata.map { $0.key } && a.metadata.map { $0.value } == b.metadata.map { $0.value }
            && a.digests.map { $0.kind } == b.digests.map { $0.kind } && a.digests.map { $0.sha256 } == b.digests.map { $0.sha256 }
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.string(name); w.string(kind); w.string(version); w.u64(securityCounter)
        w.string(hardwareClass); w.string(runtimeVersion); w.string(provenance)
        w.u32(UInt32(metadata.count))
        for entry in metadata { w.string(entry.key); w.string(entry.value) }
        w.u32(UInt32(digests.count))
        for d in digests { w.u32(d.kind.rawValue); w.raw(d.sha256) }
        return w.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(PackageError) -> Manifest {
        var r = ByteReader(bytes, context: "manifest")
        var m = Manifest(name: try r.string())
        m.kind = try r.string(); m.version = try r.string(); m.securityCounter = try r.u64()
        m.hardwareClass = try r.string(); m.runtimeVersion = try r.string(); m.provenance = try r.string()
        let entries = try r.count(minimumItemBytes: 8)
        for _ in 0..<entries { m.metadata.append((try r.string(), try r.string())) }
        let digestCount = try r.count(minimumItemBytes: 36)
        for _ in 0..<digestCount {
            let raw = try r.u32()
            guard let kind = SectionKind(rawValue: raw), kind != .manifest, kind != .signatures else {
                throw .malformed(r.context, "digest for section kind \(raw)")
            }
            m.digests.append((kind, try r.raw(32)))
        }
        if r.remaining != 0 { throw .malformed(r.context, "\(r.remaining) unexpected trailing bytes") }
        return m
    }
}

/// Inputs recorded at import and the outputs the model must reproduce from them: a
/// device self-tests a new model on these before it activates it.
public struct GoldenVectors: Sendable, Equatable {
    public var batch: Int
    /// Raw bytes of each graph input, then of each graph output, in graph order.
    public var inputs: [[UInt8]]
    public var outputs: [[UInt8]]
    /// Largest absolute difference allowed per output element (0 for integer models).
    public var tolerance: Float

    public init(batch: Int, inputs: [[UInt8]], outputs: [[UInt8]], tolerance: Float) {
        self.batch = batch; self.inputs = inputs; self.outputs = outputs; self.tolerance = tolerance
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(batch)); w.f32(tolerance)
        for list in [inputs, outputs] {
            w.u32(UInt32(list.count))
            for bytes in list { w.u32(UInt32(bytes.count)); w.raw(bytes) }
        }
        return w.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(PackageError) -> GoldenVectors {
        var r = ByteReader(bytes, context: "golden vectors")
        let batch = Int(try r.u32())
        let tolerance = try r.f32()
        if batch < 1 || !(tolerance >= 0) { throw .malformed(r.context, "batch \(batch), tolerance \(tolerance)") }
        var lists: [[[UInt8]]] = []
        for _ in 0..<2 {
            let n = try r.count(minimumItemBytes: 4)
            var list: [[UInt8]] = []
            for _ in 0..<n { list.append(try r.raw(try r.count(minimumItemBytes: 1))) }
            lists.append(list)
        }
        if r.remaining != 0 { throw .malformed(r.context, "\(r.remaining) unexpected trailing bytes") }
        return GoldenVectors(batch: batch, inputs: lists[0], outputs: lists[1], tolerance: tolerance)
    }
}

public enum Vigil {
    public static let runtimeVersion = "0.1.0"
}
