// File: bench/web/inlinks_web_main.cc
//
// Owns: `inlinks-web`, the command-line front of the synthetic web
// (docs/testweb.md):
//
//   inlinks-web [--listen 127.0.0.1:0] [--threads N] [--seed S] [--hosts N]
//               [--domains M] [--pages-per-host P] [--page-bytes B]
//               [--links MIN-MAX] [--seed-hosts K] [--sitemaps]
//               [--url-port PORT] [--no-web] [--static HOST=DIR]...
//               [--gzip] [--no-hostile] [--seeds-out FILE]
//               [--print-seeds | --print-pages | --backlinks TARGET]
//
// Serving: prints "listening ADDRESS:PORT" as the first stdout line, then
// serves until SIGTERM or SIGINT and exits 0. --print-seeds, --print-pages
// and --backlinks print from the graph and exit without listening; their
// URLs carry --url-port (default: the --listen port; 0 = no port), which
// must match the serving instance's port.
//
// Thread safety: single-threaded main; the server runs its own threads.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "inlinks/testweb/server.h"
#include "inlinks/testweb/web.h"

namespace {

using inlinks::testweb::Backlink;
using inlinks::testweb::Server;
using inlinks::testweb::ServerOptions;
using inlinks::testweb::StaticSite;
using inlinks::testweb::WebSpec;

constexpr char kUsage[] =
    "usage: inlinks-web [OPTIONS]\n"
    "Serves a deterministic synthetic web (many virtual hosts) on one port.\n"
    "  --listen ADDR:PORT     address to listen on (default 127.0.0.1:0)\n"
    "  --threads N            server threads (default 2)\n"
    "  --seed S --hosts N --domains M --pages-per-host P\n"
    "                         the web (defaults 1, 50, 20, 200)\n"
    "  --page-bytes B         target page size (default 25600)\n"
    "  --links MIN-MAX        links per page (default 50-150)\n"
    "  --seed-hosts K         seeds are the home pages of hosts 0..K-1 (default all)\n"
    "  --sitemaps             robots.txt names a sitemap of each host\n"
    "  --url-port PORT        port written in URLs (default: the bound port;\n"
    "                         0 = no port, for proxy-style crawling)\n"
    "  --no-web               serve no generated web\n"
    "  --static HOST=DIR      serve DIR as host HOST (repeatable)\n"
    "  --gzip                 gzip answers when the client accepts it\n"
    "  --no-hostile           no hostile hosts or /_hostile/ paths\n"
    "  --seeds-out FILE       write the seed URLs to FILE once listening\n"
    "  --print-seeds          print the seed URLs and exit\n"
    "  --print-pages          print every fetchable page URL and exit\n"
    "  --backlinks TARGET     print the ground-truth backlinks of TARGET (a URL,\n"
    "                         host or domain) and exit: one per line, tab-separated\n"
    "                         source, target, anchor, position, tag, nofollow\n";

bool ParseInt(const std::string& s, int* out) { return absl::SimpleAtoi(s, out); }

int Fail(const std::string& message) {
  std::fprintf(stderr, "inlinks-web: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  options.threads = 2;
  WebSpec spec;
  bool use_web = true, print_seeds = false, print_pages = false;
  bool url_port_given = false;
  int url_port = 0;
  std::string backlinks, seeds_out;
  bool want_backlinks = false;

  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    int n = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--listen") {
      if (!value(&options.listen)) return Fail("--listen needs a value");
    } else if (a == "--threads" || a == "--seed" || a == "--hosts" ||
               a == "--domains" || a == "--pages-per-host" || a == "--page-bytes" ||
               a == "--seed-hosts" || a == "--url-port") {
      if (!value(&v) || !ParseInt(v, &n) || n < 0) return Fail(a + " needs a number");
      if (a == "--threads") options.threads = n;
      if (a == "--seed") spec.seed = static_cast<uint64_t>(n);
      if (a == "--hosts") spec.hosts = n;
      if (a == "--domains") spec.domains = n;
      if (a == "--pages-per-host") spec.pages_per_host = n;
      if (a == "--page-bytes") spec.page_bytes = static_cast<size_t>(n);
      if (a == "--seed-hosts") spec.seed_hosts = n;
      if (a == "--url-port") {
        if (n > 65535) return Fail("--url-port out of range");
        url_port = n;
        url_port_given = true;
      }
    } else if (a == "--links") {
      size_t dash;
      if (!value(&v) || (dash = v.find('-')) == std::string::npos ||
          !ParseInt(v.substr(0, dash), &spec.min_links) ||
          !ParseInt(v.substr(dash + 1), &spec.max_links)) {
        return Fail("--links needs MIN-MAX");
      }
    } else if (a == "--sitemaps") {
      spec.sitemaps = true;
    } else if (a == "--no-web") {
      use_web = false;
    } else if (a == "--static") {
      size_t eq;
      if (!value(&v) || (eq = v.find('=')) == std::string::npos) {
        return Fail("--static needs HOST=DIR");
      }
      options.static_sites.push_back(StaticSite{v.substr(0, eq), v.substr(eq + 1)});
    } else if (a == "--gzip") {
      options.gzip = true;
    } else if (a == "--no-hostile") {
      options.hostile_hosts = false;
      options.hostile_paths = false;
    } else if (a == "--seeds-out") {
      if (!value(&seeds_out)) return Fail("--seeds-out needs a file");
    } else if (a == "--print-seeds") {
      print_seeds = true;
    } else if (a == "--print-pages") {
      print_pages = true;
    } else if (a == "--backlinks") {
      if (!value(&backlinks)) return Fail("--backlinks needs a target");
      want_backlinks = true;
    } else {
      std::fputs(kUsage, stderr);
      return Fail("unknown argument: " + a);
    }
  }

