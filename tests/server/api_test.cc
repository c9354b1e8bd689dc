// The three API dialects of docs/api.md against a real server on a port-0 socket,
// over a database built by the real indexer from pages whose backlinks the
// test knows (server_testing.h BuildTestIndex).
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/query/server.h"
#include "tests/server/server_testing.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::query {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::HttpResult;
using ::testing::ElementsAre;

json::value ParseJson(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << body;
  return v;
}

// The keys of a JSON object, in document order.
std::vector<std::string> KeysOf(const json::value& v) {
  std::vector<std::string> out;
  if (!v.is_object()) return out;
  for (const auto& kv : v.as_object()) out.emplace_back(kv.key());
  return out;
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// libxml2 parse (strict XML 1.0); null on failure.
struct XmlDoc {
  explicit XmlDoc(const std::string& body)
      : doc(xmlReadMemory(body.data(), static_cast<int>(body.size()), nullptr, "UTF-8",
                          XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR)) {}
  ~XmlDoc() {
    if (doc) xmlFreeDoc(doc);
  }
  xmlNodePtr root() const { return doc ? xmlDocGetRootElement(doc) : nullptr; }
  xmlDocPtr doc;
};

std::vector<xmlNodePtr> Children(xmlNodePtr node) {
  std::vector<xmlNodePtr> out;
  for (xmlNodePtr c = node ? node->children : nullptr; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}
std::string Name(xmlNodePtr n) { return reinterpret_cast<const char*>(n->name); }
std::string Text(xmlNodePtr n) {
  xmlChar* t = xmlNodeGetContent(n);
  std::string s = t ? reinterpret_cast<const char*>(t) : "";
  xmlFree(t);
  return s;
}

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    db_ = storage::Db::Open(dir_->path()).value().release();
    links_ = new std::vector<testing::KnownLink>(testing::BuildTestIndex(*db_));
    ServerOptions options;
    options.port = 0;
    options.threads = 2;
    server_ = new Server(*db_, options);
    ASSERT_TRUE(server_->Start().ok());
    KeyStore& keys = server_->keys();
    full_ = new std::string(keys.Add({.id = "full", .credits = 1'000'000}).value().token());
    limited_ = new std::string(
        keys.Add({.id = "limited", .functions = {"backlinks"}, .credits = 1'000'000})
            .value()
            .token());
    IssuedKey poor = keys.Add({.id = "poor", .credits = 0}).value();
    poor_ = new std::string(poor.token());
    poor_secret_ = new std::string(poor.secret);
    IssuedKey full_again = keys.Rotate("full").value();
    *full_ = full_again.token();
    full_secret_ = new std::string(full_again.secret);
  }
  static void TearDownTestSuite() {
    server_->Stop();
    delete server_;
    delete db_;
    delete dir_;
    delete links_;
    delete full_;
    delete limited_;
    delete poor_;
    delete poor_secret_;
    delete full_secret_;
  }

  HttpResult Get(const std::string& target,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return client_.Get(target, headers);
  }
  json::value GetJson(const std::string& target, int expect_status = 200,
                      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    HttpResult r = Get(target, headers);
    EXPECT_TRUE(r.ok) << target;
    EXPECT_EQ(r.status, expect_status) << target << " -> " << r.body;
    return ParseJson(r.body);
  }

  // The known sources linking into `domain` (registrable) or exactly host.
  std::multiset<std::string> ExpectedPairs(std::string_view host_suffix) {
    std::multiset<std::string> out;
    for (const auto& l : *links_) {
      auto u = core::ParseUrl(l.target).value();
      std::string host(u.host());
      if (host == host_suffix ||
          (host.size() > host_suffix.size() &&
           host.compare(host.size() - host_suffix.size(), host_suffix.size(), host_suffix) == 0 &&
           host[host.size() - host_suffix.size() - 1] == '.')) {
        out.insert(l.source + " -> " + l.target);
      }
    }
    return out;
  }

  std::string Token(const std::string& id, const std::string& secret) {
    HttpResult r = client_.Request("POST", "/v3/token",
                                   {{"Content-Type", "application/x-www-form-urlencoded"}},
                                   "grant_type=client_credentials&client_id=" + id +
                                       "&client_secret=" + secret);
    EXPECT_EQ(r.status, 200) << r.body;
    json::value v = ParseJson(r.body);
    return v.is_object() ? Str(v.at("access_token")) : "";
  }

  static testing::TempDir* dir_;
  static storage::Db* db_;
  static std::vector<testing::KnownLink>* links_;
  static Server* server_;
  static std::string* full_;
  static std::string* full_secret_;
  static std::string* limited_;
  static std::string* poor_;
  static std::string* poor_secret_;
  HttpClient client_{server_->port()};
};

testing::TempDir* ApiTest::dir_ = nullptr;
storage::Db* ApiTest::db_ = nullptr;
std::vector<testing::KnownLink>* ApiTest::links_ = nullptr;
Server* ApiTest::server_ = nullptr;
std::string* ApiTest::full_ = nullptr;
std::string* ApiTest::full_secret_ = nullptr;
std::string* ApiTest::limited_ = nullptr;
std::string* ApiTest::poor_ = nullptr;
std::string* ApiTest::poor_secret_ = nullptr;

// ---------------------------------------------------------------------------
// Domain dialect (docs/api.md section 1)
// ---------------------------------------------------------------------------

