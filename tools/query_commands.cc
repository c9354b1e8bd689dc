// `inlinks backlinks`, `inlinks stats`, `inlinks trend`, `inlinks new` and
// `inlinks lost` (tools/query_commands.h).
#include "query_commands.h"

#include <algorithm>
#include <charconv>
#include <clocale>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <cwchar>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/records.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/query/geo.h"
#include "inlinks/query/history.h"
#include "inlinks/query/writers.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace inlinks::tools {
namespace {

namespace fs = std::filesystem;

constexpr char kBacklinksUsage[] =
    "usage: inlinks backlinks TARGET [OPTIONS]\n"
    "\n"
    "Prints one page of the backlinks of TARGET and their exact total, the rows\n"
    "the HTTP API returns, in the index order (target URL, then source URL).\n"
    "TARGET is a domain (example.com or www.example.com: the domain and all its\n"
    "subdomains), a host (blog.example.com) or a page (example.com/a.html, http\n"
    "and https together); a scheme is ignored.\n"
    "\n"
    "  --db DIR            database directory (default: data); opened read-only,\n"
    "                      so it works beside a running daemon\n"
    "  --scope KIND        auto (default), domain, host or url\n"
    "  --limit N           rows per page (default 100; 0 prints only the total)\n"
    "  --offset N          first row, 0-based (default 0)\n"
    "  --cursor C          continue after a previous page (its next cursor)\n"
    "  --state S           live (default), lost or all (live rows, then lost)\n"
    "  --sort O            strength (default: strongest source first, by sr, then\n"
    "                      source URL) or key (target URL, then source URL; does\n"
    "                      not change when ranks do; offsets scan, cursors seek)\n"
    "  --nofollow yes|no   only nofollow / only followed links (scans the scope)\n"
    "  --tag T             only links of tag T: a, aimg, area, iframe, frame,\n"
    "                      canonical, redirect (scans the scope)\n"
    "  --format F          table (default), json, xml or csv\n"
    "  --geoip FILE        MaxMind City/Country database (GeoLite2, DB-IP lite):\n"
    "                      fills ccode, country and city from each row's ip\n"
    "  -h, --help          this help\n"
    "\n"
    "Exit status: 0 success, 1 database error, 2 bad arguments (including an\n"
    "unreadable --geoip file).\n";

constexpr char kStatsUsage[] =
    "usage: inlinks stats [--db DIR] [--format text|json]\n"
    "\n"
    "Prints the live and lost link records, the pages crawled, the target\n"
    "domains with live links and the size of the database on disk, from the\n"
    "counters (no scan of the links). Opens the database read-only.\n"
    "\n"
    "  --db DIR      database directory (default: data)\n"
    "  --format F    text (default) or json\n"
    "  -h, --help    this help\n";

// ---- Argument parsing ----

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  bool help = false;
};

// Parses "--name VALUE" / "--name=VALUE" for the names in `with_value`.
// Errors are printed; returns nullopt on a bad argument.
std::optional<Args> ParseArgs(const std::vector<std::string>& argv,
                              const std::vector<std::string>& with_value, const char* command,
                              const char* usage) {
  Args out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::string name = a, value;
      bool has_value = false;
      if (size_t eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        has_value = true;
      }
      bool known = false;
      for (const auto& w : with_value) known |= (w == name);
      if (!known) {
        std::fprintf(stderr, "inlinks %s: unknown option '%s'\n%s", command, name.c_str(), usage);
        return std::nullopt;
      }
      if (!has_value) {
        if (i + 1 >= argv.size()) {
          std::fprintf(stderr, "inlinks %s: option %s needs a value\n", command, name.c_str());
          return std::nullopt;
        }
        value = argv[++i];
      }
      if (out.options.count(name)) {
        std::fprintf(stderr, "inlinks %s: option %s given twice\n", command, name.c_str());
        return std::nullopt;
      }
      out.options[name] = value;
      continue;
    }
    out.positional.push_back(a);
  }
  return out;
}