  if (print_seeds || print_pages || want_backlinks) {
    if (!url_port_given) {
      size_t colon = options.listen.rfind(':');
      if (colon != std::string::npos) {
        ParseInt(options.listen.substr(colon + 1), &url_port);
      }
    }
    spec.port = static_cast<uint16_t>(url_port);
    auto web = inlinks::testweb::Web::Create(spec);
    if (!web.ok()) return Fail(web.status().ToString());
    if (print_seeds) {
      for (const std::string& url : (*web)->SeedUrls()) std::printf("%s\n", url.c_str());
    }
    if (print_pages) {
      for (const std::string& url : (*web)->PageUrls()) std::printf("%s\n", url.c_str());
    }
    if (want_backlinks) {
      auto scope = inlinks::testweb::ParseScope(backlinks);
      if (!scope.ok()) return Fail(scope.status().ToString());
      for (const Backlink& b : (*web)->ReachableTruth().Backlinks(*scope)) {
        std::printf("%s\t%s\t%s\t%u\t%s\t%d\n", b.source.c_str(), b.target.c_str(),
                    b.anchor.c_str(), b.position,
                    std::string(inlinks::core::LinkTagName(b.tag)).c_str(),
                    b.nofollow() ? 1 : 0);
      }
    }
    return 0;
  }

  if (use_web) {
    if (url_port_given) {
      spec.port = static_cast<uint16_t>(url_port);
      options.web_port_from_listener = url_port != 0;
    }
    options.web = spec;
  }

  // SIGINT/SIGTERM are taken by sigwait below; block them before the server
  // threads start so those threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = Server::Start(std::move(options));
  if (!server.ok()) {
    std::fprintf(stderr, "inlinks-web: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("listening %s\n", (*server)->address().c_str());
  std::fflush(stdout);
  if (const inlinks::testweb::Web* web = (*server)->web()) {
    std::fprintf(stderr, "inlinks-web: %d hosts, %d pages per host, seeds e.g. %s\n",
                 web->HostCount(), web->spec().pages_per_host,
                 web->SeedUrls().front().c_str());
    if (!seeds_out.empty()) {
      std::ofstream out(seeds_out);
      for (const std::string& url : web->SeedUrls()) out << url << "\n";
      if (!out) return Fail("cannot write " + seeds_out);
    }
  }
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Stop();
  inlinks::testweb::ServerStats stats = (*server)->stats();
  std::fprintf(stderr,
               "inlinks-web: stopped by signal %d: %llu connections, %llu requests, "
               "%llu bytes\n",
               sig, static_cast<unsigned long long>(stats.connections),
               static_cast<unsigned long long>(stats.requests),
               static_cast<unsigned long long>(stats.bytes_sent));
  return 0;
}
