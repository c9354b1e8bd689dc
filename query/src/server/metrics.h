// File: query/src/server/metrics.h
//
// Owns: the server's Prometheus metrics (text exposition format 0.0.4):
// requests by dialect and status, a latency histogram by dialect, credits
// charged, rows served, connection gauges and refusals.
//
// Thread safety: every method is thread-safe (relaxed atomics; a scrape may
// see counters a few requests apart, never torn values).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace inlinks::query::server {

enum class Dialect : uint8_t { kDomain = 0, kUrl, kNative, kOther };
inline constexpr int kDialectCount = 4;
std::string_view DialectName(Dialect d);

class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void RecordRequest(Dialect dialect, int status, double seconds);
  void AddCredits(int64_t credits) { credits_.fetch_add(credits, std::memory_order_relaxed); }
  void AddRows(int64_t rows) { rows_.fetch_add(rows, std::memory_order_relaxed); }
  void ConnectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  void ConnectionRefused() { refused_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionShed() { shed_.fetch_add(1, std::memory_order_relaxed); }
  void ProtocolError() { protocol_errors_.fetch_add(1, std::memory_order_relaxed); }
  void Timeout() { timeouts_.fetch_add(1, std::memory_order_relaxed); }
  void InternalError() { internal_errors_.fetch_add(1, std::memory_order_relaxed); }
  // The response bytes being sent (a gauge the server keeps).
  void SetResponseBytes(const std::atomic<size_t>* bytes) { response_bytes_ = bytes; }

  int64_t credits_charged() const { return credits_.load(std::memory_order_relaxed); }
  int64_t active_connections() const { return connections_.load(std::memory_order_relaxed); }

  // The exposition text of every metric.
  std::string Render() const;

 private:
  // Status codes tracked one by one; anything else is counted as "other".
  static constexpr std::array<int, 14> kStatuses = {200, 204, 400, 401, 402, 403, 404,
                                                    405, 408, 413, 414, 431, 500, 503};
  static constexpr int kStatusSlots = kStatuses.size() + 1;
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   0.5,     1,      2.5};
  static int StatusSlot(int status);

  std::array<std::atomic<uint64_t>, kDialectCount * kStatusSlots> requests_{};
  std::array<std::atomic<uint64_t>, kDialectCount * (kBuckets.size() + 1)> latency_buckets_{};
  std::array<std::atomic<uint64_t>, kDialectCount> latency_micros_sum_{};
  std::atomic<int64_t> credits_{0};
  std::atomic<int64_t> rows_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> shed_{0};
  std::atomic<uint64_t> protocol_errors_{0};
  std::atomic<uint64_t> timeouts_{0};
  std::atomic<uint64_t> internal_errors_{0};
  const std::atomic<size_t>* response_bytes_ = nullptr;
};

}  // namespace inlinks::query::server
