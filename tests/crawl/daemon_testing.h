// File: tests/crawl/daemon_testing.h
//
// Owns: running the built inlinksd (INLINKS_INLINKSD) as a child process in
// the crawl tests: start it with its stdout and stderr in a log file, read
// that log, wait for its exit code.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace inlinks::testing {

struct Daemon {
  pid_t pid = -1;
  std::string log;  // its stdout and stderr
};

// Starts inlinksd with `args`, its stdout and stderr to `log`.
inline Daemon StartDaemon(const std::vector<std::string>& args, const std::string& log) {
  Daemon d;
  d.log = log;
  d.pid = fork();
  if (d.pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(126);
    std::vector<char*> argv{const_cast<char*>(INLINKS_INLINKSD)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(INLINKS_INLINKSD, argv.data());
    _exit(127);
  }
  return d;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Waits for the daemon to exit: its exit code, 128 + the signal that ended
// it, or -1 after `limit` (then it is killed).
inline int WaitExit(pid_t pid, std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

}  // namespace inlinks::testing
