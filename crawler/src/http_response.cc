// HTTP/1.x response parsing (RFC 9112) and content decoding (RFC 9110 §8.4).
//
// Decisions, each with its reason:
//   - Bare LF ends a line (RFC 9112 §2.2 lets recipients accept it; old
//     servers and hand-made WARC files use it). A CR anywhere else in the
//     header section is an error, since CR-only line ends are a smuggling
//     vector (llhttp rejects them too).
//   - A chunk-size line may carry extensions only after ';' (BWS allowed
//     before ';' and around '='); "25  " with trailing spaces and no ';' is
//     an error, as in llhttp.
//   - Transfer-Encoding codings other than chunked are not undone: the body
//     runs to the end of input and is returned as is (RFC 9112 §6.3 item 4
//     says to read until close; we do not decode transfer codings nobody
//     sends).
//   - Content-Encoding tokens that are empty (", gzip") are skipped; an
//     unknown coding is kInvalidArgument, since the body cannot be used.
//   - The compression-ratio cap counts input consumed so far, so a bomb is
//     cut after about 1 MiB of output, not after max_body_bytes.
#include "inlinks/crawler/http_response.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "text_util.h"

namespace inlinks::crawler {
namespace {

using internal::EqualsIgnoreCase;

constexpr size_t kRatioFloorBytes = 1 << 20;
constexpr size_t kDecodeChunk = 64 << 10;

absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsTchar(unsigned char c) {
  if (absl::ascii_isalnum(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
    case '+': case '-': case '.': case '^': case '_': case '`': case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

absl::Status Invalid(std::string_view what, size_t offset) {
  return absl::InvalidArgumentError(
      absl::StrCat("HTTP response: ", Av(what), " at byte ", offset));
}

// Result of reading one line: its content (without the line end) and the
// offset just past the line end.
struct Line {
  std::string_view text;
  size_t next = 0;
};

enum class LineError { kNone, kTruncated, kTooLong };

// Reads the line starting at `pos`. A line ends at LF or CRLF. Returns
// kTruncated when no LF is found, kTooLong when the line (with its end)
// would pass `limit` bytes from `pos`.
LineError ReadLine(std::string_view bytes, size_t pos, size_t limit, Line* line) {
  size_t avail = bytes.size() - pos;
  size_t window = std::min(avail, limit);
  const void* lf = memchr(bytes.data() + pos, '\n', window);
  if (lf == nullptr) return window < avail ? LineError::kTooLong : LineError::kTruncated;
  size_t end = static_cast<const char*>(lf) - bytes.data();
  line->next = end + 1;
  if (end > pos && bytes[end - 1] == '\r') --end;
  line->text = bytes.substr(pos, end - pos);
  return LineError::kNone;
}

// Checks bytes of a header-section line: no CR, NUL or other CTL but HTAB.
// Returns the index of the first bad byte, or npos.
size_t FindBadHeaderByte(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = text[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return i;
  }
  return std::string_view::npos;
}

absl::Status BadByteError(std::string_view text, size_t i, size_t line_offset) {
  unsigned char c = text[i];
  const char* what = c == '\r' ? "bare CR" : c == 0 ? "NUL byte" : "control character";
  return Invalid(absl::StrCat(what, " in header section"), line_offset + i);
}

// Parses the field lines starting at `pos` up to and including the empty
// line. Appends to `fields` when not null. `budget` is the byte cap for the
// section (already reduced by the status line).
absl::Status ParseFieldLines(std::string_view bytes, size_t* pos, size_t budget,
                             std::vector<std::pair<std::string, std::string>>* fields,
                             std::string_view section) {
  size_t start = *pos;
  while (true) {
    size_t used = *pos - start;
    if (used >= budget) {
      return absl::ResourceExhaustedError(
          absl::StrCat("HTTP response: ", Av(section), " over ", budget, " bytes"));
    }
    Line line;
    switch (ReadLine(bytes, *pos, budget - used, &line)) {
      case LineError::kTruncated:
        return Invalid(absl::StrCat("truncated ", Av(section)), bytes.size());
      case LineError::kTooLong:
        return absl::ResourceExhaustedError(
            absl::StrCat("HTTP response: ", Av(section), " over ", budget, " bytes"));
      case LineError::kNone:
        break;
    }
    size_t line_offset = *pos;
    *pos = line.next;
    std::string_view text = line.text;
    if (text.empty()) return absl::OkStatus();
    if (size_t bad = FindBadHeaderByte(text); bad != std::string_view::npos) {
      return BadByteError(text, bad, line_offset);
    }
    if (IsOws(text.front())) {
      return Invalid(absl::StrCat("obsolete line folding in ", Av(section)), line_offset);
    }
    size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
      return Invalid(absl::StrCat("field line without ':' in ", Av(section)), line_offset);
    }
    if (colon == 0) return Invalid("empty field name", line_offset);
    for (size_t i = 0; i < colon; ++i) {
      if (!IsTchar(static_cast<unsigned char>(text[i]))) {
        return Invalid(IsOws(text[i]) ? "whitespace in or after field name"
                                      : "invalid character in field name",
                       line_offset + i);
      }
    }
    if (fields != nullptr) {
      fields->emplace_back(std::string(text.substr(0, colon)),
                           std::string(TrimOws(text.substr(colon + 1))));
    }
  }
}

struct StatusLine {
  int major = 1;
  int minor = 1;
  int status = 0;
  std::string reason;
};

// status-line = HTTP-version SP status-code SP [ reason-phrase ]
// (RFC 9112 §4); the second SP may be missing when the reason is empty.
absl::Status ParseStatusLine(std::string_view text, size_t offset, StatusLine* out) {
  if (size_t bad = FindBadHeaderByte(text); bad != std::string_view::npos) {
    return BadByteError(text, bad, offset);
  }
  if (text.size() < 12 || !absl::StartsWith(Av(text), "HTTP/")) {
    return Invalid("status line does not start with HTTP/", offset);
  }
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(text[5]) || text[6] != '.' || !digit(text[7]) || text[8] != ' ') {
    return Invalid("malformed HTTP version", offset + 5);
  }
  out->major = text[5] - '0';
  out->minor = text[7] - '0';
  if (!(out->major == 1 || (out->major == 0 && out->minor == 9))) {
    return Invalid("unsupported HTTP version", offset + 5);
  }
  if (!digit(text[9]) || !digit(text[10]) || !digit(text[11]) ||
      (text.size() > 12 && text[12] != ' ')) {
    return Invalid("status code is not three digits", offset + 9);
  }
  out->status = (text[9] - '0') * 100 + (text[10] - '0') * 10 + (text[11] - '0');
  if (out->status < 100) return Invalid("status code below 100", offset + 9);
  out->reason = text.size() > 13 ? std::string(text.substr(13)) : std::string();
  return absl::OkStatus();
}

// Splits comma-separated list values of every field named `name`, trimmed,
// empty elements dropped (RFC 9110 §5.6.1).
std::vector<std::string_view> ListValues(
    const std::vector<std::pair<std::string, std::string>>& fields, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : fields) {
    if (!EqualsIgnoreCase(n, name)) continue;
    std::string_view rest = v;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = TrimOws(rest.substr(0, comma));
      if (!item.empty()) out.push_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool HasField(const std::vector<std::pair<std::string, std::string>>& fields,
              std::string_view name) {
  for (const auto& f : fields) {
    if (EqualsIgnoreCase(f.first, name)) return true;
  }
  return false;
}

// Content-Length (RFC 9112 §6.3 item 5): every value, in every field, must
// be 1*DIGIT and all must be equal.
absl::StatusOr<std::optional<uint64_t>> ParseContentLength(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::optional<uint64_t> result;
  for (const auto& [n, v] : fields) {
    if (!EqualsIgnoreCase(n, "content-length")) continue;
    std::string_view rest = v;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = TrimOws(rest.substr(0, comma));
      if (item.empty()) return absl::InvalidArgumentError("HTTP response: empty Content-Length");
      uint64_t value = 0;
      for (char c : item) {
        if (c < '0' || c > '9') {
          return absl::InvalidArgumentError(absl::StrCat(
              "HTTP response: invalid Content-Length \"", Av(v), "\""));
        }
        if (value > (UINT64_MAX - 9) / 10) {
          return absl::InvalidArgumentError("HTTP response: Content-Length overflows");
        }
        value = value * 10 + (c - '0');
      }
      if (result.has_value() && *result != value) {
        return absl::InvalidArgumentError("HTTP response: differing Content-Length values");
      }
      result = value;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return result;
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// chunk-ext-val = token / quoted-string   (RFC 9112 §7.1.1)
bool ValidChunkExtensions(std::string_view s) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && IsOws(s[i])) ++i;
  };
  auto token = [&] {
    size_t b = i;
    while (i < s.size() && IsTchar(static_cast<unsigned char>(s[i]))) ++i;
    return i > b;
  };
  while (true) {
    if (i == s.size()) return true;
    skip_ws();  // BWS is allowed only before ';' (no trailing whitespace)
    if (i == s.size() || s[i] != ';') return false;
    ++i;
    skip_ws();
    if (!token()) return false;
    skip_ws();
    if (i < s.size() && s[i] == '=') {
      ++i;
      skip_ws();
      if (i < s.size() && s[i] == '"') {
        ++i;
        bool closed = false;
        while (i < s.size()) {
          unsigned char c = s[i];
          if (c == '"') {
            closed = true;
            ++i;
            break;
          }
          if (c == '\\') {
            if (++i == s.size()) return false;
            c = s[i];
            if (c < 0x20 && c != '\t') return false;
            ++i;
            continue;
          }
          if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
          ++i;
        }
        if (!closed) return false;
      } else if (!token()) {
        return false;
      }
    }
  }
}

struct Body {
  std::string bytes;
  size_t end = 0;  // offset just past the message
  bool truncated = false;
};

absl::Status BodyTooLarge(size_t cap) {
  return absl::ResourceExhaustedError(
      absl::StrCat("HTTP response: body over ", cap, " bytes"));
}

absl::StatusOr<Body> ReadChunked(std::string_view bytes, size_t pos,
                                 const HttpResponseOptions& options) {
  Body body;
  auto truncated = [&](std::string_view what) -> absl::StatusOr<Body> {
    if (!options.allow_truncated_body) return Invalid(what, bytes.size());
    body.truncated = true;
    body.end = bytes.size();
    return std::move(body);
  };
  while (true) {
    Line line;
    switch (ReadLine(bytes, pos, options.max_header_bytes, &line)) {
      case LineError::kTruncated:
        return truncated("truncated chunked body");
      case LineError::kTooLong:
        return absl::ResourceExhaustedError("HTTP response: chunk-size line too long");
      case LineError::kNone:
        break;
    }
    std::string_view text = line.text;
    size_t hex = 0;
    uint64_t size = 0;
    while (hex < text.size() && absl::ascii_isxdigit(static_cast<unsigned char>(text[hex]))) {
      if (size > (UINT64_MAX >> 4)) return Invalid("chunk size overflows", pos);
      unsigned char c = text[hex];
      size = size * 16 + (absl::ascii_isdigit(c) ? c - '0' : (absl::ascii_tolower(c) - 'a' + 10));
      ++hex;
    }
    if (hex == 0) return Invalid("chunk size is not hexadecimal", pos);
    if (!ValidChunkExtensions(text.substr(hex))) {
      return Invalid("invalid character in chunk size or extension", pos + hex);
    }
    pos = line.next;
    if (size == 0) {
      // Trailer section (RFC 9112 §7.1.2): checked, then discarded.
      absl::Status s = ParseFieldLines(bytes, &pos, options.max_header_bytes, nullptr,
                                       "trailer section");
      if (!s.ok()) {
        if (absl::IsInvalidArgument(s) && absl::StrContains(s.message(), "truncated")) {
          return truncated("truncated trailer section");
        }
        return s;
      }
      body.end = pos;
      return body;
    }
    size_t avail = bytes.size() - pos;
    if (size > avail) {
      if (body.bytes.size() + avail > options.max_body_bytes) {
        return BodyTooLarge(options.max_body_bytes);
      }
      body.bytes.append(bytes.substr(pos));
      return truncated("truncated chunk data");
    }
    if (body.bytes.size() + size > options.max_body_bytes) {
      return BodyTooLarge(options.max_body_bytes);
    }
    body.bytes.append(bytes.substr(pos, size));
    pos += size;
    if (pos == bytes.size()) return truncated("truncated chunk data");
    if (bytes.compare(pos, 2, "\r\n") == 0) {
      pos += 2;
    } else if (bytes[pos] == '\n') {
      pos += 1;
    } else if (bytes[pos] == '\r' && pos + 1 == bytes.size()) {
      return truncated("truncated chunk data");
    } else {
      return Invalid("missing line end after chunk data", pos);
    }
  }
}

// ---- Content decoding ------------------------------------------------------

// Shared cap checks for one decoding step.
absl::Status CheckDecodeCaps(size_t out_size, uint64_t in_consumed,
                             const HttpResponseOptions& options) {
  if (out_size > options.max_body_bytes) return BodyTooLarge(options.max_body_bytes);
  if (out_size > kRatioFloorBytes &&
      static_cast<double>(out_size) >
          options.max_compression_ratio * static_cast<double>(std::max<uint64_t>(in_consumed, 1))) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "HTTP response: compression ratio over ", options.max_compression_ratio,
        " (", out_size, " bytes from ", in_consumed, ")"));
  }
  return absl::OkStatus();
}

