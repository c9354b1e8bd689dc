# Every third-party dependency, from Debian 12 packages only (no downloads).
# scripts/install-deps.sh installs them; a missing one fails here with the
# name of its package.
find_package(PkgConfig REQUIRED)

macro(inlinks_require_config name package)
  find_package(${name} ${ARGN} CONFIG QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "${name} not found: apt-get install ${package} "
                        "(or run scripts/install-deps.sh)")
  endif()
endmacro()

macro(inlinks_require_pkg var module package)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install ${package} "
                        "(or run scripts/install-deps.sh)")
  endif()
endmacro()

inlinks_require_config(absl libabsl-dev)
inlinks_require_config(Boost "libboost1.81-all-dev libboost-url1.81-dev libboost-json1.81-dev"
                       1.81.0 EXACT COMPONENTS url json system)
inlinks_require_config(RocksDB librocksdb-dev)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)

inlinks_require_pkg(GUMBO gumbo libgumbo-dev)
inlinks_require_pkg(PSL libpsl libpsl-dev)
inlinks_require_pkg(IDN2 libidn2 libidn2-dev)
inlinks_require_pkg(BROTLIDEC libbrotlidec libbrotli-dev)
inlinks_require_pkg(BROTLIENC libbrotlienc libbrotli-dev)
inlinks_require_pkg(MAXMINDDB libmaxminddb libmaxminddb-dev)
inlinks_require_pkg(TOMLPP tomlplusplus libtomlplusplus-dev)

if(INLINKS_BUILD_TESTS)
  inlinks_require_config(GTest "libgtest-dev libgmock-dev")
  # A strict XML 1.0 parser for the query writers' tests.
  inlinks_require_pkg(LIBXML2 libxml-2.0 libxml2-dev)
endif()
if(INLINKS_BUILD_BENCH)
  inlinks_require_config(benchmark libbenchmark-dev)
  # The SQLite peer of the query benchmark (bench/micro/api_bench.cc).
  inlinks_require_pkg(SQLITE3 sqlite3 libsqlite3-dev)
endif()