TEST_F(ApiTest, Domain_PathStyleSuccessEnvelope) {
  json::value v = GetJson("/api/links/getBacklinks/" + *full_ + "/example.com/json/10/0");
  EXPECT_THAT(KeysOf(v), ElementsAre("apiMeta", "resultCount", "apiErrorCode", "apiErrorMessage",
                                     "apiResult"));
  EXPECT_EQ(v.at("apiMeta").at("resultCount").as_int64(), 34);
  EXPECT_EQ(v.at("resultCount").as_int64(), 34);
  EXPECT_TRUE(v.at("apiErrorCode").is_int64());
  EXPECT_EQ(v.at("apiErrorCode").as_int64(), 0);
  EXPECT_EQ(Str(v.at("apiErrorMessage")), "0k.");
  const json::array& rows = v.at("apiResult").as_array();
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& row : rows) {
    EXPECT_THAT(KeysOf(row), ElementsAre("linkingUrl", "anchor", "linksIntern", "linksExtern",
                                         "webtitle", "linkedUrl", "linkpos"));
  }
}

TEST_F(ApiTest, Domain_TrailingPathSegmentsAreOptional) {
  json::value v = GetJson("/api/links/getBacklinks/" + *full_ + "/example.com");
  EXPECT_EQ(v.at("apiResult").as_array().size(), 34u);  // default limit 100
  v = GetJson("/links/getBacklinks/" + *full_ + "/example.com/json/5");
  EXPECT_EQ(v.at("apiResult").as_array().size(), 5u);
}

TEST_F(ApiTest, Domain_AllRequestShapesAgree) {
  std::string q = "service=links&method=getBacklinks&key=" + *full_ +
                  "&domain=example.com&format=json&limit=7&skip=1";
  std::string expected = Get("/api/links/getBacklinks/" + *full_ + "/example.com/json/7/1").body;
  ASSERT_THAT(expected, ::testing::HasSubstr("\"apiErrorCode\":0"));
  for (std::string target :
       {"/index.php?" + q, "/api/?" + q, "/api?" + q, "/?" + q, "/api/" + q,
        "/api/links/getBacklinks?key=" + *full_ + "&domain=example.com&limit=7&skip=1",
        "/index.php?service=LINKS&method=GETBACKLINKS&key=" + *full_ +
            "&domain=example.com&limit=7&skip=1",
        "/api/links/getbacklinks/" + *full_ + "/example.com/JSON/7/1"}) {
    HttpResult r = Get(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body, expected) << target;
  }
}

TEST_F(ApiTest, Domain_RowFieldsAndUnicodeRoundTrip) {
  json::value v = GetJson("/api/links/getBacklinks/" + *full_ + "/example.com%2Fpage.html");
  ASSERT_EQ(v.at("resultCount").as_int64(), 1);
  const json::value& row = v.at("apiResult").as_array().at(0);
  EXPECT_EQ(Str(row.at("linkingUrl")), "https://b.org/page");
  EXPECT_EQ(Str(row.at("anchor")), "F\xC3\xBCnf deutsche \xE2\x80\xA6");
  EXPECT_EQ(row.at("linksIntern").as_int64(), 1);
  EXPECT_EQ(row.at("linksExtern").as_int64(), 2);
  EXPECT_EQ(Str(row.at("linkedUrl")), "http://example.com/page.html");
  EXPECT_EQ(row.at("linkpos").as_int64(), 1);
  // Control characters cannot survive JSON raw; everything else round-trips.
  std::string title = Str(row.at("webtitle"));
  EXPECT_THAT(title, ::testing::HasSubstr("B <Page> & \"F\xC3\xBCnf\""));
  // The vendor writes non-ASCII as \u escapes: the body is pure ASCII.
  std::string body = Get("/api/links/getBacklinks/" + *full_ + "/example.com%2Fpage.html").body;
  for (unsigned char c : body) EXPECT_LT(c, 0x80);
  EXPECT_THAT(body, ::testing::HasSubstr("F\\u00fcnf"));
}

TEST_F(ApiTest, Domain_PagingWithSkipAndOffsetYieldsEachLinkOnce) {
  std::multiset<std::string> seen;
  for (int skip = 0; skip < 5; ++skip) {
    json::value v = GetJson("/api/links/getBacklinks/" + *full_ + "/example.com/json/7/" +
                            std::to_string(skip));
    int code = static_cast<int>(v.at("apiErrorCode").as_int64());
    ASSERT_EQ(code, 0) << skip;
    for (const auto& row : v.at("apiResult").as_array()) {
      seen.insert(Str(row.at("linkingUrl")) + " -> " + Str(row.at("linkedUrl")));
    }
  }
  EXPECT_EQ(seen, ExpectedPairs("example.com"));
  // Page 5 is past the end: result empty, with the total.
  json::value past = GetJson("/api/links/getBacklinks/" + *full_ + "/example.com/json/7/5");
  EXPECT_EQ(past.at("apiErrorCode").as_int64(), 3);
  EXPECT_EQ(Str(past.at("apiErrorMessage")), "result empty");
  EXPECT_TRUE(past.at("apiResult").as_array().empty());
  // offset (rows) and rows (= limit) from the newer generation of the API.
  std::multiset<std::string> seen2;
  for (int offset = 0; offset < 34; offset += 10) {
    json::value v = GetJson("/index.php?service=links&method=getBacklinks&key=" + *full_ +
                            "&urlpattern=example.com&rows=10&offset=" + std::to_string(offset));
    for (const auto& row : v.at("apiResult").as_array()) {
      seen2.insert(Str(row.at("linkingUrl")) + " -> " + Str(row.at("linkedUrl")));
    }
  }
  EXPECT_EQ(seen2, seen);
}

TEST_F(ApiTest, Domain_ScopesFollowTheScopeRules) {
  auto count = [&](const std::string& d) {
    return GetJson("/api/links/getBacklinks/" + *full_ + "/" + d + "/json/1")
        .at("resultCount")
        .as_int64();
  };
  EXPECT_EQ(count("example.com"), 34);
  EXPECT_EQ(count("www.example.com"), 34);  // www. + registrable domain = domain
  EXPECT_EQ(count("blog.example.com"), 1);
  EXPECT_EQ(count("example.com%2Fpage.html"), 1);
  EXPECT_EQ(count("https%3A%2F%2Fexample.com%2Fpage.html"), 1);
  EXPECT_EQ(count("other.net"), 1);
}

