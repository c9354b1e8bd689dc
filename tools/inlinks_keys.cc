// File: tools/inlinks_keys.cc
//
// Owns: `inlinks keys add|list|revoke|credit|price|rotate --db DIR ...`, the
// administration of API keys (query/keys.h). The daemon holds the database
// lock while it runs, so manage keys while it is stopped (or before
// `inlinksd serve`).
// Thread safety: call from main only.
#include "inlinks_keys.h"

#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>
#include <ctime>
#include <string>
#include <vector>

#include "inlinks/query/keys.h"
#include "inlinks/storage/db.h"

namespace {

constexpr char kKeysUsage[] =
    "usage: inlinks keys COMMAND --db DIR [ARGS]\n"
    "\n"
    "  add [--id ID] [--functions LIST] [--credits N] [--price N] [--create]\n"
    "      Creates a key and prints it once as ID.SECRET (only its hash is stored).\n"
    "      LIST: comma-separated functions (backlinks, linktexts, linkedpages, counts,\n"
    "      creditstate, seeds) or * for all (default). --price: credits per 100 rows\n"
    "      (default 10). --create: make the database when DIR holds none (otherwise\n"
    "      a missing database is an error).\n"
    "  list\n"
    "      Prints every key with its balance and figures.\n"
    "  credit ID AMOUNT\n"
    "      Adds AMOUNT credits (negative to remove; the balance stays >= 0; a\n"
    "      balance above 9223372036854775807 is refused).\n"
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

// Parses a decimal int64; says why not on stderr (as "inlinks keys: ...").
bool ParseInt(const std::string& s, int64_t& out, const char* what) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  if (!s.empty() && ec == std::errc() && p == end) return true;
  std::fprintf(stderr, "inlinks keys: %s '%s' is not an integer from %lld to %lld\n", what,
               s.c_str(), static_cast<long long>(std::numeric_limits<int64_t>::min()),
               static_cast<long long>(std::numeric_limits<int64_t>::max()));
  return false;
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

// What `add` says beside the key it printed on stdout (never the secret
// again: stderr may end up in a log).
void PrintAdded(const inlinks::query::IssuedKey& issued) {
  std::fprintf(stderr,
               "key %s created: functions %s, %lld credits, %lld credits per 100 rows.\n"
               "The secret is shown only now, on the line above. Domain/native dialects: "
               "key=<that line>\n"
               "URL dialect: POST /v3/token with client_id=%s client_secret=<the part "
               "after the dot>\n",
               issued.key.id.c_str(), JoinList(issued.key.functions).c_str(),
               static_cast<long long>(issued.key.credits),
               static_cast<long long>(issued.key.price_per_100_rows), issued.key.id.c_str());
}

// A keys command as read from its arguments, before anything is opened.
struct KeysCommand {
  std::string name;  // add, list, credit, price, revoke, rotate
  std::string dir;
  bool create = false;  // add --create: make the database if it is missing
  inlinks::query::NewKeyOptions add;
  std::string id;      // credit, price, revoke, rotate
  int64_t amount = 0;  // credit, price
};

// Reads and checks the arguments after the command name: nullopt when they
// are wrong, with `*explained` set when the problem was printed.
std::optional<KeysCommand> ParseKeysCommand(std::string name, std::vector<std::string> args,
                                            bool* explained) {
  KeysCommand c;
  c.name = std::move(name);
  if (!TakeFlag(args, "--db", c.dir) || c.dir.empty()) return std::nullopt;
  std::string value;
  if (c.name == "add") {
    c.create = std::erase(args, "--create") > 0;
    if (TakeFlag(args, "--id", value)) c.add.id = value;
    if (TakeFlag(args, "--functions", value)) c.add.functions = SplitList(value);
    if (TakeFlag(args, "--credits", value) && !ParseInt(value, c.add.credits, "--credits")) {
      *explained = true;
      return std::nullopt;
    }
    if (TakeFlag(args, "--price", value) &&
        !ParseInt(value, c.add.price_per_100_rows, "--price")) {
      *explained = true;
      return std::nullopt;
    }
    if (!args.empty() || c.add.functions.empty()) return std::nullopt;
    if (absl::Status known = inlinks::query::CheckFunctions(c.add.functions); !known.ok()) {
      std::fprintf(stderr, "inlinks keys add: %s\n", std::string(known.message()).c_str());
      *explained = true;
      return std::nullopt;
    }
    return c;
  }
  if (c.name == "list") return args.empty() ? std::optional(c) : std::nullopt;
  const bool with_amount = c.name == "credit" || c.name == "price";
  if (!with_amount && c.name != "revoke" && c.name != "rotate") return std::nullopt;
  if (args.size() != (with_amount ? 2u : 1u)) return std::nullopt;
  c.id = args[0];
  if (with_amount && !ParseInt(args[1], c.amount, c.name == "credit" ? "AMOUNT" : "N")) {
    *explained = true;
    return std::nullopt;
  }
  return c;
}

int ListKeys(const inlinks::query::KeyStore& store) {
  auto keys = store.List();
  if (!keys.ok()) return Fail("list", keys.status());
  std::printf("%-20s %-8s %14s %6s %14s %12s %10s %-20s %s\n", "ID", "STATE", "CREDITS",
              "PRICE", "USED", "ROWS", "CALLS", "CREATED", "FUNCTIONS");
  for (const inlinks::query::ApiKey& k : *keys) {
    std::printf("%-20s %-8s %14lld %6lld %14lld %12lld %10lld %-20s %s\n", k.id.c_str(),
                k.revoked ? "revoked" : "active", static_cast<long long>(k.credits),
                static_cast<long long>(k.price_per_100_rows),
                static_cast<long long>(k.credits_used), static_cast<long long>(k.rows_served),
                static_cast<long long>(k.calls), FormatTime(k.created_unix).c_str(),
                JoinList(k.functions).c_str());
  }
  return 0;
}

int RunOn(inlinks::query::KeyStore& store, const KeysCommand& c) {
  const char* what = c.name.c_str();
  if (c.name == "add" || c.name == "rotate") {
    auto issued = c.name == "add" ? store.Add(c.add) : store.Rotate(c.id);
    if (!issued.ok()) return Fail(what, issued.status());
    std::printf("%s\n", issued->token().c_str());
    if (c.name == "add") PrintAdded(*issued);
    return 0;
  }
  if (c.name == "list") return ListKeys(store);
  if (c.name == "credit") {
    auto balance = store.Credit(c.id, c.amount);
    if (!balance.ok()) return Fail(what, balance.status());
    std::printf("%s: balance %lld\n", c.id.c_str(), static_cast<long long>(*balance));
    return 0;
  }
  if (c.name == "price") {
    if (absl::Status s = store.SetPrice(c.id, c.amount); !s.ok()) return Fail(what, s);
    std::printf("%s: %lld credits per 100 rows\n", c.id.c_str(), static_cast<long long>(c.amount));
    return 0;
  }
  if (absl::Status s = store.Revoke(c.id); !s.ok()) return Fail(what, s);
  std::printf("%s: revoked\n", c.id.c_str());
  return 0;
}

}  // namespace

int RunKeysCommand(std::vector<std::string> args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kKeysUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kKeysUsage, stdout);
      return 0;
    }
  }
  std::string name = args[0];
  args.erase(args.begin());
  bool explained = false;
  std::optional<KeysCommand> command =
      ParseKeysCommand(std::move(name), std::move(args), &explained);
  if (!command) return explained ? 2 : Usage();
  // Only `add --create` makes a database: a mistyped --db is an error, not a
  // new database holding a key nobody serves.
  inlinks::storage::DbOptions db_options;
  db_options.create_if_missing = command->create;
  auto db = inlinks::storage::Db::Open(command->dir, db_options);
  if (!db.ok()) return Fail(command->name.c_str(), db.status());
  inlinks::query::KeyStore store(**db);
  return RunOn(store, *command);
}