std::optional<uint64_t> ParseCount(const std::string& s) {
  uint64_t v = 0;
  if (s.empty() || s[0] == '-' || s[0] == '+') return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

int BadArgument(const char* command, const std::string& message) {
  std::fprintf(stderr, "inlinks %s: %s (see inlinks %s --help)\n", command, message.c_str(),
               command);
  return 2;
}

absl::StatusOr<std::unique_ptr<storage::Db>> OpenReadOnly(const std::string& dir) {
  if (!fs::exists(dir)) return absl::NotFoundError("no database at " + dir);
  storage::DbOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  options.block_cache_bytes = 32u << 20;
  return storage::Db::Open(dir, options);
}

// ---- Terminal table ----

// Code-point display width (wcwidth under a UTF-8 locale; 1 without one).
int Width(uint32_t cp) {
  static const bool utf8_locale = std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr;
  if (!utf8_locale) return 1;
  int w = ::wcwidth(static_cast<wchar_t>(cp));
  return w < 0 ? 1 : w;
}

// Text safe for a terminal (no control characters, escape sequences or bidi
// overrides: titles and anchors come from arbitrary pages), truncated to
// `max_width` columns with an ellipsis. Returns the text and its width.
std::pair<std::string, int> Cell(std::string_view raw, int max_width) {
  std::string valid = query::ToValidUtf8(raw);
  std::string out;
  int width = 0;
  for (size_t i = 0; i < valid.size();) {
    auto b = static_cast<uint8_t>(valid[i]);
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    uint32_t cp = b < 0x80 ? b : b < 0xE0 ? b & 0x1F : b < 0xF0 ? b & 0x0F : b & 0x07;
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<uint8_t>(valid[i + k]) & 0x3F);
    std::string_view piece(valid.data() + i, len);
    i += len;
    bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0x202A && cp <= 0x202E) ||
                   (cp >= 0x2066 && cp <= 0x2069);
    if (control) {
      piece = " ";
      cp = ' ';
    }
    int w = Width(cp);
    if (width + w > max_width - 1 && i < valid.size()) {
      // Room for the ellipsis only if something follows.
      out.append("\xE2\x80\xA6");
      width += 1;
      return {out, width};
    }
    if (width + w > max_width) {
      out.append("\xE2\x80\xA6");
      return {out, width + 1};
    }
    out.append(piece);
    width += w;
  }
  return {out, width};
}

std::string Date(int64_t t) {
  if (t <= 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (::gmtime_r(&tt, &tm) == nullptr) return "-";
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

std::string Flags(const query::BacklinkRow& r) {
  std::string f;
  auto add = [&](const char* s) {
    if (!f.empty()) f.push_back(',');
    f.append(s);
  };
  if (r.nofollow()) add("nofollow");
  if (r.ugc()) add("ugc");
  if (r.sponsored()) add("sponsored");
  return f.empty() ? "-" : f;
}

// `title`, when given, replaces the "N <state> backlinks of <scope>" head.
void PrintTable(const query::Scope& scope, const query::BacklinkFilter& filter,
                const query::BacklinkPage& page, bool show_geo, std::string& out,
                const std::string& title = "") {
  const bool show_lost = filter.state != query::LinkState::kLive;
  struct Column {
    const char* title;
    int max;
  };
  // SR first after the row number: rows come strongest source first.
  std::vector<Column> columns = {
      {"#", 12},   {"SR", 4},  {"SOURCE", 48}, {"TITLE", 24},      {"ANCHOR", 28},
      {"TARGET", 40}, {"TAG", 9}, {"REL", 18}, {"POS", 6}, {"FIRST SEEN", 10}, {"LAST SEEN", 10}};
  if (show_lost) columns.push_back({"LOST", 10});
  if (show_geo) {
    columns.push_back({"CC", 2});
    columns.push_back({"CITY", 20});
  }
  std::vector<std::vector<std::pair<std::string, int>>> cells;
  cells.reserve(page.rows.size());
  for (size_t i = 0; i < page.rows.size(); ++i) {
    const query::BacklinkRow& r = page.rows[i];
    std::vector<std::string> v = {std::to_string(page.offset + i + 1),
                                  query::FormatOneDecimal(r.sr),
                                  r.source_url,
                                  r.source_title,
                                  r.anchor,
                                  r.target_url,
                                  std::string(core::LinkTagName(r.tag)),
                                  Flags(r),
                                  std::to_string(r.position),
                                  Date(r.first_seen),
                                  Date(r.last_seen)};
    if (show_lost) v.push_back(r.lost ? Date(r.lost_time) : "-");
    if (show_geo) {
      v.push_back(r.ccode.empty() ? "-" : r.ccode);
      v.push_back(r.city.empty() ? "-" : r.city);
    }
    std::vector<std::pair<std::string, int>> row;
    for (size_t c = 0; c < v.size(); ++c) row.push_back(Cell(v[c], columns[c].max));
    cells.push_back(std::move(row));
  }
  std::vector<int> widths;
  for (const Column& c : columns)
    widths.push_back(static_cast<int>(std::string_view(c.title).size()));
  for (const auto& row : cells) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].second);
  }
  auto emit = [&](const std::string& text, int w, size_t c, bool last) {
    bool right = c == 0 || c == 1 || c == 8;  // numbers: #, SR, POS
    int pad = widths[c] - w;
    if (right) out.append(static_cast<size_t>(pad), ' ');
    out.append(text);
    if (!last) {
      if (!right) out.append(static_cast<size_t>(pad), ' ');
      out.append("  ");
    }
  };
  char head[512];
  std::snprintf(
      head, sizeof(head), "%llu %s backlinks of %s %s", static_cast<unsigned long long>(page.total),
      std::string(query::LinkStateName(filter.state)).c_str(),
      std::string(query::ScopeKindName(scope.kind)).c_str(), Cell(scope.name, 200).first.c_str());
  out.append(title.empty() ? std::string(head) : Cell(title, 400).first);
  if (filter.nofollow) out.append(*filter.nofollow ? ", nofollow only" : ", followed only");
  if (filter.tag) {
    out.append(", tag ");
    out.append(core::LinkTagName(*filter.tag));
  }
  if (!page.rows.empty()) {
    std::snprintf(head, sizeof(head), "; rows %llu-%llu",
                  static_cast<unsigned long long>(page.offset + 1),
                  static_cast<unsigned long long>(page.offset + page.rows.size()));
    out.append(head);
  }
  out.append("\n");
  if (page.rows.empty()) return;
  for (size_t c = 0; c < columns.size(); ++c) {
    std::string t = columns[c].title;
    emit(t, static_cast<int>(t.size()), c, c + 1 == columns.size());
  }
  out.append("\n");
  for (const auto& row : cells) {
    for (size_t c = 0; c < row.size(); ++c)
      emit(row[c].first, row[c].second, c, c + 1 == row.size());
    out.append("\n");
  }
  if (!page.next_cursor.empty()) {
    out.append("next page: --cursor ");
    out.append(page.next_cursor);
    out.append("\n");
  }
}