TEST_F(ApiTest, Domain_ErrorsByteForByte) {
  EXPECT_EQ(Get("/api/links/getBacklinks").body,
            "{\"apiMeta\":{\"resultCount\":0},\"resultCount\":0,\"apiErrorCode\":80,"
            "\"apiErrorMessage\":\"param missing\",\"paramname\":\"key\",\"apiResult\":[]}");
  EXPECT_EQ(Get("/api/links/getBacklinks/nobody.secret/example.com").body,
            "{\"apiMeta\":{\"resultCount\":0},\"resultCount\":0,\"apiErrorCode\":2,"
            "\"apiErrorMessage\":\"no permission\",\"apiResult\":[]}");
  EXPECT_EQ(Get("/api/links/getBacklinks/" + *full_).body,
            "{\"apiMeta\":{\"resultCount\":0},\"resultCount\":0,\"apiErrorCode\":80,"
            "\"apiErrorMessage\":\"param missing\",\"paramname\":\"domain\",\"apiResult\":[]}");
  EXPECT_EQ(Get("/api/links/getBacklinks/" + *full_ + "/example.com/json/1001").body,
            "{\"apiMeta\":{\"resultCount\":0},\"resultCount\":0,\"apiErrorCode\":5,"
            "\"apiErrorMessage\":\"maximum limit exeeded\",\"apiResult\":[]}");
  EXPECT_EQ(Get("/api/links/getBacklinks/" + *full_ + "/example.com/json/abc").body,
            "{\"apiMeta\":{\"resultCount\":0},\"resultCount\":0,\"apiErrorCode\":81,"
            "\"apiErrorMessage\":\"param invalid\",\"paramname\":\"limit\",\"apiResult\":[]}");
  EXPECT_EQ(Get("/api/links/getBacklinks/" + *full_ + "/nobody-links-here.test").body,
            "{\"apiMeta\":{\"resultCount\":0},\"resultCount\":0,\"apiErrorCode\":3,"
            "\"apiErrorMessage\":\"result empty\",\"apiResult\":[]}");
  EXPECT_EQ(Get("/api/links/getBacklinks/" + *poor_ + "/example.com").body,
            "{\"apiMeta\":{\"resultCount\":0},\"resultCount\":0,\"apiErrorCode\":4,"
            "\"apiErrorMessage\":\"cost error\",\"apiResult\":[]}");
}

TEST_F(ApiTest, Domain_ParameterRules) {
  auto code_and_param = [&](const std::string& target) {
    json::value v = GetJson(target);
    std::string param = v.as_object().contains("paramname") ? Str(v.at("paramname")) : "";
    return std::to_string(v.at("apiErrorCode").as_int64()) + ":" + param;
  };
  std::string base = "/index.php?service=links&method=getBacklinks&key=" + *full_;
  EXPECT_EQ(code_and_param("/index.php"), "80:service");
  EXPECT_EQ(code_and_param("/index.php?service=links"), "80:method");
  EXPECT_EQ(code_and_param("/index.php?service=links&method=nope"), "80:key");
  EXPECT_EQ(code_and_param("/index.php?service=links&method=nope&key=" + *full_), "81:method");
  EXPECT_EQ(code_and_param("/index.php?service=nope&method=getBacklinks&key=" + *full_),
            "81:service");
  EXPECT_EQ(code_and_param(base + "&domain=example.com&format=csv"), "81:format");
  EXPECT_EQ(code_and_param(base + "&domain=example.com&limit=-1"), "81:limit");
  EXPECT_EQ(code_and_param(base + "&domain=example.com&limit=1000&skip=0"), "0:");
  EXPECT_EQ(code_and_param(base + "&domain=example.com&rows=101"), "5:");
  EXPECT_EQ(code_and_param(base + "&domain=example.com&rows=x"), "81:rows");
  EXPECT_EQ(code_and_param(base + "&domain=example.com&skip=x"), "81:skip");
  EXPECT_EQ(code_and_param(base + "&domain=example.com&offset=1.5"), "81:offset");
  // skip * limit must not wrap: 999999999999999999 * 1000 overflows 64 bits.
  EXPECT_EQ(code_and_param(base + "&domain=example.com&limit=1000&skip=999999999999999999"),
            "81:skip");
  // 99999999999999999 * 100 fits in 64 bits but not in a signed row number.
  EXPECT_EQ(code_and_param(base + "&domain=example.com&limit=100&skip=99999999999999999"),
            "81:skip");
  EXPECT_EQ(code_and_param(base + "&domain=example.com&limit=100&skip=9999999999999999"),
            "3:");
  EXPECT_EQ(code_and_param(base + "&domain=%5Bzz"), "81:domain");
  EXPECT_EQ(code_and_param(base + "&domain=%20"), "81:domain");
  EXPECT_EQ(code_and_param(base + "&domain=ftp://example.com/"), "81:domain");
  // Unknown and empty parameters are ignored.
  EXPECT_EQ(code_and_param(base + "&domain=example.com&limit=&skip=&foo=bar&format="), "0:");
  // A key without the function: no permission.
  EXPECT_EQ(code_and_param("/index.php?service=links&method=getLinktexts&key=" + *limited_ +
                           "&domain=example.com"),
            "2:");
  // An unknown key is 2 whatever the other parameters hold (issue 18):
  // format before domain, a bad format, method or limit.
  EXPECT_EQ(code_and_param("/api/links/getBacklinks/not-a-key/json/example.com"), "2:");
  EXPECT_EQ(code_and_param("/api/links/getBacklinks/nobody.secret/example.com/csv"), "2:");
  EXPECT_EQ(code_and_param("/api/links/getNothing/nobody.secret/example.com"), "2:");
  EXPECT_EQ(code_and_param("/api/links/getBacklinks/nobody.secret/example.com/json/x"), "2:");
  EXPECT_EQ(code_and_param("/index.php?service=nope&method=x&key=nobody.secret"), "2:");
  // A known key with the format before the domain: the format is checked.
  EXPECT_EQ(code_and_param("/api/links/getBacklinks/" + *full_ + "/json/example.com"),
            "81:format");
  // Revoked and malformed keys.
  EXPECT_EQ(code_and_param("/index.php?service=links&method=getBacklinks&key=full.wrong"
                           "&domain=example.com"),
            "2:");
  EXPECT_EQ(code_and_param("/index.php?service=links&method=getBacklinks&key=justtext"
                           "&domain=example.com"),
            "2:");
}

