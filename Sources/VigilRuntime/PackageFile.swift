import VigilCrypto

/// A model package: manifest, graph, constants, input contract and golden vectors in
/// one file.
public struct ModelPackage: Sendable, Equatable {
    public var manifest: Manifest
    public var graph: Graph
    /// What the model expects of its signal and what its outputs mean; nil in a
    /// package that states none (then `contract` says only what the graph says).
    public var inputContract: InputContract?
    public var golden: GoldenVectors?
    /// Raw signature section, verified by the update pipeline (opaque here).
    public var signatures: [UInt8]?

    public init(manifest: Manifest, graph: Graph, inputContract: InputContract? = nil, golden: GoldenVectors? = nil, signatures: [UInt8]? = nil) {
        self.manifest = manifest; self.graph = graph; self.inputContract = inputContract; self.golden = golden; self.signatures = signatures
    }

    /// The stated contract, or one that says only what the graph says.
    public var contract: InputContract { inputContract ?? .plain(for: graph) }

    /// The file bytes. Digests of the graph, constant and golden sections are written
    /// into the manifest.
    public func encoded() -> [UInt8] {
        var sections: [(SectionKind, [UInt8])] = [
            (.graph, graph.encoded()),
            (.constants, graph.constantData),
        ]
        if let inputContract { sections.append((.contract, inputContract.encoded())) }
        if let golden { sections.append((.golden, golden.encoded())) }
        var manifest = self.manifest
        manifest.digests = sections.map { ($0.0, SHA256.hash($0.1)) }
        sections.insert((.manifest, manifest.encoded()), at: 0)
        if let signatures { sections.append((.signatures, signatures)) }

        let tableEnd = PackageFormat.headerSize + sections.count * PackageFormat.sectionEntrySize
        var offsets: [Int] = []
        var position = tableEnd
        for (_, bytes) in sections {
            position = (position + PackageFormat.sectionAlignment - 1) / PackageFormat.sectionAlignment * PackageFormat.sectionAlignment
            offsets.append(position)
            position += bytes.count
        }
        var w = ByteWriter()
        w.raw(PackageFormat.magic)
        w.u16(UInt16(PackageFormat.version)); w.u16(UInt16(PackageFormat.headerSize))
        w.u32(UInt32(sections.count)); w.u64(UInt64(position)); w.u64(0)
        for (i, (kind, bytes)) in sections.enumerated() {
            w.u32(kind.rawValue); w.u32(0); w.u64(UInt64(offsets[i])); w.u64(UInt64(bytes.count)); w.u64(0)
        }
        for (i, (_, bytes)) in sections.enumerated() {
            while w.bytes.count < offsets[i] { w.u8(0) }
            w.raw(bytes)
        }
        return w.bytes
    }

    /// Where each section lies; checked to be inside the file and disjoint.
    public struct Layout: Sendable {
        public var sections: [(kind: SectionKind, range: Range<Int>)]

        public func range(of kind: SectionKind) -> Range<Int>? {
            for s in sections where s.kind == kind { return s.range }
            return nil
        }
    }