struct ZStreamDeleter {
  void operator()(z_stream* z) const {
    inflateEnd(z);
    delete z;
  }
};

// Inflates with the given window bits (31: gzip, 15: zlib, -15: raw).
// Concatenated gzip members are all inflated; bytes after the last stream
// that do not start a new gzip member are ignored, as browsers do.
absl::StatusOr<std::string> Inflate(std::string_view in, int window_bits,
                                    const HttpResponseOptions& options, bool* truncated) {
  std::unique_ptr<z_stream, ZStreamDeleter> z(new z_stream{});
  if (inflateInit2(z.get(), window_bits) != Z_OK) {
    delete z.release();
    return absl::InternalError("zlib inflateInit2 failed");
  }
  std::string out;
  size_t in_pos = 0;
  uint64_t consumed_before = 0;
  while (true) {
    size_t avail_in = std::min<size_t>(in.size() - in_pos, 1 << 30);
    z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
    z->avail_in = static_cast<uInt>(avail_in);
    size_t old = out.size();
    out.resize(old + kDecodeChunk);
    z->next_out = reinterpret_cast<Bytef*>(out.data() + old);
    z->avail_out = kDecodeChunk;
    int rc = inflate(z.get(), Z_NO_FLUSH);
    out.resize(old + (kDecodeChunk - z->avail_out));
    in_pos += avail_in - z->avail_in;
    if (rc == Z_STREAM_END) {
      bool more_gzip = window_bits > 15 && in.size() - in_pos >= 2 &&
                       static_cast<unsigned char>(in[in_pos]) == 0x1f &&
                       static_cast<unsigned char>(in[in_pos + 1]) == 0x8b;
      if (!more_gzip) return out;
      consumed_before = in_pos;
      inflateReset(z.get());
      continue;
    }
    if (rc == Z_BUF_ERROR && z->avail_in == 0 && in_pos == in.size() && z->avail_out != 0) {
      // Input ended inside the stream.
      if (truncated != nullptr && options.allow_truncated_body) {
        *truncated = true;
        return out;
      }
      return absl::InvalidArgumentError("HTTP response: content coding stream truncated");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HTTP response: corrupt compressed body: ", z->msg != nullptr ? z->msg : "zlib error"));
    }
    absl::Status caps = CheckDecodeCaps(out.size(), consumed_before + z->total_in, options);
    if (!caps.ok()) return caps;
  }
}

