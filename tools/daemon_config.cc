// inlinksd configuration (daemon_config.h).
#include "tools/daemon_config.h"

#include <charconv>
#include <functional>
#include <limits>

#include <toml++/toml.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "inlinks/core/string_view.h"

namespace inlinks::tools {
namespace {

using core::Av;

enum class Kind { kBool, kInt, kString, kList };

struct OptionDef {
  const char* name;
  Kind kind;
  const char* value_name;
  const char* help;
  std::function<absl::Status(DaemonConfig&, std::string_view)> set;
};

absl::StatusOr<int64_t> ParseInt(std::string_view name, std::string_view v, int64_t min,
                                 int64_t max) {
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || out < min || out > max) {
    return absl::InvalidArgumentError(absl::StrCat("--", Av(name), ": '", Av(v),
                                                   "' is not an integer in [", min, ", ", max,
                                                   "]"));
  }
  return out;
}

absl::StatusOr<bool> ParseBool(std::string_view name, std::string_view v) {
  if (v == "true" || v == "yes" || v == "1" || v == "on") return true;
  if (v == "false" || v == "no" || v == "0" || v == "off") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("--", Av(name), ": '", Av(v), "' is not a boolean (true/false)"));
}

// Builds a setter for an integer field.
template <typename T>
std::function<absl::Status(DaemonConfig&, std::string_view)> Int(
    const char* name, T crawler::CrawlerOptions::*field, int64_t min, int64_t max) {
  return [=](DaemonConfig& c, std::string_view v) -> absl::Status {
    absl::StatusOr<int64_t> n = ParseInt(name, v, min, max);
    if (!n.ok()) return n.status();
    c.crawl.*field = static_cast<T>(*n);
    return absl::OkStatus();
  };
}

template <typename T>
std::function<absl::Status(DaemonConfig&, std::string_view)> FrontierInt(
    const char* name, T crawler::FrontierOptions::*field, int64_t min, int64_t max) {
  return [=](DaemonConfig& c, std::string_view v) -> absl::Status {
    absl::StatusOr<int64_t> n = ParseInt(name, v, min, max);
    if (!n.ok()) return n.status();
    c.crawl.frontier.*field = static_cast<T>(*n);
    return absl::OkStatus();
  };
}

// A duration ("500ms", "1.5s", "2m"; a bare number is seconds) in whole
// milliseconds within [min_ms, max_ms].
absl::StatusOr<int64_t> ParseMillis(const char* name, std::string_view v, int64_t min_ms,
                                    int64_t max_ms) {
  absl::Duration d;
  double seconds = 0;
  bool parsed = absl::ParseDuration(Av(v), &d);
  if (!parsed && absl::SimpleAtod(Av(v), &seconds)) {
    d = absl::Seconds(seconds);
    parsed = true;
  }
  const int64_t ms = parsed ? absl::ToInt64Milliseconds(d) : 0;
  if (!parsed || ms < min_ms || ms > max_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": '", Av(v), "' is not a duration from ", min_ms, "ms to ",
                     max_ms / 1000, "s (e.g. 500ms, 2s, 1m)"));
  }
  return ms;
}

std::function<absl::Status(DaemonConfig&, std::string_view)> Str(std::string DaemonConfig::*field) {
  return [=](DaemonConfig& c, std::string_view v) {
    c.*field = std::string(v);
    return absl::OkStatus();
  };
}

std::function<absl::Status(DaemonConfig&, std::string_view)> Millis(
    const char* name, std::chrono::milliseconds crawler::FetchOptions::*field) {
  return [=](DaemonConfig& c, std::string_view v) -> absl::Status {
    absl::StatusOr<int64_t> n = ParseInt(name, v, 1, 3'600'000);
    if (!n.ok()) return n.status();
    c.crawl.fetch.*field = std::chrono::milliseconds(*n);
    return absl::OkStatus();
  };
}

std::function<absl::Status(DaemonConfig&, std::string_view)> OneOf(
    const char* name, std::string DaemonConfig::*field, std::vector<std::string> allowed) {
  return [=](DaemonConfig& c, std::string_view v) -> absl::Status {
    for (const std::string& a : allowed) {
      if (v == a) {
        c.*field = a;
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": '", Av(v), "' is not one of ",
                                                   absl::StrJoin(allowed, "|")));
  };
}

