import Foundation
import Testing
import VigilImport
import VigilKernels
import VigilNumPy
import VigilRuntime

/// The whole-model families data scientists write for 1-D signals (issue #10), trained
/// on real beats by Fixtures/families/make_family_fixtures.py and written by Keras 3
/// (.keras, legacy .h5) and tf2onnx (.onnx): every file imports and computes what
/// Keras (or onnxruntime, for .onnx) computed on 64 held-out beats, within 1e-5
/// relative + 1e-6 absolute, with the portable and the host kernels. Their int8
/// .tflite files are TFLiteImportTests' `family_*` cases.
struct ModelFamilyTests {
    static let families = ["bn_after_act", "rr_norm", "bigru", "bilstm", "residual", "transformer"]
    static let formats = ["keras", "h5", "onnx"]
    static var cases: [(String, String)] {
        families.flatMap { f in formats.map { (f, $0) } }
    }

    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/families") }

    enum Kernels: String, CaseIterable, Sendable { case portable, host }

    @Test("A family imports from every format and matches its framework", arguments: cases)
    func matchesItsFramework(_ family: String, format: String) throws {
        let path = Self.directory.appendingPathComponent("\(family).\(format)").path
        let model = try ModelImporter.importModel(path: path)
        let arrays = try NumPyArchive.read(path: Self.directory.appendingPathComponent("\(family).npz").path)
        var inputs: [NumPyArray] = []
        while let a = arrays.first(where: { $0.name == "input_\(inputs.count)" }) { inputs.append(a.array) }
        let reference = format == "onnx" ? "onnx_0" : "keras_0"
        let want = try #require(arrays.first { $0.name == reference }?.array, "\(family).npz has no \(reference)")
        for kernels in Kernels.allCases {
            let outputs = switch kernels {
            case .portable: try KerasModelRun.run(model, inputs: inputs, kernels: PortableKernels.self)
            case .host: try KerasModelRun.run(model, inputs: inputs, kernels: HostKernels.self)
            }
            try #require(outputs.count == 1)
            #expect(outputs[0].shape == want.shape)
            let problem = KerasModelRun.mismatches(outputs[0].values, want.floats, relative: 1e-5, absolute: 1e-6)
            #expect(problem == nil, "\(family).\(format) (\(kernels)): \(problem ?? "")")
        }
    }
}
