// File: tests/testing/ports.h
//
// Owns: finding a loopback TCP port nobody listens on (bound to 127.0.0.1
// port 0, then closed), for tests that need a refused connection or a port
// for a server they start as another process; one plain HTTP/1.1
// request to such a server; and where `inlinksd` says it serves.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

namespace inlinks::testing {

inline uint16_t FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  uint16_t port = 0;
  socklen_t len = sizeof(a);
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

// One HTTP/1.1 request to 127.0.0.1:`port` over a plain socket
// (Connection: close; a body is sent as text/plain); the whole response,
// empty when the connection failed.
inline std::string LoopbackHttp(uint16_t port, const std::string& method, const std::string& path,
                                const std::string& body = "") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::string out;
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    std::string req = method + " " + path +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Content-Type: text/plain\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[65536];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    }
  }
  if (fd >= 0) close(fd);
  return out;
}

// What `inlinksd` printed when its API started listening on 127.0.0.1:
// "serving the API on http://127.0.0.1:PORT/ (API key in FILE)"; the key is
// the first line of FILE. Nothing until the whole line is in `log_text`.
struct ServingApi {
  uint16_t port = 0;
  std::string key;
};
inline std::optional<ServingApi> FindServingApi(const std::string& log_text) {
  const std::string url = "serving the API on http://127.0.0.1:";
  const std::string in = "(API key in ";
  size_t at = log_text.find(url);
  if (at == std::string::npos) return std::nullopt;
  size_t file = log_text.find(in, at);
  size_t close = file == std::string::npos ? file : log_text.find(')', file);
  if (close == std::string::npos) return std::nullopt;
  ServingApi api;
  api.port = static_cast<uint16_t>(std::stoi(log_text.substr(at + url.size())));
  std::ifstream key_file(log_text.substr(file + in.size(), close - file - in.size()));
  std::getline(key_file, api.key);
  return api;
}

}  // namespace inlinks::testing
