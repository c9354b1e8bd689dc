// WARC record reader over plain or gzip-compressed input.
//
// Structure: a ByteSource yields input bytes (a string, a file, or a gzip
// decoder over either); WarcReaderImpl keeps a window of decompressed bytes
// and cuts records out of it. Memory is bounded by one record's header
// section plus one block (both capped by WarcReaderOptions) plus the 64 KiB
// read size.
#include "inlinks/crawler/warc.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace inlinks::crawler {
namespace {

constexpr size_t kReadSize = 64 << 10;

absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A stream of input bytes. Read returns 0 only at the end of input.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual absl::StatusOr<size_t> Read(char* buf, size_t n) = 0;
};

class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string bytes) : bytes_(std::move(bytes)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, bytes_.size() - pos_);
    memcpy(buf, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

class FileSource : public ByteSource {
 public:
  explicit FileSource(FILE* f) : f_(f) {}
  ~FileSource() override { fclose(f_); }
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t k = fread(buf, 1, n, f_);
    if (k == 0 && ferror(f_)) {
      return absl::UnavailableError(absl::StrCat("WARC: read error: ", strerror(errno)));
    }
    return k;
  }

 private:
  FILE* f_;
};

// Puts already-read bytes back in front of a source (used to sniff the
// gzip magic).
class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return rest_->Read(buf, n);
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

// Decompresses a concatenation of gzip members (RFC 1952). Anything after a
// member that is not another member is an error, as is input ending inside
// a member.
class GzipSource : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> raw) : raw_(std::move(raw)), in_(kReadSize, '\0') {
    if (inflateInit2(&z_, 15 + 16) != Z_OK) status_ = absl::InternalError("inflateInit2 failed");
  }
  ~GzipSource() override { inflateEnd(&z_); }

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (!status_.ok()) return status_;
    if (done_) return 0;
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1 << 30));
    size_t want = z_.avail_out;
    while (z_.avail_out == want) {
      if (z_.avail_in == 0 && !raw_eof_) {
        auto k = raw_->Read(in_.data(), in_.size());
        if (!k.ok()) return status_ = k.status();
        if (*k == 0) {
          raw_eof_ = true;
        } else {
          z_.next_in = reinterpret_cast<Bytef*>(in_.data());
          z_.avail_in = static_cast<uInt>(*k);
        }
      }
      if (at_member_start_) {
        if (z_.avail_in == 0 && raw_eof_) {
          done_ = true;
          break;
        }
        // Checked once a member has ended: the next bytes must start one.
        if (members_ > 0 && z_.avail_in > 0 && z_.next_in[0] != 0x1f) {
          return status_ = absl::DataLossError(absl::StrCat(
              "WARC: data after gzip member at compressed offset ", compressed_offset()));
        }
        at_member_start_ = false;
      }
      if (z_.avail_in == 0 && raw_eof_) {
        return status_ = absl::DataLossError(absl::StrCat(
            "WARC: gzip stream truncated at compressed offset ", compressed_offset()));
      }
      uInt before_in = z_.avail_in;
      int rc = inflate(&z_, Z_NO_FLUSH);
      consumed_ += before_in - z_.avail_in;
      if (rc == Z_STREAM_END) {
        ++members_;
        inflateReset(&z_);
        at_member_start_ = true;
      } else if (rc == Z_BUF_ERROR) {
        // No progress: needs more input (the loop reads it or reports
        // truncation).
        if (z_.avail_in != 0) {
          return status_ = absl::DataLossError(absl::StrCat(
              "WARC: gzip error at compressed offset ", compressed_offset()));
        }
      } else if (rc != Z_OK) {
        return status_ = absl::DataLossError(
            absl::StrCat("WARC: corrupt gzip data at compressed offset ", compressed_offset(), ": ",
                         z_.msg != nullptr ? z_.msg : "zlib error"));
      }
    }
    return want - z_.avail_out;
  }

 private:
  uint64_t compressed_offset() const { return consumed_; }

  std::unique_ptr<ByteSource> raw_;
  std::string in_;
  z_stream z_{};
  bool raw_eof_ = false;
  bool at_member_start_ = true;
  bool done_ = false;
  uint64_t members_ = 0;
  uint64_t consumed_ = 0;
  absl::Status status_;
};

class WarcReaderImpl : public WarcReader {
 public:
  WarcReaderImpl(std::unique_ptr<ByteSource> raw, WarcReaderOptions options)
      : options_(options) {
    // Sniff the gzip magic.
    std::string head(2, '\0');
    size_t got = 0;
    while (got < 2) {
      auto k = raw->Read(head.data() + got, 2 - got);
      if (!k.ok()) {
        sticky_ = k.status();
        break;
      }
      if (*k == 0) break;
      got += *k;
    }
    head.resize(got);
    compressed_ = got == 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                  static_cast<unsigned char>(head[1]) == 0x8b;
    src_ = std::make_unique<PrefixedSource>(std::move(head), std::move(raw));
    if (compressed_) src_ = std::make_unique<GzipSource>(std::move(src_));
  }

