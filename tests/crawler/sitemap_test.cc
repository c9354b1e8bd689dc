// Tests for inlinks/crawler/sitemap.h: every crawler-commons sitemap input
// (expectations written here from sitemaps.org and by reading each file),
// hand-written XML/text cases, limits, garbage, and bounded time.
#include "inlinks/crawler/sitemap.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tests/testing/testdata.h"

namespace inlinks::crawler {
namespace {

using Kind = Sitemap::Kind;
using ::inlinks::testing::ReadFileBytes;
using ::inlinks::testing::TestdataPath;

constexpr std::string_view kDir = "sitemaps/crawler-commons/";

// Inflates gzip or zlib (window bits 15 + 32: auto-detect the header).
std::optional<std::string> Inflate(std::string_view in) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[4096];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return std::nullopt;
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

std::string ReadTestFile(std::string_view name) {
  std::optional<std::string> bytes =
      ReadFileBytes(TestdataPath(std::string(kDir) + std::string(name)));
  EXPECT_TRUE(bytes.has_value()) << name;
  if (!bytes) return {};
  if (name.ends_with(".gz")) {
    std::optional<std::string> plain = Inflate(*bytes);
    EXPECT_TRUE(plain.has_value()) << name;
    return plain.value_or("");
  }
  return *bytes;
}

std::vector<std::string> Locs(const std::vector<SitemapEntry>& entries) {
  std::vector<std::string> out;
  for (const SitemapEntry& e : entries) out.push_back(e.loc);
  return out;
}

// ---- crawler-commons files -------------------------------------------------

TEST(SitemapTestdataTest, XmlSitemapGz) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/xmlSitemap.gz");
  Sitemap s = ParseSitemap(ReadTestFile("xmlSitemap.gz"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  ASSERT_EQ(s.urls.size(), 5u);
  EXPECT_TRUE(s.sitemaps.empty());
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_FALSE(s.truncated);
  EXPECT_EQ(s.urls[0].loc, "http://www.example.com/");
  EXPECT_EQ(s.urls[0].lastmod, "2005-01-01");
  EXPECT_EQ(s.urls[1].loc, "http://www.example.com/catalog?item=12&desc=vacation_hawaii");
  EXPECT_EQ(s.urls[1].lastmod, "");
  EXPECT_EQ(s.urls[3].lastmod, "2004-12-23T18:00:15+00:00");
  EXPECT_EQ(s.urls[4].loc, "http://www.example.com/catalog?item=83&desc=vacation_usa");
  EXPECT_EQ(s.urls[4].lastmod, "2004-11-23");
}

TEST(SitemapTestdataTest, TextSitemap) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/sitemap.txt");
  Sitemap s = ParseSitemap(ReadTestFile("sitemap.txt"));
  EXPECT_EQ(s.kind, Kind::kText);
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://www.domain.com/page1.html",
                                                     "http://www.domain.com/page2.html"}));
  EXPECT_EQ(s.urls[1].lastmod, "");
}

TEST(SitemapTestdataTest, TextSitemapGz) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/sitemap.txt.gz");
  Sitemap gz = ParseSitemap(ReadTestFile("sitemap.txt.gz"));
  EXPECT_EQ(gz.kind, Kind::kText);
  EXPECT_EQ(gz.skipped, 0u);
  ASSERT_EQ(gz.urls.size(), 5u);
  EXPECT_EQ(gz.urls.front().loc, "http://www.example.com/");
  EXPECT_EQ(gz.urls[1].loc, "http://www.example.com/catalog?item=12&desc=vacation_hawaii");
  EXPECT_EQ(gz.urls.back().loc, "http://www.example.com/catalog?item=83&desc=vacation_usa");
  // The same five pages as xmlSitemap.gz, in the same order.
  Sitemap xml = ParseSitemap(ReadTestFile("xmlSitemap.gz"));
  EXPECT_EQ(Locs(gz.urls), Locs(xml.urls));
}

TEST(SitemapTestdataTest, TextSitemapWithBom) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/sitemap-with-bom.txt");
  Sitemap s = ParseSitemap(ReadTestFile("sitemap-with-bom.txt"));
  EXPECT_EQ(s.kind, Kind::kText);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://www.domain.com/page1.html",
                                                     "http://www.domain.com/page2.html"}));
}

