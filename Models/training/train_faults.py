"""Trains the lead-fault / signal-quality detector from `vigil dataset faults` HDF5.

    python Models/training/train_faults.py --train faults-train.h5 --test faults-test.h5 \
        [--out Models/faults]

(`make models` makes both files and runs this.) The training file holds windows of the
DS1 records in TRAIN_RECORDS with noise from the first half of each Noise Stress Test
record; the test file the other DS1 records with noise from the second half, so every
figure is on records and noise segments the model never saw.

Input: the front end's latest 512 samples (2 s at 256 Hz) of ECG in mV as sensed
(unfiltered) and of lead impedance in ohms. Impedance above 4 kOhm reads as 4 kOhm (open
circuit): the model scales ohms so that 4 kOhm is 6 and clips with ReLU6, and the
quantizer calibrates the impedance input on clipped values, so that int8 keeps the
60-1500 Ohm range it must tell apart. Architecture: ECG -> Conv1D(8, 8, stride 4) ->
MaxPool(4) -> Conv1D(12, 3) -> global max and average; impedance -> scale -> ReLU6 ->
global max and average -> Dense(4); together -> Dense(16) -> Dense(classes). Classes:
the dataset's fault kinds.
Writes faults.keras, faults.onnx, calibration.npz, validation.npz, results.json,
training.log.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Log, export_onnx  # noqa: E402

SEEDS = [0, 1, 2]
EPOCHS = 40
OPEN_CIRCUIT_OHMS = 4000.0
CLEAN_WEIGHT = 3.0
# The fault monitor runs once a minute (the implant profile's duty cycle).
RUNS_PER_DAY = 1440
log = Log()



def load(path):
    with h5py.File(path, "r") as f:
        if f.attrs["format"] != "vigil-faults-1":
            raise SystemExit(f"{path}: not a vigil-faults-1 file")
        names = f.attrs["fault_names"].split(",")
        return (f["ecg"][:].astype(np.float32)[..., None], f["impedance"][:].astype(np.float32)[..., None],
                f["label"][:].astype(np.int64), f["noise_source"][:], names,
                [r.decode() if isinstance(r, bytes) else str(r) for r in f["records"][:]], str(f.attrs.get("noise_half", "all")))


def build(length, classes, seed):
    import keras
    from keras import layers
    keras.utils.set_random_seed(seed)
    ecg = keras.Input((length, 1), name="ecg")
    imp = keras.Input((length, 1), name="impedance")
    e = layers.Conv1D(8, 8, strides=4, activation="relu", name="ecg_conv1")(ecg)
    e = layers.MaxPooling1D(4, name="ecg_pool")(e)
    e = layers.Conv1D(12, 3, activation="relu", name="ecg_conv2")(e)
    e = layers.Concatenate(name="ecg_summary")([layers.GlobalMaxPooling1D(name="ecg_max")(e),
                                                layers.GlobalAveragePooling1D(name="ecg_mean")(e)])
    # Ohms to units where the open-circuit reading is 6, then ReLU6: int8 has a kernel
    # for that clamp, so the whole graph stays integer-only.
    i = layers.Rescaling(6 / OPEN_CIRCUIT_OHMS, name="scaled")(imp)
    i = layers.ReLU(max_value=6.0, name="open_circuit")(i)
    i = layers.Concatenate(name="impedance_summary")([layers.GlobalMaxPooling1D(name="impedance_max")(i),
                                                      layers.GlobalAveragePooling1D(name="impedance_mean")(i)])
    i = layers.Dense(4, activation="relu", name="impedance_dense")(i)
    x = layers.Concatenate(name="summary")([e, i])
    x = layers.Dense(16, activation="relu", name="hidden")(x)
    out = layers.Dense(classes, name="scores")(x)
    model = keras.Model([ecg, imp], out)
    model.compile(optimizer=keras.optimizers.Adam(0.005),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def per_class(truth, predicted, names):
    out = {}
    for k, name in enumerate(names):
        tp = int(np.sum((truth == k) & (predicted == k)))
        fn = int(np.sum((truth == k) & (predicted != k)))
        fp = int(np.sum((truth != k) & (predicted == k)))
        out[name] = {"se": tp / (tp + fn) if tp + fn else float("nan"), "pp": tp / (tp + fp) if tp + fp else float("nan"),
                     "tp": tp, "fn": fn, "fp": fp}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faults"))
    parser.add_argument("--data-out", help="where calibration.npz and validation.npz go (default: --out)")
    args = parser.parse_args()
    data_out = args.data_out or args.out
    os.makedirs(data_out, exist_ok=True)
    start = time.time()
    xe, xi, y, _, names, train_records, train_half = load(args.train)
    te, ti, ty, _, test_names, test_records, test_half = load(args.test)
    if names != test_names:
        raise SystemExit("the two files name different fault kinds")
    if set(train_records) & set(test_records):
        raise SystemExit(f"records in both files: {sorted(set(train_records) & set(test_records))}")
    log(f"train: {len(y)} windows of {len(train_records)} records ({' '.join(train_records)}), noise from the {train_half} half")
    log(f"test: {len(ty)} windows of {len(test_records)} records ({' '.join(test_records)}), noise from the {test_half} half")
    log("classes:", ", ".join(names))
    results = {"classes": names, "train_records": train_records, "test_records": test_records, "seeds": {},
               "runs_per_day": RUNS_PER_DAY}
    models = []
    for seed in SEEDS:
        model = build(xe.shape[1], len(names), seed)
        # Clean windows count CLEAN_WEIGHT times: a false alarm costs more than a noisy
        # window read as clean.
        weights = {k: (CLEAN_WEIGHT if name == "none" else 1.0) for k, name in enumerate(names)}
        model.fit([xe, xi], y, epochs=EPOCHS, batch_size=128, verbose=0, class_weight=weights)
        predicted = np.argmax(model.predict([te, ti], batch_size=1024, verbose=0), axis=1)
        stats = per_class(ty, predicted, names)
        clean = ty == names.index("none")
        # On clean windows: a lead-fault verdict is a false alarm; a noise verdict a
        # false signal-quality flag.
        faults = ~np.isin(predicted, [names.index("none"), names.index("noise")])
        false_alarms = float(np.mean(faults[clean]))
        false_flags = float(np.mean(predicted[clean] == names.index("noise")))
        results["seeds"][str(seed)] = {"per_class": stats, "accuracy": float(np.mean(predicted == ty)),
                                       "clean_windows": int(clean.sum()),
                                       "clean_fault_alarm_rate": false_alarms, "fault_alarms_per_day": false_alarms * RUNS_PER_DAY,
                                       "clean_noise_flag_rate": false_flags, "noise_flags_per_day": false_flags * RUNS_PER_DAY}
        log(f"seed {seed}: accuracy {np.mean(predicted == ty):.3f}; on {int(clean.sum())} clean windows: lead-fault alarms "
            f"{false_alarms:.4f} ({false_alarms * RUNS_PER_DAY:.1f} a day at {RUNS_PER_DAY} runs), noise flags {false_flags:.4f} "
            f"({false_flags * RUNS_PER_DAY:.1f} a day)")
        for name in names:
            s = stats[name]
            log(f"   {name:20s} Se {s['se']:.3f}  +P {s['pp']:.3f}  ({s['tp']} of {s['tp'] + s['fn']})")
        models.append(model)
    model = models[0]
    os.makedirs(args.out, exist_ok=True)
    model.save(os.path.join(args.out, "faults.keras"))
    export_onnx(model, os.path.join(args.out, "faults.onnx"))
    # Calibration: training windows (impedance read as the device's int8 input can hold
    # it, clipped at the open-circuit value); validation: the test windows as sensed.
    rng = np.random.default_rng(0)
    cal = np.sort(rng.choice(len(y), size=min(400, len(y)), replace=False))
    np.savez(os.path.join(data_out, "calibration.npz"), input_0=xe[cal], input_1=np.minimum(xi[cal], OPEN_CIRCUIT_OHMS), labels=y[cal])
    np.savez(os.path.join(data_out, "validation.npz"), input_0=te, input_1=ti, labels=ty)
    results["final_seed"] = SEEDS[0]
    log.finish(args.out, "results.json", results, time.time() - start)



if __name__ == "__main__":
    main()
