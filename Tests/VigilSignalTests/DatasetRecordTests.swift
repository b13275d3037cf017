import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

/// Real records (MIT-BIH DS1, NST, CUDB) against values wfdb-python read from them.
@Suite(.enabled(if: Fixtures.datasetsPresent, "../shared/datasets is absent; real-record tests skipped"))
struct DatasetRecordTests {
    @Test func samplesMatchWFDBPython() throws {
        let fixture = try #require(try Fixtures.json("datasets.json")["records"] as? [String: Any])
        for (key, value) in fixture {
            let expected = try #require(value as? [String: Any])
            let record = try WFDBRecord.read(Fixtures.datasets + "/" + key)
            #expect(record.frameCount == (expected["sig_len"] as! NSNumber).intValue, "\(key)")
            #expect(record.header.signals.map(\.gain) == array(expected["adc_gain"]).doubles, "\(key)")
            #expect(record.header.signals.map(\.baseline) == array(expected["baseline"]).ints, "\(key)")
            #expect(record.header.signals.map(\.description) == array(expected["sig_name"]).strings, "\(key)")
            for window in array(expected["windows"]) {
                let w = window as! [String: Any]
                let start = (w["start"] as! NSNumber).intValue
                for (s, values) in array(w["d_signal"]).enumerated() {
                    let ints = array(values).ints
                    #expect(record.digital[s][start..<(start + ints.count)].map(Int.init) == ints, "\(key) signal \(s) at \(start)")
                }
            }
            let sums = array(expected["sums"]).ints
            #expect(record.digital.map { $0.reduce(0) { $0 + Int($1) } } == sums, "\(key)")
        }
    }

    @Test func annotationsMatchWFDBPython() throws {
        let fixture = try #require(try Fixtures.json("datasets.json")["annotations"] as? [String: Any])
        for (key, value) in fixture {
            let expected = annotations(fromJSON: try #require(value as? [String: Any]))
            let read = try AnnotationFile.read(Fixtures.datasets + "/" + key + ".atr")
            #expect(Array(read.prefix(expected.count)) == expected, "\(key)")
            #expect(read.count >= expected.count)
        }
    }

    @Test func everyDS1RecordReadsWithVerifiedChecksums() throws {
        for name in Fixtures.ds1 {
            let record = try WFDBRecord.read(Fixtures.datasets + "/mitdb-ds1/" + name)
            #expect(record.frameCount == 650_000)
            #expect(record.header.signals.count == 2)
        }
    }
}
