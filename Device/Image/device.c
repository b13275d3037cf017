/* What the device image needs below Swift: the instruction clock, a calibration loop
   whose instruction count is known, and the stack high-water mark.

   Instruction clock. QEMU run with `-icount shift=0` advances its virtual clock by
   1 ns per executed guest instruction, and the board's timers run on that clock.
   SysTick, clocked from the processor clock (CLKSOURCE = 1), counts down at the
   mps2-an386's 25 MHz system clock: one tick per 40 ns, that is per 40 instructions.
   vigil_clock_ticks() extends the 24-bit down-counter to 64 bits; it must be called
   at least once per 2^24 ticks (671 million instructions). A reading is exact to one
   tick (40 instructions); vigil_calibration_loop checks the scale. */
#include <stdint.h>

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static uint32_t last_count;
static uint64_t elapsed_ticks;

void vigil_clock_start(void) {
    SYST_CSR = 0;
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;          /* any write clears the counter; it reloads on the next tick */
    SYST_CSR = 5;          /* enable, processor clock, no interrupt */
    last_count = SYST_CVR;
    elapsed_ticks = 0;
}

uint64_t vigil_clock_ticks(void) {
    uint32_t now = SYST_CVR;
    elapsed_ticks += (last_count - now) & 0x00FFFFFFu;
    last_count = now;
    return elapsed_ticks;
}

/* Executes exactly 2·n + 2 instructions after the call (n ≥ 1): a SUBS and a taken or
   final BNE per iteration, then MOV and BX. */
__attribute__((naked, noinline)) void vigil_calibration_loop(uint32_t n) {
    __asm__ volatile(
        "1: subs r0, r0, #1\n"
        "   bne 1b\n"
        "   mov r0, #0\n"
        "   bx lr\n");
}

/* The stack: painted from its limit up to just below the caller's frame at start, and
   scanned for the deepest word no longer holding the paint at the end. */
extern uint32_t __stack_limit[];
extern uint32_t __stack[];
#define PAINT 0xC5AC5AC5u

void vigil_stack_paint(void) {
    uint32_t marker;
    uint32_t *top = &marker - 64;   /* leave this frame and a margin alone */
    for (uint32_t *p = __stack_limit; p < top; p++) *p = PAINT;
}

uint32_t vigil_stack_high_water(void) {
    uint32_t *p = __stack_limit;
    while (p < __stack && *p == PAINT) p++;
    return (uint32_t)((uintptr_t)__stack - (uintptr_t)p);
}

/* The model package linked into model slot A (Device/implant-m4.ld). */
extern const uint8_t __model_start[];
extern const uint8_t __model_end[];
const uint8_t *vigil_model_start(void) { return __model_start; }
uint32_t vigil_model_size(void) { return (uint32_t)(__model_end - __model_start); }
