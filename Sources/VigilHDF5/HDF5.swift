/// HDF5 files through libhdf5.