TEST_F(ApiTest, Domain_CostErrorChargesNothing) {
  KeyStore& keys = server_->keys();
  int64_t before = keys.Get("poor").value().credits;
  json::value v = GetJson("/api/links/getBacklinks/" + *poor_ + "/example.com/json/5");
  EXPECT_EQ(v.at("apiErrorCode").as_int64(), 4);
  EXPECT_EQ(keys.Get("poor").value().credits, before);
  // Credited, the same call goes through and costs ceil(5 * 10 / 100) = 1.
  ASSERT_TRUE(keys.Credit("poor", 1).ok());
  v = GetJson("/api/links/getBacklinks/" + *poor_ + "/example.com/json/5");
  EXPECT_EQ(v.at("apiErrorCode").as_int64(), 0);
  EXPECT_EQ(keys.Get("poor").value().credits, 0);
}

TEST_F(ApiTest, Domain_XmlEnvelopeParses) {
  HttpResult r = Get("/api/links/getBacklinks/" + *full_ + "/example.com/xml/3/0");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.headers["content-type"], ::testing::HasSubstr("xml"));
  EXPECT_EQ(r.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<result><apiMeta>"
                         "<resultCount>34</resultCount></apiMeta><apiErrorCode>0</apiErrorCode>"
                         "<apiErrorMessage>0k.</apiErrorMessage><apiResult><backlinks><backlink>"
                         "<linkingUrl>",
                         0),
            0u)
      << r.body;
  XmlDoc doc(r.body);
  ASSERT_NE(doc.root(), nullptr) << r.body;
  EXPECT_EQ(Name(doc.root()), "result");
  auto top = Children(doc.root());
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(Name(top[3]), "apiResult");
  auto backlinks = Children(Children(top[3]).at(0));
  ASSERT_EQ(backlinks.size(), 3u);
  std::vector<std::string> fields;
  for (xmlNodePtr f : Children(backlinks[0])) fields.push_back(Name(f));
  EXPECT_THAT(fields, ElementsAre("linkingUrl", "anchor", "linksIntern", "linksExtern",
                                  "webtitle", "linkedUrl", "linkpos"));
}

TEST_F(ApiTest, Domain_XmlSurvivesHostileTitles) {
  HttpResult r = Get("/index.php?service=links&method=getBacklinks&format=xml&key=" + *full_ +
                     "&domain=example.com/page.html");
  XmlDoc doc(r.body);
  ASSERT_NE(doc.root(), nullptr) << r.body;
  xmlNodePtr backlink = Children(Children(Children(doc.root()).at(3)).at(0)).at(0);
  std::string title = Text(Children(backlink).at(4));
  EXPECT_EQ(title, "B <Page> & \"F\xC3\xBCnf\"  ]]> '\xE2\x80\xA8");  // controls dropped
  EXPECT_EQ(Text(Children(backlink).at(1)), "F\xC3\xBCnf deutsche \xE2\x80\xA6");
}

TEST_F(ApiTest, Domain_XmlErrors) {
  HttpResult r = Get("/index.php?service=links&method=getBacklinks&format=xml");
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<result><apiMeta><resultCount>0"
            "</resultCount></apiMeta><apiErrorCode>80</apiErrorCode><apiErrorMessage>param "
            "missing</apiErrorMessage><paramname>key</paramname><apiResult/></result>\n");
  XmlDoc doc(r.body);
  EXPECT_NE(doc.root(), nullptr);
  r = Get("/api/links/getBacklinks/" + *full_ + "/nobody.test/xml");
  XmlDoc empty(r.body);
  ASSERT_NE(empty.root(), nullptr);
  EXPECT_EQ(Text(Children(empty.root()).at(1)), "3");
}

TEST_F(ApiTest, Domain_Siblings) {
  json::value t = GetJson("/api/links/getLinktexts/" + *full_ + "/example.com/json/100");
  EXPECT_EQ(t.at("apiErrorCode").as_int64(), 0);
  EXPECT_EQ(t.at("resultCount").as_int64(), 34);  // every anchor differs
  EXPECT_THAT(KeysOf(t.at("apiResult").as_array().at(0)),
              ElementsAre("text", "count", "nofollowCount", "referringDomains"));
  for (const auto& row : t.at("apiResult").as_array()) {
    EXPECT_EQ(row.at("referringDomains").as_int64(), 1);  // one link per anchor
  }
  HttpResult lx = Get("/api/links/getLinktexts/" + *full_ + "/example.com/xml/1");
  EXPECT_NE(lx.body.find("<nofollowCount>1</nofollowCount><referringDomains>1</referringDomains>"
                         "</linktext>"),
            std::string::npos)
      << lx.body;
  json::value p = GetJson("/api/links/getLinkedPages/" + *full_ + "/example.com/json/100");
  EXPECT_EQ(p.at("apiErrorCode").as_int64(), 0);
  EXPECT_EQ(p.at("resultCount").as_int64(), 34);  // 30 pNN + /, www /, page.html, blog post
  EXPECT_THAT(KeysOf(p.at("apiResult").as_array().at(0)),
              ElementsAre("linkedUrl", "backlinks", "referringDomains"));
  json::value c = GetJson("/api/user/getCreditstate/" + *limited_ + "/json");
  EXPECT_EQ(c.at("apiErrorCode").as_int64(), 2);  // creditstate not in its functions
  c = GetJson("/api/user/getCreditstate/" + *full_);
  ASSERT_EQ(c.at("apiErrorCode").as_int64(), 0);
  EXPECT_THAT(KeysOf(c.at("apiResult")),
              ElementsAre("creditamount", "additionalCreditamount", "bookedCreditamount",
                          "refillintervall", "lastrefill", "creditsleft", "creditsused",
                          "pricePer100Rows"));
  int64_t left = c.at("apiResult").at("creditsleft").as_int64();
  EXPECT_EQ(left, server_->keys().Get("full").value().credits);
  // getCreditstate is free.
  GetJson("/index.php?service=user&method=getCreditstate&key=" + *full_);
  EXPECT_EQ(server_->keys().Get("full").value().credits, left);
  HttpResult x = Get("/api/user/getCreditstate/" + *full_ + "/xml");
  XmlDoc doc(x.body);
  ASSERT_NE(doc.root(), nullptr) << x.body;
}

