import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

/// Synthetic records in every supported format, compared with what
/// wfdb.rdrecord (wfdb-python 4.3.1) reads from the same files.
@Suite struct WFDBFormatTests {
    static let names = ["fmt8", "fmt16", "fmt24", "fmt32", "fmt61", "fmt80", "fmt160", "fmt212", "fmt310", "fmt311",
                        "multifreq", "multifreq212"]

    @Test(arguments: names)
    func samplesMatchWFDBPython(name: String) throws {
        let expected = try #require(try Fixtures.json("formats.json")[name] as? [String: Any])
        let record = try WFDBRecord.read(Fixtures.path("formats/" + name))
        #expect(record.header.samplingFrequency == (expected["fs"] as! NSNumber).doubleValue)
        #expect(record.frameCount == (expected["sig_len"] as! NSNumber).intValue)
        #expect(record.header.signals.map(\.format.rawValue) == array(expected["fmt"]).ints)
        #expect(record.header.signals.map(\.samplesPerFrame) == array(expected["samps_per_frame"]).ints)
        #expect(record.header.signals.map(\.gain) == array(expected["adc_gain"]).doubles)
        #expect(record.header.signals.map(\.baseline) == array(expected["baseline"]).ints)
        #expect(record.header.signals.map(\.units) == array(expected["units"]).strings)
        #expect(record.header.signals.map(\.resolution) == array(expected["adc_res"]).ints)
        #expect(record.header.signals.map(\.adcZero) == array(expected["adc_zero"]).ints)
        #expect(record.header.signals.map(\.initialValue) == array(expected["init_value"]).ints)
        #expect(record.header.signals.map(\.description) == array(expected["sig_name"]).strings)
        let samples = array(expected["samples"]).map { array($0).ints }
        #expect(record.digital.map { $0.map(Int.init) } == samples)
        if let counter = expected["counter_freq"] as? NSNumber { #expect(record.header.counterFrequency == counter.doubleValue) }
        if let base = expected["base_counter"] as? NSNumber { #expect(record.header.baseCounter == base.doubleValue) }
    }

    @Test func checksumsFromHeaderAgreeWithData() throws {
        for name in Self.names {
            let record = try WFDBRecord.read(Fixtures.path("formats/" + name))
            for (s, spec) in record.header.signals.enumerated() {
                let expected = try #require(spec.checksum)
                #expect(Int16(truncatingIfNeeded: SignalGroupDecoder.checksum(record.digital[s])) == Int16(truncatingIfNeeded: expected))
            }
        }
    }

    @Test func physicalUnitsUseGainAndBaseline() throws {
        // fmt16 signal 1: gain 150, baseline 7, so digital 157 is 1 mV (hand-derived from the header).
        let record = try WFDBRecord.read(Fixtures.path("formats/fmt16"))
        let physical = record.physical(signal: 1)
        for (d, p) in zip(record.digital[1], physical) {
            let expected = Float(Double(d - 7) / 150)
            #expect(abs(p - expected) <= 1e-6 * max(1, abs(expected)))
        }
    }

    @Test func headerFieldsParse() throws {
        let text = "rec 2 500/1000(12) 7 10:20:30 01/02/2003\r\nrec.dat 212x4:0+16 100(5)/uV 12 3 4 -5 0 ECG lead II\r\n# comment\nrec.dat 212 0 12 0 0 0 0\n"
        let header = try WFDBHeader.parse(text)
        #expect(header.recordName == "rec")
        #expect(header.samplingFrequency == 500 && header.counterFrequency == 1000 && header.baseCounter == 12)
        #expect(header.sampleCount == 7 && header.baseTime == "10:20:30" && header.baseDate == "01/02/2003")
        let s0 = header.signals[0]
        #expect(s0.format == .packed212 && s0.samplesPerFrame == 4 && s0.byteOffset == 16)
        #expect(s0.gain == 100 && s0.baseline == 5 && s0.units == "uV" && s0.adcZero == 3 && s0.initialValue == 4)
        #expect(s0.checksum == -5 && s0.description == "ECG lead II")
        // Gain 0 means uncalibrated: WFDB reads it as 200 ADU per unit; the baseline defaults to ADC zero.
        #expect(header.signals[1].gain == 200 && !header.signals[1].gainWasGiven && header.signals[1].units == "mV")
        #expect(header.comments == [" comment"])
    }
}