TEST(SitemapTestdataTest, DoNotVisitIsOneLineTextWithoutNewline) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/do-not-visit.txt");
  Sitemap s = ParseSitemap(ReadTestFile("do-not-visit.txt"));
  EXPECT_EQ(s.kind, Kind::kText);
  EXPECT_EQ(Locs(s.urls),
            (std::vector<std::string>{"http://www.example.com/do-not-visit-here"}));
}

TEST(SitemapTestdataTest, WrongNamespaceIsStillRead) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/sitemap.badns.xml");
  Sitemap s = ParseSitemap(ReadTestFile("sitemap.badns.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  // The second <loc> has the URL on its own line: trimmed.
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://www.example.com/1",
                                                     "http://www.example.com/2"}));
}

TEST(SitemapTestdataTest, PrefixedNamespace) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/sitemap.ns.xml");
  Sitemap s = ParseSitemap(ReadTestFile("sitemap.ns.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://www.example.com/1",
                                                     "http://www.example.com/2"}));
}

TEST(SitemapTestdataTest, IndexWithoutLocElements) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/sitemap.index.xml");
  Sitemap s = ParseSitemap(ReadTestFile("sitemap.index.xml"));
  EXPECT_EQ(s.kind, Kind::kIndex);
  EXPECT_TRUE(s.urls.empty());
  ASSERT_EQ(s.sitemaps.size(), 15u);  // leniency: text directly in <sitemap>
  EXPECT_EQ(s.sitemaps.front().loc, "https://example.com/sitemap.jss?portalCode=10260&lang=en");
  EXPECT_EQ(s.sitemaps[1].loc, "https://example.com/sitemap.jss?portalCode=2&lang=en");
  EXPECT_EQ(s.sitemaps.back().loc, "https://example.com/sitemap.jss?portalCode=10570&lang=en");
  EXPECT_EQ(s.skipped, 0u);
}

TEST(SitemapTestdataTest, AtomFeed) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/atom.xml");
  Sitemap s = ParseSitemap(ReadTestFile("atom.xml"));
  EXPECT_EQ(s.kind, Kind::kFeed);
  // Feed-level links (self, site) are not entries; the entry's first
  // alternate link (no rel) wins over the later rel=alternate and rel=edit.
  ASSERT_EQ(s.urls.size(), 1u);
  EXPECT_EQ(s.urls[0].loc, "http://example.org/2003/12/13/atom03");
  EXPECT_EQ(s.urls[0].lastmod, "2003-12-13T18:30:02Z");
}

TEST(SitemapTestdataTest, ExtensionImages) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/extension/sitemap-images.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/sitemap-images.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{
                              "http://www.example.com/images/some_image_landing_page.html"}));
}

TEST(SitemapTestdataTest, ExtensionVideos) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/extension/sitemap-videos.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/sitemap-videos.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_EQ(Locs(s.urls),
            (std::vector<std::string>{
                "http://www.example.com/videos/some_video_landing_page.html",
                "http://www.example.com/videos/some_video_landing_page-2.html",
                "http://www.example.com/videos/some_video_landing_page-3.html"}));
}

TEST(SitemapTestdataTest, ExtensionVideoTvShowLocAfterVideo) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/extension/sitemap-videos-tvshow.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/sitemap-videos-tvshow.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_EQ(Locs(s.urls),
            (std::vector<std::string>{"https://example.org/my-tv-show/23/13/"}));
}

TEST(SitemapTestdataTest, ExtensionNews) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/extension/sitemap-news.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/sitemap-news.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_EQ(Locs(s.urls),
            (std::vector<std::string>{"http://www.example.org/business/article55.html",
                                      "http://www.example.org/empty_news_name.html"}));
}

TEST(SitemapTestdataTest, ExtensionHreflangLinks) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/extension/sitemap-links.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/sitemap-links.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://www.example.com/english/",
                                                     "http://www.example.com/deutsch/",
                                                     "http://www.example.com/schweiz-deutsch/"}));
}

