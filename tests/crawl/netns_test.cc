// The SSRF guard in the real daemon, against public and private addresses,
// inside a network namespace of its own (`unshare -rn`: a user and network
// namespace whose only interface, lo, is down). A public address the guard
// lets through fails to connect there, so the test sends no real traffic; a
// private one is refused before any socket is opened. The verdicts show in
// the daemon's own error counts: "connect" for the public addresses,
// "blocked" for the private ones, whatever their spelling.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace inlinks {
namespace {

using ::testing::HasSubstr;

// Runs `argv` with stdout+stderr to `log`; its exit code (-1 on a signal).
int RunCommand(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(NetNamespace, GuardLetsPublicAddressesThroughAndRefusesPrivateOnes) {
  testing::TempDir dir("inlinks_netns");
  std::filesystem::create_directories(dir.path());
  // Namespaces may be unavailable (a container without user namespaces):
  // then the test cannot run without sending real traffic, so it skips.
  if (RunCommand({"unshare", "-rn", "true"}, dir.Sub("probe.txt")) != 0) {
    GTEST_SKIP() << "unshare -rn is not available here: " << ReadText(dir.Sub("probe.txt"));
  }
  std::vector<std::string> args = {
      "unshare", "-rn", INLINKS_INLINKSD, "crawl", "--db", dir.Sub("db"), "--once",
      "--progress", "no", "--delay-ms", "0",
      // Public: a resolved IPv4 and IPv6 address, and IPv4 spelled in
      // decimal in the URL (8.8.8.8).
      "--resolve", "public4.test:8.8.8.8", "--seed", "http://public4.test/",
      "--resolve", "public6.test:80:[2001:4860:4860::8888]", "--seed", "http://public6.test/",
      "--seed", "http://134744072/",
      // Private: RFC 1918, and the same address inside NAT64 and 6to4
      // IPv6; loopback spelled in hex short form in the URL.
      "--resolve", "private.test:10.1.2.3", "--seed", "http://private.test/",
      "--resolve", "nat64.test:80:[64:ff9b::a01:203]", "--seed", "http://nat64.test/",
      "--resolve", "sixtofour.test:80:[2002:a01:203::1]", "--seed", "http://sixtofour.test/",
      "--seed", "http://0x7f.1/"};
  std::string log = dir.Sub("inlinksd.txt");
  int code = RunCommand(args, log);
  std::string out = ReadText(log);
  ASSERT_EQ(code, 0) << out;
  // Every host's robots.txt fetch is the one attempt: 3 connection failures
  // (allowed, no route in the namespace) and 4 refusals.
  EXPECT_THAT(out, HasSubstr("connect=3")) << out;
  EXPECT_THAT(out, HasSubstr("blocked=4")) << out;
  EXPECT_THAT(out, HasSubstr("0 pages indexed")) << out;
}

}  // namespace
}  // namespace inlinks
