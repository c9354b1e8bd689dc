// Registrable domains through libpsl. See domain.h.
#include "inlinks/core/domain.h"

#include <libpsl.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace inlinks::core {
namespace {

// The newest list on the machine: Debian's publicsuffix package when present,
// else libpsl's built-in copy. Loaded once; libpsl contexts are read-only.
const psl_ctx_t* Psl() {
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* c = psl_latest(nullptr);
    return c != nullptr ? c : psl_builtin();
  }();
  return ctx;
}

bool IsIpv4(std::string_view host) {
  int dots = 0, digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

std::string Lower(std::string_view host) {
  std::string s(host);
  absl::AsciiStrToLower(&s);
  // A trailing dot names the same host (absolute DNS name).
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

bool IsIpLiteral(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') return true;
  if (host.find(':') != std::string_view::npos) return true;
  return IsIpv4(host);
}

bool IsPublicSuffix(std::string_view host) {
  if (host.empty() || IsIpLiteral(host)) return false;
  std::string h = Lower(host);
  return psl_is_public_suffix2(Psl(), h.c_str(), PSL_TYPE_ANY) != 0;
}

absl::StatusOr<std::string> RegistrableDomain(std::string_view host) {
  if (host.empty()) return absl::InvalidArgumentError("empty host");
  if (IsIpLiteral(host)) return Lower(host);
  std::string h = Lower(host);
  if (h.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("host contains NUL");
  }
  if (h.front() == '.' || h.find("..") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("host '", h, "' has an empty label"));
  }
  const char* reg = psl_registrable_domain(Psl(), h.c_str());
  if (reg == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("host '", h, "' has no registrable domain"));
  }
  // psl_registrable_domain returns a pointer into its argument.
  return std::string(reg);
}

std::string SiteOf(std::string_view host) {
  absl::StatusOr<std::string> reg = RegistrableDomain(host);
  if (reg.ok()) return *std::move(reg);
  return Lower(host);
}

}  // namespace inlinks::core