  absl::StatusOr<std::optional<WarcRecord>> Next() override;
  uint64_t offset() const override { return base_ + pos_; }
  bool compressed() const override { return compressed_; }

 private:
  size_t Avail() const { return buf_.size() - pos_; }

  // Reads more input into buf_; false at end of input or on error (sticky_).
  bool Fill() {
    if (eof_ || !sticky_.ok()) return false;
    if (pos_ > 0 && (pos_ >= kReadSize || pos_ * 2 >= buf_.size())) {
      buf_.erase(0, pos_);
      base_ += pos_;
      pos_ = 0;
    }
    size_t old = buf_.size();
    buf_.resize(old + kReadSize);
    auto k = src_->Read(buf_.data() + old, kReadSize);
    buf_.resize(old + (k.ok() ? *k : 0));
    if (!k.ok()) {
      sticky_ = k.status();
      return false;
    }
    if (*k == 0) eof_ = true;
    return *k > 0;
  }

  // Ensures Avail() >= n unless the input ends first.
  bool Ensure(size_t n) {
    while (Avail() < n) {
      if (!Fill()) return false;
    }
    return true;
  }

  enum class LineResult { kOk, kEnd, kTooLong };
  // Reads one line (LF or CRLF ended) of at most `limit` bytes; at the end
  // of input returns the partial line with kEnd.
  LineResult ReadLine(size_t limit, std::string* line) {
    size_t scanned = 0;
    while (true) {
      const char* start = buf_.data() + pos_;
      const void* lf = memchr(start + scanned, '\n', Avail() - scanned);
      if (lf != nullptr) {
        size_t len = static_cast<const char*>(lf) - start;
        if (len + 1 > limit) return LineResult::kTooLong;
        line->assign(start, len);
        if (!line->empty() && line->back() == '\r') line->pop_back();
        pos_ += len + 1;
        return LineResult::kOk;
      }
      scanned = Avail();
      if (scanned > limit) return LineResult::kTooLong;
      if (!Fill()) {
        line->assign(buf_.data() + pos_, Avail());
        pos_ = buf_.size();
        return LineResult::kEnd;
      }
    }
  }

  // Skips to the next line starting with "WARC/" (or the end of input).
  // Called at the start of a line; that line counts when `include_current`.
  // Returns the bytes skipped.
  uint64_t Resync(bool include_current = true) {
    uint64_t from = offset();
    if (include_current) {
      Ensure(5);
      if (std::string_view(buf_).substr(pos_, 5) == "WARC/") return 0;
    }
    while (true) {
      size_t hit = buf_.find("\nWARC/", pos_);
      if (hit != std::string::npos) {
        pos_ = hit + 1;
        return offset() - from;
      }
      if (eof_ || !sticky_.ok()) {
        pos_ = buf_.size();
        return offset() - from;
      }
      // Keep the last 5 bytes: they may begin "\nWARC".
      if (Avail() > 5) pos_ = buf_.size() - 5;
      Fill();
    }
  }

  absl::Status ResyncError(std::string_view what, uint64_t at, bool include_current = true) {
    uint64_t skipped = Resync(include_current);
    return absl::DataLossError(absl::StrCat("WARC: ", Av(what), " at offset ", at,
                                            " (skipped ", skipped, " bytes to the next record)"));
  }

  WarcReaderOptions options_;
  std::unique_ptr<ByteSource> src_;
  bool compressed_ = false;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t base_ = 0;  // input offset of buf_[0]
  bool eof_ = false;
  absl::Status sticky_;
};

