# Two commands: `make demo` sets everything up and runs the main job; `make test`
# runs every test. Both install the Debian packages they need when missing.

APT_PACKAGES := libopenblas-dev libhdf5-dev libssl-dev zlib1g-dev pkg-config python3 python3-venv \
	qemu-system-arm picolibc-arm-none-eabi gcc-arm-none-eabi
# Python is for fixture generators and the ONNX conformance export only; pinned here.
VENV := .venv-ci
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build demo test embedded-check device-test bench onnx-node-tests fuzz tuf-interop tuf-conformance models

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build -c release --product vigil

demo: build
	.build/release/vigil demo
	.build/release/vigil bench --runs 20000 --seconds 2

bench: build
	.build/release/vigil bench --profile

# Retrains and repackages the arrhythmia cascade and the lead-fault detector
# (Models/training, issue #11): minutes on two cores; not part of `make test`. PYTHON
# names an interpreter with Models/training/requirements.txt installed.
models: build
	Models/training/make_models.sh

# The device half (VigilCrypto, VigilRuntime, VigilSignalCore, VigilFirmware), each
# module compiled whole as Embedded Swift for a Cortex-M4F; anything that breaks that fails here.
embedded-check:
	Scripts/embedded-check.sh

# The runtime on the emulated Cortex-M4F (Device/, `vigil device run`): the image built
# with Embedded Swift, ld.lld and picolibc, each int8 package linked into its model slot
# and run on QEMU's mps2-an386. Every package (the converter-written .tflite fixtures,
# the DESIGN §11 model among them, the quantized reference model, and every int8
# package in Models/) must pass its golden vectors and give outputs bit-identical to the
# host's reference kernels on 100 inputs; the beat loop must label the whole of DS1
# record 208 (30 minutes) and log its rhythm events as the host's does, with the
# reference model and with the trained cascade (its morphology features and gate on the
# device, every gate decision as the host's); a truncated
# package must be refused, and so must a package that needs a kernel the image was
# built without.
DATASETS ?= ../shared/datasets
device-test: deps
	swift build --product vigil
	Device/packages.sh
	for p in .build-device/packages/*_int8.vpkg $(wildcard Models/*/*.int8.vpkg); do \
	  echo "== $$p"; .build/debug/vigil device run $$p --random 100 || exit 1; done
	if [ -f $(DATASETS)/mitdb-ds1/208.hea ]; then \
	  .build/debug/vigil device run .build-device/packages/arrhythmia_reference_int8.vpkg --record $(DATASETS)/mitdb-ds1/208 --seconds 2000 && \
	  .build/debug/vigil device run Models/arrhythmia/arrhythmia.int8.vpkg --record $(DATASETS)/mitdb-ds1/208 --seconds 2000 || exit 1; \
	else echo "device beat-loop check skipped: $(DATASETS)/mitdb-ds1 is absent"; fi
	head -c 4000 .build-device/packages/arrhythmia_reference_int8.vpkg > .build-device/packages/truncated.vpkg
	! .build/debug/vigil device run .build-device/packages/truncated.vpkg
	Device/build.sh .build-device/packages/truncated.vpkg .build-device/truncated.elf > /dev/null
	status=0; Device/run.sh .build-device/truncated.elf selftest > .build-device/truncated.out 2>&1 || status=$$?; cat .build-device/truncated.out; \
	test $$status = 1 && grep -q "refused: file: truncated" .build-device/truncated.out
	LINK="int8Conv1D int8Dense" Device/build.sh .build-device/packages/design_int8.vpkg .build-device/partial.elf > /dev/null
	status=0; Device/run.sh .build-device/partial.elf selftest > .build-device/partial.out 2>&1 || status=$$?; cat .build-device/partial.out; \
	test $$status = 1 && grep -q "needs the interleave kernel, which this image does not link" .build-device/partial.out

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r Scripts/onnx/requirements.txt

# The ONNX backend node tests of the supported ops (the onnx wheel carries their
# generators), exported and run through the importer; prints "N passed, N failed".
onnx-node-tests: $(VENV)/bin/python
	rm -rf .build/onnx-node-tests
	$(VENV)/bin/python Scripts/onnx/export_node_tests.py .build/onnx-node-tests
	VIGIL_ONNX_NODE_TESTS=$(CURDIR)/.build/onnx-node-tests swift test --skip-build --filter ONNXNodeConformanceTests

# Coverage-guided fuzzing of every parser (Fuzz/run.sh): FUZZ_SECONDS per harness
# (60 by default, what CI runs), FUZZ_JOBS harnesses at once.
fuzz: deps
	Fuzz/run.sh

# python-tuf interop, both ways (Scripts/tuf/interop.sh), on the debug build.
tuf-interop: deps
	swift build --product vigil
	swift build --product vigil-tuf-client
	Scripts/tuf/interop.sh

# The public TUF conformance suite against vigil-tuf-client; it is not vendored: pass a
# checkout, e.g. `git clone https://github.com/theupdateframework/tuf-conformance /tmp/tc`
# then `make tuf-conformance SUITE=/tmp/tc`. Needs faketime (installed when missing).
tuf-conformance: deps
	Scripts/tuf/conformance.sh $(SUITE)

test: deps
	swift build --build-tests
	swift test --skip-build
	$(MAKE) embedded-check
	$(MAKE) device-test
	$(MAKE) tuf-interop
	$(MAKE) fuzz
	$(MAKE) onnx-node-tests