// ---------------------------------------------------------------------------
// URL dialect (docs/api.md section 2)
// ---------------------------------------------------------------------------

TEST_F(ApiTest, Url_TokenEndpoint) {
  HttpResult r = client_.Request(
      "POST", "/v3/token",
      {{"Authorization", "Basic " + std::string("ZnVsbDo=")},  // "full:" (empty secret)
       {"Content-Type", "application/x-www-form-urlencoded"}},
      "grant_type=client_credentials");
  EXPECT_EQ(r.status, 401);
  std::string token = Token("full", *full_secret_);
  EXPECT_EQ(token.size(), 64u);
  // HTTP Basic works too, and the answer has the documented shape.
  std::string basic;
  {
    std::string creds = "full:" + *full_secret_;
    static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < creds.size(); i += 3) {
      uint32_t v = (uint8_t(creds[i]) << 16) | (uint8_t(creds[i + 1]) << 8) | uint8_t(creds[i + 2]);
      for (int s = 18; s >= 0; s -= 6) basic.push_back(kB64[(v >> s) & 63]);
    }
    if (i + 1 == creds.size()) {
      uint32_t v = uint8_t(creds[i]) << 16;
      basic += {kB64[(v >> 18) & 63], kB64[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == creds.size()) {
      uint32_t v = (uint8_t(creds[i]) << 16) | (uint8_t(creds[i + 1]) << 8);
      basic += {kB64[(v >> 18) & 63], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], '='};
    }
  }
  r = client_.Request("POST", "/v3/token",
                      {{"Authorization", "Basic " + basic},
                       {"Content-Type", "application/x-www-form-urlencoded"}},
                      "grant_type=client_credentials");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = ParseJson(r.body);
  EXPECT_THAT(KeysOf(v), ElementsAre("access_token", "expires_in", "token_type", "scope"));
  EXPECT_EQ(v.at("expires_in").as_int64(), 3600);
  EXPECT_EQ(Str(v.at("token_type")), "Bearer");
  EXPECT_TRUE(v.at("scope").is_null());
  r = client_.Request("POST", "/v3/token", {}, "grant_type=password&client_id=full");
  EXPECT_EQ(r.status, 400);
  r = client_.Request("POST", "/v3/token", {}, "grant_type=client_credentials");
  EXPECT_EQ(r.status, 401);
  r = client_.Request("POST", "/v3/token", {},
                      "grant_type=client_credentials&client_id=full&client_secret=nope");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Get("/v3/token").status, 405);
}

TEST_F(ApiTest, Url_ListBacklinksRowsInDocumentedOrder) {
  std::string token = Token("full", *full_secret_);
  json::value v = GetJson("/v3/ResearchLinksGetListBacklinks.json?url=example.com&access_token=" +
                          token);
  EXPECT_THAT(KeysOf(v), ElementsAre("response", "count", "balance"));
  EXPECT_EQ(v.at("count").as_int64(), 34);
  EXPECT_EQ(v.at("balance").as_int64(), server_->keys().Get("full").value().credits);
  const json::array& rows = v.at("response").as_array();
  ASSERT_EQ(rows.size(), 10u);  // default limit
  std::set<std::string> tags;
  for (const auto& row : rows) {
    ASSERT_THAT(KeysOf(row),
                ElementsAre("backlinkpage", "title", "linktext", "extL", "intL", "sumL", "sr",
                            "pos", "linktarget", "tag", "nofollow", "ip", "ccode", "country",
                            "city"));
    EXPECT_EQ(row.at("sumL").as_int64(), row.at("extL").as_int64() + row.at("intL").as_int64());
    EXPECT_TRUE(row.at("nofollow").is_int64());
    EXPECT_TRUE(row.at("sr").is_int64() || row.at("sr").is_double());
    EXPECT_GE(row.at("pos").as_int64(), 1);
    EXPECT_EQ(Str(row.at("ip")), "192.0.2.7");
    tags.insert(Str(row.at("tag")));
  }
  // The raw text: sr unranked prints as 0 (no ".0"), nofollow as 0/1.
  HttpResult raw = Get("/v3/ResearchLinksGetListBacklinks.json?url=blog.example.com",
                       {{"Authorization", "Bearer " + token}});
  EXPECT_THAT(raw.body, ::testing::HasSubstr("\"sr\":0,\"pos\":2,"));
  EXPECT_THAT(raw.body, ::testing::HasSubstr("\"tag\":\"a\",\"nofollow\":1,"));
  HttpResult img = Get(
      "/v3/ResearchLinksGetListBacklinks.json?url=example.com/&limit=50&access_token=" + token);
  EXPECT_THAT(img.body, ::testing::HasSubstr("\"tag\":\"aimg\",\"nofollow\":0,"));
}

