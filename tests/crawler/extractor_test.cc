// Extractor rules (crawler/include/inlinks/crawler/extractor.h), one test per
// rule, on hand-written HTML. Where the markup is malformed, the expectation
// is what the HTML Standard's tree builder (and so every browser) produces:
// https://html.spec.whatwg.org/multipage/parsing.html#tree-construction
#include "inlinks/crawler/extractor.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/records.h"
#include "inlinks/core/url.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::crawler {
namespace {

using core::Link;
using core::LinkTag;
using core::Page;
using core::Truncation;
using ::inlinks::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::string_view kPageUrl = "http://example.com/dir/page.html";

core::Url MustParse(std::string_view url) {
  absl::StatusOr<core::Url> u = core::ParseUrl(url);
  EXPECT_TRUE(u.ok()) << url << ": " << u.status();
  return u.ok() ? *u : core::Url();
}

// Extracts `html` as served from `url` with `content_type`; fails the test
// (and returns an empty Page) on an error.
Page Extract(std::string_view html, std::string_view url = kPageUrl,
             std::string_view content_type = "text/html; charset=utf-8",
             const ExtractorOptions& options = {}) {
  absl::StatusOr<Page> page = ExtractPage(html, content_type, MustParse(url), options);
  EXPECT_TRUE(page.ok()) << page.status();
  return page.ok() ? *std::move(page) : Page();
}

std::vector<std::string> Targets(const Page& page) {
  std::vector<std::string> out;
  for (const Link& l : page.links) out.push_back(l.target);
  return out;
}

std::vector<std::string> Anchors(const Page& page) {
  std::vector<std::string> out;
  for (const Link& l : page.links) out.push_back(l.anchor);
  return out;
}

std::vector<LinkTag> Tags(const Page& page) {
  std::vector<LinkTag> out;
  for (const Link& l : page.links) out.push_back(l.tag);
  return out;
}

// Strict UTF-8 validation (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Tags: a, aimg, area, iframe, frame, canonical, meta refresh.

TEST(Extractor, Tag_A) {
  Page p = Extract(R"(<p><a href="/x">X</a></p>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].target, "http://example.com/x");
  EXPECT_EQ(p.links[0].anchor, "X");
  EXPECT_EQ(p.links[0].tag, LinkTag::kA);
  EXPECT_EQ(p.links[0].position, 1u);
  EXPECT_EQ(p.links[0].rel, core::kRelNone);
  EXPECT_TRUE(p.links[0].internal);
}

TEST(Extractor, Tag_AWithoutHrefIsNotALink) {
  Page p = Extract(R"(<a name="top">Top</a><a>plain</a>)");
  EXPECT_THAT(p.links, IsEmpty());
  EXPECT_EQ(p.skipped_hrefs, 0u);
}

TEST(Extractor, Tag_AImg_AnchorIsImgAlt) {
  Page p = Extract(R"(<a href="/p"><img src="i.png" alt=" Alt  text "></a>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].tag, LinkTag::kAImg);
  EXPECT_EQ(p.links[0].anchor, "Alt text");
}

TEST(Extractor, Tag_AImg_OwnTextWinsOverAlt) {
  Page p = Extract(R"(<a href="/p"><img src="i.png" alt="Alt">Own text</a>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].tag, LinkTag::kAImg);
  EXPECT_EQ(p.links[0].anchor, "Own text");
}

TEST(Extractor, Tag_AImg_WithoutAltHasEmptyAnchor) {
  Page p = Extract(R"(<a href="/p"><img src="i.png"></a>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].tag, LinkTag::kAImg);
  EXPECT_EQ(p.links[0].anchor, "");
}

TEST(Extractor, Tag_Area_AnchorIsAlt) {
  Page p = Extract(
      R"(<img usemap="#m" src="map.png"><map name="m">)"
      R"(<area shape="rect" coords="0,0,1,1" href="/north" alt="North &amp; up">)"
      R"(<area shape="rect" coords="1,1,2,2" nohref alt="none"></map>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].tag, LinkTag::kArea);
  EXPECT_EQ(p.links[0].target, "http://example.com/north");
  EXPECT_EQ(p.links[0].anchor, "North & up");
}

TEST(Extractor, Tag_Iframe) {
  Page p = Extract(R"(<iframe src="frame.html">fallback</iframe>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].tag, LinkTag::kIframe);
  EXPECT_EQ(p.links[0].target, "http://example.com/dir/frame.html");
  EXPECT_EQ(p.links[0].anchor, "");
}

TEST(Extractor, Tag_Frame) {
  Page p = Extract(
      R"(<html><head><title>f</title></head>)"
      R"(<frameset cols="50%,50%"><frame src="left.html"><frame src="/right.html"></frameset>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/dir/left.html",
                                      "http://example.com/right.html"));
  EXPECT_THAT(Tags(p), ElementsAre(LinkTag::kFrame, LinkTag::kFrame));
  EXPECT_EQ(p.total_links, 2u);
}

TEST(Extractor, Tag_Canonical_RelTokenList) {
  Page p = Extract(R"(<head><link rel="Canonical foo" href="/canon"></head><body>b</body>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].tag, LinkTag::kCanonical);
  EXPECT_EQ(p.links[0].target, "http://example.com/canon");
  EXPECT_EQ(p.canonical, "http://example.com/canon");
}

TEST(Extractor, Tag_LinkOtherRelIsNotALink) {
  Page p = Extract(
      R"(<head><link rel="stylesheet" href="s.css"><link rel="alternate" href="/feed">)"
      R"(<link rel="canonicalx" href="/c"></head>)");
  EXPECT_THAT(p.links, IsEmpty());
  EXPECT_EQ(p.canonical, "");
}

// https://html.spec.whatwg.org/multipage/semantics.html#shared-declarative-refresh-steps
TEST(Extractor, Html_MetaRefresh_ZeroSemicolonUrl) {
  Page p = Extract(R"(<head><meta http-equiv="refresh" content="0;url=/next"></head>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].tag, LinkTag::kRedirect);
  EXPECT_EQ(p.links[0].target, "http://example.com/next");
}

TEST(Extractor, Html_MetaRefresh_UrlWithQuotes) {
  Page p = Extract(R"(<head><meta http-equiv="Refresh" content="5; URL='other.html'"></head>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].tag, LinkTag::kRedirect);
  EXPECT_EQ(p.links[0].target, "http://example.com/dir/other.html");
}

TEST(Extractor, Html_MetaRefresh_DoubleQuotesAndSpaces) {
  Page p = Extract(
      R"(<head><meta http-equiv="REFRESH" content='3 ; url = "http://other.org/x" '></head>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].target, "http://other.org/x");
}

TEST(Extractor, Html_MetaRefresh_NumberOnlyIsNotALink) {
  Page p = Extract(R"(<head><meta http-equiv="refresh" content="0"></head>)");
  EXPECT_THAT(p.links, IsEmpty());
}

TEST(Extractor, Html_MetaRefresh_UrlWithoutNumberIsNotALink) {
  Page p = Extract(R"(<head><meta http-equiv="refresh" content="url=/next"></head>)");
  EXPECT_THAT(p.links, IsEmpty());
}

TEST(Extractor, Html_MetaRefresh_InBody) {
  // A <meta> in body is still a refresh (browsers honour it there too).
  Page p = Extract(R"(<body><p>x<meta http-equiv="refresh" content="1; url=/b"></body>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/b"));
}

// ---------------------------------------------------------------------------
// Positions.

TEST(Extractor, Positions_DocumentOrderOverAllLinks) {
  Page p = Extract(
      R"(<html><head><link rel=canonical href="/c">)"
      R"(<meta http-equiv=refresh content="9;url=/r"></head><body>)"
      R"(<a href="/a1">one</a><iframe src="/if"></iframe>)"
      R"(<a href="mailto:x@example.com">mail</a>)"
      R"(<map><area href="/ar" alt="ar"></map><a href="/a2"><img alt="two"></a></body></html>)");
  EXPECT_THAT(Targets(p),
              ElementsAre("http://example.com/c", "http://example.com/r",
                          "http://example.com/a1", "http://example.com/if",
                          "http://example.com/ar", "http://example.com/a2"));
  EXPECT_THAT(Tags(p), ElementsAre(LinkTag::kCanonical, LinkTag::kRedirect, LinkTag::kA,
                                   LinkTag::kIframe, LinkTag::kArea, LinkTag::kAImg));
  for (size_t i = 0; i < p.links.size(); ++i) {
    EXPECT_EQ(p.links[i].position, i + 1) << i;
  }
  EXPECT_EQ(p.skipped_hrefs, 1u);
}

// ---------------------------------------------------------------------------
// Base URL. https://html.spec.whatwg.org/multipage/semantics.html#the-base-element

TEST(Extractor, Base_Relative) {
  Page p = Extract(R"(<head><base href="/other/"></head><a href="x.html">x</a>)");
  EXPECT_EQ(p.base, "http://example.com/other/");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/other/x.html"));
}

TEST(Extractor, Base_Absolute) {
  Page p = Extract(
      R"(<head><base href="https://cdn.example.org/b/"><link rel=canonical href="c"></head>)"
      R"(<a href="x.html">x</a><a href="/root">r</a><a href="//h.example.net/p">p</a>)");
  EXPECT_EQ(p.base, "https://cdn.example.org/b/");
  EXPECT_THAT(Targets(p), ElementsAre("https://cdn.example.org/b/c",
                                      "https://cdn.example.org/b/x.html",
                                      "https://cdn.example.org/root",
                                      "https://h.example.net/p"));
  EXPECT_EQ(p.canonical, "https://cdn.example.org/b/c");
}

TEST(Extractor, Base_InvalidIsIgnored) {
  Page p = Extract(R"(<head><base href="http://exa mple.com/"></head><a href="x.html">x</a>)");
  EXPECT_EQ(p.base, kPageUrl);
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/dir/x.html"));
}

TEST(Extractor, Base_NonHttpIsIgnored) {
  Page p = Extract(R"(<head><base href="mailto:a@example.com"></head><a href="x.html">x</a>)");
  EXPECT_EQ(p.base, kPageUrl);
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/dir/x.html"));
}

TEST(Extractor, Base_WithoutHrefIsSkippedForTheNext) {
  Page p = Extract(
      R"(<head><base target="_blank"><base href="/b2/"></head><a href="x">x</a>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/b2/x"));
}

TEST(Extractor, Base_NoBaseMeansPageUrl) {
  Page p = Extract(R"(<a href="../up.html">x</a>)");
  EXPECT_EQ(p.base, kPageUrl);
  EXPECT_EQ(p.url, kPageUrl);
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/up.html"));
}

// ---------------------------------------------------------------------------
// Hrefs that are not links.

TEST(Extractor, NotLinks_CountedInSkippedHrefs) {
  Page p = Extract(
      R"h(<a href="javascript:void(0)">j</a><a href="JavaScript:go()">J</a>)h"
      R"(<a href="mailto:a@example.com">m</a><a href="tel:+15551234">t</a>)"
      R"(<a href="data:text/html,hi">d</a><a href="ftp://ftp.example.com/f">f</a>)"
      R"(<a href="#top">top</a><a href="">empty</a><a href="  ">blank</a>)"
      R"(<area href="#x" alt="x"><iframe src="about:blank"></iframe>)"
      R"(<a href="/real">real</a>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/real"));
  EXPECT_EQ(p.skipped_hrefs, 11u);
  EXPECT_EQ(p.links[0].position, 1u);
  EXPECT_EQ(p.total_links, 1u);
}

TEST(Extractor, NotLinks_FragmentOfOtherPageIsALink) {
  Page p = Extract(R"(<a href="other.html#sec">o</a><a href="/#">r</a>)");
  // Fragments are dropped by normalization.
  EXPECT_THAT(Targets(p),
              ElementsAre("http://example.com/dir/other.html", "http://example.com/"));
}

// ---------------------------------------------------------------------------
// Anchor text.

TEST(Extractor, Anchor_EntitiesDecoded) {
  Page p = Extract(R"(<a href="/x">Tom &amp; Jerry &raquo;&nbsp;more &lt;3 &#x41;&#66;</a>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "Tom & Jerry \u00BB more <3 AB");
}

TEST(Extractor, Anchor_WhitespaceCollapsed) {
  Page p = Extract("<a href=\"/x\">\n\t  Hello \r\n  <b>big</b>\t\tworld  \n</a>");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "Hello big world");
}

TEST(Extractor, Anchor_ScriptAndStyleExcluded) {
  Page p = Extract(
      R"(<a href="/x">a<script>var s = "no";</script><style>p{color:red}</style>b</a>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "ab");
}

TEST(Extractor, Anchor_BrSeparatesWords) {
  Page p = Extract(R"(<a href="/x">first<br>second<br/>third</a>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "first second third");
}

TEST(Extractor, Anchor_InlineElementsDoNotSeparate) {
  Page p = Extract(R"(<a href="/x">un<b>believ</b><i>able</i></a>)");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "unbelievable");
}

TEST(Extractor, Anchor_CapAsciiExact) {
  std::string text(1500, 'x');
  Page p = Extract("<a href=\"/x\">" + text + "</a>");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, std::string(1000, 'x'));
}

TEST(Extractor, Anchor_CapCutsOnUtf8Boundary_TwoByte) {
  // 999 ASCII bytes then U+00E9 (2 bytes) straddles the 1000-byte cap.
  std::string text = std::string(999, 'x') + "\u00E9\u00E9";
  Page p = Extract("<a href=\"/x\">" + text + "</a>");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, std::string(999, 'x'));
  EXPECT_TRUE(IsValidUtf8(p.links[0].anchor));
}

TEST(Extractor, Anchor_CapCutsOnUtf8Boundary_ThreeByte) {
  // 998 ASCII bytes then U+20AC (E2 82 AC) over bytes 999..1001.
  std::string text = std::string(998, 'x') + "\u20AC";
  Page p = Extract("<a href=\"/x\">" + text + "</a>");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, std::string(998, 'x'));
  EXPECT_TRUE(IsValidUtf8(p.links[0].anchor));
}

TEST(Extractor, Anchor_CapCutsOnUtf8Boundary_FourByte) {
  // "a" then 300 x U+1F600 (4 bytes each): the 250th emoji straddles the cap.
  std::string text = "a";
  for (int i = 0; i < 300; ++i) text += "\U0001F600";
  Page p = Extract("<a href=\"/x\">" + text + "</a>");
  ASSERT_EQ(p.links.size(), 1u);
  const std::string& a = p.links[0].anchor;
  EXPECT_TRUE(IsValidUtf8(a));
  EXPECT_LE(a.size(), 1000u);
  EXPECT_EQ(a.size(), 997u);  // "a" + 249 emoji
  EXPECT_EQ(a, text.substr(0, 997));
}

TEST(Extractor, Anchor_CapOnManyWordsOfMultibyteText) {
  // Words of 3-byte characters separated by spaces; whatever falls on the
  // cap, the result is valid UTF-8, <= cap, and a prefix of the input.
  for (size_t shift = 0; shift < 4; ++shift) {
    std::string text(shift, 'y');
    while (text.size() < 3000) text += "\u65E5\u672C\u8A9E ";
    Page p = Extract("<a href=\"/x\">" + text + "</a>");
    ASSERT_EQ(p.links.size(), 1u);
    const std::string& a = p.links[0].anchor;
    EXPECT_TRUE(IsValidUtf8(a)) << shift;
    EXPECT_LE(a.size(), 1000u) << shift;
    EXPECT_GE(a.size(), 995u) << shift;
    EXPECT_EQ(text.compare(0, a.size(), a), 0) << shift;
  }
}

TEST(Extractor, Anchor_CapFromOptions) {
  ExtractorOptions options;
  options.max_anchor_bytes = 5;
  Page p = Extract("<a href=\"/x\">abc\u00E9\u00E9</a>", kPageUrl, "text/html; charset=utf-8",
                   options);
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "abc\u00E9");
}

TEST(Extractor, Anchor_ImgAltCapped) {
  std::string alt = std::string(999, 'x') + "\u00E9";
  Page p = Extract("<a href=\"/x\"><img alt=\"" + alt + "\"></a>");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, std::string(999, 'x'));
}

// ---------------------------------------------------------------------------
// rel. https://html.spec.whatwg.org/multipage/links.html#linkTypes

TEST(Extractor, Rel_CaseInsensitiveTokens) {
  Page p = Extract(
      "<a href=/1 rel=\"NoFollow ugc\">1</a>"
      "<a href=/2 rel=\"sponsored\tnofollow\">2</a>"
      "<a href=/3 rel=\"nofollowx\">3</a>"
      "<a href=/4 rel=\"  SPONSORED\n\">4</a>"
      "<a href=/5 rel=\"noopener noreferrer\">5</a>"
      "<area href=/6 rel=\"nofollow\" alt=6>");
  ASSERT_EQ(p.links.size(), 6u);
  EXPECT_EQ(p.links[0].rel, core::kRelNofollow | core::kRelUgc);
  EXPECT_EQ(p.links[1].rel, core::kRelSponsored | core::kRelNofollow);
  EXPECT_EQ(p.links[2].rel, core::kRelNone);
  EXPECT_EQ(p.links[3].rel, core::kRelSponsored);
  EXPECT_EQ(p.links[4].rel, core::kRelNone);
  EXPECT_EQ(p.links[5].rel, core::kRelNofollow);
  EXPECT_FALSE(p.robots_nofollow);
}

// https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag
TEST(Extractor, MetaRobots_NofollowMakesEveryLinkNofollow) {
  Page p = Extract(
      R"(<head><meta name="ROBOTS" content="index, NoFollow"></head>)"
      R"(<a href=/1>1</a><a href=/2 rel=ugc>2</a><iframe src=/3></iframe>)");
  EXPECT_TRUE(p.robots_nofollow);
  EXPECT_FALSE(p.robots_noindex);
  EXPECT_EQ(p.meta_robots, "index, NoFollow");
  ASSERT_EQ(p.links.size(), 3u);
  for (const Link& l : p.links) EXPECT_TRUE(l.nofollow()) << l.target;
  EXPECT_TRUE(p.links[1].ugc());
}

TEST(Extractor, MetaRobots_NoneIsNoindexNofollow) {
  Page p = Extract(R"(<head><meta name="robots" content="none"></head><a href=/1>1</a>)");
  EXPECT_TRUE(p.robots_nofollow);
  EXPECT_TRUE(p.robots_noindex);
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_TRUE(p.links[0].nofollow());
}

TEST(Extractor, MetaRobots_NoindexOnly) {
  Page p = Extract(R"(<head><meta name="robots" content="noindex"></head><a href=/1>1</a>)");
  EXPECT_TRUE(p.robots_noindex);
  EXPECT_FALSE(p.robots_nofollow);
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_FALSE(p.links[0].nofollow());
}

TEST(Extractor, MetaRobots_OtherNameIgnored) {
  Page p = Extract(R"(<head><meta name="description" content="nofollow"></head><a href=/1>1</a>)");
  EXPECT_FALSE(p.robots_nofollow);
  EXPECT_EQ(p.meta_robots, "");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_FALSE(p.links[0].nofollow());
}

// ---------------------------------------------------------------------------
// Internal/external by registrable domain, and the counts.

TEST(Extractor, Internal_SameRegistrableDomain) {
  Page p = Extract(
      R"(<a href="http://blog.example.com/">b</a><a href="https://example.com/s">s</a>)"
      R"(<a href="http://example.org/">o</a><a href="http://notexample.com/">n</a>)",
      "http://www.example.com/");
  ASSERT_EQ(p.links.size(), 4u);
  EXPECT_TRUE(p.links[0].internal);
  EXPECT_TRUE(p.links[1].internal);
  EXPECT_FALSE(p.links[2].internal);
  EXPECT_FALSE(p.links[3].internal);
  EXPECT_EQ(p.internal_links, 2u);
  EXPECT_EQ(p.external_links, 2u);
  EXPECT_EQ(p.total_links, 4u);
}

TEST(Extractor, Internal_MultiLabelPublicSuffix) {
  Page p = Extract(
      R"(<a href="http://other.co.uk/">o</a><a href="http://www.example.co.uk/w">w</a>)"
      R"(<a href="http://co.uk/">c</a>)",
      "http://example.co.uk/");
  ASSERT_EQ(p.links.size(), 3u);
  EXPECT_FALSE(p.links[0].internal);
  EXPECT_TRUE(p.links[1].internal);
  EXPECT_FALSE(p.links[2].internal);
}

TEST(Extractor, Internal_PrivatePublicSuffix) {
  // blogspot.com is in the PSL's private section: each blog is its own site.
  Page p = Extract(
      R"(<a href="http://bar.blogspot.com/">bar</a><a href="http://foo.blogspot.com/p">foo</a>)",
      "http://foo.blogspot.com/");
  ASSERT_EQ(p.links.size(), 2u);
  EXPECT_FALSE(p.links[0].internal);
  EXPECT_TRUE(p.links[1].internal);
}

TEST(Extractor, Counts_ExcludeCanonicalAndRedirect) {
  Page p = Extract(
      R"(<head><link rel=canonical href="http://other.org/c">)"
      R"(<meta http-equiv=refresh content="0; url=http://other.org/r"></head>)"
      R"(<a href="/1">1</a><a href="http://sub.example.com/2">2</a>)"
      R"(<iframe src="http://other.org/f"></iframe>)");
  EXPECT_EQ(p.links.size(), 5u);
  EXPECT_EQ(p.total_links, 3u);
  EXPECT_EQ(p.internal_links, 2u);
  EXPECT_EQ(p.external_links, 1u);
}

// ---------------------------------------------------------------------------
// Title. https://html.spec.whatwg.org/multipage/dom.html#document.title

TEST(Extractor, Title_EntitiesAndWhitespace) {
  Page p = Extract("<head><title>\n  Home &raquo;\t News &amp;&nbsp;More  </title></head>");
  EXPECT_EQ(p.title, "Home \u00BB News & More");
}

TEST(Extractor, Title_FirstOnly) {
  Page p = Extract("<head><title>First</title><title>Second</title></head><body>"
                   "<title>Third</title></body>");
  EXPECT_EQ(p.title, "First");
}

TEST(Extractor, Title_SvgTitleIgnored) {
  Page p = Extract("<body><svg><title>Svg title</title></svg><p>x</p></body>");
  EXPECT_EQ(p.title, "");
  Page q = Extract("<body><svg><title>Svg title</title></svg><title>Html</title></body>");
  EXPECT_EQ(q.title, "Html");
}

TEST(Extractor, Title_MarkupInsideIsText) {
  // <title> is RCDATA: tags inside it are text.
  Page p = Extract("<title>a <b>bold</b> &lt;</title>");
  EXPECT_EQ(p.title, "a <b>bold</b> <");
  EXPECT_THAT(p.links, IsEmpty());
}

TEST(Extractor, Title_Capped) {
  std::string title = std::string(999, 't') + "\u00FC";
  Page p = Extract("<title>" + title + "</title>");
  EXPECT_EQ(p.title, std::string(999, 't'));
}

// ---------------------------------------------------------------------------
// Nested and misnested anchors: the adoption agency algorithm.
// https://html.spec.whatwg.org/multipage/parsing.html#adoption-agency-algorithm

TEST(Extractor, Html_AdoptionAgency_AInsideAClosesFirst) {
  // Browsers: <a href=1>x</a><a href=2>y</a>.
  Page p = Extract(R"(<a href="/1">x<a href="/2">y</a>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/1", "http://example.com/2"));
  EXPECT_THAT(Anchors(p), ElementsAre("x", "y"));
}

TEST(Extractor, Html_AdoptionAgency_AInsideDivInsideA) {
  // Browsers (html5lib tests1.dat "<a><p><a></a></p></a>"):
  //   <a href=1></a><div><a href=1></a><a href=2>z</a></div>
  // The first <a> is cloned into the div, so /1 appears twice.
  Page p = Extract(R"(<a href="/1"><div><a href="/2">z</a></div></a>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/1", "http://example.com/1",
                                      "http://example.com/2"));
  EXPECT_THAT(Anchors(p), ElementsAre("", "", "z"));
}

TEST(Extractor, Html_AdoptionAgency_MisnestedBAndA) {
  // Browsers: <b><a href=1>x</a></b><a href=1>y</a>.
  Page p = Extract(R"(<b><a href="/1">x</b>y</a>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/1", "http://example.com/1"));
  EXPECT_THAT(Anchors(p), ElementsAre("x", "y"));
}

TEST(Extractor, Html_AInSvgIsForeign) {
  Page p = Extract(R"(<svg><a href="/svg-a">s</a></svg><a href="/html-a">h</a>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/html-a"));
}

TEST(Extractor, Html_TemplateContentIsInert) {
  Page p = Extract(R"(<template><a href="/t">t</a></template><a href="/r">r</a>)");
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/r"));
}

// ---------------------------------------------------------------------------
// Character encodings through the extractor (charset.h precedence).

TEST(Extractor, Charset_Latin1FromContentTypeHeader) {
  std::string html = "<title>Gr\xFC\xDF" "e</title><a href=\"/x\">\xE4\xF6\xFC</a>";
  Page p = Extract(html, kPageUrl, "text/html; charset=ISO-8859-1");
  EXPECT_EQ(p.title, "Gr\u00FC\u00DF" "e");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "\u00E4\u00F6\u00FC");
  EXPECT_EQ(p.encoding, "windows-1252");  // WHATWG: iso-8859-1 is windows-1252
}

TEST(Extractor, Charset_Latin1FromMetaCharset) {
  std::string html =
      "<html><head><meta charset=\"iso-8859-1\"><title>\xC4rger</title></head>"
      "<body><a href=\"/x\">K\xE4se \xF6l \xFC" "ber</a></body></html>";
  Page p = Extract(html, kPageUrl, "text/html");
  EXPECT_EQ(p.title, "\u00C4rger");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "K\u00E4se \u00F6l \u00FC" "ber");
  EXPECT_EQ(p.encoding, "windows-1252");
}

TEST(Extractor, Charset_Windows1252WithoutDeclaration) {
  std::string html =
      "<title>Pr\xE4sent \x80 5</title><a href=\"/x\">M\xFC" "nze \x80\x93" "10</a>";  // 0x93 is U+201C
  Page p = Extract(html, kPageUrl, "text/html");
  EXPECT_EQ(p.title, "Pr\u00E4sent \u20AC 5");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "M\u00FC" "nze \u20AC\u201C" "10");
  EXPECT_TRUE(IsValidUtf8(p.links[0].anchor));
  EXPECT_EQ(p.encoding, "windows-1252");
}

