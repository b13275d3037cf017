import Foundation
import Testing

/// GRU and LSTM under `vigil quantize`: they stay float between a Dequantize and a
/// Quantize. The models (`Models/arrhythmia/train_recurrent.py`, trained on DS1) and
/// their data (`calibration.npz`, `validation.npz`, held-out records) are committed,
/// so this runs without the datasets.
@Suite("vigil quantize with GRU and LSTM", .serialized, .enabled(if: QuantizeCLI.registered, "register QuantizeCommand in Vigil.swift"))
struct QuantizeRecurrentCLITests {
    static let models = QuantizeWFDB.repository.appendingPathComponent("Models/arrhythmia")

    /// Measured with the min/max observer on the 2000 validation beats (README, int8):
    /// GRU 98.75 % top-1 agreement, max abs error 0.056; LSTM 99.25 %, 0.060. The
    /// bounds leave room for a few more near-tie beats to flip where float kernels
    /// sum in another order (another vector width), not for a broken float island:
    /// a recurrent layer run on int8 codes as if they were floats, or with wrong
    /// boundary parameters, disagrees on most beats.
    @Test(arguments: [("gru", "GRU"), ("lstm", "LSTM")])
    func quantizedRecurrentModelAgreesWithFloat(model: String, op: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let package = dir.appendingPathComponent("\(model).vpkg").path
        let imported = try CLI.run(["import", Self.models.appendingPathComponent("\(model).keras").path, "-o", package])
        try #require(imported.status == 0, "\(imported.stderr)")
        let output = dir.appendingPathComponent("\(model).int8.vpkg").path
        let report = dir.appendingPathComponent("report.json").path
        let result = try CLI.run(["quantize", package, "--calibration", Self.models.appendingPathComponent("calibration.npz").path,
                                  "--validation", Self.models.appendingPathComponent("validation.npz").path, "-o", output, "--report", report])
        try #require(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(json["samples"] as? Int == 2000)
        // The float island is the recurrent layer and the Concatenate of its output with
        // the float RR input; the convolution, pool and dense layers are int8.
        let floatNodes = try #require(json["float_nodes"] as? [String]), int8Nodes = try #require(json["int8_nodes"] as? [String])
        #expect(floatNodes.count == 2 && floatNodes.contains(model) && floatNodes.contains { $0.hasPrefix("concatenate") }, "\(floatNodes)")
        #expect(int8Nodes.count == 5 && int8Nodes.contains { $0.hasPrefix("conv1d") }, "\(int8Nodes)")
        let agreement = try #require(json["top1_agreement"] as? Double)
        #expect(agreement >= 0.97, "\(op): top-1 agreement \(agreement)")
        let error = try #require(json["max_abs_error"] as? Double)
        #expect(error <= 0.15, "\(op): max abs error \(error)")
        // The written package decodes, validates and keeps the recurrent op.
        let inspect = try CLI.run(["inspect", output])
        #expect(inspect.status == 0 && inspect.stdout.contains(op), "\(inspect.stderr)")
    }
}