TEST_F(ApiTest, Url_PagingAndToleratedShapes) {
  std::string token = Token("full", *full_secret_);
  std::multiset<std::string> seen;
  for (int offset = 0; offset < 50; offset += 10) {
    json::value v = GetJson("/v3/ResearchLinksGetListBacklinks.json/?url=example.com&limit=10&"
                            "offset=" + std::to_string(offset) + "&access_token=" + token + "&");
    EXPECT_EQ(v.at("count").as_int64(), 34);
    for (const auto& row : v.at("response").as_array()) {
      seen.insert(Str(row.at("backlinkpage")) + " -> " + Str(row.at("linktarget")));
    }
  }
  EXPECT_EQ(seen, ExpectedPairs("example.com"));
  for (int limit : {10, 25, 50, 100, 250}) {
    json::value v = GetJson("/v3/ResearchLinksGetListBacklinks.json?url=example.com&limit=" +
                            std::to_string(limit) + "&access_token=" + token);
    EXPECT_EQ(v.at("response").as_array().size(), std::min<size_t>(limit, 34));
  }
}

TEST_F(ApiTest, Url_Errors) {
  std::string token = Token("full", *full_secret_);
  std::string base = "/v3/ResearchLinksGetListBacklinks.json?access_token=" + token;
  json::value v = GetJson(base + "&url=example.com&limit=20", 400);
  EXPECT_THAT(KeysOf(v), ElementsAre("error", "error_message", "error_info", "request_params"));
  EXPECT_EQ(v.at("error").as_int64(), 2);
  EXPECT_EQ(Str(v.at("error_info").at("parameter")), "limit");
  EXPECT_EQ(Str(v.at("request_params").at("url")), "example.com");
  EXPECT_FALSE(v.at("request_params").as_object().contains("access_token"));
  EXPECT_EQ(Str(GetJson(base + "&url=example.com&limit=10&offset=5", 400)
                    .at("error_info")
                    .at("parameter")),
            "offset");
  EXPECT_EQ(Str(GetJson(base + "&url=example.com&offset=-10", 400).at("error_info").at(
                "parameter")),
            "offset");
  // A multiple of limit past the largest offset: the message says the range.
  EXPECT_EQ(Str(GetJson(base + "&url=example.com&limit=10&offset=9223372036854775800", 400)
                    .at("error_message")),
            "Parameter 'offset' must be a multiple of 'limit' from 0 to 999999999999999999");
  EXPECT_EQ(Str(GetJson(base, 400).at("error_info").at("parameter")), "url");
  EXPECT_EQ(Str(GetJson(base + "&url=%5Bzz", 400).at("error_info").at("parameter")), "url");
  GetJson("/v3/ResearchLinksGetListBacklinks.json?url=example.com", 401);
  GetJson("/v3/ResearchLinksGetListBacklinks.json?url=example.com&access_token=bad", 401);
  GetJson("/v3/ResearchLinksGetListBacklinks.json?url=example.com",
          401, {{"Authorization", "Bearer nope"}});
  GetJson("/v3/ResearchLinksGetNothing.json?url=example.com&access_token=" + token, 404);
  GetJson("/v3/ResearchLinksGetListBacklinks.xml?url=example.com&access_token=" + token, 404);
  std::string poor = Token("poor", *poor_secret_);
  server_->keys().Credit("poor", -1000).value();
  json::value no = GetJson("/v3/ResearchLinksGetListBacklinks.json?url=example.com&"
                           "access_token=" + poor, 403);
  EXPECT_EQ(Str(no.at("error_message")), "Insufficient credits to make this service request");
  // Past the end: an empty page, not an error.
  json::value past = GetJson(base + "&url=example.com&limit=250&offset=250");
  EXPECT_EQ(past.at("response").as_array().size(), 0u);
  EXPECT_EQ(past.at("count").as_int64(), 34);
}

TEST_F(ApiTest, Url_Siblings) {
  std::string token = Token("full", *full_secret_);
  auto get = [&](const std::string& service, const std::string& url) {
    return GetJson("/v3/" + service + ".json?url=" + url + "&access_token=" + token);
  };
  EXPECT_EQ(get("ResearchLinksGetCountBacklinks", "example.com").at("response").at(0).at(
                "count").as_int64(),
            34);
  EXPECT_EQ(get("ResearchLinksGetCountBacklinks", "www.example.com/p03")
                .at("response").at(0).at("count").as_int64(),
            1);
  EXPECT_EQ(get("ResearchLinksGetCountReferringDomains", "example.com")
                .at("response").at(0).at("count").as_int64(),
            32);  // a.org, b.org, c00..c29.net
  json::value ps = get("ResearchLinksGetValuePageStrength", "http://a.org/1");
  EXPECT_EQ(ps.at("response").at(0).at("value").as_int64(), 0);
  json::value lt = get("ResearchLinksGetListLinktext", "example.com");
  EXPECT_EQ(lt.at("count").as_int64(), 34);
  EXPECT_EQ(lt.at("response").as_array().size(), 10u);
  EXPECT_THAT(KeysOf(lt.at("response").at(0)),
              ElementsAre("linktext", "count", "nofollow", "refdomains"));
  EXPECT_EQ(lt.at("response").at(0).at("refdomains").as_int64(), 1);
  json::value lp = get("ResearchLinksGetListLinkedPages", "example.com");
  EXPECT_EQ(lp.at("count").as_int64(), 34);
}

// ---------------------------------------------------------------------------
// Native dialect (docs/api.md section 3)
// ---------------------------------------------------------------------------