TEST(Extractor, Charset_HeaderWinsOverMeta) {
  std::string html = "<meta charset=\"iso-8859-1\"><title>\u00E4</title>";
  Page p = Extract(html, kPageUrl, "text/html; charset=utf-8");
  EXPECT_EQ(p.title, "\u00E4");
  EXPECT_EQ(p.encoding, "UTF-8");
}

TEST(Extractor, Charset_InvalidUtf8BecomesReplacementCharacter) {
  Page p = Extract("<a href=\"/x\">a\xFF" "b</a>", kPageUrl, "text/html; charset=utf-8");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].anchor, "a\uFFFD" "b");
}

// ---------------------------------------------------------------------------
// Content type.

TEST(Extractor, ContentType_NonHtmlIsInvalidArgument) {
  core::Url url = MustParse(kPageUrl);
  EXPECT_THAT(ExtractPage("<a href=/x>x</a>", "image/png", url),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ExtractPage("<a href=/x>x</a>", "application/json; charset=utf-8", url),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Extractor, ContentType_HtmlVariantsAccepted) {
  core::Url url = MustParse(kPageUrl);
  for (std::string_view ct : {"", "text/html", "TEXT/HTML; charset=UTF-8",
                              " text/html ;charset=x", "application/xhtml+xml"}) {
    absl::StatusOr<Page> p = ExtractPage("<a href=/x>x</a>", ct, url);
    ASSERT_TRUE(p.ok()) << "'" << ct << "': " << p.status();
    EXPECT_EQ(p->links.size(), 1u) << ct;
  }
  EXPECT_TRUE(IsHtmlContentType(""));
  EXPECT_FALSE(IsHtmlContentType("image/png"));
  EXPECT_FALSE(IsHtmlContentType("text/plain"));
}

// ---------------------------------------------------------------------------
// Guards.

TEST(Extractor, Guard_MaxLinksTruncates) {
  ExtractorOptions options;
  options.max_links = 3;
  Page p = Extract("<a href=/1>1</a><a href=/2>2</a><a href=/3>3</a><a href=/4>4</a>"
                   "<a href=/5>5</a>",
                   kPageUrl, "text/html", options);
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/1", "http://example.com/2",
                                      "http://example.com/3"));
  EXPECT_EQ(p.truncation, Truncation::kLinkCount);
  EXPECT_EQ(p.total_links, 3u);
}

