# Berth: `make run` and `make test` install what they need on Debian 12, build, and go.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
# Tests run three at a time on two cores: most of an end-to-end test's time is spent waiting
# (on clients starting, fsyncs, sleeps for expiry), not computing.
TEST_JOBS ?= 3
LISTEN ?= 127.0.0.1:5000
DATA ?= ./data

BUILD_PACKAGES := g++ cmake make pkg-config ccache libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
	libssl-dev libsqlite3-dev libpq-dev libarchive-dev libjemalloc-dev libzstd-dev liblzma-dev libbz2-dev nettle-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
TEST_PACKAGES := curl jq python3 python3-boto3 skopeo podman buildah golang-github-containers-common mount \
	ca-certificates postgresql-15 swift swift-proxy swift-account swift-container swift-object python3-swift \
	memcached haproxy docker-registry \
	util-linux openssl chromium chromium-driver python3-selenium

BENCH_PACKAGES := $(TEST_PACKAGES) wrk hey nginx-light iproute2
# make deb / package-check / image / fresh-check: Debian's packaging tools, lintian, mmdebstrap.
PACKAGING_PACKAGES := debhelper dpkg-dev fakeroot lintian mmdebstrap buildah skopeo \
	golang-github-containers-common ca-certificates postgresql-15 python3 curl memcached swift swift-account \
	swift-container swift-object swift-proxy

.PHONY: all deps test-deps bench-deps packaging-deps configure build run test unit-test e2e-test sanitize tsan \
	bench bench-scale bench-split bench-backup bench-micro deb package-check image fresh-check cluster clean

all: build

# The console (console/) is built with node and npm: Debian's, unless the machine has them already
# (Node.js's own packages provide npm and conflict with Debian's).
deps:
	@scripts/install-deps.sh $(BUILD_PACKAGES)
	@command -v npm > /dev/null || scripts/install-deps.sh nodejs npm

test-deps:
	@scripts/install-deps.sh $(TEST_PACKAGES)
	@command -v aws > /dev/null || scripts/install-deps.sh awscli

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

# Only the server: a first start need not wait for the tests and benchmarks to compile.
run: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target berth
	./$(BUILD_DIR)/berth serve --listen $(LISTEN) --data $(DATA)

# Three nodes on PostgreSQL and S3 (Swift) behind haproxy on $(LISTEN), until Ctrl-C.
cluster: configure test-deps
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target berth
	LISTEN=$(LISTEN) BERTH_BIN=./$(BUILD_DIR)/berth scripts/cluster.sh

# Every test: unit tests beside the code, then end-to-end tests with real clients.
# TEST_LABELS='unit|smoke' (a CTest label expression) runs a subset; see tests/CMakeLists.txt.
TEST_LABELS ?=
test: build test-deps
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 1200 -j$(TEST_JOBS) $(if $(TEST_LABELS),-L '$(TEST_LABELS)')

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit -j$(TEST_JOBS)

e2e-test: build test-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -L e2e --timeout 1200 -j$(TEST_JOBS)

# The unit tests and the `sanitize` suites (tests/CMakeLists.txt) again on a build with
# AddressSanitizer and UndefinedBehaviorSanitizer; SANITIZE_LABELS= runs every test.
SANITIZE_DIR ?= build-sanitize
SANITIZE_LABELS ?= unit|sanitize
sanitize: deps test-deps
	@cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_SANITIZE=address,undefined -DBERTH_BUILD_BENCH=OFF > /dev/null
	@cmake --build $(SANITIZE_DIR) -j$(JOBS)
	cd $(SANITIZE_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure --timeout 2400 -j$(TEST_JOBS) $(if $(SANITIZE_LABELS),-L '$(SANITIZE_LABELS)')

# ThreadSanitizer, for the code that shares state across threads (the pull-through cache's
# downloads, replication, background jobs): its suites on a TSan build; a race fails the test
# (TSan's exit status at shutdown). Not in CI: TSan slows the build and every test several-fold.
TSAN_DIR ?= build-tsan
TSAN_TESTS ?= berth_cache_test|e2e_pull_through|e2e_replication|e2e_stress|e2e_curl_api
tsan: deps test-deps
	@cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_SANITIZE=thread -DCMAKE_CXX_FLAGS=-Wno-tsan > /dev/null
	@cmake --build $(TSAN_DIR) -j$(JOBS)
	cd $(TSAN_DIR) && TSAN_OPTIONS=second_deadlock_stack=1 ctest --output-on-failure --timeout 2400 -j$(TEST_JOBS) -R '$(TSAN_TESTS)'

bench-deps:
	@scripts/install-deps.sh $(BENCH_PACKAGES)

# Berth and CNCF distribution side by side, with the machine's limits, then one node of each on
# PostgreSQL + S3; see bench/run.py and bench/scaleout.py.
bench: build bench-deps
	bench/bench.sh

# berth backup of the 1 GiB bench image: time and extra disk, hard links and copies.
bench-backup: build bench-deps
	python3 bench/backup.py

# Reads and writes at scale (a million tags, 100,000 repositories, loaded through /v2/), Berth
# beside distribution; see bench/scale.py. BENCH_SCALE_TAGS / BENCH_SCALE_REPOS set the sizes.
bench-scale: build bench-deps
	python3 bench/scale.py

# Manifest GET and blob HEAD rate and tail beside nginx's 500-byte file, server and load generator
# each on its own core (taskset); see bench/split.py.
bench-split: build bench-deps
	python3 bench/split.py

# Google Benchmark micro-benchmarks of the hot paths.
bench-micro: build
	./$(BUILD_DIR)/bench/berth_micro_bench

packaging-deps:
	@scripts/install-deps.sh $(PACKAGING_PACKAGES)

# The Debian package (build/deb/berth_<version>_<arch>.deb), built with debhelper, lintian-checked.
deb: deps packaging-deps
	scripts/make-deb.sh

# The package (built as by make deb) installed on a minimal Debian 12 root: user, unit
# (systemd-analyze verify), serving.
package-check: deps packaging-deps
	scripts/package-check.sh

# An OCI image of Berth (localhost/berth:<version>, and build/image/oci), built with buildah.
image: build packaging-deps
	scripts/make-image.sh

# A bare Debian 12 root (mmdebstrap) runs `make run` and must serve /v2/; FRESH_TEST=1 runs
# `make test` there too.
fresh-check:
	scripts/fresh-check.sh

clean:
	rm -rf $(BUILD_DIR)