TEST_F(ApiTest, Native_BacklinksWithCursorWalk) {
  std::multiset<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    std::string target = "/v1/backlinks?target=example.com&limit=8&key=" + *full_;
    if (!cursor.empty()) target += "&cursor=" + cursor;
    json::value v = GetJson(target);
    EXPECT_EQ(v.at("total").as_int64(), 34);
    EXPECT_EQ(Str(v.at("scope").at("kind")), "domain");
    for (const auto& row : v.at("rows").as_array()) {
      seen.insert(Str(row.at("source_url")) + " -> " + Str(row.at("target_url")));
      for (const char* field : {"source_title", "anchor", "links_internal", "links_external",
                                "links_total", "position", "tag", "nofollow", "ugc",
                                "sponsored", "lost", "first_seen", "last_seen", "lost_time",
                                "ip", "http_status", "rank", "sr", "ccode", "country",
                                "city"}) {
        EXPECT_TRUE(row.as_object().contains(field)) << field;
      }
    }
    cursor = v.at("next_cursor").is_null() ? "" : Str(v.at("next_cursor"));
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(seen, ExpectedPairs("example.com"));
}

TEST_F(ApiTest, Native_ScopesFiltersAndOffsets) {
  std::vector<std::pair<std::string, std::string>> bearer = {
      {"Authorization", "Bearer " + *full_}};
  auto total = [&](const std::string& q) {
    return GetJson("/v1/backlinks?" + q, 200, bearer).at("total").as_int64();
  };
  EXPECT_EQ(total("target=www.example.com&scope=host"), 31);
  EXPECT_EQ(total("target=www.example.com&scope=domain"), 34);
  EXPECT_EQ(total("target=example.com&scope=url"), 1);
  EXPECT_EQ(total("target=example.com&nofollow=1"), 1);
  EXPECT_EQ(total("target=example.com&filter=follow"), 33);
  EXPECT_EQ(total("target=example.com&tag=aimg"), 1);
  EXPECT_EQ(total("target=example.com&filter=tag:aimg,state:live"), 1);
  EXPECT_EQ(total("target=example.com&state=lost"), 0);
  json::value v = GetJson("/v1/backlinks?target=example.com&offset=30&limit=10", 200, bearer);
  EXPECT_EQ(v.at("rows").as_array().size(), 4u);
  EXPECT_EQ(v.at("offset").as_int64(), 30);
  EXPECT_TRUE(v.at("next_cursor").is_null());
  GetJson("/v1/backlinks?target=example.com&scope=planet", 400, bearer);
  GetJson("/v1/backlinks?target=example.com&limit=1001", 400, bearer);
  EXPECT_EQ(Str(GetJson("/v1/backlinks?target=example.com&offset=1000000000000000000", 400,
                        bearer)
                    .at("error")
                    .at("message")),
            "offset must be an integer from 0 to 999999999999999999");
  GetJson("/v1/backlinks?target=example.com&filter=bogus", 400, bearer);
  GetJson("/v1/backlinks?target=example.com&cursor=!!", 400, bearer);
  GetJson("/v1/backlinks?target=example.com&sort=date", 400, bearer);
  {
    // sort=key: the index order (target URL first), every row once.
    json::value by_key = GetJson("/v1/backlinks?target=example.com&sort=key&limit=1000", 200, bearer);
    json::value by_strength = GetJson("/v1/backlinks?target=example.com&limit=1000", 200, bearer);
    const json::array& a = by_key.at("rows").as_array();
    const json::array& b = by_strength.at("rows").as_array();
    ASSERT_EQ(a.size(), b.size());
    std::multiset<std::string> ka, kb;
    for (size_t i = 0; i < a.size(); ++i) {
      ka.insert(Str(a[i].at("source_url")) + " " + Str(a[i].at("target_url")));
      kb.insert(Str(b[i].at("source_url")) + " " + Str(b[i].at("target_url")));
    }
    EXPECT_EQ(ka, kb);
    EXPECT_NE(json::serialize(a), json::serialize(b));  // another order
  }
  GetJson("/v1/backlinks", 400, bearer);
  GetJson("/v1/backlinks?target=example.com", 401);
  GetJson("/v1/backlinks?target=example.com&key=full.nope", 401);
  GetJson("/v1/nothing?target=example.com", 404, bearer);
  json::value err = GetJson("/v1/backlinks?target=example.com&limit=x", 400, bearer);
  EXPECT_EQ(Str(err.at("error").at("param")), "limit");
}

// One link per referring domain: the first row of each source domain, in the
// index order; the total is the number of referring domains (the counter),
// and offset and cursor pages walk the same rows.
TEST_F(ApiTest, Native_OneLinkPerReferringDomain) {
  // The expectation from the known links: every source host here is a
  // registrable domain of its own (a.org, b.org, cNN.net).
  std::set<std::string> domains;
  for (const auto& l : *links_) {
    if (ExpectedPairs("example.com").count(l.source + " -> " + l.target)) {
      domains.insert(std::string(core::ParseUrl(l.source).value().host()));
    }
  }
  ASSERT_EQ(domains.size(), 32u);
  std::vector<std::string> by_cursor, by_offset;
  std::string cursor;
  for (int pages = 0; pages < 20; ++pages) {
    std::string target = "/v1/backlinks?target=example.com&per_domain=1&limit=7&key=" + *full_;
    if (!cursor.empty()) target += "&cursor=" + cursor;
    json::value v = GetJson(target);
    EXPECT_EQ(v.at("total").as_int64(), 32);
    EXPECT_TRUE(v.at("filter").at("per_domain").as_bool());
    for (const auto& row : v.at("rows").as_array()) by_cursor.push_back(Str(row.at("source_url")));
    cursor = v.at("next_cursor").is_null() ? "" : Str(v.at("next_cursor"));
    if (cursor.empty()) break;
  }
  for (int offset = 0; offset < 32; offset += 10) {
    json::value v = GetJson("/v1/backlinks?target=example.com&filter=per_domain&limit=10&offset=" +
                            std::to_string(offset) + "&key=" + *full_);
    EXPECT_EQ(v.at("total").as_int64(), 32);
    for (const auto& row : v.at("rows").as_array()) by_offset.push_back(Str(row.at("source_url")));
  }
  EXPECT_EQ(by_cursor, by_offset);
  std::set<std::string> seen;
  for (const std::string& source : by_cursor) {
    EXPECT_TRUE(seen.insert(std::string(core::ParseUrl(source).value().host())).second) << source;
  }
  EXPECT_EQ(seen, domains);
  // With other filters: a.org's blog link is the only nofollow one.
  json::value nf = GetJson("/v1/backlinks?target=example.com&filter=per_domain,nofollow&key=" +
                           *full_);
  EXPECT_EQ(nf.at("total").as_int64(), 1);
  EXPECT_EQ(Str(nf.at("rows").at(0).at("source_url")), "http://a.org/1");
  json::value off = GetJson("/v1/backlinks?target=example.com&filter=per_domain:0&key=" + *full_);
  EXPECT_EQ(off.at("total").as_int64(), 34);
  EXPECT_FALSE(off.at("filter").at("per_domain").as_bool());
  GetJson("/v1/backlinks?target=example.com&per_domain=maybe&key=" + *full_, 400);
  // Past the end: an empty page with the total.
  json::value past =
      GetJson("/v1/backlinks?target=example.com&per_domain=1&offset=32&key=" + *full_);
  EXPECT_EQ(past.at("total").as_int64(), 32);
  EXPECT_EQ(past.at("rows").as_array().size(), 0u);
}

