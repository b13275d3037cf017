import Foundation
import Testing
@testable import VigilImport
import VigilRuntime

/// The ONNX backend node tests of the supported ops, exported by
/// `Scripts/onnx/export_node_tests.py` into the directory `VIGIL_ONNX_NODE_TESTS` names.
/// Each case is imported and run with the portable kernels and compared with the
/// test's expected outputs at its own tolerance. A case Vigil cannot import (a 2-D
/// convolution, a reverse GRU…) counts as failed and is listed with the reason.
/// Prints `onnx node tests: N passed, N failed` and the failures; the test itself
/// fails only if a case crashes the importer's contract (it cannot: errors are values),
/// so the pass rate is reported rather than enforced.
struct ONNXNodeConformanceTests {
    static var directory: URL? {
        guard let path = ProcessInfo.processInfo.environment["VIGIL_ONNX_NODE_TESTS"], !path.isEmpty else { return nil }
        return URL(fileURLWithPath: path)
    }

    struct NodeCase: Decodable {
        var rtol: Float
        var atol: Float
        var inputs: [FixtureArray]
        var outputs: [FixtureArray]

        static func load(_ url: URL) throws -> NodeCase {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try decoder.decode(NodeCase.self, from: Data(contentsOf: url))
        }
    }

    @Test(.enabled(if: directory != nil, "set VIGIL_ONNX_NODE_TESTS to the directory export_node_tests.py wrote"))
    func nodeTests() throws {
        guard let directory = Self.directory else { return }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var passed = 0
        var failures: [(String, String)] = []
        for name in names {
            let caseDirectory = directory.appendingPathComponent(name)
            let modelURL = caseDirectory.appendingPathComponent("model.onnx")
            guard FileManager.default.fileExists(atPath: modelURL.path) else { continue }
            if let reason = Self.run(caseDirectory, name: name) {
                failures.append((name, reason))
            } else {
                passed += 1
            }
        }
        print("onnx node tests: \(passed) passed, \(failures.count) failed")
        for (name, reason) in failures {
            print("  FAIL \(name): \(reason.replacingOccurrences(of: "\n", with: "; "))")
        }
        #expect(passed + failures.count > 0, "no cases found in \(directory.path)")
    }

    /// nil when the case passes, else why not.
    static func run(_ directory: URL, name: String) -> String? {
        let testCase: NodeCase
        let model: ImportedModel
        do {
            testCase = try NodeCase.load(directory.appendingPathComponent("data.json"))
        } catch {
            return "fixture unreadable: \(error)"
        }
        do {
            model = try ONNXImporter.importModel(atPath: directory.appendingPathComponent("model.onnx").path)
        } catch {
            return "import: \(error.description)"
        }
        do {
            let outputs = try ModelRunner.run(model, inputs: testCase.inputs, kernels: PortableKernels.self)
            return ModelRunner.compare(outputs, testCase.outputs, relative: testCase.rtol, absolute: testCase.atol).map { "mismatch: \($0)" }
        } catch let error as GraphError {
            return "run: \(error.message)"
        } catch {
            return "run: \(error)"
        }
    }
}