TEST(SitemapTestdataTest, ExtensionMobile) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/extension/sitemap-mobile.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/sitemap-mobile.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://www.example.com/mobile-friendly-1/",
                                                     "http://www.example.com/mobile-friendly-2/",
                                                     "http://www.example.com/no-mobile/"}));
}

TEST(SitemapTestdataTest, ExtensionPageMap) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/extension/pagemaps-sitemap.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/pagemaps-sitemap.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://www.example.com/foo",
                                                     "http://www.example.com/bar"}));
}

TEST(SitemapTestdataTest, ExtensionWordpressNews) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/extension/shinpaideshou-news-sitemap.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/shinpaideshou-news-sitemap.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  ASSERT_EQ(s.urls.size(), 3u);
  EXPECT_EQ(s.urls.front().loc,
            "https://shinpaideshou.wordpress.com/2017/04/25/"
            "job-opening-reischauer-policy-research-fellow/");
  EXPECT_EQ(s.urls.back().loc,
            "https://shinpaideshou.wordpress.com/2017/04/24/"
            "job-opening-lecturer-in-japanese-studies-university-of-leeds/");
}

TEST(SitemapTestdataTest, ExtensionNewspaperImagesAndVideos) {
  INLINKS_REQUIRE_TESTDATA(
      "sitemaps/crawler-commons/extension/hebdenbridgetimes-articles-sitemap.xml");
  Sitemap s = ParseSitemap(ReadTestFile("extension/hebdenbridgetimes-articles-sitemap.xml"));
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  ASSERT_EQ(s.urls.size(), 74u);  // 74 <url>, each with one page <loc>
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_EQ(s.urls.front().loc,
            "http://www.hebdenbridgetimes.co.uk/news/local/"
            "video-tour-de-yorkshire-in-calderdale-1-7242580");
  EXPECT_EQ(s.urls.front().lastmod, "2015-05-03T18:51:50+01:00");
  EXPECT_EQ(s.urls.back().loc,
            "http://www.hebdenbridgetimes.co.uk/news/local/"
            "now-you-see-it-now-you-don-t-it-s-off-the-wall-1-7229940");
  EXPECT_EQ(s.urls.back().lastmod, "2015-04-26T17:47:55+01:00");
  for (const SitemapEntry& e : s.urls) {
    EXPECT_EQ(e.loc.find("webimage"), std::string::npos) << e.loc;
    EXPECT_EQ(e.loc.find("brightcove"), std::string::npos) << e.loc;
  }
}

TEST(SitemapTestdataTest, EveryFileEveryPrefixWithoutCrash) {
  INLINKS_REQUIRE_TESTDATA("sitemaps/crawler-commons/sitemap.txt");
  for (std::string_view name :
       {"atom.xml", "sitemap.badns.xml", "sitemap.index.xml", "sitemap.ns.xml",
        "extension/sitemap-videos.xml", "extension/sitemap-links.xml"}) {
    std::string body = ReadTestFile(name);
    for (size_t n = 0; n <= body.size(); ++n) {
      Sitemap s = ParseSitemap(std::string_view(body).substr(0, n));
      EXPECT_LE(s.urls.size() + s.sitemaps.size(), 20u);
    }
  }
}

// ---- hand-written XML ------------------------------------------------------

TEST(SitemapTest, EntitiesAndCharacterReferences) {
  Sitemap s = ParseSitemap(
      "<urlset><url><loc>http://a/?x=1&amp;y=2&#38;z=3&#x26;w=&lt;&gt;&quot;&apos;"
      "&#xE9;&#233;</loc></url></urlset>");
  ASSERT_EQ(s.urls.size(), 1u);
  EXPECT_EQ(s.urls[0].loc, "http://a/?x=1&y=2&z=3&w=<>\"'\xC3\xA9\xC3\xA9");
}

TEST(SitemapTest, UnknownAndInvalidReferencesKeptAsWritten) {
  Sitemap s = ParseSitemap(
      "<urlset><url><loc>http://a/?a=&nbsp;&b&#0;&#xD800;&#x110000;&#;&</loc></url>"
      "</urlset>");
  ASSERT_EQ(s.urls.size(), 1u);
  EXPECT_EQ(s.urls[0].loc, "http://a/?a=&nbsp;&b&#0;&#xD800;&#x110000;&#;&");
}

