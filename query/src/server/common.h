// File: query/src/server/common.h
//
// Owns: small helpers shared by the dialect handlers: appending numbers and
// escaped strings (and the native scope object) to JSON/XML bodies, base64url for cursors, and the mapping
// of a charging outcome.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "inlinks/query/backlinks.h"
#include "inlinks/query/writers.h"

namespace inlinks::query::server {

inline void AppendInt(int64_t v, std::string& out) { out += std::to_string(v); }
inline void AppendUint(uint64_t v, std::string& out) { out += std::to_string(v); }

// `"name":` (name is a trusted ASCII literal).
inline void AppendJsonKey(std::string_view name, std::string& out) {
  out.push_back('"');
  out.append(name);
  out += "\":";
}

// `<name>escaped text</name>`.
inline void AppendXmlElement(std::string_view name, std::string_view text, std::string& out) {
  out.push_back('<');
  out.append(name);
  out.push_back('>');
  AppendXmlEscaped(text, out);
  out += "</";
  out.append(name);
  out.push_back('>');
}
inline void AppendXmlNumber(std::string_view name, int64_t v, std::string& out) {
  out.push_back('<');
  out.append(name);
  out.push_back('>');
  AppendInt(v, out);
  out += "</";
  out.append(name);
  out.push_back('>');
}

// The native dialect's scope object: `{"kind":..,"name":..}`.
inline void AppendJsonScope(const Scope& scope, std::string& out) {
  out += "{\"kind\":";
  AppendJsonString(ScopeKindName(scope.kind), out);
  out += ",\"name\":";
  AppendJsonString(scope.name, out);
  out += "}";
}

// Unpadded base64url (RFC 4648 section 5): cursors travel in URLs.
std::string Base64UrlEncode(std::string_view in);
// nullopt for characters outside the alphabet or an impossible length.
std::optional<std::string> Base64UrlDecode(std::string_view in);

}  // namespace inlinks::query::server