TEST(Extractor, Guard_ExactlyMaxLinksIsNotTruncated) {
  ExtractorOptions options;
  options.max_links = 3;
  Page p = Extract("<a href=/1>1</a><a href=/2>2</a><a href=/3>3</a>", kPageUrl, "text/html",
                   options);
  EXPECT_EQ(p.links.size(), 3u);
  EXPECT_EQ(p.truncation, Truncation::kNone);
}

TEST(Extractor, Guard_MaxBodyBytesTruncates) {
  ExtractorOptions options;
  options.max_body_bytes = 40;
  std::string html = "<a href=/1>1</a><a href=/2>2</a>";  // 32 bytes
  html += "<a href=/3>3</a><a href=/4>4</a>";
  Page p = Extract(html, kPageUrl, "text/html", options);
  EXPECT_EQ(p.truncation, Truncation::kInputSize);
  // Bytes 32..39 are "<a href=": a start tag cut short is dropped.
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/1", "http://example.com/2"));
}

TEST(Extractor, Guard_BodyAtCapIsNotTruncated) {
  ExtractorOptions options;
  std::string html = "<a href=/1>1</a>";
  options.max_body_bytes = html.size();
  Page p = Extract(html, kPageUrl, "text/html", options);
  EXPECT_EQ(p.truncation, Truncation::kNone);
  EXPECT_EQ(p.links.size(), 1u);
}

