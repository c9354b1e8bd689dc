// Pathological pages: extractor.h promises that any input up to the body cap
// (4 MiB) is handled in bounded time and memory. Each case runs in a forked
// child so that its peak RSS (ru_maxrss from wait4) is its own, and a hang
// turns into SIGALRM instead of a stuck test run.
//
// Bounds: wall time of ExtractPage <= 1 s (10x under sanitizers), peak RSS of
// the child <= 256 MB (not checked under ASan, whose shadow memory and
// quarantine dominate).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "inlinks/core/records.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/extractor.h"

namespace inlinks::crawler {
namespace {

using core::Truncation;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INLINKS_TEST_ASAN 1
#endif
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer) || \
    __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define INLINKS_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define INLINKS_TEST_ASAN 1
#define INLINKS_TEST_SANITIZED 1
#endif
#if defined(__SANITIZE_THREAD__)
#define INLINKS_TEST_SANITIZED 1
#endif

#ifdef INLINKS_TEST_SANITIZED
constexpr double kMaxSeconds = 10.0;
#else
constexpr double kMaxSeconds = 1.0;
#endif
constexpr long kMaxRssKb = 256 * 1024;
constexpr size_t kCap = 4 << 20;  // ExtractorOptions::max_body_bytes default
// A child still running after this is hung: SIGALRM ends it.
constexpr unsigned kChildAlarmSeconds = 60;

// What the child reports back through a pipe.
struct Outcome {
  bool ok = false;
  double seconds = 0;
  long hwm_before_kb = 0;  // VmHWM after building the input, before extracting
  size_t links = 0;
  size_t skipped = 0;
  Truncation truncation = Truncation::kNone;
  bool positions_ok = false;  // position == index + 1 for every link
  bool anchors_valid = true;  // no anchor longer than the cap
  char first_target[128] = {};
  char last_target[128] = {};
};

struct Measured {
  Outcome outcome;
  long max_rss_kb = 0;
  int exit_status = 0;  // waitpid status
};

long VmHwmKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

void CopyTarget(char (&dst)[128], const std::string& s) {
  std::snprintf(dst, sizeof dst, "%s", s.c_str());
}

// Builds the input and runs ExtractPage in a child process.
Measured RunIsolated(const std::function<std::string()>& make_input,
                     const ExtractorOptions& options = {}) {
  Measured m;
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return m;
  }
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return m;
  }
  if (pid == 0) {
    close(fds[0]);
    alarm(kChildAlarmSeconds);
    Outcome o;
    std::string input = make_input();
    core::Url url = *core::ParseUrl("http://example.com/dir/page.html");
    o.hwm_before_kb = VmHwmKb();
    auto start = std::chrono::steady_clock::now();
    absl::StatusOr<core::Page> page = ExtractPage(input, "text/html", url, options);
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    o.ok = page.ok();
    if (page.ok()) {
      o.links = page->links.size();
      o.skipped = page->skipped_hrefs;
      o.truncation = page->truncation;
      o.positions_ok = true;
      for (size_t i = 0; i < page->links.size(); ++i) {
        o.positions_ok &= page->links[i].position == i + 1;
        o.anchors_valid &= page->links[i].anchor.size() <= options.max_anchor_bytes;
      }
      if (!page->links.empty()) {
        CopyTarget(o.first_target, page->links.front().target);
        CopyTarget(o.last_target, page->links.back().target);
      }
    }
    ssize_t w = write(fds[1], &o, sizeof o);
    _exit(w == static_cast<ssize_t>(sizeof o) ? 0 : 3);
  }
  close(fds[1]);
  size_t got = 0;
  char* p = reinterpret_cast<char*>(&m.outcome);
  while (got < sizeof(Outcome)) {
    ssize_t r = read(fds[0], p + got, sizeof(Outcome) - got);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  close(fds[0]);
  struct rusage ru {};
  if (wait4(pid, &m.exit_status, 0, &ru) != pid) ADD_FAILURE() << "wait4 failed";
  m.max_rss_kb = ru.ru_maxrss;
  if (!WIFEXITED(m.exit_status) || WEXITSTATUS(m.exit_status) != 0) {
    ADD_FAILURE() << "child died: "
                  << (WIFSIGNALED(m.exit_status)
                          ? std::string("signal ") + strsignal(WTERMSIG(m.exit_status))
                          : "exit " + std::to_string(WEXITSTATUS(m.exit_status)));
  } else if (got != sizeof(Outcome)) {
    ADD_FAILURE() << "child sent no outcome";
  }
  return m;
}

