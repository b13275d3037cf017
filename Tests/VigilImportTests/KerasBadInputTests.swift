import Foundation
import Testing
import VigilImport
import VigilTestSupport

extension KerasImportTests {
    /// Bad files and models fail with a specific `ImportError`, never a crash.
    struct BadInput {
        func importing(_ file: String) -> ImportError? {
            importing(path: KerasImportFixtures.path(file))
        }

        func importing(path: String) -> ImportError? {
            do {
                _ = try KerasImporter.importModel(path: path)
                return nil
            } catch {
                return error
            }
        }

        /// Imports a modified copy of a fixture.
        func importing(_ data: Data, extension ext: String) throws -> ImportError? {
            let path = try KerasImportFixtures.temporaryCopy(data, extension: ext)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return importing(path: path)
        }

        func isMalformed(_ error: ImportError?, mentioning text: String = "") -> Bool {
            guard case .malformedFile(_, let reason)? = error else { return false }
            return text.isEmpty || reason.contains(text)
        }

        // MARK: Unsupported models

        @Test(arguments: ["bad_conv2d.h5", "bad_conv2d.keras"])
        func unsupportedLayerNamesLayerClassAndSupportedClasses(_ file: String) throws {
            let error = try #require(importing(file))
            guard case .unsupportedOp(let node, let type, let supported) = error else {
                Issue.record("expected unsupportedOp, got \(error)")
                return
            }
            #expect(node == "conv2d")
            #expect(type == "Conv2D")
            #expect(supported.contains("Conv1D") && supported.contains("GRU") && supported.contains("Dense"))
            #expect(error.description.contains("Conv2D") && error.description.contains("conv2d") && error.description.contains("SeparableConv1D"))
        }

        /// Corrupted HDF5 files FuzzKeras made (Fuzz/Regressions and README): a metadata
        /// entry declaring 36 PB, on which libhdf5 tries to allocate that much (address
        /// sanitizer aborts there; glibc's malloc fails and libhdf5 reports it), and a
        /// superblock on which libhdf5 leaks 56 bytes inside H5Fopen. Either is a
        /// malformed file, not a crash.
        @Test(arguments: ["bad_hdf5_metadata_size.h5", "bad_hdf5_superblock.h5"])
        func corruptedHDF5FromTheFuzzerIsMalformed(_ file: String) {
            #expect(isMalformed(importing(file), mentioning: "HDF5"))
        }

        /// A call argument that changes the computation (here a causal mask) is refused,
        /// not dropped.
        @Test func callArgumentsThatChangeTheComputationAreRefused() throws {
            let error = try #require(importing("bad_causal_attention.keras"))
            guard case .unsupportedAttribute(let node, let reason) = error else { Issue.record("\(error)"); return }
            #expect(node == "causal" && reason.contains("use_causal_mask"), "\(reason)")
        }

        @Test func lambdaLayerIsUnsupported() throws {
            let error = try #require(importing("bad_lambda.keras"))
            guard case .unsupportedOp(let node, let type, _) = error else {
                Issue.record("expected unsupportedOp, got \(error)")
                return
            }
            #expect(node == "doubling" && type == "Lambda")
        }

        @Test func channelsFirstConvolutionIsRejected() throws {
            let error = try #require(importing("bad_channels_first.keras"))
            guard case .unsupportedAttribute(let node, let reason) = error else {
                Issue.record("expected unsupportedAttribute, got \(error)")
                return
            }
            #expect(node == "conv_cf" && reason.contains("channels_first"))
        }

        @Test func lstmReturningStateIsRejected() throws {
            let error = try #require(importing("bad_lstm_state.keras"))
            guard case .unsupportedAttribute(let node, let reason) = error else {
                Issue.record("expected unsupportedAttribute, got \(error)")
                return
            }
            #expect(node == "lstm_state" && reason.contains("return_state"))
        }

        // MARK: Bad weights

        @Test(arguments: ["bad_nan.h5", "bad_nan.keras"])
        func nanWeightsAreRejected(_ file: String) {
            #expect(importing(file) == .nonFiniteWeights(tensor: "dense/kernel"))
        }

        @Test(arguments: ["bad_inf.h5", "bad_inf.keras"])
        func infiniteWeightsAreRejected(_ file: String) {
            #expect(importing(file) == .nonFiniteWeights(tensor: "conv/bias"))
        }

        @Test(arguments: ["bad_missing_weight.h5", "bad_missing_weight.keras"])
        func missingWeightIsReported(_ file: String) {
            let error = importing(file)
            #expect(isMalformed(error, mentioning: "missing weight"), "\(String(describing: error))")
            #expect(error?.description.contains("dense") == true)
        }

        @Test(arguments: ["bad_weight_shape.h5", "bad_weight_shape.keras"])
        func wrongWeightShapeIsReported(_ file: String) throws {
            let error = try #require(importing(file))
            guard case .shapeMismatch(let node, let reason) = error else {
                Issue.record("expected shapeMismatch, got \(error)")
                return
            }
            #expect(node == "conv" && reason.contains("[3, 4, 3]") && reason.contains("[3, 2, 3]"))
        }

        @Test func weightsOnlyFileNeedsTheModel() {
            #expect(isMalformed(importing("bad_weights_only.weights.h5"), mentioning: "model_config"))
        }

        // MARK: Damaged files

        @Test(arguments: ["k3_reference.h5", "k2_gru.h5", "k3_reference.keras", "k2_gru.keras"])
        func truncatedFilesAreMalformed(_ file: String) throws {
            let data = try KerasImportFixtures.bytes(file)
            let ext = (file as NSString).pathExtension
            for length in [0, 3, 100, data.count / 3, data.count / 2, data.count - 100, data.count - 1] {
                let error = try importing(data.prefix(length), extension: ext)
                #expect(isMalformed(error), "\(file) cut to \(length) bytes: \(String(describing: error))")
            }
        }

