/// Importers: Keras HDF5 and .keras archives, ONNX, TFLite.