// Runs a case, prints its numbers and checks the time and memory bounds.
Measured RunCase(const char* name, const std::function<std::string()>& make_input,
                 const ExtractorOptions& options = {}) {
  Measured m = RunIsolated(make_input, options);
  const Outcome& o = m.outcome;
  std::printf("[limits] %-34s %8.1f ms  maxrss %6ld MB (input built: %ld MB)  links %zu"
              "  truncation %d\n",
              name, o.seconds * 1e3, m.max_rss_kb / 1024, o.hwm_before_kb / 1024, o.links,
              static_cast<int>(o.truncation));
  EXPECT_TRUE(o.ok) << name;
  EXPECT_LE(o.seconds, kMaxSeconds) << name;
#ifndef INLINKS_TEST_ASAN
  EXPECT_LE(m.max_rss_kb, kMaxRssKb) << name;
#endif
  EXPECT_TRUE(o.positions_ok) << name;
  EXPECT_TRUE(o.anchors_valid) << name;
  return m;
}

// Repeats `unit` until the result is at most `size` bytes.
std::string RepeatTo(std::string_view unit, size_t size = kCap) {
  std::string s;
  s.reserve(size);
  while (s.size() + unit.size() <= size) s.append(unit);
  return s;
}

// n opening tags, then n closing tags.
std::string Balanced(std::string_view open, std::string_view close, size_t size) {
  size_t n = size / (open.size() + close.size());
  std::string s;
  s.reserve(size);
  for (size_t i = 0; i < n; ++i) s.append(open);
  for (size_t i = 0; i < n; ++i) s.append(close);
  return s;
}

// ---------------------------------------------------------------------------
// Nesting.

// Regression (guard cost, fixed in crawler/src/html_guard.cc). Before the fix: 2.8 s here (release, 2 shared cores).
// Every blanked <div> still runs CloseIfOpen({"p"}, ...) over the full
// 128-entry stack in html_guard.cc: O(tags x max_depth).
TEST(ExtractorLimits, UnclosedDiv) {
  Measured m = RunCase("unclosed <div> 4 MiB", [] { return RepeatTo("<div>"); });
  EXPECT_EQ(m.outcome.truncation, Truncation::kNesting);
}

TEST(ExtractorLimits, UnclosedSpan) {
  Measured m = RunCase("unclosed <span> 4 MiB", [] { return RepeatTo("<span>"); });
  EXPECT_EQ(m.outcome.truncation, Truncation::kNesting);
}