absl::StatusOr<std::optional<WarcRecord>> WarcReaderImpl::Next() {
  // Empty lines between records (the block's CRLF CRLF, or extra ones).
  while (true) {
    if (!Ensure(2)) {
      if (!sticky_.ok()) return sticky_;
      if (Avail() == 0) return std::nullopt;
    }
    if (buf_[pos_] == '\n') {
      ++pos_;
    } else if (buf_[pos_] == '\r' && Avail() >= 2 && buf_[pos_ + 1] == '\n') {
      pos_ += 2;
    } else {
      break;
    }
  }

  WarcRecord record;
  record.offset = offset();
  std::string line;
  LineResult lr = ReadLine(options_.max_header_bytes, &line);
  if (!sticky_.ok()) return sticky_;
  if (lr == LineResult::kEnd) {
    return absl::DataLossError(
        absl::StrCat("WARC: truncated record header at offset ", record.offset));
  }
  if (lr == LineResult::kTooLong || !absl::StartsWith(line, "WARC/")) {
    // Rescan from the start of the bad line, which is not a record start.
    pos_ = record.offset - base_;
    return ResyncError("expected a WARC/ version line", record.offset, false);
  }
  record.version = line;

  size_t header_bytes = 0;
  while (true) {
    uint64_t line_offset = offset();
    if (header_bytes >= options_.max_header_bytes) lr = LineResult::kTooLong;
    else lr = ReadLine(options_.max_header_bytes - header_bytes, &line);
    if (!sticky_.ok()) return sticky_;
    if (lr == LineResult::kTooLong) {
      uint64_t skipped = Resync();
      return absl::ResourceExhaustedError(absl::StrCat(
          "WARC: record header at offset ", record.offset, " over ", options_.max_header_bytes,
          " bytes (skipped ", skipped, " bytes to the next record)"));
    }
    if (lr == LineResult::kEnd) {
      return absl::DataLossError(
          absl::StrCat("WARC: truncated record header at offset ", line_offset));
    }
    header_bytes = offset() - record.offset;
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (record.headers.empty()) {
        return ResyncError("continuation line before any field", line_offset);
      }
      std::string& value = record.headers.back().second;
      std::string_view more = TrimWs(line);
      if (!more.empty()) {
        if (!value.empty()) value += ' ';
        value.append(more);
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return ResyncError("malformed field line", line_offset);
    }
    std::string_view view = line;
    record.headers.emplace_back(std::string(TrimWs(view.substr(0, colon))),
                                std::string(TrimWs(view.substr(colon + 1))));
  }

  std::string_view cl = record.Header("Content-Length");
  uint64_t length = 0;
  if (cl.empty() || cl.size() > 18 ||
      !std::all_of(cl.begin(), cl.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return ResyncError(cl.empty() ? "record without Content-Length" : "invalid Content-Length",
                       record.offset);
  }
  for (char c : cl) length = length * 10 + (c - '0');

  if (length > options_.max_record_bytes) {
    // Skip the block without holding it.
    uint64_t left = length;
    while (left > 0) {
      if (Avail() == 0 && !Fill()) break;
      size_t k = static_cast<size_t>(std::min<uint64_t>(left, Avail()));
      pos_ += k;
      left -= k;
    }
    if (!sticky_.ok()) return sticky_;
    if (left > 0) {
      return absl::DataLossError(absl::StrCat("WARC: record at offset ", record.offset,
                                              " truncated: Content-Length ", length, ", ",
                                              length - left, " bytes left"));
    }
    return absl::ResourceExhaustedError(
        absl::StrCat("WARC: record at offset ", record.offset, " has a ", length,
                     "-byte block, over max_record_bytes ", options_.max_record_bytes,
                     " (skipped)"));
  }

  size_t n = static_cast<size_t>(length);
  if (!Ensure(n)) {
    if (!sticky_.ok()) return sticky_;
    size_t left = Avail();
    pos_ = buf_.size();
    return absl::DataLossError(absl::StrCat("WARC: record at offset ", record.offset,
                                            " truncated: Content-Length ", length, ", ", left,
                                            " bytes left"));
  }
  record.block.assign(buf_.data() + pos_, n);
  pos_ += n;
  return record;
}

}  // namespace

std::string_view WarcRecord::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(Av(n), Av(name))) return v;
  }
  return {};
}

std::string_view WarcRecord::target_uri() const {
  std::string_view uri = Header("WARC-Target-URI");
  if (uri.size() >= 2 && uri.front() == '<' && uri.back() == '>') {
    uri = uri.substr(1, uri.size() - 2);
  }
  return uri;
}

absl::StatusOr<std::unique_ptr<WarcReader>> WarcReader::Open(const std::string& path,
                                                             WarcReaderOptions options) {
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int e = errno;
    std::string msg = absl::StrCat("WARC: cannot open ", path, ": ", strerror(e));
    if (e == ENOENT) return absl::NotFoundError(msg);
    if (e == EACCES || e == EPERM) return absl::PermissionDeniedError(msg);
    return absl::UnavailableError(msg);
  }
  return std::unique_ptr<WarcReader>(
      new WarcReaderImpl(std::make_unique<FileSource>(f), options));
}

std::unique_ptr<WarcReader> WarcReader::FromBytes(std::string bytes, WarcReaderOptions options) {
  return std::make_unique<WarcReaderImpl>(std::make_unique<StringSource>(std::move(bytes)),
                                          options);
}

}  // namespace inlinks::crawler
