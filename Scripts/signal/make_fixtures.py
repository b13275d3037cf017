#!/usr/bin/env python3
"""Generates the VigilSignal test fixtures from independent references.

Expected values come from wfdb-python (rdrecord, rdann, wrsamp, wrann) and
scipy.signal, never from Vigil. Run from the repository root:

    python Scripts/signal/make_fixtures.py [--datasets ../shared/datasets]

Writes Tests/VigilSignalTests/Fixtures/:
  formats/<name>.hea/.dat  synthetic records, one per signal format (and a
                           multi-frequency one), read back with wfdb.rdrecord
  formats.json             the digital samples wfdb.rdrecord returns for each
  annotations/roundtrip.atr an annotation file written by wfdb.wrann covering
                           every code, SKIP, NUM, SUB, CHN and AUX
  annotations.json         the annotation list (as wfdb.rdann reads it back)
  datasets.json            sample values and annotation lists of real records
                           (only when the datasets folder is present)
  filters.json             scipy.signal Butterworth/notch designs and outputs

`python Scripts/signal/make_fixtures.py verify-annotations FILE.atr` prints
what wfdb.rdann reads from an annotation file Vigil wrote.
"""
import argparse
import json
import os
import sys

import numpy as np
import wfdb
from scipy import signal as sps

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "VigilSignalTests", "Fixtures")
RNG = np.random.default_rng(20240505)

RANGES = {8: (-2048, 2047), 16: (-32768, 32767), 24: (-8388608, 8388607), 32: (-2147483648, 2147483647),
          61: (-32768, 32767), 80: (-128, 127), 160: (-32768, 32767), 212: (-2048, 2047),
          310: (-512, 511), 311: (-512, 511)}


def synthetic(fmt, n, nsig):
    lo, hi = RANGES[fmt]
    if fmt == 8:
        # first differences must fit in int8
        diffs = RNG.integers(-128, 128, size=(n, nsig))
        start = np.array([100, -50])[:nsig]
        return start, diffs
    sig = RNG.integers(lo, hi + 1, size=(n, nsig), dtype=np.int64)
    sig[0, 0] = lo
    sig[1, 0] = hi
    return None, sig


def pack(fmt, flat):
    flat = [int(v) for v in flat]
    out = bytearray()
    if fmt == 8:
        for v in flat:
            out.append(v & 0xFF)
    elif fmt == 61:
        for v in flat:
            out += (v & 0xFFFF).to_bytes(2, "big")
    elif fmt == 16:
        for v in flat:
            out += (v & 0xFFFF).to_bytes(2, "little")
    elif fmt == 212:
        for i in range(0, len(flat), 2):
            a = flat[i] & 0xFFF
            b = flat[i + 1] & 0xFFF if i + 1 < len(flat) else 0
            chunk = bytes([a & 0xFF, (a >> 8) | ((b >> 8) << 4), b & 0xFF])
            out += chunk if i + 1 < len(flat) else chunk[:2]
    elif fmt == 160:
        for v in flat:
            out += (v + 32768).to_bytes(2, "little")
    elif fmt == 310:
        for i in range(0, len(flat), 3):
            g = flat[i:i + 3] + [0] * (3 - len(flat[i:i + 3]))
            a, b, c = (x & 0x3FF for x in g)
            w0 = (a << 1) | ((c & 0x1F) << 11)
            w1 = (b << 1) | (((c >> 5) & 0x1F) << 11)
            chunk = w0.to_bytes(2, "little") + w1.to_bytes(2, "little")
            keep = {1: 2, 2: 4, 3: 4}[len(flat[i:i + 3])]
            out += chunk[:keep]
    elif fmt == 311:
        for i in range(0, len(flat), 3):
            g = flat[i:i + 3] + [0] * (3 - len(flat[i:i + 3]))
            a, b, c = (x & 0x3FF for x in g)
            word = a | (b << 10) | (c << 20)
            keep = {1: 2, 2: 3, 3: 4}[len(flat[i:i + 3])]
            out += word.to_bytes(4, "little")[:keep]
    else:
        raise ValueError(fmt)
    return bytes(out)


def checksum(values):
    s = int(np.sum(np.asarray(values, dtype=np.int64))) & 0xFFFF
    return s - 65536 if s > 32767 else s


