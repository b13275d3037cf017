/* Everything is inline in include/vigil_dsp.h; SwiftPM wants one source file. */
#include "vigil_dsp.h"
