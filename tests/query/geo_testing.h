// File: tests/query/geo_testing.h
//
// Owns: the tiny MaxMind-format databases the geolocation tests read, built
// once per test process by tests/query/make_geoip_db.pl (Debian
// libmaxmind-db-writer-perl, which scripts/install-deps.sh installs) into a
// temp dir. What they hold (keep in step with the script):
//
//   network          ccode country       city (City dbs only)
//   127.0.0.0/8      DE    Germany       Berlin
//   198.51.100.0/24  CH    Switzerland   Zürich
//   203.0.113.0/24   FR    France        (none)
//   100.64.0.0/10    US    United States (none; registered_country only)
//   ::1/128          NL    Netherlands   Amsterdam     (not in ipv4-city)
//   2001:db8::/32    JP    Japan         Tokyo         (not in ipv4-city)
//
// Names also exist in German ("Deutschland"), so a lookup that is not the
// English one shows. A missing writer is a test failure, not a skip.
//
// Thread safety: test-only; call from the test thread.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/testing/temp_dir.h"

namespace inlinks::query::testing {

struct GeoTestDbs {
  std::string city;       // GeoLite2-City layout, IPv6 tree
  std::string country;    // GeoLite2-Country layout (no city)
  std::string ipv4_city;  // City layout, IPv4-only tree
  // Empty when the databases were written; otherwise why not (perl's output).
  std::string error;
};

inline const GeoTestDbs& TestGeoDbs() {
  static ::inlinks::testing::TempDir dir("inlinks_geo");
  static const GeoTestDbs dbs = [] {
    GeoTestDbs d;
    std::filesystem::create_directories(dir.path());
    std::string cmd =
        "perl '" INLINKS_SOURCE_DIR "/tests/query/make_geoip_db.pl' '" + dir.path() + "' 2>&1";
    std::string output;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) {
      d.error = "cannot run perl";
      return d;
    }
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output.append(buf, n);
    int status = ::pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      d.error =
          "tests/query/make_geoip_db.pl failed (needs Debian's libmaxmind-db-writer-perl: "
          "apt-get install libmaxmind-db-writer-perl, or scripts/install-deps.sh): " +
          output;
      return d;
    }
    d.city = dir.Sub("city.mmdb");
    d.country = dir.Sub("country.mmdb");
    d.ipv4_city = dir.Sub("ipv4-city.mmdb");
    return d;
  }();
  return dbs;
}

}  // namespace inlinks::query::testing
