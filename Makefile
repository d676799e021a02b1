# Berth: `make run` and `make test` install what they need on Debian 12, build, and go.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
LISTEN ?= 127.0.0.1:5000
DATA ?= ./data

BUILD_PACKAGES := g++ cmake make pkg-config ccache libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
	libssl-dev libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
TEST_PACKAGES := curl jq python3 python3-boto3 skopeo podman buildah golang-github-containers-common \
	util-linux openssl

BENCH_PACKAGES := $(TEST_PACKAGES) docker-registry wrk hey nginx-light

.PHONY: all deps test-deps bench-deps configure build run test unit-test e2e-test sanitize bench bench-micro clean

all: build

deps:
	@scripts/install-deps.sh $(BUILD_PACKAGES)

test-deps:
	@scripts/install-deps.sh $(TEST_PACKAGES)
	@command -v aws > /dev/null || scripts/install-deps.sh awscli

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	./$(BUILD_DIR)/berth serve --listen $(LISTEN) --data $(DATA)

# Every test: unit tests beside the code, then end-to-end tests with real clients.
test: build test-deps
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 1200

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

e2e-test: build test-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -L e2e --timeout 1200

# Every test again on a build with AddressSanitizer and UndefinedBehaviorSanitizer.
SANITIZE_DIR ?= build-sanitize
sanitize: deps test-deps
	@cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_SANITIZE=address,undefined > /dev/null
	@cmake --build $(SANITIZE_DIR) -j$(JOBS)
	cd $(SANITIZE_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure --timeout 2400

bench-deps:
	@scripts/install-deps.sh $(BENCH_PACKAGES)

# Berth and CNCF distribution side by side, with the machine's limits; see bench/run.py.
bench: build bench-deps
	bench/bench.sh

# Google Benchmark micro-benchmarks of the hot paths.
bench-micro: build
	./$(BUILD_DIR)/bench/berth_micro_bench

clean:
	rm -rf $(BUILD_DIR)
