# ratls-gateway: the two commands users need are `make demo` and `make test`.
# SAN=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer into build-san/.
# CC/CXX pick the compiler (default: the system's c++, i.e. GCC 12).

SAN ?= 0
JOBS ?= $(shell nproc)
ifeq ($(SAN),1)
BUILD_DIR ?= build-san
BUILD_TYPE ?= Debug
SAN_FLAG := -DRATLS_SANITIZE=ON
else
BUILD_DIR ?= build
BUILD_TYPE ?= Release
SAN_FLAG := -DRATLS_SANITIZE=OFF
endif
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 20

.PHONY: all deps build test demo fuzz bench format clean install deb tsan

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(SAN_FLAG) -DRATLS_WERROR=ON

build: $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) fuzz

# A simulated enclave app behind the gateway; DEMO_LISTEN picks the gateway's loopback address.
DEMO_LISTEN ?= 127.0.0.1:7443
demo: deps
	$(MAKE) build
	./$(BUILD_DIR)/ratls-gateway demo --listen $(DEMO_LISTEN)

# libFuzzer targets need clang; each runs for a short bounded time over its seed corpus.
fuzz:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRATLS_FUZZ=ON -DRATLS_WERROR=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets
	bash tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

bench: build
	bash bench/run.sh $(BUILD_DIR)
	bash bench/compare.sh $(BUILD_DIR)
	bash bench/fairness.sh $(BUILD_DIR)

# The binary, the systemd user units, the example configuration, the man page and the docs.
# The service unit's ExecStart is written at install time for the prefix installed to.
PREFIX ?= /usr/local
install: $(BUILD_DIR)/build.ninja
	$(MAKE) build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# The Debian package, $(BUILD_DIR)/ratls-gateway_<version>_<arch>.deb, from the same build tree:
# CPack installs with prefix /usr whatever the tree's CMAKE_INSTALL_PREFIX (docs/packaging.md).
deb:
	@bash scripts/install-deps.sh --build-only
	$(MAKE) build
	cd $(BUILD_DIR) && cpack -G DEB

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf build build-san build-fuzz

# ThreadSanitizer build (build-tsan/) and the tests that run the gateway's threads: concurrent
# verification on shared collateral, the gateway and service integration tests. Not part of
# `make test` (a second full build); run it after touching shared state.
TSAN_DIR ?= build-tsan
tsan: deps
	cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRATLS_SANITIZE_THREAD=ON -DRATLS_WERROR=ON
	cmake --build $(TSAN_DIR) -j $(JOBS)
	rm -rf $(TSAN_DIR)/tsan-reports && mkdir -p $(TSAN_DIR)/tsan-reports
	cd $(TSAN_DIR) && TSAN_OPTIONS=halt_on_error=1:log_path=$(CURDIR)/$(TSAN_DIR)/tsan-reports/tsan ctest --output-on-failure -R 'SeveralThreads|GatewayTest|ServiceTest|GatewayCollateral|Fetcher|Smuggling|UpstreamFraming|DemoTest|AppOwnerTest|HypercornTest|UpstreamLimit|TunnelTimeout|WaitLimits|HostileUpstreams|AppsTest' -E Screenshot
	@# The gateway runs as a child of the tests, so its reports go to files: any file is a failure.
	@if ls $(TSAN_DIR)/tsan-reports/tsan.* >/dev/null 2>&1; then cat $(TSAN_DIR)/tsan-reports/tsan.*; echo "tsan: reports above"; exit 1; fi
	@echo "tsan: no reports"
