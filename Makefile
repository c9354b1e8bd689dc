# Entry points for people; CMake does the building. See README.md.
JOBS ?= $(shell nproc)
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build test demo bench bench-e2e fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B build $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

# Installs what is missing, builds, runs every test (release, then ASan+UBSan).
test:
	@bash scripts/test.sh

# The main job until the daemon lands: build, then extract every link of the
# demo site (and of the Boost docs when installed) with the `inlinks` tool.
demo: build
	@bash scripts/demo.sh

# Micro benchmarks (Release build; see BENCHMARKS.md).
bench: deps
	@INLINKS_WITH_BENCH_CORPUS=1 bash scripts/install-deps.sh
	@cmake -S . -B build-release $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DINLINKS_BUILD_TESTS=OFF >/dev/null
	@cmake --build build-release -j $(JOBS) --target extractor_bench url_bench index_bench pagination_bench query_bench
	./build-release/bench/extractor_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	./build-release/bench/url_bench
	./build-release/bench/index_bench
	./build-release/bench/pagination_bench
	./build-release/bench/query_bench

# End-to-end harness (issue 6): crawl + extract + index of the synthetic web at
# 10k and 200k URLs beside bare gumbo and wget2, queries under wrk, answers
# checked against the ground truth. BENCH_SIZES=10000 for the small one only.
BENCH_SIZES ?= 10000,200000
bench-e2e: deps
	@cmake -S . -B build-release $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DINLINKS_BUILD_TESTS=OFF >/dev/null
	@cmake --build build-release -j $(JOBS) --target inlinksd inlinks inlinks-web inlinks-gumbo-limit
	/usr/bin/python3 bench/e2e/inlinks_bench.py --build build-release --sizes $(BENCH_SIZES) --out build-release/bench-e2e.json

# libFuzzer targets under clang (FUZZ_SECONDS each, default 60).
FUZZ_SECONDS ?= 60
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DINLINKS_BUILD_FUZZERS=ON -DINLINKS_BUILD_BENCH=OFF -DINLINKS_BUILD_TESTS=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target url_fuzzer extractor_fuzzer warc_fuzzer http_response_fuzzer robots_fuzzer sitemap_fuzzer writers_fuzzer records_fuzzer request_fuzzer
	@for f in url_fuzzer extractor_fuzzer warc_fuzzer http_response_fuzzer robots_fuzzer sitemap_fuzzer writers_fuzzer records_fuzzer request_fuzzer; do \
	  mkdir -p build-fuzz/corpus/$$f; \
	  ./build-fuzz/tests/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
	    build-fuzz/corpus/$$f tests/fuzz/corpus/$$f || exit 1; \
	done

clean:
	rm -rf build build-asan build-release build-fuzz
