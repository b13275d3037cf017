# Two commands: `make demo` sets everything up and runs the main job; `make test`
# runs every test. Both install the Debian packages they need when missing.

APT_PACKAGES := libopenblas-dev libhdf5-dev libssl-dev zlib1g-dev pkg-config python3 python3-venv \
	qemu-system-arm picolibc-arm-none-eabi gcc-arm-none-eabi
# Python is for fixture generators and the ONNX conformance export only; pinned here.
VENV := .venv-ci
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build demo test embedded-check device-selftest bench onnx-node-tests fuzz tuf-interop tuf-conformance

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

# The device half (VigilCrypto, VigilRuntime, VigilSignalCore, VigilFirmware), each
# module compiled whole as Embedded Swift for a Cortex-M4F; anything that breaks that fails here.
embedded-check:
	Scripts/embedded-check.sh

# The runtime on the emulated Cortex-M4F (Device/): the self-test image built with
# Embedded Swift, ld.lld and picolibc, run on QEMU's mps2-an386 over int8 packages
# (converter-written .tflite fixtures, the quantized reference model); each must pass
# its golden vectors as on the host, and a truncated package must be refused.
DEVICE_FIXTURES := design_int8 family_transformer_int8 family_residual_int8 prelu_int8 split_int8
device-selftest: deps
	swift build --product vigil
	Device/build.sh
	mkdir -p .build-device/packages
	for f in $(DEVICE_FIXTURES); do .build/debug/vigil import Tests/VigilImportTests/Fixtures/tflite/$$f.tflite -o .build-device/packages/$$f.vpkg > /dev/null; done
	.build/debug/vigil import Models/arrhythmia/reference.onnx -o .build-device/packages/reference.vpkg > /dev/null
	.build/debug/vigil quantize .build-device/packages/reference.vpkg --calibration Models/arrhythmia/calibration.npz -o .build-device/packages/reference.int8.vpkg > /dev/null
	Device/selftest.sh $(patsubst %,.build-device/packages/%.vpkg,$(DEVICE_FIXTURES)) .build-device/packages/reference.int8.vpkg
	head -c 4000 .build-device/packages/reference.int8.vpkg > .build-device/packages/truncated.vpkg
	! Device/selftest.sh .build-device/packages/truncated.vpkg

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
	$(MAKE) device-selftest
	$(MAKE) tuf-interop
	$(MAKE) fuzz
	$(MAKE) onnx-node-tests
