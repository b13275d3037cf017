# Two commands: `make demo` sets everything up and runs the main job; `make test`
# runs every test. Both install the Debian packages they need when missing.

APT_PACKAGES := libopenblas-dev libhdf5-dev libssl-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build demo test embedded-check bench

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

embedded-check:
	Scripts/embedded-check.sh

test: deps
	swift build --build-tests
	swift test --skip-build
	Scripts/embedded-check.sh