TEST(Extractor, Guard_DeepNestingFlagsAndKeepsLinks) {
  std::string html;
  for (int i = 0; i < 1000; ++i) html += "<div>";
  html += "<a href=/deep>deep</a>";
  for (int i = 0; i < 1000; ++i) html += "</div>";
  html += "<a href=/after>after</a>";
  Page p = Extract(html);
  EXPECT_EQ(p.truncation, Truncation::kNesting);
  EXPECT_THAT(Targets(p), ElementsAre("http://example.com/deep", "http://example.com/after"));
  EXPECT_THAT(Anchors(p), ElementsAre("deep", "after"));
}

TEST(Extractor, Guard_NormalPageNotFlagged) {
  Page p = Extract("<html><head><title>t</title></head><body><div><ul><li><a href=/1>1</a>"
                   "</li></ul></div></body></html>");
  EXPECT_EQ(p.truncation, Truncation::kNone);
}

}  // namespace
}  // namespace inlinks::crawler

namespace inlinks::crawler {
namespace {

// Ordinary valid markup with omitted end tags must not look deep to the
// guard: nothing blanked, and script/textarea content never becomes links
// (review finding: rows without </tr>, </table> with a cell open, <font> in
// cells used to exhaust the depth and formatting caps).
TEST(Extractor, Guard_OrdinaryTablesWithOmittedEndTagsAreNotTruncated) {
  std::string html = "<!doctype html><title>t</title><body>";
  html += "<table>";
  for (int r = 0; r < 400; ++r) {
    html += "<tr><td><font face=Arial>cell " + std::to_string(r) + "</font><td><b>x</b>";
  }
  html += "</table>";
  for (int t = 0; t < 200; ++t) html += "<table><tr><td><font color=red>x</table>";
  for (int l = 0; l < 300; ++l) html += "<ul><li>one<li>two<li><p>three</ul>";
  html += "<script>var s = '<a href=\"/from-script\">';</script>";
  html += "<textarea><a href=\"https://embed.example/\">embed</a></textarea>";
  html += "<a href=\"/real\">real</a>";
  auto url = core::ParseUrl("https://site.example/").value();
  absl::StatusOr<core::Page> page = ExtractPage(html, "text/html", url);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->truncation, core::Truncation::kNone);
  ASSERT_EQ(page->links.size(), 1u);
  EXPECT_EQ(page->links[0].target, "https://site.example/real");
}

}  // namespace
}  // namespace inlinks::crawler