        @Test func missingFileIsMalformed() {
            #expect(isMalformed(importing(path: "/nonexistent/model.keras"), mentioning: "cannot read"))
        }

        @Test func otherFilesAreRejected() throws {
            // A zip that is not a model (an .npz), and text.
            #expect(isMalformed(importing("k3_gru.npz"), mentioning: "config.json"))
            #expect(isMalformed(try importing(Data("{\"class_name\": \"Sequential\"}".utf8), extension: "h5"), mentioning: "neither"))
        }

        /// A flipped byte inside a stored member fails the zip's CRC check.
        @Test(arguments: ["config.json", "model.weights.h5"])
        func flippedBytesInKerasArchiveAreDetected(_ member: String) throws {
            var data = try KerasImportFixtures.bytes("k3_separable.keras")
            let offset = try #require(Self.memberDataOffset(member, in: data))
            for delta in [0, 40, 400] {
                var copy = data
                copy[copy.startIndex + offset + delta] ^= 0x5A
                #expect(isMalformed(try importing(copy, extension: "keras"), mentioning: member), "flip at \(offset + delta)")
            }
            data[data.startIndex + offset] ^= 0
        }

        /// Damage to the JSON config inside a legacy HDF5 file is reported.
        @Test func corruptedConfigInHDF5IsDetected() throws {
            var data = try KerasImportFixtures.bytes("k3_reference.h5")
            let start = try #require(Self.find(Array("{\"class_name\": \"Functional\"".utf8), in: data))
            data[data.startIndex + start] = UInt8(ascii: "#")
            #expect(isMalformed(try importing(data, extension: "h5"), mentioning: "JSON"))
        }

        /// libhdf5 1.10 would crash on these two: a string's heap object claiming more
        /// bytes than its collection holds, and a string reference whose object
        /// index was damaged. The importer's heap check rejects both first.
        @Test func damagedStringHeapIsRejectedBeforeLibhdf5ReadsIt() throws {
            let data = try KerasImportFixtures.bytes("k3_reference.h5")
            let collection = try #require(Self.find(Array("GCOL".utf8), in: data))
            let text = try #require(Self.find(Array("{\"class_name\"".utf8), in: data))
            let header = text - 16  // index (2), references (2), reserved (4), size (8)
            let bytes = [UInt8](data)
            let index = Int(bytes[header]) | Int(bytes[header + 1]) << 8
            let size = (0..<4).reduce(0) { $0 | Int(bytes[header + 8 + $1]) << (8 * $1) }

            var oversized = data
            oversized[oversized.startIndex + header + 13] ^= 0x35
            #expect(isMalformed(try importing(oversized, extension: "h5"), mentioning: "global heap"))

            // The reference: length (4), collection address (8), object index (4).
            var reference: [UInt8] = []
            for v in [(size, 4), (collection, 8), (index, 4)] { for i in 0..<v.1 { reference.append(UInt8((v.0 >> (8 * i)) & 0xFF)) } }
            let at = try #require(Self.find(reference, in: data))
            var misdirected = data
            misdirected[misdirected.startIndex + at + 13] ^= 0xB2
            #expect(isMalformed(try importing(misdirected, extension: "h5"), mentioning: "global heap"))
        }

        @Test func corruptedHDF5SignatureIsDetected() throws {
            var data = try KerasImportFixtures.bytes("k2_reference.h5")
            data[data.startIndex + 1] ^= 0xFF
            #expect(isMalformed(try importing(data, extension: "h5")))
        }

        /// Byte flips across files' structure never crash: they import (a flip in data
        /// or in a field nobody checks) or fail with an ImportError.
        @Test(arguments: ["k3_two_outputs.h5", "k2_lstm.h5", "k3_lstm.keras"])
        func randomByteFlipsNeverCrash(_ file: String) throws {
            let data = try KerasImportFixtures.bytes(file)
            let ext = (file as NSString).pathExtension
            var random = SplitMix64(seed: 0x5EED)
            var failures = 0
            for round in 0..<40 {
                var copy = data
                // Half the flips land in the first 4 KiB, where the structure is.
                let limit = round.isMultiple(of: 2) ? min(4096, data.count) : data.count
                let offset = Int(random.next() % UInt64(limit))
                copy[copy.startIndex + offset] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                if try importing(copy, extension: ext) != nil { failures += 1 }
            }
            #expect(failures > 0, "no flip was noticed at all")
        }

        // MARK: Helpers

        static func find(_ needle: [UInt8], in data: Data) -> Int? {
            let bytes = [UInt8](data)
            guard needle.count <= bytes.count else { return nil }
            for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] && Array(bytes[i..<(i + needle.count)]) == needle {
                return i
            }
            return nil
        }

        /// Offset of a stored member's data: after its local header (30 bytes, the
        /// name and the extra field).
        static func memberDataOffset(_ name: String, in data: Data) -> Int? {
            let bytes = [UInt8](data)
            var i = 0
            while i + 30 <= bytes.count {
                guard bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 3, bytes[i + 3] == 4 else { i += 1; continue }
                let nameLength = Int(bytes[i + 26]) | Int(bytes[i + 27]) << 8
                let extraLength = Int(bytes[i + 28]) | Int(bytes[i + 29]) << 8
                if i + 30 + nameLength <= bytes.count, String(decoding: bytes[(i + 30)..<(i + 30 + nameLength)], as: UTF8.self) == name {
                    return i + 30 + nameLength + extraLength
                }
                i += 4
            }
            return nil
        }
    }
}