    /// Checks the header and section table only.
    public static func layout(of file: UnsafeRawBufferPointer) throws(PackageError) -> Layout {
        var r = ByteReader(file, context: "header")
        if file.count < PackageFormat.headerSize { throw .truncated("header", needed: PackageFormat.headerSize, available: file.count) }
        for byte in PackageFormat.magic where try r.u8() != byte { throw .badMagic }
        let version = Int(try r.u16())
        if version != PackageFormat.version { throw .unsupportedVersion(version) }
        let headerSize = Int(try r.u16())
        if headerSize != PackageFormat.headerSize { throw .malformed("header", "header size \(headerSize)") }
        let count = Int(try r.u32())
        if count < 1 || count > PackageFormat.maximumSections { throw .malformed("header", "\(count) sections") }
        let fileSize = try r.u64()
        if fileSize != UInt64(file.count) { throw .truncated("file", needed: Int(truncatingIfNeeded: fileSize), available: file.count) }
        _ = try r.u64()
        var sections: [(kind: SectionKind, range: Range<Int>)] = []
        var t = ByteReader(file, context: "section table")
        _ = try t.raw(PackageFormat.headerSize)
        for _ in 0..<count {
            let raw = try t.u32()
            _ = try t.u32()
            let offset = try t.u64(), length = try t.u64()
            _ = try t.u64()
            guard let kind = SectionKind(rawValue: raw) else { throw .malformed("section table", "unknown section kind \(raw)") }
            if sections.contains(where: { $0.kind == kind }) { throw .malformed("section table", "section '\(kind.name)' appears twice") }
            let tableEnd = UInt64(PackageFormat.headerSize + count * PackageFormat.sectionEntrySize)
            if offset < tableEnd || offset > UInt64(file.count) || length > UInt64(file.count) - offset {
                throw .sectionOutOfBounds(kind.name)
            }
            let range = Int(offset)..<Int(offset + length)
            for other in sections where other.range.overlaps(range) { throw .overlappingSections(other.kind.name, kind.name) }
            sections.append((kind, range))
        }
        return Layout(sections: sections)
    }

    /// Reads and verifies a package: structure, then every section's SHA-256 against
    /// the manifest, and only then the graph, which must validate.
    public static func decode(_ file: UnsafeRawBufferPointer) throws(PackageError) -> ModelPackage {
        let layout = try layout(of: file)
        func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: file[range]) }
        guard let manifestRange = layout.range(of: .manifest) else { throw .missingSection("manifest") }
        let manifest = try Manifest.decode(slice(manifestRange))
        for required in [SectionKind.graph, .constants] {
            if layout.range(of: required) == nil { throw .missingSection(required.name) }
            if !manifest.digests.contains(where: { $0.kind == required }) { throw .malformed("manifest", "no digest for section '\(required.name)'") }
        }
        for section in layout.sections where section.kind != .manifest && section.kind != .signatures {
            guard let expected = manifest.digests.first(where: { $0.kind == section.kind }) else {
                throw .malformed("manifest", "no digest for section '\(section.kind.name)'")
            }
            if SHA256.hash(slice(section.range)) != expected.sha256 { throw .digestMismatch(section.kind.name) }
        }
        for digest in manifest.digests where layout.range(of: digest.kind) == nil { throw .missingSection(digest.kind.name) }

        let constantsRange = layout.range(of: .constants)!
        // A device uses the constants in place (`selfTest(kernels:constants:)`), so the
        // section must start aligned, as the writer places it; each constant's own
        // offset is checked against its element type by graph validation.
        if constantsRange.lowerBound % PackageFormat.sectionAlignment != 0 {
            throw .malformed("section table", "constants section at offset \(constantsRange.lowerBound) is not aligned to \(PackageFormat.sectionAlignment) bytes")
        }
        var constants = [UInt8](repeating: 0, count: constantsRange.count)
        constants.withUnsafeMutableBytes { $0.copyMemory(from: slice(constantsRange)) }
        let decoded = try Graph.decode(slice(layout.range(of: .graph)!), constants: constants)
        let graph: Graph
        do { graph = try decoded.validated() } catch { throw .invalidGraph(error) }
        var contract: InputContract?
        if let range = layout.range(of: .contract) {
            contract = try InputContract.decode(slice(range))
            try contract!.check(against: graph)
        }
        var golden: GoldenVectors?
        // Whether the vectors fit the graph is the self-test's business (SelfTest.swift).
        if let range = layout.range(of: .golden) { golden = try GoldenVectors.decode(slice(range)) }
        var signatures: [UInt8]?
        if let range = layout.range(of: .signatures) { signatures = Array(slice(range)) }
        return ModelPackage(manifest: manifest, graph: graph, inputContract: contract, golden: golden, signatures: signatures)
    }

    public static func decode(_ bytes: [UInt8]) throws(PackageError) -> ModelPackage {
        let result: Result<ModelPackage, PackageError> = bytes.withUnsafeBytes { raw in
            do throws(PackageError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