absl::StatusOr<std::string> Brotli(std::string_view in, const HttpResponseOptions& options,
                                   bool* truncated) {
  std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)> st(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
  if (st == nullptr) return absl::InternalError("BrotliDecoderCreateInstance failed");
  std::string out;
  size_t avail_in = in.size();
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  while (true) {
    size_t old = out.size();
    out.resize(old + kDecodeChunk);
    size_t avail_out = kDecodeChunk;
    uint8_t* next_out = reinterpret_cast<uint8_t*>(out.data() + old);
    BrotliDecoderResult rc = BrotliDecoderDecompressStream(st.get(), &avail_in, &next_in,
                                                           &avail_out, &next_out, nullptr);
    out.resize(old + (kDecodeChunk - avail_out));
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) return out;
    if (rc == BROTLI_DECODER_RESULT_ERROR) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HTTP response: corrupt brotli body: ",
          BrotliDecoderErrorString(BrotliDecoderGetErrorCode(st.get()))));
    }
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
      if (truncated != nullptr && options.allow_truncated_body) {
        *truncated = true;
        return out;
      }
      return absl::InvalidArgumentError("HTTP response: brotli stream truncated");
    }
    absl::Status caps = CheckDecodeCaps(out.size(), in.size() - avail_in, options);
    if (!caps.ok()) return caps;
  }
}

}  // namespace

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return {};
}