TEST(ExtractorLimits, BalancedDiv500K) {
  Measured m =
      RunCase("balanced <div> 500 KB", [] { return Balanced("<div>", "</div>", 500'000); });
  EXPECT_EQ(m.outcome.truncation, Truncation::kNesting);
}

// Regression (guard cost, fixed in crawler/src/html_guard.cc). Before the fix: 1.46 s here; same cause as
// UnclosedDiv.
TEST(ExtractorLimits, BalancedDiv4M) {
  Measured m = RunCase("balanced <div> 4 MiB", [] { return Balanced("<div>", "</div>", kCap); });
  EXPECT_EQ(m.outcome.truncation, Truncation::kNesting);
}

TEST(ExtractorLimits, NestedBoldItalic) {
  // Like nutch's nested_spider_trap.html, 160 times larger.
  Measured m = RunCase("nested <b><i> 4 MiB",
                       [] { return Balanced("<b><i>", "</i></b>", kCap); });
  EXPECT_EQ(m.outcome.truncation, Truncation::kNesting);
}

TEST(ExtractorLimits, UnclosedFormattingElements) {
  RunCase("unclosed <b><i><u><s> 4 MiB", [] { return RepeatTo("<b><i><u><s>x"); });
}

TEST(ExtractorLimits, NestedTables) {
  Measured m = RunCase("nested <table><tr><td> 4 MiB",
                       [] { return RepeatTo("<table><tr><td>"); });
  EXPECT_EQ(m.outcome.truncation, Truncation::kNesting);
}

// Regression (memory, fixed in crawler/src/html_guard.cc). Before the fix: 714 ms but maxrss 256.4 MB (262508 KB >
// 262144 KB): ~600k "</p>x" each create a <p> and a text node, and gumbo's
// per-node cost (~200 B with vectors) adds up. Nothing bounds the node count.
TEST(ExtractorLimits, FormattingWithDistinctAttributesThenParagraphEnds) {
  // The list of active formatting elements (no Noah's Ark dedup across
  // distinct attributes), reconstructed at each "x" after an implied <p>.
  RunCase("<b id=N> x100k then </p>x", [] {
    std::string s;
    s.reserve(kCap);
    for (int i = 0; i < 100'000; ++i) s += "<b id=" + std::to_string(i) + ">";
    while (s.size() + 5 <= kCap) s += "</p>x";
    return s;
  });
}

TEST(ExtractorLimits, DeepNestingLinkAtTheBottomIsFound) {
  Measured m = RunCase("10,000 <div> + <a> at the bottom", [] {
    std::string s;
    for (int i = 0; i < 10'000; ++i) s += "<div>";
    s += "<p><a href=\"/deep\">deep</a></p>";
    for (int i = 0; i < 10'000; ++i) s += "</div>";
    s += "<a href=\"/after\">after</a>";
    return s;
  });
  EXPECT_EQ(m.outcome.truncation, Truncation::kNesting);
  EXPECT_EQ(m.outcome.links, 2u);
  EXPECT_STREQ(m.outcome.first_target, "http://example.com/deep");
  EXPECT_STREQ(m.outcome.last_target, "http://example.com/after");
}

// Regression (hang, fixed in crawler/src/html_guard.cc). Before the fix: killed by SIGALRM after 120 s. The guard
// models "<a> closes the open <a>" with PopTo("a"), which also pops the <div>
// opened after it, so its depth stays at 2; gumbo's adoption agency instead
// moves each <div> into the previous one, nesting ~150k deep (quadratic).
TEST(ExtractorLimits, DeepNestingOfLinkTagsItself) {
  // <a> can't nest (each closes the last); 4 MiB of unclosed <a href> inside
  // <div>s interleaved.
  Measured m = RunCase("<div><a href=/N> repeated 4 MiB", [] {
    std::string s;
    s.reserve(kCap);
    for (int i = 0; s.size() + 32 <= kCap; ++i) s += "<div><a href=/" + std::to_string(i) + ">";
    return s;
  });
  EXPECT_EQ(m.outcome.truncation, Truncation::kNesting);
  EXPECT_EQ(m.outcome.links, 100'000u);  // max_links; kNesting was set first
}

// Regression (memory + time, fixed in crawler/src/html_guard.cc). Before the fix: ~1.2 s and maxrss 447 MB
// (standalone probe, /usr/bin/time). 1M <p> elements and 1M text nodes:
// nothing bounds the number of nodes gumbo allocates (~220 B each).
TEST(ExtractorLimits, ManySmallElements) {
  RunCase("<p>x repeated 4 MiB", [] { return RepeatTo("<p>x"); });
}

// Regression (memory, fixed in crawler/src/html_guard.cc). Before the fix: ~0.7 s and maxrss 267 MB (probe).
TEST(ExtractorLimits, ManyVoidElements) {
  RunCase("<br> repeated 4 MiB", [] { return RepeatTo("<br>"); });
}

// ---------------------------------------------------------------------------
// Attributes.

TEST(ExtractorLimits, OneTagWith100kAttributes) {
  RunCase("<div> with 100,000 attributes", [] {
    std::string s = "<div";
    for (int i = 0; i < 100'000; ++i) s += " a" + std::to_string(i) + "=1";
    s += "><a href=/x>x</a></div>";
    return s;
  });
}

TEST(ExtractorLimits, LinkWith100kAttributes) {
  Measured m = RunCase("<a> with 100,000 attributes", [] {
    std::string s = "<a";
    for (int i = 0; i < 100'000; ++i) s += " a" + std::to_string(i) + "=1";
    s += " href=/x>x</a>";
    return s;
  });
  EXPECT_EQ(m.outcome.links, 1u);
}

TEST(ExtractorLimits, OneHugeAttributeValue) {
  Measured m = RunCase("4 MiB title attribute", [] {
    std::string s = "<a href=\"/x\" title=\"";
    s.append(kCap - 40, 'v');
    s += "\">t</a>";
    return s;
  });
  EXPECT_EQ(m.outcome.links, 1u);
}

TEST(ExtractorLimits, OneHugeHref) {
  Measured m = RunCase("4 MiB href", [] {
    std::string s = "<a href=\"/";
    s.append(kCap - 30, 'h');
    s += "\">t</a>";
    return s;
  });
  EXPECT_EQ(m.outcome.links + m.outcome.skipped, 1u);
}

// ---------------------------------------------------------------------------
// Many links.

TEST(ExtractorLimits, HundredThousandLinks) {
  Measured m = RunCase("100,000 <a href=/pN>", [] {
    std::string s;
    for (int i = 1; i <= 100'000; ++i) {
      s += "<a href=/p" + std::to_string(i) + ">" + std::to_string(i) + "</a>\n";
    }
    return s;
  });
  EXPECT_EQ(m.outcome.links, 100'000u);
  EXPECT_EQ(m.outcome.truncation, Truncation::kNone);
  EXPECT_STREQ(m.outcome.first_target, "http://example.com/p1");
  EXPECT_STREQ(m.outcome.last_target, "http://example.com/p100000");
}

TEST(ExtractorLimits, TwoHundredThousandLinks) {
  Measured m = RunCase("200,000 <a href=/N>", [] {
    std::string s;
    for (int i = 1; i <= 200'000; ++i) s += "<a href=/" + std::to_string(i) + ">x</a>";
    return s;
  });
  EXPECT_EQ(m.outcome.links, ExtractorOptions{}.max_links);
  EXPECT_EQ(m.outcome.truncation, Truncation::kLinkCount);
  EXPECT_STREQ(m.outcome.last_target, "http://example.com/100000");
}

// ---------------------------------------------------------------------------
// Garbage.

TEST(ExtractorLimits, RandomBytes) {
  RunCase("4 MiB random bytes (seed 42)", [] {
    std::mt19937_64 rng(42);
    std::string s(kCap, '\0');
    for (size_t i = 0; i < s.size(); i += 8) {
      uint64_t v = rng();
      std::memcpy(&s[i], &v, std::min<size_t>(8, s.size() - i));
    }
    return s;
  });
}

TEST(ExtractorLimits, RandomMarkupSoup) {
  // Random tokens from a markup alphabet reach far more parser states than
  // random bytes do.
  RunCase("4 MiB random tag soup (seed 7)", [] {
    static const char* kTokens[] = {
        "<div>", "</div>", "<b>", "</b>", "<i>", "<a href=/x>", "</a>", "<table>", "<td>",
        "<tr>", "</table>", "<p>", "</p>", "<svg>", "</svg>", "<math>", "<select>",
        "<option>", "<template>", "</template>", "<li>", "<frameset>", "<!--", "-->",
        "<script>", "</script>", "<title>", "x", " ", "<form>", "<button>", "<nobr>",
        "<font color=red>", "<iframe src=/f>", "</iframe>", "<textarea>", "<plaintext>"};
    std::mt19937 rng(7);
    std::uniform_int_distribution<size_t> pick(0, std::size(kTokens) - 2);  // no plaintext
    std::string s;
    s.reserve(kCap);
    while (true) {
      const char* t = kTokens[pick(rng)];
      size_t len = std::strlen(t);
      if (s.size() + len > kCap) break;
      s.append(t, len);
    }
    return s;
  });
}

TEST(ExtractorLimits, AllLessThan) {
  RunCase("4 MiB of '<'", [] { return std::string(kCap, '<'); });
}

TEST(ExtractorLimits, UnterminatedComment) {
  Measured m = RunCase("<a> then unterminated <!-- 4 MiB", [] {
    std::string s = "<a href=/before>b</a><!--";
    s.append(kCap - s.size() - 20, 'c');
    s += "<a href=/in>i</a>";
    return s;
  });
  EXPECT_EQ(m.outcome.links, 1u);
  EXPECT_STREQ(m.outcome.first_target, "http://example.com/before");
}

TEST(ExtractorLimits, NulBytes) {
  Measured m = RunCase("NUL bytes in tags and text 4 MiB", [] {
    // NUL in an unquoted attribute value becomes U+FFFD (still a link); in
    // text it is dropped.
    std::string unit("<a href=/x\0y>\0t\0</a>\0\0", 23);
    return RepeatTo(unit);
  });
  EXPECT_GT(m.outcome.links, 0u);
}

TEST(ExtractorLimits, AllNul) {
  RunCase("4 MiB of NUL", [] { return std::string(kCap, '\0'); });
}

// ---------------------------------------------------------------------------
// Markup that the guard's model of the tree may misjudge: raw-text elements
// that are not raw text in the parser's current state, comment ends the
// guard does not know, and end tags the parser ignores.

// Regression (hang, fixed in crawler/src/html_guard.cc). Before the fix: killed by SIGALRM after 120 s. The guard
// skips <noscript> as raw text to its end tag; gumbo (scripting disabled)
// parses its content as markup, so nothing is blanked.
TEST(ExtractorLimits, Guard_NoscriptIsMarkupForGumbo) {
  // gumbo parses with scripting disabled: <noscript> content is markup.
  RunCase("<noscript> + unclosed <div> 4 MiB",
          [] { return "<body><noscript>" + RepeatTo("<div>", kCap - 20); });
}

// Regression (hang, fixed in crawler/src/html_guard.cc). Before the fix: killed by SIGALRM after 120 s. The guard
// skips <title> as RCDATA even inside <svg>, where it is an element whose
// content is parsed as HTML.
TEST(ExtractorLimits, Guard_SvgTitleIsAnIntegrationPoint) {
  // In SVG, <title> is not RCDATA: HTML inside it is parsed.
  RunCase("<svg><title> + unclosed <div> 4 MiB",
          [] { return "<svg><title>" + RepeatTo("<div>", kCap - 20); });
}

// Regression (crash, fixed in crawler/src/html_guard.cc). Before the fix: SIGSEGV after ~830 ms, maxrss 299 MB:
// the guard skips <style> as raw text even inside <svg>; ~1.4M nested <g>
// reach gumbo, whose recursive destroy_node (gumbo_destroy_output)
// overflows the stack (gdb: free <- libgumbo frame repeated).
TEST(ExtractorLimits, Guard_SvgStyleIsMarkup) {
  RunCase("<svg><style> + unclosed <g> 4 MiB",
          [] { return "<svg><style>" + RepeatTo("<g>", kCap - 20); });
}

// Regression (hang, fixed in crawler/src/html_guard.cc). Before the fix: killed by SIGALRM after 120 s. The guard
// ends comments only at "-->"; gumbo also ends them at "--!>", so the guard
// sees one comment and gumbo sees 800k unclosed <div>.
TEST(ExtractorLimits, Guard_CommentClosedByDashDashBang) {
  RunCase("<!----!> + unclosed <div> 4 MiB",
          [] { return "<!----!>" + RepeatTo("<div>", kCap - 20); });
}

// Regression (crash, fixed in crawler/src/html_guard.cc). Before the fix: SIGSEGV after ~720 ms, maxrss 195 MB.
// The guard pops to the <div> on "</div>" across the table; gumbo ignores it
// (no div in scope), nesting 5 deeper per repetition (~750k), then overflows
// the stack in its recursive destroy_node.
TEST(ExtractorLimits, Guard_EndTagIgnoredInsideTableCell) {
  // </div> inside a <td> whose <div> is outside the table is ignored by the
  // parser (not in scope), so the nesting grows by 5 per repetition.
  RunCase("<div><table><tr><td></div> x N",
          [] { return RepeatTo("<div><table><tr><td></div>"); });
}

// Regression (guard cost, fixed in crawler/src/html_guard.cc). Before the fix: 1.58 s here; "</span>" with no span
// open makes PopTo scan the whole 128-entry stack each time.
TEST(ExtractorLimits, Guard_EndTagOfUnopenedElement) {
  RunCase("<div></span> x N (span never open)", [] { return RepeatTo("<div></span>"); });
}

}  // namespace
}  // namespace inlinks::crawler
