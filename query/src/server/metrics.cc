// File: query/src/server/metrics.cc
//
// Owns: see metrics.h.
// Thread safety: see metrics.h.
#include "server/metrics.h"

#include <cstdio>

namespace inlinks::query::server {

std::string_view DialectName(Dialect d) {
  switch (d) {
    case Dialect::kDomain:
      return "domain";
    case Dialect::kUrl:
      return "url";
    case Dialect::kNative:
      return "native";
    case Dialect::kOther:
      break;
  }
  return "other";
}

int Metrics::StatusSlot(int status) {
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return static_cast<int>(i);
  }
  return static_cast<int>(kStatuses.size());
}

void Metrics::RecordRequest(Dialect dialect, int status, double seconds) {
  int d = static_cast<int>(dialect);
  requests_[d * kStatusSlots + StatusSlot(status)].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  latency_buckets_[d * (kBuckets.size() + 1) + b].fetch_add(1, std::memory_order_relaxed);
  double micros = seconds * 1e6;
  latency_micros_sum_[d].fetch_add(micros > 0 ? static_cast<uint64_t>(micros) : 0,
                                   std::memory_order_relaxed);
}

namespace {

// One metric in Prometheus text: its HELP and TYPE lines, then its value.
void AppendMetric(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help, int64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
  out.append(name).append(" ").append(type).append("\n").append(name).append(" ");
  out.append(std::to_string(value)).append("\n");
}

}  // namespace

std::string Metrics::Render() const {
  std::string out;
  char line[1024];
  out +=
      "# HELP inlinks_http_requests_total HTTP requests answered, by API dialect and status.\n"
      "# TYPE inlinks_http_requests_total counter\n";
  for (int d = 0; d < kDialectCount; ++d) {
    std::string_view name = DialectName(static_cast<Dialect>(d));
    for (int s = 0; s < kStatusSlots; ++s) {
      uint64_t n = requests_[d * kStatusSlots + s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      if (s < static_cast<int>(kStatuses.size())) {
        std::snprintf(line, sizeof line,
                      "inlinks_http_requests_total{dialect=\"%.*s\",status=\"%d\"} %llu\n",
                      static_cast<int>(name.size()), name.data(), kStatuses[s],
                      static_cast<unsigned long long>(n));
      } else {
        std::snprintf(line, sizeof line,
                      "inlinks_http_requests_total{dialect=\"%.*s\",status=\"other\"} %llu\n",
                      static_cast<int>(name.size()), name.data(),
                      static_cast<unsigned long long>(n));
      }
      out += line;
    }
  }
  out +=
      "# HELP inlinks_http_request_duration_seconds Time from a complete request to its "
      "response being ready, by API dialect.\n"
      "# TYPE inlinks_http_request_duration_seconds histogram\n";
  for (int d = 0; d < kDialectCount; ++d) {
    std::string_view name = DialectName(static_cast<Dialect>(d));
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += latency_buckets_[d * (kBuckets.size() + 1) + b].load(std::memory_order_relaxed);
      if (b < kBuckets.size()) {
        std::snprintf(line, sizeof line,
                      "inlinks_http_request_duration_seconds_bucket{dialect=\"%.*s\",le=\"%g\"} "
                      "%llu\n",
                      static_cast<int>(name.size()), name.data(), kBuckets[b],
                      static_cast<unsigned long long>(cumulative));
      } else {
        std::snprintf(line, sizeof line,
                      "inlinks_http_request_duration_seconds_bucket{dialect=\"%.*s\",le=\"+Inf\"} "
                      "%llu\n",
                      static_cast<int>(name.size()), name.data(),
                      static_cast<unsigned long long>(cumulative));
      }
      out += line;
    }
    std::snprintf(line, sizeof line,
                  "inlinks_http_request_duration_seconds_sum{dialect=\"%.*s\"} %.6f\n"
                  "inlinks_http_request_duration_seconds_count{dialect=\"%.*s\"} %llu\n",
                  static_cast<int>(name.size()), name.data(),
                  static_cast<double>(latency_micros_sum_[d].load(std::memory_order_relaxed)) /
                      1e6,
                  static_cast<int>(name.size()), name.data(),
                  static_cast<unsigned long long>(cumulative));
    out += line;
  }
  AppendMetric(out, "inlinks_credits_charged_total", "counter", "Credits charged to API keys.",
               credits_.load(std::memory_order_relaxed));
  AppendMetric(out, "inlinks_rows_served_total", "counter", "Result rows served by charged calls.",
               rows_.load(std::memory_order_relaxed));
  AppendMetric(out, "inlinks_http_connections", "gauge", "Open client connections.",
               connections_.load(std::memory_order_relaxed));
  AppendMetric(out, "inlinks_http_response_bytes_in_flight", "gauge",
               "Response bytes being sent (bounded by max_response_bytes_in_flight).",
               response_bytes_ ? static_cast<int64_t>(response_bytes_->load()) : 0);
  AppendMetric(out, "inlinks_http_connections_refused_total", "counter",
               "Connections closed at accept: their client had max_connections_per_client "
               "open, or every one of max_connections was busy.",
               refused_.load(std::memory_order_relaxed));
  AppendMetric(out, "inlinks_http_connections_shed_total", "counter",
               "Idle connections closed to make room for a new one when every slot was taken.",
               shed_.load(std::memory_order_relaxed));
  AppendMetric(out, "inlinks_http_protocol_errors_total", "counter",
               "Malformed or rejected HTTP requests.",
               protocol_errors_.load(std::memory_order_relaxed));
  AppendMetric(out, "inlinks_http_timeouts_total", "counter",
               "Connections closed by a header, body or idle timeout.",
               timeouts_.load(std::memory_order_relaxed));
  AppendMetric(out, "inlinks_http_internal_errors_total", "counter",
               "Requests answered with an internal error (storage errors included; the log has "
               "each distinct status).",
               internal_errors_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace inlinks::query::server
