// File: tools/inlinks_keys.cc
//
// Owns: `inlinks keys add|list|revoke|credit|price|rotate --db DIR ...`, the
// administration of API keys (query/keys.h). The daemon holds the database
// lock while it runs, so manage keys while it is stopped (or before
// `inlinksd serve`).
// Thread safety: call from main only.
#include "inlinks_keys.h"

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "inlinks/query/keys.h"
#include "inlinks/storage/db.h"

namespace {

constexpr char kKeysUsage[] =
    "usage: inlinks keys COMMAND --db DIR [ARGS]\n"
    "\n"
    "  add [--id ID] [--functions LIST] [--credits N] [--price N]\n"
    "      Creates a key and prints it once as ID.SECRET (only its hash is stored).\n"
    "      LIST: comma-separated functions (backlinks, linktexts, linkedpages, counts,\n"
    "      creditstate) or * for all (default). --price: credits per 100 rows\n"
    "      (default 10).\n"
    "  list\n"
    "      Prints every key with its balance and figures.\n"
    "  credit ID AMOUNT\n"
    "      Adds AMOUNT credits (negative to remove; the balance stays >= 0).\n"
    "  price ID N\n"
    "      Sets the price in credits per 100 rows.\n"
    "  revoke ID\n"
    "      Revokes the key (it stops authenticating at once).\n"
    "  rotate ID\n"
    "      Gives the key a new secret and prints it; the old one stops working.\n";

int Usage() {
  std::fputs(kKeysUsage, stderr);
  return 2;
}

// Removes "--name VALUE" from args; true when found.
bool TakeFlag(std::vector<std::string>& args, const std::string& name, std::string& value) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name && i + 1 < args.size()) {
      value = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return true;
    }
    if (args[i].rfind(name + "=", 0) == 0) {
      value = args[i].substr(name.size() + 1);
      args.erase(args.begin() + static_cast<long>(i));
      return true;
    }
  }
  return false;
}

bool ParseInt(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  size_t used = 0;
  try {
    out = std::stoll(s, &used);
  } catch (...) {
    return false;
  }
  return used == s.size();
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? std::string::npos
                                                                  : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string FormatTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ",";
    out += v[i];
  }
  return out;
}

int Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "inlinks keys %s: %s\n", what, status.ToString().c_str());
  return 1;
}

}  // namespace

int RunKeysCommand(std::vector<std::string> args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kKeysUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kKeysUsage, stdout);
      return 0;
    }
  }
  std::string dir;
  if (!TakeFlag(args, "--db", dir) || dir.empty()) return Usage();

  inlinks::storage::DbOptions db_options;
  db_options.create_if_missing = command == "add";
  auto db = inlinks::storage::Db::Open(dir, db_options);
  if (!db.ok()) return Fail(command.c_str(), db.status());
  inlinks::query::KeyStore store(**db);

  if (command == "add") {
    inlinks::query::NewKeyOptions options;
    std::string value;
    if (TakeFlag(args, "--id", value)) options.id = value;
    if (TakeFlag(args, "--functions", value)) options.functions = SplitList(value);
    if (TakeFlag(args, "--credits", value) && !ParseInt(value, options.credits)) return Usage();
    if (TakeFlag(args, "--price", value) && !ParseInt(value, options.price_per_100_rows)) {
      return Usage();
    }
    if (!args.empty() || options.functions.empty()) return Usage();
    auto issued = store.Add(options);
    if (!issued.ok()) return Fail("add", issued.status());
    std::printf("%s\n", issued->token().c_str());
    std::fprintf(stderr,
                 "key %s created: functions %s, %lld credits, %lld credits per 100 rows.\n"
                 "The secret is shown only now. Domain/native dialects: key=%s\n"
                 "URL dialect: POST /v3/token with client_id=%s client_secret=<the part "
                 "after the dot>\n",
                 issued->key.id.c_str(), JoinList(issued->key.functions).c_str(),
                 static_cast<long long>(issued->key.credits),
                 static_cast<long long>(issued->key.price_per_100_rows),
                 issued->token().c_str(), issued->key.id.c_str());
    return 0;
  }
  if (command == "list") {
    if (!args.empty()) return Usage();
    auto keys = store.List();
    if (!keys.ok()) return Fail("list", keys.status());
    std::printf("%-20s %-8s %14s %6s %14s %12s %10s %-20s %s\n", "ID", "STATE", "CREDITS",
                "PRICE", "USED", "ROWS", "CALLS", "CREATED", "FUNCTIONS");
    for (const auto& k : *keys) {
      std::printf("%-20s %-8s %14lld %6lld %14lld %12lld %10lld %-20s %s\n", k.id.c_str(),
                  k.revoked ? "revoked" : "active", static_cast<long long>(k.credits),
                  static_cast<long long>(k.price_per_100_rows),
                  static_cast<long long>(k.credits_used), static_cast<long long>(k.rows_served),
                  static_cast<long long>(k.calls), FormatTime(k.created_unix).c_str(),
                  JoinList(k.functions).c_str());
    }
    return 0;
  }
  if (command == "credit") {
    int64_t amount = 0;
    if (args.size() != 2 || !ParseInt(args[1], amount)) return Usage();
    auto balance = store.Credit(args[0], amount);
    if (!balance.ok()) return Fail("credit", balance.status());
    std::printf("%s: balance %lld\n", args[0].c_str(), static_cast<long long>(*balance));
    return 0;
  }
  if (command == "price") {
    int64_t price = 0;
    if (args.size() != 2 || !ParseInt(args[1], price)) return Usage();
    absl::Status s = store.SetPrice(args[0], price);
    if (!s.ok()) return Fail("price", s);
    std::printf("%s: %lld credits per 100 rows\n", args[0].c_str(),
                static_cast<long long>(price));
    return 0;
  }
  if (command == "revoke") {
    if (args.size() != 1) return Usage();
    absl::Status s = store.Revoke(args[0]);
    if (!s.ok()) return Fail("revoke", s);
    std::printf("%s: revoked\n", args[0].c_str());
    return 0;
  }
  if (command == "rotate") {
    if (args.size() != 1) return Usage();
    auto issued = store.Rotate(args[0]);
    if (!issued.ok()) return Fail("rotate", issued.status());
    std::printf("%s\n", issued->token().c_str());
    return 0;
  }
  return Usage();
}