absl::StatusOr<std::string> DecodeContentCoding(std::string_view coding, std::string_view coded,
                                                const HttpResponseOptions& options,
                                                bool* truncated) {
  if (EqualsIgnoreCase(coding, "identity")) {
    if (coded.size() > options.max_body_bytes) return BodyTooLarge(options.max_body_bytes);
    return std::string(coded);
  }
  if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
    return Inflate(coded, 15 + 16, options, truncated);
  }
  if (EqualsIgnoreCase(coding, "deflate")) {
    // RFC 9110 §8.4.1.2 says zlib-wrapped; some servers send raw deflate.
    // A zlib header is CMF (method 8) and FLG with (CMF*256+FLG) % 31 == 0.
    bool zlib_wrapped = coded.size() >= 2 &&
                        (static_cast<unsigned char>(coded[0]) & 0x0f) == 8 &&
                        ((static_cast<unsigned char>(coded[0]) << 8) |
                         static_cast<unsigned char>(coded[1])) % 31 == 0;
    return Inflate(coded, zlib_wrapped ? 15 : -15, options, truncated);
  }
  if (EqualsIgnoreCase(coding, "br")) return Brotli(coded, options, truncated);
  return absl::InvalidArgumentError(
      absl::StrCat("HTTP response: unsupported content coding \"", Av(coding), "\""));
}

