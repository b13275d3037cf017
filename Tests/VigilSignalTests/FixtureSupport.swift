import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore
import VigilTestSupport

/// Fixtures made by Scripts/signal/make_fixtures.py (wfdb-python 4.3.1, scipy), and
/// the shared datasets folder, `<repo>/../shared/datasets`, when it is present.
enum Fixtures {
    static let directory: String = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").path

    static func path(_ relative: String) -> String { directory + "/" + relative }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static let datasets: String = TestPaths.datasets

    static var datasetsPresent: Bool { FileManager.default.fileExists(atPath: datasets + "/mitdb-ds1/101.hea") }

    static let ds1 = ["101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122",
                      "124", "201", "203", "205", "207", "208", "209", "215", "220", "223", "230"]

    /// A fresh temporary folder for tests that make their own (bad) files.
    static func temporaryDirectory() throws -> String { try TestPaths.temporaryDirectory(prefix: "vigil-signal").path }
}

extension Array where Element == Any {
    var ints: [Int] { map { ($0 as! NSNumber).intValue } }
    var doubles: [Double] { map { ($0 as! NSNumber).doubleValue } }
    var strings: [String] { map { $0 as! String } }
}

func array(_ value: Any?) -> [Any] { value as? [Any] ?? [] }

/// Annotations as wfdb.rdann lists them, from the fixture's parallel arrays.
func annotations(fromJSON object: [String: Any]) -> [Annotation] {
    let samples = array(object["sample"]).ints, symbols = array(object["symbol"]).strings
    let subtypes = array(object["subtype"]).ints, channels = array(object["chan"]).ints
    let numbers = array(object["num"]).ints, aux = array(object["aux_note"]).strings
    return samples.indices.map { i in
        Annotation(sample: samples[i], code: AnnotationCode(symbol: symbols[i])!, subtype: Int8(subtypes[i]),
                   channel: UInt8(channels[i]), number: Int8(numbers[i]), aux: Array(aux[i].utf8))
    }
}
