"""Writes the .npy/.npz fixtures of VigilNumPyTests with NumPy itself.

Values are simple formulas the Swift tests recompute by hand:
  f32_2x3.npy   float32 (2, 3): arange(6) * 0.5 - 1
  i8_4.npy      int8 (4,): [-128, -1, 0, 127]
  i32_2x2.npy   int32 (2, 2): [[-2147483648, 7], [0, 2147483647]]
  f32_scalar.npy float32 (): 3.25
  f32_v2.npy    float32 (3,): [1, 2, 3] written as format version 2.0
  f64_2.npy     float64 (2,): unsupported dtype (error case)
  ints.npz      each integer type's extremes and bools: u8 = [0, 255],
                i16 = [-32768, 32767], u16 = [0, 65535], u32 = [0, 4294967295],
                i64 = [-2**63, 2**63 - 1], u64 = [0, 2**64 - 1], b = [True, False, True]
  fortran.npy   float32 (2, 2) Fortran order (error case)
  pair.npz      savez: a = f32_2x3, b = i8_4
  pair_z.npz    savez_compressed: the same
Run: python make_numpy_fixtures.py (numpy pinned in requirements.txt)
"""
import numpy as np
from numpy.lib import format as npformat

f32 = (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3)
i8 = np.array([-128, -1, 0, 127], dtype=np.int8)
i32 = np.array([[-2147483648, 7], [0, 2147483647]], dtype=np.int32)
np.save("f32_2x3.npy", f32)
np.save("i8_4.npy", i8)
np.save("i32_2x2.npy", i32)
np.save("f32_scalar.npy", np.float32(3.25))
with open("f32_v2.npy", "wb") as f:
    npformat.write_array(f, np.array([1, 2, 3], dtype=np.float32), version=(2, 0))
np.save("f64_2.npy", np.array([1.0, 2.0]))
np.save("fortran.npy", np.asfortranarray(np.array([[1, 2], [3, 4]], dtype=np.float32)))
np.savez("pair.npz", a=f32, b=i8)
np.savez("ints.npz",
         u8=np.array([0, 255], dtype=np.uint8), i16=np.array([-32768, 32767], dtype=np.int16),
         u16=np.array([0, 65535], dtype=np.uint16), u32=np.array([0, 4294967295], dtype=np.uint32),
         i64=np.array([-2**63, 2**63 - 1], dtype=np.int64), u64=np.array([0, 2**64 - 1], dtype=np.uint64),
         b=np.array([True, False, True]))
np.savez_compressed("pair_z.npz", a=f32, b=i8)