absl::StatusOr<HttpResponse> ParseHttpResponse(std::string_view bytes,
                                               const HttpResponseOptions& options) {
  HttpResponse response;
  size_t pos = 0;
  StatusLine status_line;
  while (true) {
    // Empty lines before a status line are skipped (RFC 9112 §2.2 for
    // requests; llhttp does the same for responses).
    while (pos < bytes.size() && (bytes[pos] == '\n' ||
                                  (bytes[pos] == '\r' && pos + 1 < bytes.size() &&
                                   bytes[pos + 1] == '\n'))) {
      pos += bytes[pos] == '\n' ? 1 : 2;
    }
    size_t message_start = pos;
    Line line;
    switch (ReadLine(bytes, pos, options.max_header_bytes, &line)) {
      case LineError::kTruncated:
        return Invalid(pos == bytes.size() ? "no status line" : "truncated status line",
                       bytes.size());
      case LineError::kTooLong:
        return absl::ResourceExhaustedError(absl::StrCat(
            "HTTP response: header section over ", options.max_header_bytes, " bytes"));
      case LineError::kNone:
        break;
    }
    absl::Status s = ParseStatusLine(line.text, pos, &status_line);
    if (!s.ok()) return s;
    pos = line.next;
    response.headers.clear();
    s = ParseFieldLines(bytes, &pos, options.max_header_bytes - (pos - message_start),
                        &response.headers, "header section");
    if (!s.ok()) return s;
    // 1xx other than 101 are interim responses (RFC 9110 §15.2); the final
    // response follows.
    if (status_line.status >= 100 && status_line.status < 200 && status_line.status != 101) {
      continue;
    }
    break;
  }
  response.version_major = status_line.major;
  response.version_minor = status_line.minor;
  response.status = status_line.status;
  response.reason = std::move(status_line.reason);

  // Framing (RFC 9112 §6.3).
  auto content_length = ParseContentLength(response.headers);
  if (!content_length.ok()) return content_length.status();
  Body body;
  int st = response.status;
  if (options.head_response || st < 200 || st == 204 || st == 304) {
    body.end = pos;
  } else if (HasField(response.headers, "transfer-encoding")) {
    std::vector<std::string_view> codings = ListValues(response.headers, "transfer-encoding");
    size_t chunked_count = 0;
    for (std::string_view c : codings) chunked_count += EqualsIgnoreCase(c, "chunked");
    if (chunked_count > 1) {
      return absl::InvalidArgumentError("HTTP response: chunked applied more than once");
    }
    if (!codings.empty() && EqualsIgnoreCase(codings.back(), "chunked")) {
      auto chunked = ReadChunked(bytes, pos, options);
      if (!chunked.ok()) return chunked.status();
      body = *std::move(chunked);
    } else {
      // §6.3 item 4: read until the connection closes.
      if (bytes.size() - pos > options.max_body_bytes) return BodyTooLarge(options.max_body_bytes);
      body.bytes.assign(bytes.substr(pos));
      body.end = bytes.size();
    }
  } else if (content_length->has_value()) {
    uint64_t want = **content_length;
    size_t avail = bytes.size() - pos;
    if (std::min<uint64_t>(want, avail) > options.max_body_bytes) {
      return BodyTooLarge(options.max_body_bytes);
    }
    if (want > avail) {
      if (!options.allow_truncated_body) {
        return Invalid(absl::StrCat("body shorter than Content-Length ", want, " (", avail,
                                    " bytes)"),
                       bytes.size());
      }
      body.truncated = true;
      want = avail;
    }
    body.bytes.assign(bytes.substr(pos, want));
    body.end = pos + want;
  } else {
    if (bytes.size() - pos > options.max_body_bytes) return BodyTooLarge(options.max_body_bytes);
    body.bytes.assign(bytes.substr(pos));
    body.end = bytes.size();
  }
  response.consumed = body.end;
  response.truncated = body.truncated;

  // Content codings (RFC 9110 §8.4), undone last-applied first.
  std::vector<std::string_view> codings = ListValues(response.headers, "content-encoding");
  if (codings.size() > options.max_content_encodings) {
    return absl::ResourceExhaustedError(absl::StrCat("HTTP response: ", codings.size(),
                                                     " content codings (at most ",
                                                     options.max_content_encodings, ")"));
  }
  if (options.decode_content && !body.bytes.empty()) {
    for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
      bool truncated = false;
      auto decoded = DecodeContentCoding(*it, body.bytes, options, &truncated);
      if (!decoded.ok()) return decoded.status();
      body.bytes = *std::move(decoded);
      response.truncated = response.truncated || truncated;
    }
  }
  response.body = std::move(body.bytes);
  return response;
}

}  // namespace inlinks::crawler