void PrintJson(const std::string& target, const query::Scope& scope,
               const query::BacklinkFilter& filter, uint64_t limit, const query::BacklinkPage& page,
               std::string& out) {
  out.append("{\"target\":");
  query::AppendJsonString(target, out);
  out.append(",\"scope\":{\"kind\":\"");
  out.append(query::ScopeKindName(scope.kind));
  out.append("\",\"name\":");
  query::AppendJsonString(scope.name, out);
  out.append("},\"state\":\"");
  out.append(query::LinkStateName(filter.state));
  out.append("\"");
  if (filter.nofollow) out.append(*filter.nofollow ? ",\"nofollow\":true" : ",\"nofollow\":false");
  if (filter.tag) {
    out.append(",\"tag\":\"");
    out.append(core::LinkTagName(*filter.tag));
    out.append("\"");
  }
  out.append(",\"total\":" + std::to_string(page.total));
  out.append(",\"offset\":" + std::to_string(page.offset));
  out.append(",\"limit\":" + std::to_string(limit));
  out.append(",\"next_cursor\":");
  if (page.next_cursor.empty()) {
    out.append("null");
  } else {
    query::AppendJsonString(page.next_cursor, out);
  }
  out.append(",\"rows\":[");
  for (size_t i = 0; i < page.rows.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append("\n");
    query::AppendBacklinkJson(page.rows[i], out);
  }
  out.append("]}\n");
}

void PrintXml(const std::string& target, const query::Scope& scope,
              const query::BacklinkFilter& filter, uint64_t limit, const query::BacklinkPage& page,
              std::string& out) {
  out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<backlinks target=\"");
  query::AppendXmlEscaped(target, out);
  out.append("\" scope=\"");
  out.append(query::ScopeKindName(scope.kind));
  out.append("\" name=\"");
  query::AppendXmlEscaped(scope.name, out);
  out.append("\" state=\"");
  out.append(query::LinkStateName(filter.state));
  out.append("\" total=\"" + std::to_string(page.total) + "\" offset=\"" +
             std::to_string(page.offset) + "\" limit=\"" + std::to_string(limit) + "\"");
  if (!page.next_cursor.empty()) {
    out.append(" next_cursor=\"");
    query::AppendXmlEscaped(page.next_cursor, out);
    out.append("\"");
  }
  out.append(">\n");
  for (const query::BacklinkRow& r : page.rows) {
    query::AppendBacklinkXml(r, out);
    out.append("\n");
  }
  out.append("</backlinks>\n");
}