TEST(SitemapTest, CdataCommentsPiDoctype) {
  Sitemap s = ParseSitemap(
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE urlset [ <!ENTITY x \"<url>\"> ]>\n"
      "<!-- <url><loc>http://comment/</loc></url> -->\n"
      "<urlset>\n"
      " <url><loc><![CDATA[http://a/?x=1&amp;y=<2>]]></loc></url>\n"
      " <url><loc>http://b/<!-- c --></loc><?pi x?></url>\n"
      " <url><loc> <![CDATA[http://c/]]> </loc><lastmod> 2020-01-01 </lastmod></url>\n"
      "</urlset>");
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  ASSERT_EQ(s.urls.size(), 3u);
  EXPECT_EQ(s.urls[0].loc, "http://a/?x=1&amp;y=<2>");  // CDATA is not decoded
  EXPECT_EQ(s.urls[1].loc, "http://b/");
  EXPECT_EQ(s.urls[2].loc, "http://c/");
  EXPECT_EQ(s.urls[2].lastmod, "2020-01-01");
}

TEST(SitemapTest, AnyPrefixAndCase) {
  Sitemap s = ParseSitemap(
      "<ns:sitemapindex xmlns:ns='x'><ns:sitemap><a:loc>http://a/s1.xml</a:loc>"
      "<ns:lastmod>2021</ns:lastmod></ns:sitemap><SITEMAP><LOC>http://a/s2.xml</LOC>"
      "</sitemap></ns:sitemapindex>");
  EXPECT_EQ(s.kind, Kind::kIndex);
  EXPECT_TRUE(s.urls.empty());
  ASSERT_EQ(s.sitemaps.size(), 2u);
  EXPECT_EQ(s.sitemaps[0].loc, "http://a/s1.xml");
  EXPECT_EQ(s.sitemaps[0].lastmod, "2021");
  EXPECT_EQ(s.sitemaps[1].loc, "http://a/s2.xml");
}

TEST(SitemapTest, OnlyDirectLocOfUrlCounts) {
  Sitemap s = ParseSitemap(
      "<urlset><loc>http://root-level/</loc>"
      "<url><image:image><image:loc>http://img/</image:loc></image:image>"
      "<x><loc>http://nested/</loc></x><loc>http://page/</loc>"
      "<loc>http://second/</loc></url>"
      "<group><url><loc>http://deeper-url/</loc></url></group></urlset>");
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://page/"}));
}

TEST(SitemapTest, EmptyOrMissingLocIsSkipped) {
  Sitemap s = ParseSitemap(
      "<urlset><url><loc>  </loc></url><url><lastmod>1</lastmod></url>"
      "<url/><url><loc>http://ok/</loc></url></urlset>");
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://ok/"}));
  EXPECT_EQ(s.skipped, 3u);
}

TEST(SitemapTest, RssFeed) {
  Sitemap s = ParseSitemap(
      "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
      "<link>http://site/</link>"
      "<item><title>a</title><link>http://site/a</link>"
      "<pubDate>Sun, 19 May 2002 15:21:36 GMT</pubDate></item>"
      "<item><link> http://site/b?x=1&amp;y=2 </link></item>"
      "<item><title>no link</title></item>"
      "</channel></rss>");
  EXPECT_EQ(s.kind, Kind::kFeed);
  ASSERT_EQ(s.urls.size(), 2u);
  EXPECT_EQ(s.urls[0].loc, "http://site/a");
  EXPECT_EQ(s.urls[0].lastmod, "Sun, 19 May 2002 15:21:36 GMT");
  EXPECT_EQ(s.urls[1].loc, "http://site/b?x=1&y=2");
  EXPECT_EQ(s.skipped, 1u);
}

TEST(SitemapTest, AtomRelAndEntities) {
  Sitemap s = ParseSitemap(
      "<feed xmlns='http://www.w3.org/2005/Atom'>"
      "<entry><link rel='edit' href='http://x/edit'/>"
      "<link rel=\"alternate\" href=\"http://x/a?b=1&amp;c=2\"/></entry>"
      "<entry><link rel='enclosure' href='http://x/e.mp3'/></entry></feed>");
  EXPECT_EQ(s.kind, Kind::kFeed);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://x/a?b=1&c=2"}));
  EXPECT_EQ(s.skipped, 1u);
}

TEST(SitemapTest, UnknownRootGivesNothing) {
  Sitemap s = ParseSitemap("<html><body><url><loc>http://a/</loc></url></body></html>");
  EXPECT_EQ(s.kind, Kind::kUnknown);
  EXPECT_TRUE(s.urls.empty());
}

TEST(SitemapTest, MalformedReturnsWhatWasParsed) {
  Sitemap s = ParseSitemap(
      "<urlset><url><loc>http://a/</loc></url><url><loc>http://b/</loc><lastmod>20");
  EXPECT_EQ(s.kind, Kind::kUrlSet);
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://a/", "http://b/"}));

  Sitemap cut = ParseSitemap("<urlset><url><loc>http://a/</loc></url><url><loc>http://b");
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(Locs(cut.urls), (std::vector<std::string>{"http://a/"}));

  // Mismatched end tags: </url> closes the unclosed <x>.
  Sitemap mismatched = ParseSitemap(
      "<urlset><url><x><loc>http://n/</loc></y></url><url><loc>http://c/</loc></url>"
      "</urlset>");
  EXPECT_FALSE(mismatched.truncated);
  EXPECT_EQ(Locs(mismatched.urls), (std::vector<std::string>{"http://c/"}));
  EXPECT_EQ(mismatched.skipped, 1u);
}

TEST(SitemapTest, MaxUrlsCap) {
  std::string body = "<urlset>";
  for (int i = 0; i < 10; ++i) body += "<url><loc>http://a/" + std::to_string(i) + "</loc></url>";
  body += "</urlset>";
  SitemapOptions options;
  options.max_urls = 4;
  Sitemap s = ParseSitemap(body, options);
  EXPECT_EQ(s.urls.size(), 4u);
  EXPECT_EQ(s.urls.back().loc, "http://a/3");
  EXPECT_EQ(s.skipped, 6u);
  EXPECT_TRUE(s.truncated);

  Sitemap text = ParseSitemap("http://a/1\nhttp://a/2\nhttp://a/3\n", options = {2, 1 << 20});
  EXPECT_EQ(text.urls.size(), 2u);
  EXPECT_EQ(text.skipped, 1u);
  EXPECT_TRUE(text.truncated);

  Sitemap exact = ParseSitemap("http://a/1\nhttp://a/2\n", options);
  EXPECT_FALSE(exact.truncated);
}

TEST(SitemapTest, MaxBytesCap) {
  std::string body = "<urlset><url><loc>http://a/1</loc></url><url><loc>http://a/2</loc></url>"
                     "</urlset>";
  SitemapOptions options;
  options.max_bytes = body.find("<url><loc>http://a/2");
  Sitemap s = ParseSitemap(body, options);
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://a/1"}));
}

TEST(SitemapTest, OverlongLocSkipped) {
  std::string body = "<urlset><url><loc>http://a/" + std::string(kMaxLocBytes, 'x') +
                     "</loc></url><url><loc>http://b/</loc></url></urlset>";
  Sitemap s = ParseSitemap(body);
  EXPECT_EQ(Locs(s.urls), (std::vector<std::string>{"http://b/"}));
  EXPECT_EQ(s.skipped, 1u);
}

// ---- text sitemaps ---------------------------------------------------------

TEST(SitemapTest, TextCrlfBlanksAndJunkLines) {
  Sitemap s = ParseSitemap(
      "\xEF\xBB\xBF\r\n  \r\nhttp://a/1\r\n\r\n\thttps://a/2  \r\nnot a url\rHTTP://a/3\n\n");
  EXPECT_EQ(s.kind, Kind::kText);
  EXPECT_EQ(Locs(s.urls),
            (std::vector<std::string>{"http://a/1", "https://a/2", "HTTP://a/3"}));
  EXPECT_EQ(s.skipped, 1u);
}

TEST(SitemapTest, EmptyAndWhitespaceAreUnknown) {
  EXPECT_EQ(ParseSitemap("").kind, Kind::kUnknown);
  EXPECT_EQ(ParseSitemap("\xEF\xBB\xBF").kind, Kind::kUnknown);
  EXPECT_EQ(ParseSitemap(" \r\n\t").kind, Kind::kUnknown);
  EXPECT_EQ(ParseSitemap("hello world\nhttp://a/").kind, Kind::kUnknown);
}

// ---- garbage and bounded time ----------------------------------------------

TEST(SitemapTest, GarbageAndBinaryAreUnknown) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string junk(1 + rng() % 4096, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (round % 2 == 0) junk[0] = '<';
    Sitemap s = ParseSitemap(junk);
    (void)s;
  }
  std::string gzip_magic("\x1f\x8b\x08\x00garbage", 11);
  EXPECT_EQ(ParseSitemap(gzip_magic).kind, Kind::kUnknown);
  EXPECT_EQ(ParseSitemap(std::string("\0\0\0<urlset>", 11)).kind, Kind::kUnknown);
  for (std::string_view odd : {"<", "<!", "<!-", "<![CDATA[", "<?", "</", "<a", "<a b=",
                               "<a b='", "<>", "< >", "&", "<urlset><url><loc>&#x"}) {
    Sitemap s = ParseSitemap(odd);
    EXPECT_TRUE(s.urls.empty()) << odd;
  }
}