// POST /v1/seeds belongs to `inlinksd crawl --serve` (tests/crawl covers
// it); a server that does not crawl says so, after the usual key checks.
TEST_F(ApiTest, Native_SeedsNeedACrawler) {
  HttpResult r = client_.Request("POST", "/v1/seeds?key=" + *full_, {}, "example.org\n");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("not_crawling"), std::string::npos) << r.body;
  r = client_.Request("POST", "/v1/seeds", {}, "example.org\n");
  EXPECT_EQ(r.status, 401);
  r = client_.Request("GET", "/v1/seeds?key=" + *full_, {}, "");
  EXPECT_EQ(r.status, 405);
}

TEST_F(ApiTest, Native_CountsAndAggregates) {
  json::value c = GetJson("/v1/counts?target=example.com&key=" + *full_);
  EXPECT_EQ(c.at("live").as_int64(), 34);
  EXPECT_EQ(c.at("lost").as_int64(), 0);
  EXPECT_EQ(c.at("referring_domains").as_int64(), 32);
  json::value rd = GetJson("/v1/refdomains?target=example.com&limit=5&key=" + *full_);
  EXPECT_EQ(rd.at("total").as_int64(), 32);
  ASSERT_EQ(rd.at("rows").as_array().size(), 5u);
  // Most links first (a.org and b.org have two each), then by name.
  EXPECT_THAT(KeysOf(rd.at("rows").at(0)), ElementsAre("domain", "links", "first_seen"));
  EXPECT_EQ(Str(rd.at("rows").at(0).at("domain")), "a.org");
  EXPECT_EQ(rd.at("rows").at(0).at("links").as_int64(), 2);
  EXPECT_EQ(rd.at("rows").at(0).at("first_seen").as_int64(), 1700000000);
  EXPECT_EQ(Str(rd.at("rows").at(1).at("domain")), "b.org");
  EXPECT_EQ(Str(rd.at("rows").at(2).at("domain")), "c00.net");
  EXPECT_EQ(rd.at("rows").at(2).at("links").as_int64(), 1);
  json::value quick = GetJson("/v1/refdomains?target=example.com&first_seen=0&key=" + *full_);
  EXPECT_EQ(quick.at("rows").as_array().size(), 32u);
  EXPECT_TRUE(quick.at("rows").at(0).at("first_seen").is_null());
  json::value past = GetJson("/v1/refdomains?target=example.com&offset=32&key=" + *full_);
  EXPECT_EQ(past.at("total").as_int64(), 32);
  EXPECT_EQ(past.at("rows").as_array().size(), 0u);
  GetJson("/v1/refdomains?target=example.com&first_seen=x&key=" + *full_, 400);
  json::value an = GetJson("/v1/anchors?target=blog.example.com&key=" + *full_);
  EXPECT_EQ(Str(an.at("rows").at(0).at("anchor")), "Blog Post");
  EXPECT_THAT(KeysOf(an.at("rows").at(0)),
              ElementsAre("anchor", "links", "nofollow_links", "referring_domains"));
  EXPECT_EQ(an.at("rows").at(0).at("referring_domains").as_int64(), 1);
  json::value lp = GetJson("/v1/linkedpages?target=other.net&key=" + *full_);
  EXPECT_EQ(lp.at("total").as_int64(), 1);
  json::value ps = GetJson("/v1/pagestrength?url=http://a.org/1&key=" + *full_);
  EXPECT_TRUE(ps.at("crawled").as_bool());
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

TEST_F(ApiTest, HealthzAndMetrics) {
  HttpResult h = Get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok\n");
  Get("/api/links/getBacklinks/" + *full_ + "/example.com/json/1");
  HttpResult m = Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_THAT(m.headers["content-type"], ::testing::HasSubstr("text/plain"));
  EXPECT_THAT(m.body,
              ::testing::HasSubstr("inlinks_http_requests_total{dialect=\"domain\",status=\"200\"}"));
  EXPECT_THAT(m.body, ::testing::HasSubstr(
                          "inlinks_http_request_duration_seconds_bucket{dialect=\"domain\","
                          "le=\"+Inf\"}"));
  EXPECT_THAT(m.body, ::testing::HasSubstr("inlinks_credits_charged_total "));
  // Secrets never reach the metrics text.
  EXPECT_EQ(m.body.find(*full_secret_), std::string::npos);
}

TEST_F(ApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 20; ++i) {
    HttpResult r = Get("/healthz");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.count("connection"), 0u);  // HTTP/1.1 default keep-alive
  }
  HttpResult close = Get("/healthz", {{"Connection", "close"}});
  EXPECT_EQ(close.headers["connection"], "close");
}

}  // namespace
}  // namespace inlinks::query
