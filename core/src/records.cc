#include "inlinks/core/records.h"

#include <array>

namespace inlinks::core {
namespace {
constexpr std::array<std::string_view, 7> kTagNames = {
    "a", "aimg", "area", "iframe", "frame", "canonical", "redirect"};
}  // namespace

std::string_view LinkTagName(LinkTag tag) {
  auto i = static_cast<size_t>(tag);
  return i < kTagNames.size() ? kTagNames[i] : std::string_view("unknown");
}

std::optional<LinkTag> LinkTagFromName(std::string_view name) {
  for (size_t i = 0; i < kTagNames.size(); ++i) {
    if (kTagNames[i] == name) return static_cast<LinkTag>(i);
  }
  return std::nullopt;
}

bool IsCountedHyperlink(LinkTag tag) {
  return tag != LinkTag::kCanonical && tag != LinkTag::kRedirect;
}

}  // namespace inlinks::core
