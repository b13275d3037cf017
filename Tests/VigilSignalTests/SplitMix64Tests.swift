import Testing
import VigilSignalCore

/// The one SplitMix64 (weights, noise, faults and every test's data come from it):
/// pinned to the reference algorithm, so moving or merging it cannot change a sequence.
@Suite struct SplitMix64Tests {
    // Seed 0 gives the first outputs of Vigna's splitmix64.c.
    @Test func matchesTheReferenceSequence() {
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    // nextUnit keeps the top 24 bits (values worked out from the same sequence).
    @Test func unitFloatsUseTheTop24Bits() {
        var g = SplitMix64(seed: 42)
        #expect(g.nextUnit() == Float(12_441_394) / 16_777_216)
        #expect(g.nextUnit() == Float(2_682_851) / 16_777_216)
        #expect(g.nextUnit() == Float(4_674_151) / 16_777_216)
    }
}
