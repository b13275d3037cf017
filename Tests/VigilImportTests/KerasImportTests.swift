import Foundation
import Testing
import VigilImport
import VigilKernels
import VigilNumPy
import VigilRuntime

/// Every Keras fixture (Keras 3 and tf_keras 2.x, legacy .h5 and .keras) imports and
/// computes what Keras' model.predict computed, within 1e-5 relative + 1e-6
/// absolute, with the portable reference kernels and with the host kernels.
struct KerasImportTests {
    static let relativeTolerance: Float = 1e-5
    static let absoluteTolerance: Float = 1e-6

    enum Kernels: String, CaseIterable, Sendable {
        case portable, host
    }

    @Test("Imported model matches Keras", arguments: KerasImportFixtures.modelFiles, Kernels.allCases)
    func matchesKeras(_ file: String, kernels: Kernels) throws {
        let model = try KerasImporter.importModel(path: KerasImportFixtures.path(file))
        let (inputs, expected) = try KerasImportFixtures.expectations(for: file)
        let outputs = switch kernels {
        case .portable: try KerasModelRun.run(model, inputs: inputs, kernels: PortableKernels.self)
        case .host: try KerasModelRun.run(model, inputs: inputs, kernels: HostKernels.self)
        }
        try #require(outputs.count == expected.count, "\(outputs.count) outputs, Keras \(expected.count)")
        for (i, (got, want)) in zip(outputs, expected).enumerated() {
            #expect(got.shape == want.shape, "output \(i) shape")
            #expect(model.outputLayouts[i].isNative)
            let problem = KerasModelRun.mismatches(got.values, want.floats, relative: Self.relativeTolerance, absolute: Self.absoluteTolerance)
            #expect(problem == nil, "\(file) output \(i) (\(kernels)): \(problem ?? "")")
        }
    }

    /// The DESIGN §11 model keeps Keras' input order and names, fuses every ReLU,
    /// and ends in a softmax node of its own.
    @Test(arguments: ["k3_reference.h5", "k3_reference.keras", "k2_reference.h5", "k2_reference.keras"])
    func referenceModelStructure(_ file: String) throws {
        let graph = try KerasImporter.importModel(path: KerasImportFixtures.path(file)).graph
        #expect(graph.inputs.map { graph.tensors[$0].name } == ["beat", "rr"])
        #expect(graph.inputs.map { graph.tensors[$0].shape } == [[256, 1], [4]])
        #expect(graph.outputs.map { graph.tensors[$0].shape } == [[5]])
        #expect(graph.nodes.map(\.op.name) == [
            "Conv1D", "MaxPool1D", "Conv1D", "MaxPool1D", "Conv1D", "GlobalAveragePool1D", "Concatenate", "Dense", "Dense", "Softmax",
        ])
        #expect(!graph.nodes.contains { $0.op == .activation(.relu) }, "a ReLU was not fused")
    }

    /// BatchNormalization folds into the convolutions without an activation
    /// (depthwise, grouped) and stays an affine node after the ReLU-activated
    /// separable convolution; dropout leaves no node.
    @Test(arguments: ["k3_separable.h5", "k3_separable.keras", "k2_separable.h5", "k2_separable.keras"])
    func batchNormFoldsAndDropoutVanishes(_ file: String) throws {
        let graph = try KerasImporter.importModel(path: KerasImportFixtures.path(file)).graph
        #expect(graph.nodes.filter { $0.op == .affine }.count == 1)
        #expect(!graph.nodes.contains { $0.name.contains("dropout") })
        let convolutions = graph.nodes.filter { if case .conv1D = $0.op { return true } else { return false } }
        #expect(convolutions.count == 4, "separable (2), depthwise and grouped convolutions")
    }

    /// hard_sigmoid is 0.2x + 0.5 in Keras 2 and relu6(x + 3)/6 in Keras 3; the
    /// importer reads the writer's version from the file.
    @Test(arguments: ["k3_gru.h5", "k3_gru.keras", "k2_gru.h5", "k2_gru.keras"])
    func hardSigmoidFollowsTheKerasVersion(_ file: String) throws {
        let slope: Float = file.hasPrefix("k3") ? 1.0 / 6.0 : 0.2
        let graph = try KerasImporter.importModel(path: KerasImportFixtures.path(file)).graph
        let gates = graph.nodes.compactMap { node -> Activation? in
            if case .gru(let a) = node.op, a.returnSequences { return a.recurrentActivation }
            return nil
        }
        #expect(gates == [.hardSigmoid(alpha: slope, beta: 0.5)])
    }

    @Test func twoOutputsKeepKerasOrder() throws {
        let model = try KerasImporter.importModel(path: KerasImportFixtures.path("k3_two_outputs.keras"))
        #expect(model.graph.outputs.map { model.graph.tensors[$0].shape } == [[3], [2]])
        #expect(model.inputLayouts == [.native(rank: 3)])
        #expect(model.outputLayouts == [.native(rank: 2), .native(rank: 2)])
        #expect(model.source.contains("3.15.1"))
    }

    @Test func sourceNamesFormatAndVersion() throws {
        let legacy = try KerasImporter.importModel(path: KerasImportFixtures.path("k2_lstm.h5"))
        #expect(legacy.source.contains("2.21.0") && legacy.source.contains("legacy HDF5"))
        let archive = try KerasImporter.importModel(path: KerasImportFixtures.path("k3_lstm.keras"))
        #expect(archive.source.contains("3.15.1") && archive.source.contains(".keras"))
    }

    /// Imports run concurrently (as tests and a batch converter do). libhdf5 1.10
    /// refuses some string conversions off the main thread, which this caught.
    @Test func concurrentImportsSucceed() async {
        let files = KerasImportFixtures.modelFiles
        let failures = await withTaskGroup(of: String?.self) { group in
            for file in files + files {
                group.addTask {
                    do {
                        _ = try KerasImporter.importModel(path: KerasImportFixtures.path(file))
                        return nil
                    } catch {
                        return "\(file): \(error)"
                    }
                }
            }
            var out: [String] = []
            for await failure in group { if let failure { out.append(failure) } }
            return out
        }
        #expect(failures.isEmpty, "\(failures.count) imports failed, e.g. \(failures.prefix(2))")
    }

    /// A layer called twice (the shared Dense) becomes two nodes.
    @Test(arguments: ["k3_two_outputs.h5", "k3_two_outputs.keras", "k2_two_outputs.h5", "k2_two_outputs.keras"])
    func sharedLayerIsCalledTwice(_ file: String) throws {
        let graph = try KerasImporter.importModel(path: KerasImportFixtures.path(file)).graph
        #expect(graph.nodes.filter { $0.name.hasPrefix("shared") && $0.op == .dense(activation: .tanh) }.count == 2)
    }
}