const std::vector<OptionDef>& Options() {
  using CO = crawler::CrawlerOptions;
  using FO = crawler::FrontierOptions;
  static const std::vector<OptionDef> kOptions = {
      {"db", Kind::kString, "DIR", "data directory (RocksDB; created if missing)",
       Str(&DaemonConfig::db)},
      {"seeds", Kind::kString, "FILE",
       "seed list: one URL or host per line, '#' comments (SIGHUP reloads it)",
       Str(&DaemonConfig::seeds_file)},
      {"seed", Kind::kList, "URL", "a seed URL or host (repeatable)",
       [](DaemonConfig& c, std::string_view v) {
         c.seeds.emplace_back(v);
         return absl::OkStatus();
       }},
      {"serve", Kind::kString, "ADDR:PORT", "crawl: also serve the HTTP API on this address",
       Str(&DaemonConfig::serve)},
      {"listen", Kind::kString, "ADDR:PORT", "serve: API address (default 127.0.0.1:8080)",
       Str(&DaemonConfig::listen)},
      {"once", Kind::kBool, "", "exit 0 when nothing is left to fetch (pages due for a re-crawl when it starts "
       "are fetched again; none later)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<bool> b = ParseBool("once", v);
         if (!b.ok()) return b.status();
         c.crawl.once = *b;
         return absl::OkStatus();
       }},
      {"concurrency", Kind::kInt, "N", "fetches in flight (default 64)",
       Int("concurrency", &CO::concurrency, 1, 100000)},
      {"threads", Kind::kInt, "N", "I/O threads (default: one per core)",
       Int("threads", &CO::threads, 0, 1024)},
      {"delay-ms", Kind::kInt, "MS",
       "minimum time between two fetches of one host (default 1000; robots.txt "
       "Crawl-delay can raise it)",
       Int("delay-ms", &CO::host_delay_ms, 0, 3'600'000)},
      {"per-ip", Kind::kInt, "N", "connections to one IP address at most (default 8; 0 = no cap)",
       Int("per-ip", &CO::max_connections_per_ip, 0, 100000)},
      {"user-agent", Kind::kString, "UA", "User-Agent header (robots.txt token is 'inlinks')",
       [](DaemonConfig& c, std::string_view v) {
         c.crawl.fetch.user_agent = std::string(v);
         return absl::OkStatus();
       }},
      {"scope", Kind::kString, "hosts|domains|all",
       "links followed: seed hosts only, seed registrable domains, or all (default)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         if (v == "hosts") {
           c.crawl.frontier.scope = crawler::CrawlScope::kSeedHosts;
         } else if (v == "domains") {
           c.crawl.frontier.scope = crawler::CrawlScope::kSeedDomains;
         } else if (v == "all") {
           c.crawl.frontier.scope = crawler::CrawlScope::kAll;
         } else {
           return absl::InvalidArgumentError(
               absl::StrCat("--scope: '", Av(v), "' is not one of hosts|domains|all"));
         }
         return absl::OkStatus();
       }},
      {"max-depth", Kind::kInt, "N", "link hops from a seed (default 64)",
       FrontierInt("max-depth", &FO::max_depth, 0, 1'000'000)},
      {"max-pages-per-host", Kind::kInt, "N", "URLs queued per host (default 0 = no cap)",
       FrontierInt("max-pages-per-host", &FO::max_pages_per_host, 0,
                   std::numeric_limits<int64_t>::max())},
      {"max-url-length", Kind::kInt, "BYTES", "longest URL followed (default 2048)",
       FrontierInt("max-url-length", &FO::max_url_length, 16, 1 << 20)},
      {"max-path-depth", Kind::kInt, "N", "path segments at most (default 32)",
       FrontierInt("max-path-depth", &FO::max_path_depth, 1, 100000)},
      {"max-repeated-segment", Kind::kInt, "N",
       "occurrences of one path segment at most (default 3)",
       FrontierInt("max-repeated-segment", &FO::max_repeated_segment, 1, 100000)},
      {"max-query-params", Kind::kInt, "N", "query parameters at most (default 16)",
       FrontierInt("max-query-params", &FO::max_query_params, 0, 100000)},
      {"max-redirects", Kind::kInt, "N", "redirect hops followed (default 5)",
       FrontierInt("max-redirects", &FO::max_redirects, 0, 100)},
      {"max-connections-per-client", Kind::kInt, "N",
       "API connections from one client address (default 128; 0 = no cap; raise it behind "
       "a reverse proxy)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<int64_t> n = ParseInt("max-connections-per-client", v, 0, 1'000'000);
         if (!n.ok()) return n.status();
         c.max_connections_per_client = *n;
         return absl::OkStatus();
       }},
      {"refresh-interval", Kind::kString, "DURATION",
       "crawl: publish newly indexed pages to queries this often (default 1s; e.g. 500ms, 5s)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<int64_t> ms = ParseMillis("refresh-interval", v, 1, 3'600'000);
         if (!ms.ok()) return ms.status();
         c.refresh_interval_ms = *ms;
         return absl::OkStatus();
       }},
      {"recrawl-interval", Kind::kInt, "SECONDS",
       "fetch each page again this long after its last fetch (default 604800 = 7 days; 0 = "
       "never)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<int64_t> n = ParseInt("recrawl-interval", v, 0, 10LL * 365 * 86400);
         if (!n.ok()) return n.status();
         c.crawl.frontier.recrawl_interval_ms = *n * 1000;
         return absl::OkStatus();
       }},
      {"resolve", Kind::kList, "HOST:ADDR",
       "connect to ADDR for HOST (also HOST:PORT:ADDR; HOST '*' = every host; repeatable)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<crawler::ResolveOverride> o = crawler::ResolveOverride::Parse(v);
         if (!o.ok()) return o.status();
         c.crawl.fetch.resolve.push_back(*o);
         return absl::OkStatus();
       }},
      {"allow-net", Kind::kList, "CIDR",
       "allow fetches to this private/loopback network (e.g. 127.0.0.0/8; repeatable)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<crawler::Cidr> cidr = crawler::Cidr::Parse(v);
         if (!cidr.ok()) {
           return absl::InvalidArgumentError(absl::StrCat("--allow-net: ", cidr.status().message()));
         }
         c.allow_nets.emplace_back(v);
         return absl::OkStatus();
       }},
      {"insecure", Kind::kBool, "", "do not verify TLS certificates",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<bool> b = ParseBool("insecure", v);
         if (!b.ok()) return b.status();
         c.crawl.fetch.verify_tls = !*b;
         return absl::OkStatus();
       }},
      {"max-body", Kind::kInt, "BYTES", "response body cap, raw and decoded (default 4194304)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<int64_t> n = ParseInt("max-body", v, 1024, 1LL << 30);
         if (!n.ok()) return n.status();
         c.crawl.fetch.max_body_bytes = static_cast<size_t>(*n);
         c.crawl.extractor.max_body_bytes = static_cast<size_t>(*n);
         return absl::OkStatus();
       }},
      {"connect-timeout-ms", Kind::kInt, "MS", "connect and TLS handshake timeout (default 10000)",
       Millis("connect-timeout-ms", &crawler::FetchOptions::connect_timeout)},
      {"header-timeout-ms", Kind::kInt, "MS", "request to end of headers (default 20000)",
       Millis("header-timeout-ms", &crawler::FetchOptions::header_timeout)},
      {"timeout-ms", Kind::kInt, "MS", "request to end of body (default 60000)",
       Millis("timeout-ms", &crawler::FetchOptions::response_timeout)},
      {"follow-nofollow", Kind::kBool, "", "queue targets of nofollow links (default true)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<bool> b = ParseBool("follow-nofollow", v);
         if (!b.ok()) return b.status();
         c.crawl.follow_nofollow = *b;
         return absl::OkStatus();
       }},
      {"sitemaps", Kind::kBool, "", "follow robots.txt Sitemap lines (default true)",
       [](DaemonConfig& c, std::string_view v) -> absl::Status {
         absl::StatusOr<bool> b = ParseBool("sitemaps", v);
         if (!b.ok()) return b.status();
         c.crawl.follow_sitemaps = *b;
         return absl::OkStatus();
       }},
      {"robots-retry-ms", Kind::kInt, "MS",
       "after a 5xx/unreachable robots.txt, wait this long before trying again (default 600000)",
       Int("robots-retry-ms", &CO::robots_error_retry_ms, 0, 86'400'000)},
      {"retry-delay-ms", Kind::kInt, "MS", "wait before retrying a failed fetch (default 30000)",
       Int("retry-delay-ms", &CO::retry_delay_ms, 0, 86'400'000)},
      {"max-attempts", Kind::kInt, "N", "tries per URL for transient failures (default 3)",
       Int("max-attempts", &CO::max_attempts, 1, 100)},
      {"geoip", Kind::kString, "FILE",
       "MaxMind City/Country database (GeoLite2, DB-IP lite): the API's ccode/country/city",
       Str(&DaemonConfig::geoip)},
      {"progress", Kind::kString, "auto|yes|no",
       "one-line progress on a terminal (auto), always, or log lines only",
       OneOf("progress", &DaemonConfig::progress, {"auto", "yes", "no"})},
      {"log-level", Kind::kString, "info|warning|error", "log threshold (default info)",
       OneOf("log-level", &DaemonConfig::log_level, {"info", "warning", "error"})},
  };
  return kOptions;
}

