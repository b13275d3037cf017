import Testing
@testable import VigilRuntime
import VigilTestSupport
import VigilReferenceModel

@Suite("Package file")
struct PackageFileTests {
    func referencePackage() throws -> ModelPackage {
        let graph = try ReferenceModel.arrhythmia().validated().optimized()
        var manifest = Manifest(name: "reference", version: "1.2.3", securityCounter: 42, hardwareClass: "implant-m4", provenance: "built in code")
        manifest.metadata = [("classes", "N,S,V,F,Q")]
        let golden = GoldenVectors(batch: 1, inputs: [[1, 2, 3, 4]], outputs: [[5, 6]], tolerance: 1e-5)
        return ModelPackage(manifest: manifest, graph: graph, golden: golden)
    }

    @Test func roundTripPreservesEverything() throws {
        let package = try referencePackage()
        let bytes = package.encoded()
        let decoded = try ModelPackage.decode(bytes)
        #expect(decoded.graph == package.graph)
        #expect(decoded.golden == package.golden)
        #expect(decoded.manifest.name == "reference")
        #expect(decoded.manifest.securityCounter == 42)
        #expect(decoded.manifest.value(for: "classes") == "N,S,V,F,Q")
        #expect(decoded.manifest.digests.count == 3)
    }

    @Test func constantsAreAlignedForInPlaceUse() throws {
        let bytes = try referencePackage().encoded()
        let layout = try bytes.withUnsafeBytes { try ModelPackage.layout(of: $0) }
        let constants = try #require(layout.range(of: .constants))
        #expect(constants.lowerBound % PackageFormat.sectionAlignment == 0)
    }

    @Test func everyTruncationIsRejected() throws {
        let bytes = try referencePackage().encoded()
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: PackageError.self) { try ModelPackage.decode(Array(bytes[0..<length])) }
        }
    }

    @Test func corruptedSectionsFailTheirDigest() throws {
        let bytes = try referencePackage().encoded()
        let layout = try bytes.withUnsafeBytes { try ModelPackage.layout(of: $0) }
        for kind in [SectionKind.graph, .constants, .golden] {
            let range = try #require(layout.range(of: kind))
            var corrupted = bytes
            corrupted[range.lowerBound + range.count / 2] ^= 0x5A
            #expect(throws: PackageError.digestMismatch(kind.name)) { try ModelPackage.decode(corrupted) }
        }
    }

    @Test func headerDamageIsNamed() throws {
        let bytes = try referencePackage().encoded()
        var badMagic = bytes
        badMagic[0] = 0
        #expect(throws: PackageError.badMagic) { try ModelPackage.decode(badMagic) }
        var badVersion = bytes
        badVersion[8] = 9
        #expect(throws: PackageError.unsupportedVersion(9)) { try ModelPackage.decode(badVersion) }
        var outOfBounds = bytes
        // First table entry's offset (bytes 32+8 ..< 32+16) pointed past the end of the file.
        outOfBounds[32 + 8 + 6] = 0x7F
        #expect(throws: PackageError.sectionOutOfBounds("manifest")) { try ModelPackage.decode(outOfBounds) }
    }

    /// Random byte flips anywhere must end in an error or a package that decodes:
    /// never a crash or an out-of-bounds read.
    @Test func randomCorruptionNeverCrashes() throws {
        let bytes = try referencePackage().encoded()
        var rng = SplitMix64(seed: 99)
        var rejected = 0
        for _ in 0..<400 {
            var corrupted = bytes
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                corrupted[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if (try? ModelPackage.decode(corrupted)) == nil { rejected += 1 }
        }
        #expect(rejected > 300)
    }

    /// Sizes chosen to overflow 64-bit size arithmetic end in errors, not traps.
    @Test func hugeSizesAreRejectedNotTrapped() throws {
        var huge = try referencePackage()
        huge.graph.tensors[huge.graph.inputs[0]].shape = [1 << 30, 1 << 30]
        #expect(throws: PackageError.invalidGraph(.tooLarge(tensor: "beat", shape: [1 << 30, 1 << 30]))) { try ModelPackage.decode(huge.encoded()) }
        var wide = try referencePackage()
        guard case .conv1D(var a) = wide.graph.nodes[0].op else { Issue.record("first node is not a conv"); return }
        a.dilation = Int(Int32.max)
        wide.graph.nodes[0].op = .conv1D(a)
        #expect(throws: PackageError.self) { try ModelPackage.decode(wide.encoded()) }
        var reshape = try referencePackage()
        reshape.graph.nodes[0].op = .reshape(shape: [1 << 20, 1 << 20, 1 << 20, -1])
        #expect(throws: PackageError.self) { try ModelPackage.decode(reshape.encoded()) }
    }

    /// A graph section crafted to pass its digest but lie about its structure is
    /// caught by decoding and validation, not trusted.
    @Test func forgedGraphIsRejectedByValidation() throws {
        var package = try referencePackage()
        package.graph.nodes[0].inputs = [999]
        let bytes = package.encoded()
        #expect(throws: PackageError.self) { try ModelPackage.decode(bytes) }
        var cyclic = try referencePackage()
        cyclic.graph.nodes[0].inputs[0] = cyclic.graph.nodes[1].outputs[0]
        #expect(throws: PackageError.invalidGraph(.cycle(node: cyclic.graph.nodes[0].name))) { try ModelPackage.decode(cyclic.encoded()) }
    }
}
