/// Post-training int8 quantization on the host: the quantizer and its observers,
/// calibration and validation data (NumPy files and WFDB record folders), and the
/// float-vs-int8 agreement, confusion and size report.
