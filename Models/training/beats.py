"""Beat features as the device computes them, from the HDF5 that `vigil dataset beats`
writes (`vigil-beats-1`): RR features from the /rr intervals and the morphology
columns of /morphology (measured by the device's own MorphologyTracker), in float32 and
in the order of operations of `InputContract.RRFeatureSet.values`, so that training,
quantization and the implant see the same numbers."""
import h5py
import numpy as np

# The features of the arrhythmia model, named as the package's input contract names them.
FEATURES = ["pre/long", "post/long", "local/long", "pre/local", "post/local", "pre/post", "variation/local",
            "morph:qrs_corr", "morph:qrs_amp", "morph:qrs_width", "morph:qrs_residual"]
CLASSES = ["N", "S", "V", "F"]
RATE = 256
# EC57: the first 5 minutes of every record are left out of the statistics.
SKIP_SECONDS = 300


class Beats:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            if f.attrs["format"] != "vigil-beats-1":
                raise SystemExit(f"{path}: not a vigil-beats-1 file")
            self.rr = f["rr"][:].astype(np.float32)  # pre, post, local, long, variation (s)
            self.morphology = f["morphology"][:].astype(np.float32)
            self.columns = f["morphology"].attrs["columns"].split(",")
            self.labels = f["label_dechazal"][:].astype(np.int64)
            self.record = f["record"][:].astype(np.int64)
            self.records = [r.decode() if isinstance(r, bytes) else str(r) for r in f["records"][:]]
            self.sample = f["sample"][:].astype(np.int64)
            self.matched = f["matched"][:].astype(bool)
            self.rate = int(f.attrs["sample_rate"])
        self.x = features(self.rr, self.morphology, self.columns)

    def record_names(self):
        return np.array([self.records[i] for i in self.record])


def features(rr, morphology, columns):
    """[n, len(FEATURES)] unstandardized float32 features."""
    interval = {"pre": rr[:, 0], "post": rr[:, 1], "local": rr[:, 2], "long": rr[:, 3], "variation": rr[:, 4]}
    out = []
    for name in FEATURES:
        if name.startswith("morph:"):
            out.append(morphology[:, columns.index(name[6:])])
        elif "/" in name:
            a, b = name.split("/")
            out.append(interval[a] / interval[b])
        else:
            out.append(interval[name[:-2]])
    return np.stack(out, axis=1).astype(np.float32)


def standardize(x, mean, std):
    return ((x - mean) / std).astype(np.float32)


def se_pp(truth, predicted, cls):
    tp = int(np.sum((truth == cls) & (predicted == cls)))
    fn = int(np.sum((truth == cls) & (predicted != cls)))
    fp = int(np.sum((truth != cls) & (predicted == cls)))
    se = tp / (tp + fn) if tp + fn else float("nan")
    pp = tp / (tp + fp) if tp + fp else float("nan")
    return se, pp, tp, fn, fp
