#include "inlinks/crawler/warc_import.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/records.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/http_response.h"
#include "inlinks/crawler/warc.h"
#include "text_util.h"

namespace inlinks::crawler {
namespace {

using internal::EqualsIgnoreCase;

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// WARC-Date is a W3C/ISO 8601 UTC timestamp ("2026-01-02T03:04:05Z", maybe
// with fractional seconds); 0 when absent or malformed.
int64_t ParseWarcDate(std::string_view date) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, AbslView(date), &t, &err)) {
    return absl::ToUnixSeconds(t);
  }
  return 0;
}

}  // namespace

absl::StatusOr<WarcImportStats> ImportWarc(WarcReader& reader, core::PageSink& sink,
                                           const WarcImportOptions& options) {
  WarcImportStats stats;
  int consecutive_errors = 0;
  auto error = [&](absl::Status s) {
    ++stats.errors;
    if (options.on_error) options.on_error(s);
  };
  // Pages go to the sink kPending at a time (one batch in the indexer).
  constexpr size_t kPending = 32;
  std::vector<core::Page> pages;
  std::vector<core::FetchFacts> facts_of;
  auto flush = [&]() -> absl::Status {
    std::vector<core::PageAndFacts> group;
    for (size_t i = 0; i < pages.size(); ++i) group.push_back({&pages[i], facts_of[i]});
    std::vector<absl::Status> results = sink.AcceptAll(group);
    absl::Status fatal;
    const absl::Status missing = absl::InternalError("the sink gave no status for the page");
    for (size_t i = 0; i < pages.size(); ++i) {
      const absl::Status& accepted = i < results.size() ? results[i] : missing;
      if (!accepted.ok()) {
        error(accepted);
        if (accepted.code() == absl::StatusCode::kDataLoss && fatal.ok()) fatal = accepted;
        continue;
      }
      ++stats.pages;
      stats.links += pages[i].links.size();
    }
    pages.clear();
    facts_of.clear();
    return fatal;
  };
  while (true) {
    absl::StatusOr<std::optional<WarcRecord>> next = reader.Next();
    if (!next.ok()) {
      error(next.status());
      if (++consecutive_errors >= options.max_consecutive_errors) {
        RETURN_IF_ERROR(flush());  // the pages read before the damage
        return absl::DataLossError(absl::StrCat("giving up after ", consecutive_errors,
                                                " damaged records in a row; last: ",
                                                next.status().message()));
      }
      continue;
    }
    consecutive_errors = 0;
    if (!next->has_value()) break;
    const WarcRecord& record = **next;
    ++stats.records;
    if (!EqualsIgnoreCase(record.type(), "response")) {
      ++stats.skipped_records;
      continue;
    }
    ++stats.responses;
    absl::StatusOr<core::Url> url = core::ParseUrl(record.target_uri());
    if (!url.ok()) {
      ++stats.skipped_records;
      continue;
    }
    HttpResponseOptions http_options;
    http_options.allow_truncated_body = true;  // archives often hold cut bodies
    http_options.max_body_bytes = options.extractor.max_body_bytes * 4;
    absl::StatusOr<HttpResponse> response = ParseHttpResponse(record.block, http_options);
    if (!response.ok()) {
      error(absl::Status(response.status().code(),
                         absl::StrCat("record at offset ", record.offset, " (",
                                      AbslView(record.target_uri()),
                                      "): ", response.status().message())));
      continue;
    }
    core::FetchFacts facts;
    facts.http_status = response->status;
    facts.fetch_time_unix = ParseWarcDate(record.date());
    facts.ip = std::string(record.Header("WARC-IP-Address"));

    core::Page page;
    page.url = url->href();
    const int status = response->status;
    if (status >= 200 && status < 300) {
      std::string_view type = response->Header("Content-Type");
      if (IsHtmlContentType(type)) {
        absl::StatusOr<core::Page> extracted =
            ExtractPage(response->body, type, *url, options.extractor);
        if (!extracted.ok()) {
          error(extracted.status());
          continue;
        }
        page = *std::move(extracted);
        stats.bytes += response->body.size();
      } else {
        ++stats.not_html;
      }
    } else if (status >= 300 && status < 400 && !response->Header("Location").empty()) {
      absl::StatusOr<core::Url> target = core::ResolveUrl(*url, response->Header("Location"));
      if (!target.ok()) {
        ++stats.skipped_records;
        continue;
      }
      core::Link link;
      link.target = target->href();
      link.position = 1;
      link.tag = core::LinkTag::kRedirect;
      link.internal = core::SiteOf(target->host()) == core::SiteOf(url->host());
      page.links.push_back(std::move(link));
      ++stats.redirects;
    } else if (status == 404 || status == 410) {
      ++stats.gone;
    } else {
      ++stats.skipped_records;
      continue;
    }
    pages.push_back(std::move(page));
    facts_of.push_back(std::move(facts));
    if (pages.size() == kPending) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
  return stats;
}

absl::StatusOr<WarcImportStats> ImportWarcFile(const std::string& path, core::PageSink& sink,
                                               const WarcImportOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<WarcReader> reader, WarcReader::Open(path));
  return ImportWarc(*reader, sink, options);
}

}  // namespace inlinks::crawler
