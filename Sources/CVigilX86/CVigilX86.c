// CVigilX86 is header-only (static inline functions Swift inlines); SwiftPM needs one
// source file per C target.
#include "CVigilX86.h"