TEST(SitemapTest, RandomMutationsOfValidSitemap) {
  const std::string base =
      "<?xml version='1.0'?><urlset><url><loc>http://a/&amp;</loc><lastmod>1</lastmod>"
      "</url><url><loc><![CDATA[http://b/]]></loc></url><!-- c --></urlset>";
  const std::string alphabet = "<>/!?[]-&;#x'\"=: a";
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    std::string s = base;
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s.erase(at, 1 + rng() % 8); break;
        case 1: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: s[at] = alphabet[rng() % alphabet.size()]; break;
      }
      if (s.empty()) s = "<";
    }
    Sitemap out = ParseSitemap(s);
    EXPECT_LE(out.urls.size(), 3u);
  }
}

// Time budget for 10 MB of input: 1 s, 10x under sanitizers.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer) || \
    __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define INLINKS_SITEMAP_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define INLINKS_SITEMAP_TEST_SANITIZED 1
#endif
#ifdef INLINKS_SITEMAP_TEST_SANITIZED
constexpr double kBudgetSeconds = 10.0;
#else
constexpr double kBudgetSeconds = 1.0;
#endif

double SecondsToParse(const std::string& body) {
  auto start = std::chrono::steady_clock::now();
  Sitemap s = ParseSitemap(body);
  (void)s;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(SitemapTest, TenMegabytesOfNestedTagsIsFast) {
  constexpr size_t kTarget = 10 << 20;
  std::string nested = "<urlset><url>";
  while (nested.size() < kTarget) nested += "<a>";
  EXPECT_LT(SecondsToParse(nested), kBudgetSeconds);

  std::string unmatched = "<urlset>";
  for (int i = 0; i < 2000; ++i) unmatched += "<a><b>";
  while (unmatched.size() < kTarget) unmatched += "</zz>";
  EXPECT_LT(SecondsToParse(unmatched), kBudgetSeconds);

  std::string url_then_close = "<urlset><url><loc>";
  while (url_then_close.size() < kTarget) url_then_close += "<loc><url>";
  url_then_close += std::string(100000, '>');
  EXPECT_LT(SecondsToParse(url_then_close), kBudgetSeconds);

  std::string amps = "<urlset><url><loc>";
  while (amps.size() < kTarget) amps += "&&&&&&&&#x1";
  EXPECT_LT(SecondsToParse(amps), kBudgetSeconds);

  std::string many_urls = "<urlset>";
  while (many_urls.size() < kTarget) many_urls += "<url><loc>http://a/</loc></url>";
  auto start = std::chrono::steady_clock::now();
  Sitemap s = ParseSitemap(many_urls);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
            kBudgetSeconds);
  EXPECT_EQ(s.urls.size(), 50000u);
  EXPECT_TRUE(s.truncated);
  EXPECT_GT(s.skipped, 0u);

  std::string text(kTarget, 'x');
  text.replace(0, 7, "http://");
  EXPECT_LT(SecondsToParse(text), kBudgetSeconds);
}

}  // namespace
}  // namespace inlinks::crawler