bool WriteAll(const std::string& s) {
  return std::fwrite(s.data(), 1, s.size(), stdout) == s.size() && std::fflush(stdout) == 0;
}

}  // namespace

int BacklinksCommand(const std::vector<std::string>& argv) {
  constexpr const char* kCmd = "backlinks";
  std::optional<Args> args = ParseArgs(argv,
                                       {"--db", "--scope", "--limit", "--offset", "--cursor",
                                        "--state", "--sort", "--nofollow", "--tag", "--format",
                                        "--geoip"},
                                       kCmd, kBacklinksUsage);
  if (!args) return 2;
  if (args->help) {
    std::fputs(kBacklinksUsage, stdout);
    return 0;
  }
  if (args->positional.size() != 1) {
    return BadArgument(kCmd, args->positional.empty() ? "missing TARGET" : "one TARGET only");
  }
  const std::string& target = args->positional[0];
  auto opt = [&](const char* name, const char* def) {
    auto it = args->options.find(name);
    return it == args->options.end() ? std::string(def) : it->second;
  };

  absl::StatusOr<query::ScopeKind> kind = query::ParseScopeKind(opt("--scope", "auto"));
  if (!kind.ok()) return BadArgument(kCmd, std::string(kind.status().message()));
  absl::StatusOr<query::Scope> scope = query::ResolveScope(target, *kind);
  if (!scope.ok()) return BadArgument(kCmd, std::string(scope.status().message()));

  query::BacklinkFilter filter;
  absl::StatusOr<query::LinkState> state = query::ParseLinkState(opt("--state", "live"));
  if (!state.ok()) return BadArgument(kCmd, std::string(state.status().message()));
  filter.state = *state;
  absl::StatusOr<query::ResultOrder> order = query::ParseResultOrder(opt("--sort", "strength"));
  if (!order.ok()) return BadArgument(kCmd, std::string(order.status().message()));
  filter.order = *order;
  if (args->options.count("--nofollow")) {
    std::string v = opt("--nofollow", "");
    if (v == "yes" || v == "true" || v == "1") {
      filter.nofollow = true;
    } else if (v == "no" || v == "false" || v == "0") {
      filter.nofollow = false;
    } else {
      return BadArgument(kCmd, "--nofollow takes yes or no, not '" + v + "'");
    }
  }
  if (args->options.count("--tag")) {
    std::string v = opt("--tag", "");
    std::optional<core::LinkTag> tag = core::LinkTagFromName(v);
    if (!tag) {
      return BadArgument(
          kCmd, "unknown tag '" + v + "' (a, aimg, area, iframe, frame, canonical, redirect)");
    }
    filter.tag = *tag;
  }
  std::optional<uint64_t> limit = ParseCount(opt("--limit", "100"));
  if (!limit) return BadArgument(kCmd, "--limit takes a number >= 0");
  std::optional<uint64_t> offset = ParseCount(opt("--offset", "0"));
  if (!offset) return BadArgument(kCmd, "--offset takes a number >= 0");
  const bool has_cursor = args->options.count("--cursor") > 0;
  if (has_cursor && args->options.count("--offset")) {
    return BadArgument(kCmd, "give --offset or --cursor, not both");
  }
  std::string format = opt("--format", "table");
  if (format != "table" && format != "json" && format != "xml" && format != "csv") {
    return BadArgument(kCmd, "--format takes table, json, xml or csv, not '" + format + "'");
  }

  std::unique_ptr<query::GeoDb> geo;
  if (args->options.count("--geoip")) {
    absl::StatusOr<std::unique_ptr<query::GeoDb>> opened = query::GeoDb::Open(opt("--geoip", ""));
    if (!opened.ok()) {
      return BadArgument(kCmd, "--geoip: " + std::string(opened.status().message()));
    }
    geo = std::move(*opened);
  }

  std::string dir = opt("--db", "data");
  absl::StatusOr<std::unique_ptr<storage::Db>> db = OpenReadOnly(dir);
  if (!db.ok()) {
    std::fprintf(stderr, "inlinks backlinks: %s\n", db.status().ToString().c_str());
    return 1;
  }
  query::QueryEngine engine(**db, geo.get());
  absl::StatusOr<query::BacklinkPage> page =
      has_cursor ? engine.BacklinksAfterCursor(*scope, filter, opt("--cursor", ""), *limit)
                 : engine.Backlinks(*scope, filter, *offset, *limit);
  if (page.status().code() == absl::StatusCode::kInvalidArgument) {
    return BadArgument(kCmd, std::string(page.status().message()));
  }
  if (page.status().code() == absl::StatusCode::kOutOfRange) {
    // Past the last row: an empty page with the total, as the API answers.
    page = engine.Backlinks(*scope, filter, 0, 0);
    if (page.ok()) page->offset = *offset;
  }
  if (!page.ok()) {
    std::fprintf(stderr, "inlinks backlinks: %s\n", page.status().ToString().c_str());
    return 1;
  }
  std::string out;
  if (format == "table") {
    PrintTable(*scope, filter, *page, geo != nullptr, out);
  } else if (format == "json") {
    PrintJson(target, *scope, filter, *limit, *page, out);
  } else if (format == "xml") {
    PrintXml(target, *scope, filter, *limit, *page, out);
  } else {
    query::AppendBacklinkCsvHeader(out);
    for (const query::BacklinkRow& r : page->rows) query::AppendBacklinkCsv(r, out);
    std::fprintf(stderr, "total: %llu\n", static_cast<unsigned long long>(page->total));
  }
  return WriteAll(out) ? 0 : 1;
}

