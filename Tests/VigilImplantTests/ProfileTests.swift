import Foundation
import Testing
@testable import VigilImplant

@Suite("Implant profile")
struct ProfileTests {
    @Test func theReferenceProfileIsValid() throws {
        let p = try ImplantProfile.implantM4.validated()
        // 12-bit ADC over ±5 mV (the signal chain's rails): 4096 codes / 10 mV.
        #expect(p.adcGain == 409.6)
        // DESIGN §6: 64 MHz, 64 KiB arena of 256 KiB, 0.28 J a day for inference.
        #expect(p.clockHz == 64e6 && p.arenaBytes == 65536 && p.ramBytes == 262144 && p.inferenceJoulesPerDay == 0.28)
    }

    func write(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aProfileFileOverridesTheReferenceValues() throws {
        let p = try ImplantProfile.load(try write(#"{"name": "slow", "clock_hz": 32000000, "arena_bytes": 32768}"#))
        #expect(p.name == "slow" && p.clockHz == 32e6 && p.arenaBytes == 32768 && p.ramBytes == 262144)
    }

    @Test(arguments: [
        (#"{"clock_hz": 0}"#, "clock_hz must be positive"),
        (#"{"arena_bytes": 300000}"#, "arena_bytes 300000 must be positive and at most ram_bytes 262144"),
        (#"{"active_nj_per_cycle": -0.36}"#, "active_nj_per_cycle must be positive"),
        (#"{"sleep_uw": -3}"#, "sleep_uw must be ≥ 0"),
        (#"{"adc_bits": 40}"#, "adc_bits must be 8…16"),
        (#"{"model_slot_bytes": 600000}"#, "do not fit 1048576 bytes of flash"),
        (#"{"clock": 64000000}"#, "unknown key 'clock'"),
        (#"{"clock_hz": "fast"}"#, "'clock_hz' must be a number"),
        (#"[1, 2]"#, "not a JSON object"),
        (#"{"clock_hz": "#, "not valid JSON"),
    ])
    func impossibleProfilesAreRefused(_ json: String, _ expected: String) throws {
        let path = try write(json)
        #expect {
            _ = try ImplantProfile.load(path)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func anUnknownProfileNameIsRefused() {
        #expect(throws: ImplantError.profile("unknown profile 'implant-m7': name implant-m4 or a .json file")) {
            _ = try ImplantProfile.load("implant-m7")
        }
    }

    @Test func injectionSpecsParse() throws {
        let f = try FaultInjection(spec: "lead_off@600+30")
        #expect(f.kind == .leadOff && f.start == 600 && f.duration == 30)
        for bad in ["lead_off", "lead_off@600", "leadoff@600+30", "lead_off@-1+30", "lead_off@600+0", "lead_off@x+30", "noise@1+2", "lead_off@1+2+3", ""] {
            #expect(throws: ImplantError.self, "\(bad)") { _ = try FaultInjection(spec: bad) }
        }
    }
}