def write_manual(directory, name, fmt, nsig, n, spf, header_extra=""):
    """Writes bytes by the format specification; wfdb.rdrecord is then the reference reader."""
    per_signal = []
    flat = []
    inits = []
    if fmt == 8:
        start, diffs = synthetic(8, n * max(spf), nsig)
        cols = [diffs[: n * spf[s], s] for s in range(nsig)]
        for s in range(nsig):
            inits.append(int(start[s]))
            per_signal.append(np.cumsum(cols[s]) + start[s])
        for f in range(n):
            for s in range(nsig):
                flat += list(cols[s][f * spf[s]:(f + 1) * spf[s]])
    else:
        _, values = synthetic(fmt, n * max(spf), nsig)
        for s in range(nsig):
            per_signal.append(values[: n * spf[s], s])
            inits.append(int(per_signal[s][0]))
        for f in range(n):
            for s in range(nsig):
                flat += list(per_signal[s][f * spf[s]:(f + 1) * spf[s]])
    with open(os.path.join(directory, name + ".dat"), "wb") as fh:
        fh.write(pack(fmt, flat))
    lines = [f"{name} {nsig} 360{header_extra} {n}"]
    for s in range(nsig):
        fmtfield = f"{fmt}x{spf[s]}" if spf[s] > 1 else f"{fmt}"
        lines.append(f"{name}.dat {fmtfield} {100 + 50 * s}({s * 7})/mV {RANGES[fmt][1].bit_length() + 1} 0 "
                     f"{inits[s]} {checksum(per_signal[s])} 0 sig{s}")
    with open(os.path.join(directory, name + ".hea"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


def describe(directory, name):
    path = os.path.join(directory, name)
    single = all(x == 1 for x in wfdb.rdheader(path).samps_per_frame)
    rec = wfdb.rdrecord(path, physical=False, smooth_frames=single)
    if single:
        # wfdb 4.3.1's expanded path trips over big-endian dtypes (format 61); the smoothed path does not.
        smooth = wfdb.rdrecord(path, physical=False)
        samples = [[int(v) for v in smooth.d_signal[:, s]] for s in range(smooth.n_sig)]
    else:
        samples = [[int(v) for v in sig] for sig in rec.e_d_signal]
    return {
        "fs": float(rec.fs),
        "counter_freq": None if rec.counter_freq is None else float(rec.counter_freq),
        "base_counter": None if rec.base_counter is None else float(rec.base_counter),
        "sig_len": int(rec.sig_len),
        "fmt": [int(f) for f in rec.fmt],
        "samps_per_frame": [int(x) for x in rec.samps_per_frame],
        "adc_gain": [float(x) for x in rec.adc_gain],
        "baseline": [int(x) for x in rec.baseline],
        "units": list(rec.units),
        "adc_res": [int(x) for x in rec.adc_res],
        "adc_zero": [int(x) for x in rec.adc_zero],
        "init_value": [int(x) for x in rec.init_value],
        "checksum": [int(x) for x in rec.checksum],
        "sig_name": list(rec.sig_name),
        "samples": samples,
    }


def make_formats():
    directory = os.path.join(FIXTURES, "formats")
    os.makedirs(directory, exist_ok=True)
    expected = {}
    n = 37  # odd on purpose: exercises the partial groups of 212, 310 and 311
    for fmt in [16, 24, 32, 80, 212]:
        name = f"fmt{fmt}"
        _, values = synthetic(fmt, n, 2)
        wfdb.wrsamp(name, fs=360, units=["mV", "mV"], sig_name=["sig0", "sig1"], d_signal=values,
                    fmt=[str(fmt)] * 2, adc_gain=[100.0, 150.0], baseline=[0, 7], write_dir=directory)
        expected[name] = describe(directory, name)
    for fmt in [8, 61, 160, 310, 311]:
        name = f"fmt{fmt}"
        write_manual(directory, name, fmt, 2, n, [1, 1])
        expected[name] = describe(directory, name)
    # Multi-frequency, counter frequency and base counter.
    write_manual(directory, "multifreq", 16, 2, 20, [1, 3], header_extra="/720(5)")
    expected["multifreq"] = describe(directory, "multifreq")
    write_manual(directory, "multifreq212", 212, 2, 21, [2, 1])
    expected["multifreq212"] = describe(directory, "multifreq212")
    with open(os.path.join(FIXTURES, "formats.json"), "w") as fh:
        json.dump(expected, fh, separators=(",", ":"))


def annotation_dict(ann):
    return {
        "sample": [int(x) for x in ann.sample],
        "symbol": list(ann.symbol),
        "subtype": [int(x) for x in ann.subtype],
        "chan": [int(x) for x in ann.chan],
        "num": [int(x) for x in ann.num],
        "aux_note": list(ann.aux_note),
    }


def make_annotations():
    directory = os.path.join(FIXTURES, "annotations")
    os.makedirs(directory, exist_ok=True)
    table = wfdb.io.annotation.ann_label_table
    symbols = [s for s, code in zip(table["symbol"], table["label_store"]) if 1 <= code <= 49]
    samples, syms, subs, chans, nums, auxes = [], [], [], [], [], []
    t = 0
    steps = [0, 1, 1023, 1024, 70000, 5, 2**20 + 3, 17]
    for i, sym in enumerate(symbols * 2):
        t += steps[i % len(steps)]
        samples.append(t)
        syms.append(sym)
        subs.append([0, 3, -2, 0, 127, -128][i % 6])
        chans.append([0, 0, 1, 1, 2, 0, 255][i % 7])
        nums.append([0, 0, 5, 5, 1, 0, 0, 12, 127][i % 9])
        auxes.append(["", "(AFIB", "", "x", "(N", "", "noise in V1"][i % 7])
    ann = wfdb.Annotation("roundtrip", "atr", sample=np.array(samples), symbol=syms, subtype=np.array(subs),
                          chan=np.array(chans), num=np.array(nums), aux_note=auxes)
    ann.wrann(write_dir=directory)
    back = wfdb.rdann(os.path.join(directory, "roundtrip"), "atr")
    with open(os.path.join(FIXTURES, "annotations.json"), "w") as fh:
        json.dump({"roundtrip": annotation_dict(back)}, fh, separators=(",", ":"))


def make_datasets(root):
    out = {"records": {}, "annotations": {}}
    specs = [("mitdb-ds1", "101"), ("mitdb-ds1", "108"), ("mitdb-ds1", "203"), ("mitdb-ds1", "207"),
             ("mitdb-ds1", "230"), ("nstdb", "118e00"), ("nstdb", "bw"), ("cudb", "cu01")]
    for folder, name in specs:
        path = os.path.join(root, folder, name)
        rec = wfdb.rdrecord(path, physical=False)
        n = rec.sig_len
        windows = [(0, 200), (n // 2, n // 2 + 100), (n - 50, n)]
        out["records"][f"{folder}/{name}"] = {
            "sig_len": int(n), "fs": float(rec.fs), "n_sig": int(rec.n_sig), "fmt": list(rec.fmt),
            "adc_gain": [float(x) for x in rec.adc_gain], "baseline": [int(x) for x in rec.baseline],
            "checksum": [int(x) for x in rec.checksum], "sig_name": list(rec.sig_name),
            "windows": [{"start": int(a), "d_signal": [[int(v) for v in rec.d_signal[a:b, s]] for s in range(rec.n_sig)]}
                        for a, b in windows],
            "sums": [int(np.sum(rec.d_signal[:, s], dtype=np.int64)) for s in range(rec.n_sig)],
        }
    for folder, name, last in [("mitdb-ds1", "101", None), ("mitdb-ds1", "207", None), ("nstdb", "118e24", 60000),
                               ("cudb", "cu01", None)]:
        ann = wfdb.rdann(os.path.join(root, folder, name), "atr", sampto=last)
        out["annotations"][f"{folder}/{name}"] = annotation_dict(ann)
    with open(os.path.join(FIXTURES, "datasets.json"), "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


def make_filters():
    fs = 256.0
    t = np.arange(512) / fs
    x = (np.sin(2 * np.pi * 1.3 * t) + 0.5 * np.sin(2 * np.pi * 17 * t) + 0.3 * np.sin(2 * np.pi * 60 * t)
         + 0.2 * np.sin(2 * np.pi * 0.1 * t) + 0.1 * RNG.standard_normal(len(t))).astype(np.float32)
    designs = {
        "highpass_0.5_order2": sps.butter(2, 0.5, "highpass", fs=fs, output="sos"),
        "highpass_0.5_order4": sps.butter(4, 0.5, "highpass", fs=fs, output="sos"),
        "lowpass_40_order2": sps.butter(2, 40, "lowpass", fs=fs, output="sos"),
        "lowpass_15_order4": sps.butter(4, 15, "lowpass", fs=fs, output="sos"),
        "notch_60_q30": sps.tf2sos(*sps.iirnotch(60, 30, fs=fs)),
        "notch_50_q30": sps.tf2sos(*sps.iirnotch(50, 30, fs=fs)),
    }
    out = {"fs": fs, "input": [float(f"{v:.9g}") for v in x], "designs": {}}
    for name, sos in designs.items():
        y = sps.sosfilt(sos, x.astype(np.float64))
        w, h = sps.sosfreqz(sos, worN=[0.5, 1, 5, 10, 17, 40, 50, 60, 100], fs=fs)
        out["designs"][name] = {"sos": [[float(v) for v in row] for row in sos], "output": [float(f"{v:.9g}") for v in y],
                                "response_hz": [float(v) for v in w], "response_gain": [float(abs(v)) for v in h]}
    with open(os.path.join(FIXTURES, "filters.json"), "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


def verify_annotations(path):
    base, ext = os.path.splitext(path)
    ann = wfdb.rdann(base, ext[1:])
    json.dump(annotation_dict(ann), sys.stdout)
    print()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", nargs="?", default="all", choices=["all", "verify-annotations"])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--datasets", default=os.path.join(ROOT, "..", "shared", "datasets"))
    args = parser.parse_args()
    if args.command == "verify-annotations":
        verify_annotations(args.file)
        return
    os.makedirs(FIXTURES, exist_ok=True)
    make_formats()
    make_annotations()
    make_filters()
    if os.path.isdir(args.datasets):
        make_datasets(args.datasets)
    else:
        print(f"datasets not found at {args.datasets}; datasets.json left as is", file=sys.stderr)


if __name__ == "__main__":
    main()
