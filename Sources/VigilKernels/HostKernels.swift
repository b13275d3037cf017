// Host kernels.