const OptionDef* Find(std::string_view name) {
  for (const OptionDef& o : Options()) {
    if (name == o.name) return &o;
  }
  return nullptr;
}

// Applies a TOML file: every key names an option; arrays apply each value.
absl::Status ApplyToml(DaemonConfig& c, const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return absl::InvalidArgumentError(absl::StrCat("config ", path, ":", where.line, ":",
                                                   where.column, ": ",
                                                   Av(std::string_view(e.description()))));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config ", path, ": ", e.what()));
  }
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    const OptionDef* def = Find(name);
    if (def == nullptr || name == "config") {
      return absl::InvalidArgumentError(
          absl::StrCat("config ", path, ": unknown option '", name, "'"));
    }
    std::vector<std::string> values;
    auto as_text = [&](const toml::node& n) -> std::optional<std::string> {
      if (auto s = n.value<std::string>()) return *s;
      if (auto b = n.value<bool>(); b && n.is_boolean()) return *b ? "true" : "false";
      if (auto i = n.value<int64_t>(); i && n.is_integer()) return std::to_string(*i);
      return std::nullopt;
    };
    if (const toml::array* arr = node.as_array()) {
      if (def->kind != Kind::kList) {
        return absl::InvalidArgumentError(
            absl::StrCat("config ", path, ": '", name, "' takes one value, not a list"));
      }
      for (const toml::node& n : *arr) {
        std::optional<std::string> v = as_text(n);
        if (!v) {
          return absl::InvalidArgumentError(
              absl::StrCat("config ", path, ": '", name, "' has a value of the wrong type"));
        }
        values.push_back(*v);
      }
    } else {
      std::optional<std::string> v = as_text(node);
      if (!v) {
        return absl::InvalidArgumentError(
            absl::StrCat("config ", path, ": '", name, "' has a value of the wrong type"));
      }
      values.push_back(*v);
    }
    for (const std::string& v : values) {
      absl::Status s = def->set(c, v);
      if (!s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("config ", path, ": ", s.message()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string DaemonUsage() {
  std::string out =
      "usage: inlinksd crawl --db DIR (--seeds FILE | --seed URL...) [--serve ADDR:PORT] "
      "[OPTIONS]\n"
      "       inlinksd serve --db DIR [--listen ADDR:PORT]\n"
      "\n"
      "  crawl   crawls the web from the seeds into the backlink index in DIR; with\n"
      "          --serve, answers the HTTP API at the same time. Without --once it\n"
      "          keeps running and re-crawls pages on schedule. SIGTERM/SIGINT stop it\n"
      "          (the frontier is persistent: the next start resumes); SIGHUP reloads\n"
      "          the seed file.\n"
      "  serve   answers the HTTP API over the index in DIR.\n"
      "\n"
      "Every option is also a key of a TOML file given with --config FILE (flags\n"
      "override the file), e.g. `concurrency = 128` or `allow-net = [\"127.0.0.0/8\"]`.\n"
      "\n"
      "options:\n"
      "  --config FILE\n"
      "      read options from a TOML file\n";
  for (const OptionDef& o : Options()) {
    std::string flag = absl::StrCat("  --", o.name);
    if (o.kind != Kind::kBool) absl::StrAppend(&flag, " ", o.value_name);
    absl::StrAppend(&out, flag, "\n      ", o.help, "\n");
  }
  return out;
}

absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::vector<std::string>& args) {
  DaemonConfig c;
  c.crawl.frontier.recrawl_interval_ms = 7LL * 86400 * 1000;
  if (args.empty()) return absl::InvalidArgumentError("missing command (crawl or serve)");
  size_t i = 0;
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    c.help = true;
    return c;
  }
  c.command = args[0];
  if (c.command != "crawl" && c.command != "serve") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command '", c.command, "' (crawl or serve)"));
  }
  ++i;
  // The config file is applied first, whatever its position, so that flags
  // override it.
  for (size_t j = i; j < args.size(); ++j) {
    std::string path;
    if (args[j] == "--config" && j + 1 < args.size()) path = args[j + 1];
    if (args[j].rfind("--config=", 0) == 0) path = args[j].substr(9);
    if (!path.empty()) {
      absl::Status s = ApplyToml(c, path);
      if (!s.ok()) return s;
    }
  }
  for (; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      c.help = true;
      return c;
    }
    if (arg.substr(0, 2) != "--") {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", Av(arg), "'"));
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    if (name == "config") {
      if (!value) ++i;
      continue;
    }
    const OptionDef* def = Find(name);
    if (def == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '--", Av(name),
                                                     "' (inlinksd --help lists them)"));
    }
    if (!value) {
      if (def->kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--", Av(name), " needs a value (", def->value_name, ")"));
      }
    }
    absl::Status s = def->set(c, *value);
    if (!s.ok()) return s;
  }
  absl::StatusOr<crawler::NetGuard> guard = crawler::NetGuard::Create(c.allow_nets);
  if (!guard.ok()) return guard.status();
  c.crawl.fetch.guard = *guard;
  if (c.db.empty()) return absl::InvalidArgumentError("--db DIR is required");
  return c;
}

}  // namespace inlinks::tools
