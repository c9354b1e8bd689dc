// Fuzz target for the URL parser and resolver (core/url.h). Input: a base and
// a reference separated by the first '\n'. Checks, beyond not crashing, that
// normalization is idempotent: parsing an href we produced gives it back.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view base_text = nl == std::string_view::npos ? in : in.substr(0, nl);
  std::string_view ref = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  auto base = inlinks::core::ParseUrl(base_text);
  if (!base.ok()) return 0;
  auto again = inlinks::core::ParseUrl(base->href());
  if (!again.ok() || again->href() != base->href()) std::abort();  // not idempotent
  auto decoded = inlinks::core::DecodeUrlKey(inlinks::core::UrlKey(*base));
  if (!decoded.ok() || decoded->path_and_query != base->PathAndQuery()) std::abort();

  auto resolved = inlinks::core::ResolveUrl(*base, ref);
  if (resolved.ok()) {
    auto reparsed = inlinks::core::ParseUrl(resolved->href());
    if (!reparsed.ok() || reparsed->href() != resolved->href()) std::abort();
  }
  return 0;
}