int StatsCommand(const std::vector<std::string>& argv) {
  constexpr const char* kCmd = "stats";
  std::optional<Args> args = ParseArgs(argv, {"--db", "--format"}, kCmd, kStatsUsage);
  if (!args) return 2;
  if (args->help) {
    std::fputs(kStatsUsage, stdout);
    return 0;
  }
  if (!args->positional.empty()) {
    return BadArgument(kCmd, "unexpected argument '" + args->positional[0] + "'");
  }
  std::string format = args->options.count("--format") ? args->options["--format"] : "text";
  if (format != "text" && format != "json") {
    return BadArgument(kCmd, "--format takes text or json, not '" + format + "'");
  }
  std::string dir = args->options.count("--db") ? args->options["--db"] : "data";
  absl::StatusOr<std::unique_ptr<storage::Db>> db = OpenReadOnly(dir);
  if (!db.ok()) {
    std::fprintf(stderr, "inlinks stats: %s\n", db.status().ToString().c_str());
    return 1;
  }
  // Every link record counts in exactly one domain scope: summing the domain
  // counters gives the global figures, O(target domains), no link scan.
  auto snapshot = (*db)->GetSnapshot();
  std::string prefix = storage::ScopeCounterKey(storage::ScopeKind::kDomain, "");
  auto it =
      (*db)->NewIterator(storage::Family::kCounters,
                         core::KeyRange{prefix, core::PrefixSuccessor(prefix)}, snapshot.get());
  int64_t live = 0, lost = 0, domains = 0, domains_ever = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::optional<std::vector<int64_t>> f = storage::DecodeCounters(it->value());
    if (!f) {
      std::fprintf(stderr, "inlinks stats: malformed counter\n");
      return 1;
    }
    int64_t l = f->size() > 0 ? (*f)[0] : 0, x = f->size() > 1 ? (*f)[1] : 0;
    live += l;
    lost += x;
    if (l > 0) ++domains;
    if (l > 0 || x > 0) ++domains_ever;
  }
  if (!it->status().ok()) {
    std::fprintf(stderr, "inlinks stats: %s\n", it->status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<int64_t> pages = (*db)->GetCounter(storage::PagesCounterKey(), snapshot.get());
  if (!pages.ok()) {
    std::fprintf(stderr, "inlinks stats: %s\n", pages.status().ToString().c_str());
    return 1;
  }
  uint64_t bytes = 0;
  std::error_code ec;
  for (auto e = fs::recursive_directory_iterator(dir, ec);
       !ec && e != fs::recursive_directory_iterator(); e.increment(ec)) {
    std::error_code ec2;
    if (e->is_regular_file(ec2)) bytes += e->file_size(ec2);
  }
  // Table bytes per family, largest first (what the space goes to).
  std::vector<std::pair<uint64_t, std::string_view>> families;
  for (int f = 0; f < storage::kFamilyCount; ++f) {
    auto family = static_cast<storage::Family>(f);
    families.emplace_back((*db)->ApproximateSize(family), storage::FamilyName(family));
  }
  std::sort(families.begin(), families.end(), std::greater<>());
  std::string out;
  char buf[1024];
  if (format == "json") {
    std::snprintf(buf, sizeof(buf),
                  "{\"live_links\":%lld,\"lost_links\":%lld,\"pages\":%lld,"
                  "\"target_domains\":%lld,\"target_domains_with_lost\":%lld,"
                  "\"disk_bytes\":%llu,\"table_bytes\":{",
                  static_cast<long long>(live), static_cast<long long>(lost),
                  static_cast<long long>(*pages), static_cast<long long>(domains),
                  static_cast<long long>(domains_ever), static_cast<unsigned long long>(bytes));
    out = buf;
    for (size_t i = 0; i < families.size(); ++i) {
      out += i > 0 ? ",\"" : "\"";
      out += families[i].second;
      out += "\":" + std::to_string(families[i].first);
    }
    out += "}}\n";
  } else {
    std::snprintf(buf, sizeof(buf),
                  "live links      %lld\n"
                  "lost links      %lld\n"
                  "pages           %lld\n"
                  "target domains  %lld (with live links; %lld including lost ones)\n"
                  "size on disk    %.1f MiB (%llu bytes)\n",
                  static_cast<long long>(live), static_cast<long long>(lost),
                  static_cast<long long>(*pages), static_cast<long long>(domains),
                  static_cast<long long>(domains_ever), bytes / 1048576.0,
                  static_cast<unsigned long long>(bytes));
    out = buf;
    out += "tables          ";
    for (size_t i = 0; i < families.size(); ++i) {
      if (families[i].first == 0) continue;
      char mib[32];
      std::snprintf(mib, sizeof(mib), " %.1f MiB", families[i].first / 1048576.0);
      if (i > 0) out += ", ";
      out += families[i].second;
      out += mib;
    }
    out += "\n";
  }
  return WriteAll(out) ? 0 : 1;
}

// ---- History: `inlinks trend`, `inlinks new`, `inlinks lost` ----

namespace {

constexpr char kTrendUsage[] =
    "usage: inlinks trend TARGET [OPTIONS]\n"
    "\n"
    "Prints, for each UTC day of a window, the live backlinks and referring\n"
    "domains of TARGET at the end of the day and the links first seen, lost and\n"
    "revived that day, from the daily history counters (no scan of the links).\n"
    "TARGET is read as for `inlinks backlinks`.\n"
    "\n"
    "  --db DIR            database directory (default: data); opened read-only\n"
    "  --scope KIND        auto (default), domain, host or url\n"
    "  --from YYYY-MM-DD   first day (default: 29 days before --to)\n"
    "  --to YYYY-MM-DD     last day, included (default: today, UTC)\n"
    "  --format F          table (default), json or csv\n"
    "  -h, --help          this help\n"
    "\n"
    "Windows are at most 3660 days. Exit status: 0 success, 1 database error\n"
    "(including a database indexed before daily history existed and not\n"
    "opened by an indexer since), 2 bad arguments.\n";

constexpr char kWindowUsage[] =
    "usage: inlinks new|lost TARGET [OPTIONS]\n"
    "\n"
    "`new` prints the backlinks of TARGET first seen within a window of UTC days\n"
    "(live ones first, then those lost since); `lost` the backlinks lost within\n"
    "the window and still lost. Exact total; rows in the index order.\n"
    "\n"
    "  --db DIR            database directory (default: data); opened read-only\n"
    "  --scope KIND        auto (default), domain, host or url\n"
    "  --from YYYY-MM-DD   first day (default: 29 days before --to)\n"
    "  --to YYYY-MM-DD     last day, included (default: today, UTC)\n"
    "  --limit N           rows (default 100; 0 prints only the total)\n"
    "  --offset N          first row, 0-based (default 0)\n"
    "  --format F          table (default), json or csv\n"
    "  -h, --help          this help\n"
    "\n"
    "Exit status: 0 success, 1 database error, 2 bad arguments.\n";

struct HistoryArgs {
  std::string target;
  query::Scope scope;
  query::DayRange range;
  std::string format;
  std::string dir;
  std::map<std::string, std::string> options;
};

// Parses what the three commands share; returns the exit code on failure.
std::variant<HistoryArgs, int> ParseHistoryArgs(const std::vector<std::string>& argv,
                                                const char* command, const char* usage,
                                                std::vector<std::string> with_value) {
  for (const char* name : {"--db", "--scope", "--from", "--to", "--format"}) {
    with_value.push_back(name);
  }
  std::optional<Args> args = ParseArgs(argv, with_value, command, usage);
  if (!args) return 2;
  if (args->help) {
    std::fputs(usage, stdout);
    return 0;
  }
  if (args->positional.size() != 1) {
    return BadArgument(command, args->positional.empty() ? "missing TARGET" : "one TARGET only");
  }
  HistoryArgs out;
  out.target = args->positional[0];
  out.options = args->options;
  auto opt = [&](const char* name, const char* def) {
    auto it = args->options.find(name);
    return it == args->options.end() ? std::string(def) : it->second;
  };
  absl::StatusOr<query::ScopeKind> kind = query::ParseScopeKind(opt("--scope", "auto"));
  if (!kind.ok()) return BadArgument(command, std::string(kind.status().message()));
  absl::StatusOr<query::Scope> scope = query::ResolveScope(out.target, *kind);
  if (!scope.ok()) return BadArgument(command, std::string(scope.status().message()));
  out.scope = *std::move(scope);
  std::optional<uint32_t> days[2];
  const char* names[2] = {"--from", "--to"};
  for (int i = 0; i < 2; ++i) {
    if (!args->options.count(names[i])) continue;
    absl::StatusOr<uint32_t> day = query::ParseDay(opt(names[i], ""));
    if (!day.ok()) {
      return BadArgument(command,
                         std::string(names[i]) + ": " + std::string(day.status().message()));
    }
    days[i] = *day;
  }
  absl::StatusOr<query::DayRange> range = query::MakeDayRange(
      days[0], days[1], query::DayOfUnixTime(static_cast<int64_t>(std::time(nullptr))));
  if (!range.ok()) return BadArgument(command, std::string(range.status().message()));
  out.range = *range;
  out.format = opt("--format", "table");
  if (out.format != "table" && out.format != "json" && out.format != "csv") {
    return BadArgument(command, "--format takes table, json or csv, not '" + out.format + "'");
  }
  out.dir = opt("--db", "data");
  return out;
}

void AppendHistoryJsonHead(const HistoryArgs& a, std::string& out) {
  out.append("{\"target\":");
  query::AppendJsonString(a.target, out);
  out.append(",\"scope\":{\"kind\":\"");
  out.append(query::ScopeKindName(a.scope.kind));
  out.append("\",\"name\":");
  query::AppendJsonString(a.scope.name, out);
  out.append("},\"from\":\"" + query::FormatDay(a.range.first) + "\",\"to\":\"" +
             query::FormatDay(a.range.last) + "\"");
}

}  // namespace

int TrendCommand(const std::vector<std::string>& argv) {
  constexpr const char* kCmd = "trend";
  auto parsed = ParseHistoryArgs(argv, kCmd, kTrendUsage, {});
  if (const int* rc = std::get_if<int>(&parsed)) return *rc;
  const HistoryArgs& a = std::get<HistoryArgs>(parsed);
  absl::StatusOr<std::unique_ptr<storage::Db>> db = OpenReadOnly(a.dir);
  if (!db.ok()) {
    std::fprintf(stderr, "inlinks trend: %s\n", db.status().ToString().c_str());
    return 1;
  }
  query::QueryEngine engine(**db);
  absl::StatusOr<query::LinkTrend> trend = engine.Trend(a.scope, a.range);
  if (!trend.ok()) {
    std::fprintf(stderr, "inlinks trend: %s\n", trend.status().ToString().c_str());
    return 1;
  }
  std::string out;
  const std::string since =
      trend->coverage.complete ? "" : query::FormatDay(trend->coverage.exact_from);
  if (a.format == "json") {
    AppendHistoryJsonHead(a, out);
    out.append(",\"history_since\":");
    out.append(since.empty() ? "null" : "\"" + since + "\"");
    out.append(",\"days\":[");
    for (size_t i = 0; i < trend->days.size(); ++i) {
      const query::TrendDay& d = trend->days[i];
      out.append(i ? ",\n" : "\n");
      out.append(
          "{\"date\":\"" + query::FormatDay(d.day) + "\",\"live\":" + std::to_string(d.live) +
          ",\"referring_domains\":" + std::to_string(d.referring_domains) +
          ",\"new\":" + std::to_string(d.new_links) + ",\"lost\":" + std::to_string(d.lost_links) +
          ",\"revived\":" + std::to_string(d.revived_links) + "}");
    }
    out.append("]}\n");
  } else if (a.format == "csv") {
    out.append("date,live,referring_domains,new,lost,revived\r\n");
    for (const query::TrendDay& d : trend->days) {
      out.append(query::FormatDay(d.day) + "," + std::to_string(d.live) + "," +
                 std::to_string(d.referring_domains) + "," + std::to_string(d.new_links) + "," +
                 std::to_string(d.lost_links) + "," + std::to_string(d.revived_links) + "\r\n");
    }
  } else {
    out.append("daily backlinks of " + std::string(query::ScopeKindName(a.scope.kind)) + " " +
               Cell(a.scope.name, 200).first + ", " + query::FormatDay(a.range.first) + " to " +
               query::FormatDay(a.range.last));
    out.append(since.empty() ? "\n" : " (history exact from " + since + ")\n");
    char line[160];
    std::snprintf(line, sizeof line, "%-10s  %12s  %17s  %8s  %8s  %8s\n", "DATE", "LIVE",
                  "REFERRING DOMAINS", "NEW", "LOST", "REVIVED");
    out.append(line);
    for (const query::TrendDay& d : trend->days) {
      std::snprintf(line, sizeof line, "%-10s  %12lld  %17lld  %8lld  %8lld  %8lld\n",
                    query::FormatDay(d.day).c_str(), static_cast<long long>(d.live),
                    static_cast<long long>(d.referring_domains),
                    static_cast<long long>(d.new_links), static_cast<long long>(d.lost_links),
                    static_cast<long long>(d.revived_links));
      out.append(line);
    }
  }
  return WriteAll(out) ? 0 : 1;
}

int WindowCommand(const std::vector<std::string>& argv, bool lost) {
  const char* cmd = lost ? "lost" : "new";
  auto parsed = ParseHistoryArgs(argv, cmd, kWindowUsage, {"--limit", "--offset"});
  if (const int* rc = std::get_if<int>(&parsed)) return *rc;
  const HistoryArgs& a = std::get<HistoryArgs>(parsed);
  auto opt = [&](const char* name, const char* def) {
    auto it = a.options.find(name);
    return it == a.options.end() ? std::string(def) : it->second;
  };
  std::optional<uint64_t> limit = ParseCount(opt("--limit", "100"));
  if (!limit) return BadArgument(cmd, "--limit takes a number >= 0");
  std::optional<uint64_t> offset = ParseCount(opt("--offset", "0"));
  if (!offset) return BadArgument(cmd, "--offset takes a number >= 0");
  absl::StatusOr<std::unique_ptr<storage::Db>> db = OpenReadOnly(a.dir);
  if (!db.ok()) {
    std::fprintf(stderr, "inlinks %s: %s\n", cmd, db.status().ToString().c_str());
    return 1;
  }
  query::QueryEngine engine(**db);
  auto query = [&](uint64_t o, uint64_t l) {
    return lost ? engine.LostLinks(a.scope, a.range, o, l)
                : engine.NewLinks(a.scope, a.range, o, l);
  };
  absl::StatusOr<query::HistoryPage> page = query(*offset, *limit);
  if (page.status().code() == absl::StatusCode::kOutOfRange) {
    page = query(0, 0);  // past the last row: the total, no rows
    if (page.ok()) page->offset = *offset;
  }
  if (!page.ok()) {
    std::fprintf(stderr, "inlinks %s: %s\n", cmd, page.status().ToString().c_str());
    return 1;
  }
  std::string out;
  if (a.format == "json") {
    AppendHistoryJsonHead(a, out);
    out.append(",\"total\":" + std::to_string(page->total) +
               ",\"offset\":" + std::to_string(page->offset) +
               ",\"limit\":" + std::to_string(*limit) + ",\"rows\":[");
    for (size_t i = 0; i < page->rows.size(); ++i) {
      out.append(i ? ",\n" : "\n");
      query::AppendBacklinkJson(page->rows[i], out);
    }
    out.append("]}\n");
  } else if (a.format == "csv") {
    query::AppendBacklinkCsvHeader(out);
    for (const query::BacklinkRow& r : page->rows) query::AppendBacklinkCsv(r, out);
    std::fprintf(stderr, "total: %llu\n", static_cast<unsigned long long>(page->total));
  } else {
    query::BacklinkPage rows;
    rows.rows = std::move(page->rows);
    rows.total = page->total;
    rows.offset = page->offset;
    query::BacklinkFilter filter;
    filter.state = lost ? query::LinkState::kLost : query::LinkState::kAll;
    std::string title =
        std::to_string(page->total) + (lost ? " backlinks lost" : " new backlinks") + " of " +
        std::string(query::ScopeKindName(a.scope.kind)) + " " + a.scope.name + ", " +
        query::FormatDay(a.range.first) + " to " + query::FormatDay(a.range.last);
    PrintTable(a.scope, filter, rows, false, out, title);
  }
  return WriteAll(out) ? 0 : 1;
}

int NewLinksCommand(const std::vector<std::string>& args) { return WindowCommand(args, false); }
int LostLinksCommand(const std::vector<std::string>& args) { return WindowCommand(args, true); }

}  // namespace inlinks::tools
