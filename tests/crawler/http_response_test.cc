// Tests for ParseHttpResponse: RFC 9112 framing (strict against smuggling
// shapes), header-section syntax, content decoding and its caps, and the
// llhttp response vectors (tests/data/third_party/http/llhttp/response, see the
// testdata README) replayed against our parser.

#include "inlinks/crawler/http_response.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/compress.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace inlinks::crawler {
namespace {

using ::inlinks::testing::Deflate;
using ::inlinks::testing::Gzip;

using ::inlinks::testing::IsOk;
using ::inlinks::testing::ReadFileBytes;
using ::inlinks::testing::StatusIs;
using ::inlinks::testing::TestdataPath;
using ::testing::HasSubstr;

// ---- Compression helpers (zlib, libbrotlienc) ------------------------------


std::string Brotli(std::string_view in) {
  size_t size = BrotliEncoderMaxCompressedSize(in.size());
  std::string out(size, '\0');
  EXPECT_TRUE(BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW,
                                    BROTLI_MODE_TEXT, in.size(),
                                    reinterpret_cast<const uint8_t*>(in.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())));
  out.resize(size);
  return out;
}

// gzip of `n` zero bytes, compressed streaming (never held uncompressed).
std::string GzipZeros(uint64_t n) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string zeros(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  uint64_t left = n;
  int rc = Z_OK;
  do {
    size_t k = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = k;
    left -= k;
    int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof(buf);
      rc = deflate(&z, flush);
      out.append(buf, sizeof(buf) - z.avail_out);
    } while (z.avail_out == 0);
  } while (left > 0);
  EXPECT_EQ(rc, Z_STREAM_END);
  deflateEnd(&z);
  return out;
}

std::string Response(std::string_view head, std::string_view body) {
  return std::string(head) + "\r\n\r\n" + std::string(body);
}

// ---- Status line and header section (RFC 9112 §4, §5) ----------------------

TEST(HttpResponse, SimpleContentLength) {
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                        "Content-Length: 5\r\n\r\nhello"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.version_major, 1);
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.Header("content-type"), "text/html");
  EXPECT_EQ(r.Header("CONTENT-LENGTH"), "5");
  EXPECT_EQ(r.Header("X-Missing"), "");
  EXPECT_FALSE(r.truncated);
}

TEST(HttpResponse, HeaderValuesTrimmedAndOrderKept) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse("HTTP/1.0 301 Moved Permanently\r\n"
                                         "Location: \t http://a/ \t\r\nSet-Cookie: a=1\r\n"
                                         "Set-Cookie: b=2\r\nEmpty:\r\n\r\n"));
  EXPECT_EQ(r.version_minor, 0);
  EXPECT_EQ(r.reason, "Moved Permanently");
  ASSERT_EQ(r.headers.size(), 4u);
  EXPECT_EQ(r.headers[0].second, "http://a/");
  EXPECT_EQ(r.headers[2].second, "b=2");
  EXPECT_EQ(r.Header("empty"), "");
  EXPECT_EQ(r.Header("set-cookie"), "a=1");
}

TEST(HttpResponse, NoReasonPhrase) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r, ParseHttpResponse("HTTP/1.1 404\r\n\r\n"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.reason, "");
}

// https://www.rfc-editor.org/rfc/rfc9112#section-2.2 (recipients may accept LF)
TEST(HttpResponse, Rfc9112_2_2_BareLfLineEndsAccepted) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc"));
  EXPECT_EQ(r.body, "abc");
}

TEST(HttpResponse, LeadingEmptyLinesSkipped) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse("\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
  EXPECT_EQ(r.body, "x");
}

TEST(HttpResponse, MalformedStatusLines) {
  for (std::string_view bad :
       {"HTP/1.1 200 OK\r\n\r\n", "HTTP/01.1 200 OK\r\n\r\n", "HTTP/1.01 200 OK\r\n\r\n",
        "HTTP/1.1\t200 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 2 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/5.6 200 OK\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n",
        "RTSP/1.0 200 OK\r\n\r\n", "", "HTTP/1.1 200 OK"}) {
    EXPECT_THAT(ParseHttpResponse(bad), StatusIs(absl::StatusCode::kInvalidArgument))
        << "input: " << bad;
  }
}

// https://www.rfc-editor.org/rfc/rfc9112#section-5.2
TEST(HttpResponse, Rfc9112_5_2_ObsFoldRejected) {
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("folding")));
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\n\tX: a\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("folding")));
}

TEST(HttpResponse, BareCrNulAndControlsInHeadersRejected) {
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nFoo: 1\rBar: 2\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bare CR")));
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bare CR")));
  EXPECT_THAT(ParseHttpResponse(std::string_view("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 27)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NUL")));
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// https://www.rfc-editor.org/rfc/rfc9112#section-5.1 (no whitespace before ':')
TEST(HttpResponse, Rfc9112_5_1_FieldNameSyntax) {
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("whitespace")));
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nNo colon\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\n: v\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nA(b): v\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(HttpResponse, HeaderSectionCap) {
  HttpResponseOptions options;
  options.max_header_bytes = 100;
  std::string big = "HTTP/1.1 200 OK\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
  EXPECT_THAT(ParseHttpResponse(big, options), StatusIs(absl::StatusCode::kResourceExhausted));
  std::string many = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 20; ++i) many += "X: 1\r\n";
  EXPECT_THAT(ParseHttpResponse(many + "\r\n", options),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ParseHttpResponse(std::string(200, 'H'), options),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(HttpResponse, TruncatedHeaderSection) {
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("truncated")));
}

// ---- Framing (RFC 9112 §6.3) ------------------------------------------------

// https://www.rfc-editor.org/rfc/rfc9112#section-6.3 item 1
TEST(HttpResponse, Rfc9112_6_3_NoBodyStatuses) {
  for (int status : {204, 304}) {
    std::string in = "HTTP/1.1 " + std::to_string(status) +
                     " X\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nrest";
    ASSERT_OK_AND_ASSIGN(HttpResponse r, ParseHttpResponse(in));
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.consumed, in.size() - 4);
  }
  HttpResponseOptions head;
  head.head_response = true;
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 123\r\n\r\n", head));
  EXPECT_EQ(r.body, "");
}

TEST(HttpResponse, InterimResponsesSkipped) {
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      ParseHttpResponse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                        "Link: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.Header("link"), "");
}

TEST(HttpResponse, SwitchingProtocolsEndsAtHeaders) {
  std::string in = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\nproto";
  ASSERT_OK_AND_ASSIGN(HttpResponse r, ParseHttpResponse(in));
  EXPECT_EQ(r.status, 101);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.consumed, in.size() - 5);
}

// https://www.rfc-editor.org/rfc/rfc9112#section-6.3 item 3: TE overrides CL.
TEST(HttpResponse, Rfc9112_6_3_TransferEncodingOverridesContentLength) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                                         "Transfer-Encoding: chunked\r\n\r\n"
                                         "3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK"));
  EXPECT_EQ(r.body, "abc");
  EXPECT_EQ(r.consumed, 81u);
}

// https://www.rfc-editor.org/rfc/rfc9112#section-6.3 item 4
TEST(HttpResponse, Rfc9112_6_3_ChunkedNotLastReadsToEnd) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n"
                                         "Content-Length: 2\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  EXPECT_EQ(r.body, "3\r\nabc\r\n0\r\n\r\n");
  ASSERT_OK_AND_ASSIGN(r, ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                            "Transfer-Encoding: identity\r\n\r\nWorld"));
  EXPECT_EQ(r.body, "World");
  ASSERT_OK_AND_ASSIGN(r, ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedchunked"
                                            "\r\n\r\n2\r\nOK\r\n0\r\n\r\n"));
  EXPECT_EQ(r.body, "2\r\nOK\r\n0\r\n\r\n");
  // Only the chunked of a list is a token match: "identity , CHUNKED" is chunked.
  ASSERT_OK_AND_ASSIGN(r, ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity , "
                                            "CHUNKED\r\n\r\n2\r\nOK\r\n0\r\n\r\n"));
  EXPECT_EQ(r.body, "OK");
}

TEST(HttpResponse, ChunkedTwiceRejected) {
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
                                "0\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// https://www.rfc-editor.org/rfc/rfc9112#section-6.3 item 5
TEST(HttpResponse, Rfc9112_6_3_ContentLengthValues) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                         "Content-Length: 3\r\n\r\nabcdef"));
  EXPECT_EQ(r.body, "abc");
  EXPECT_EQ(r.consumed, 60u);
  ASSERT_OK_AND_ASSIGN(r, ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc"));
  EXPECT_EQ(r.body, "abc");
  for (std::string_view cl : {"3\r\nContent-Length: 4", "3, 4", "-3", "+3", "3a", "0x3", "",
                              "3 3", "99999999999999999999999", "18446744073709551616"}) {
    std::string in = "HTTP/1.1 200 OK\r\nContent-Length: " + std::string(cl) + "\r\n\r\nabcd";
    EXPECT_THAT(ParseHttpResponse(in), StatusIs(absl::StatusCode::kInvalidArgument))
        << "Content-Length: " << cl;
  }
  // An invalid Content-Length is an error even beside Transfer-Encoding.
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: x\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(HttpResponse, BodyToEndOfInput) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r, ParseHttpResponse("HTTP/1.0 200 OK\r\n\r\nall of it"));
  EXPECT_EQ(r.body, "all of it");
}

TEST(HttpResponse, TruncatedContentLengthBody) {
  std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  EXPECT_THAT(ParseHttpResponse(in),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Content-Length")));
  HttpResponseOptions options;
  options.allow_truncated_body = true;
  ASSERT_OK_AND_ASSIGN(HttpResponse r, ParseHttpResponse(in, options));
  EXPECT_EQ(r.body, "abc");
  EXPECT_TRUE(r.truncated);
}

// https://www.rfc-editor.org/rfc/rfc9112#section-7.1
TEST(HttpResponse, Rfc9112_7_1_Chunked) {
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5;ilovew3;somuchlove=aretheseparametersfor\r\nhello\r\n"
                        "6 ; blah = \"quoted \\\" value\"\r\n world\r\n"
                        "000\r\nTrailer-Field: 1\r\nOther: 2\r\n\r\n"));
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.Header("trailer-field"), "");  // trailers are ignored
  ASSERT_OK_AND_ASSIGN(r, ParseHttpResponse("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
                                            "A\nabcdefghij\n0\n\n"));
  EXPECT_EQ(r.body, "abcdefghij");
}

TEST(HttpResponse, BadChunkFraming) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::string_view body : {
           "g\r\nx\r\n0\r\n\r\n",                       // non-hex
           "-1\r\nx\r\n0\r\n\r\n",                      // sign
           "\r\n",                                      // empty size
           "25  \r\nxx\r\n0\r\n\r\n",                   // trailing space, no ';'
           "2 erfrferferf\r\nxx\r\n0\r\n\r\n",          // extension without ';'
           "2;\r\nxx\r\n0\r\n\r\n",                     // ';' without a name
           "2;a=\"b\r\nxx\r\n0\r\n\r\n",                // unbalanced quote
           "1ffffffffffffffff\r\nx\r\n0\r\n\r\n",       // overflow
           "2\r\nabc\r\n0\r\n\r\n",                     // data longer than size
           "2\r\nabXY0\r\n\r\n",                        // no CRLF after data
           "0\r\nBad Trailer\r\n\r\n",                  // malformed trailer
           "0\r\n X: folded\r\n\r\n",                   // folded trailer
       }) {
    EXPECT_THAT(ParseHttpResponse(head + std::string(body)),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "chunked body: " << body;
  }
}

TEST(HttpResponse, TruncatedChunked) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  HttpResponseOptions lenient;
  lenient.allow_truncated_body = true;
  for (std::string_view body : {"5\r\nhel", "5\r\nhello", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n",
                                "5\r\nhello\r\n0\r\nX: 1\r\n", "5"}) {
    std::string in = head + std::string(body);
    EXPECT_THAT(ParseHttpResponse(in), StatusIs(absl::StatusCode::kInvalidArgument))
        << "chunked body: " << body;
    ASSERT_OK_AND_ASSIGN(HttpResponse r, ParseHttpResponse(in, lenient));
    EXPECT_TRUE(r.truncated);
    EXPECT_TRUE(std::string_view("hello").starts_with(r.body)) << r.body;
  }
}

TEST(HttpResponse, BodyCap) {
  HttpResponseOptions options;
  options.max_body_bytes = 4;
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", options),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\n\r\nhello", options),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
                                options),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_OK(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhell", options));
}

// ---- Content codings (RFC 9110 §8.4) ----------------------------------------

std::string Page() {
  std::string page;
  for (int i = 0; i < 200; ++i) page += "<p><a href=\"/page" + std::to_string(i) + "\">x</a></p>\n";
  return page;
}

TEST(HttpResponse, GzipRoundTrip) {
  for (std::string_view coding : {"gzip", "x-gzip", "GZIP"}) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         ParseHttpResponse(Response(std::string("HTTP/1.1 200 OK\r\n"
                                                                "Content-Encoding: ") +
                                                        std::string(coding),
                                                    Gzip(Page()))));
    EXPECT_EQ(r.body, Page()) << coding;
  }
}

TEST(HttpResponse, GzipMembersConcatenated) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip",
                                                  Gzip("abc") + Gzip("def"))));
  EXPECT_EQ(r.body, "abcdef");
}

TEST(HttpResponse, DeflateZlibAndRaw) {
  for (int bits : {15, -15}) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: deflate",
                                                    Deflate(Page(), bits))));
    EXPECT_EQ(r.body, Page()) << "window bits " << bits;
  }
}

TEST(HttpResponse, BrotliRoundTrip) {
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: br",
                                                  Brotli(Page()))));
  EXPECT_EQ(r.body, Page());
}

TEST(HttpResponse, ChunkedAndGzip) {
  std::string z = Gzip(Page());
  std::string chunked;
  for (size_t i = 0; i < z.size(); i += 100) {
    std::string part = z.substr(i, 100);
    char size[16];
    std::snprintf(size, sizeof(size), "%zx", part.size());
    chunked += std::string(size) + "\r\n" + part + "\r\n";
  }
  chunked += "0\r\n\r\n";
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                 "Content-Encoding: gzip",
                                 chunked)));
  EXPECT_EQ(r.body, Page());
}

// https://www.rfc-editor.org/rfc/rfc9110#section-8.4 : listed in the order applied.
TEST(HttpResponse, Rfc9110_8_4_ChainedCodingsDecodedInReverse) {
  std::string coded = Brotli(Deflate(Gzip(Page()), 15));
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip, identity\r\n"
                                 "Content-Encoding: deflate,br",
                                 coded)));
  EXPECT_EQ(r.body, Page());
  HttpResponseOptions raw;
  raw.decode_content = false;
  ASSERT_OK_AND_ASSIGN(
      r, ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip", Gzip("x")), raw));
  EXPECT_EQ(r.body, Gzip("x"));
}

TEST(HttpResponse, SixCodingsRefused) {
  std::string coded = "x";
  for (int i = 0; i < 6; ++i) coded = Gzip(coded);
  EXPECT_THAT(ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: "
                                         "gzip, gzip, gzip, gzip, gzip, gzip",
                                         coded)),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("6 content codings")));
  std::string five = "x";
  for (int i = 0; i < 5; ++i) five = Gzip(five);
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: "
                                                  "gzip, gzip, gzip, gzip, gzip",
                                                  five)));
  EXPECT_EQ(r.body, "x");
}

TEST(HttpResponse, BadCodings) {
  EXPECT_THAT(ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: compress", "x")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported")));
  EXPECT_THAT(ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip", "notgzip")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: br", "\xff\xff")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string z = Gzip(Page());
  std::string cut = z.substr(0, z.size() / 2);
  EXPECT_THAT(ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip", cut)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("truncated")));
  HttpResponseOptions lenient;
  lenient.allow_truncated_body = true;
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip", cut), lenient));
  EXPECT_TRUE(r.truncated);
  EXPECT_TRUE(Page().starts_with(r.body));
  // An empty body with a coding is an empty body.
  ASSERT_OK_AND_ASSIGN(r, ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                            "Content-Length: 0\r\n\r\n"));
  EXPECT_EQ(r.body, "");
}

// 1 GB of zeros, gzip-compressed (about 1 MB): cut off after a few MiB of
// output, quickly, with kResourceExhausted.
TEST(HttpResponse, GzipBombCutOff) {
  static const std::string bomb = GzipZeros(uint64_t{1} << 30);
  ASSERT_LT(bomb.size(), 2u << 20);
  std::string in = Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip", bomb);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(ParseHttpResponse(in),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("compression ratio")));
  // With the ratio cap lifted, the body cap stops it.
  HttpResponseOptions options;
  options.max_compression_ratio = 1e9;
  EXPECT_THAT(ParseHttpResponse(in, options),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("body over")));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
}

TEST(HttpResponse, BrotliBombCutOff) {
  // Brotli of 16 MiB of zeros is a few bytes.
  std::string zeros(16 << 20, '\0');
  std::string coded = Brotli(zeros);
  zeros.clear();
  zeros.shrink_to_fit();
  EXPECT_THAT(ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: br", coded)),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(HttpResponse, ModestRatioBelowFloorAccepted) {
  // 512 KiB of zeros compress ~1000:1 but stay under the 1 MiB floor.
  std::string zeros(512 << 10, '\0');
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       ParseHttpResponse(Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip",
                                                  Gzip(zeros))));
  EXPECT_EQ(r.body, zeros);
}

// ---- llhttp response vectors -------------------------------------------------

struct LlhttpCase {
  std::string file;
  std::string title;
  std::string type;
  bool skip_body = false;  // meta "skipBody": the response answers HEAD
  std::string http;
  std::vector<std::string> log;
};

std::vector<LlhttpCase> ReadLlhttpCases(const std::filesystem::path& path) {
  std::vector<LlhttpCase> cases;
  std::string text = ReadFileBytes(path).value_or("");
  std::string title, meta;
  std::vector<std::string> block;
  std::string fence;
  LlhttpCase pending;
  bool have_http = false;
  size_t pos = 0;
  static const std::regex kType("\"type\"\\s*:\\s*\"([^\"]+)\"");
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!fence.empty()) {
      if (line == "```") {
        std::string joined;
        for (size_t i = 0; i < block.size(); ++i) joined += (i ? "\n" : "") + block[i];
        if (fence == "http") {
          pending = LlhttpCase{path.filename().string(), title, "", false, joined, {}};
          std::smatch m;
          if (std::regex_search(meta, m, kType)) pending.type = m[1];
          pending.skip_body = meta.find("\"skipBody\": true") != std::string::npos;
          have_http = true;
        } else if (fence == "log" && have_http) {
          pending.log = block;
          cases.push_back(pending);
          have_http = false;
        }
        fence.clear();
        block.clear();
      } else {
        block.push_back(line);
      }
      continue;
    }
    if (line.starts_with("#")) {
      title = line;
    } else if (line.starts_with("<!-- meta=")) {
      meta = line;
    } else if (line == "```http") {
      fence = "http";
    } else if (line == "```log") {
      fence = "log";
    }
  }
  return cases;
}

// llhttp's test/md-test.ts: join lines ending in '\', CRLF line breaks, then
// expand \r \n \t \f \xHH and octal escapes (other backslashes stay).
std::string LlhttpBytes(std::string http) {
  std::string joined;
  for (size_t i = 0; i < http.size(); ++i) {
    if (http[i] == '\\' && i + 1 < http.size() && http[i + 1] == '\n') {
      ++i;
      continue;
    }
    if (http[i] == '\n') {
      joined += "\r\n";
      continue;
    }
    joined += http[i];
  }
  std::string out;
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (size_t i = 0; i < joined.size(); ++i) {
    char c = joined[i];
    if (c == '\\' && i + 1 < joined.size()) {
      char n = joined[i + 1];
      if (n == 'r' || n == 'n' || n == 't' || n == 'f') {
        out += n == 'r' ? '\r' : n == 'n' ? '\n' : n == 't' ? '\t' : '\f';
        ++i;
        continue;
      }
      if (n == 'x' && i + 3 < joined.size() && hex(joined[i + 2]) && hex(joined[i + 3])) {
        out += static_cast<char>(std::stoi(joined.substr(i + 2, 2), nullptr, 16));
        i += 3;
        continue;
      }
      if (n >= '0' && n <= '7') {
        size_t k = 1;
        while (k < 3 && i + 1 + k < joined.size() && joined[i + 1 + k] >= '0' &&
               joined[i + 1 + k] <= '7') {
          ++k;
        }
        out += static_cast<char>(std::stoi(joined.substr(i + 1, k), nullptr, 8));
        i += k;
        continue;
      }
    }
    out += c;
  }
  return out;
}

struct LlhttpMessage {
  int status = 0;
  bool headers_complete = false;
  bool complete = false;
  unsigned flags = 0;
  std::string body;
};

struct LlhttpOutcome {
  std::vector<LlhttpMessage> messages;  // final responses only (1xx but 101 dropped)
  bool error = false;
};

LlhttpOutcome ReadLlhttpLog(const std::vector<std::string>& log, std::string_view bytes) {
  static const std::regex kHeaders("headers complete status=(\\d+) v=\\S+ flags=([0-9a-f]+)");
  static const std::regex kSpan("^off=(\\d+) len=(\\d+) span\\[body\\]");
  static const std::regex kError("^off=\\S+ error code=(\\d+)");
  std::vector<LlhttpMessage> all;
  LlhttpOutcome out;
  for (const std::string& line : log) {
    std::smatch m;
    if (line.ends_with(" message begin")) {
      all.emplace_back();
    } else if (std::regex_search(line, m, kHeaders) && !all.empty()) {
      all.back().status = std::stoi(m[1]);
      all.back().flags = std::stoul(m[2], nullptr, 16);
      all.back().headers_complete = true;
    } else if (std::regex_search(line, m, kSpan) && !all.empty()) {
      all.back().body.append(bytes.substr(std::stoul(m[1]), std::stoul(m[2])));
    } else if (line.ends_with(" message complete") && !all.empty()) {
      all.back().complete = true;
    } else if (std::regex_search(line, m, kError)) {
      // 22 is HPE_PAUSED_UPGRADE: the message ended, the rest is another
      // protocol. Not an error.
      if (std::stoi(m[1]) != 22) out.error = true;
    }
  }
  for (auto& msg : all) {
    bool interim = msg.headers_complete && msg.status >= 100 && msg.status < 200 &&
                   msg.status != 101;
    if (!interim) out.messages.push_back(std::move(msg));
  }
  return out;
}

// Cases where our behaviour differs from llhttp on purpose, reviewed one
// by one. Key: "<file> | <title>".
const std::map<std::string, std::string>& Exclusions() {
  static const auto* kExclusions = new std::map<std::string, std::string>{
      {"sample.md | ## RTSP response",
       "we parse HTTP only; an RTSP status line is an error for a web crawler"},
      {"sample.md | ## ICE response",
       "we parse HTTP only; an ICE status line is an error for a web crawler"},
      {"sample.md | ## No carriage ret",
       "bare LF line ends are accepted (RFC 9112 §2.2 lets recipients accept them); llhttp "
       "strict mode rejects them"},
      {"invalid.md | ### Only LFs present and no body",
       "bare LF line ends are accepted (RFC 9112 §2.2)"},
      {"invalid.md | ### Only LFs present", "bare LF line ends are accepted (RFC 9112 §2.2)"},
  };
  return *kExclusions;
}

enum class Verdict { kAgree, kDisagree, kSkipped };

Verdict Compare(const LlhttpCase& c, std::string* why) {
  std::string bytes = LlhttpBytes(c.http);
  LlhttpOutcome want = ReadLlhttpLog(c.log, bytes);
  HttpResponseOptions options;
  options.decode_content = false;  // llhttp reports wire bytes
  options.head_response = c.skip_body;
  std::vector<absl::StatusOr<HttpResponse>> got;
  size_t pos = 0;
  while (pos < bytes.size() || got.empty()) {
    got.push_back(ParseHttpResponse(std::string_view(bytes).substr(pos), options));
    if (!got.back().ok()) break;
    pos += got.back()->consumed;
    if (got.back()->status == 101) break;  // the rest is another protocol
    // Bytes left that are only line ends end the stream.
    if (bytes.find_first_not_of("\r\n", pos) == std::string::npos) break;
  }
  for (size_t i = 0; i < want.messages.size(); ++i) {
    const LlhttpMessage* w = &want.messages[i];
    const absl::StatusOr<HttpResponse>* g = i < got.size() ? &got[i] : nullptr;
    bool last = i + 1 == want.messages.size();
    if (g == nullptr) {
      *why = "we stopped before llhttp's message " + std::to_string(i + 1);
      return Verdict::kDisagree;
    }
    if (last && want.error && !w->complete) {
      if (g->ok()) {
        *why = "llhttp rejects message " + std::to_string(i + 1) + ", we accept it";
        return Verdict::kDisagree;
      }
      continue;
    }
    bool eof_framed = w->headers_complete && (w->flags & (0x08 | 0x20)) == 0;
    if (!w->complete && !eof_framed) {
      // llhttp waits for more input; at the end of input it would fail
      // (HPE_INVALID_EOF_STATE). We must report an error.
      if (g->ok()) {
        *why = "llhttp's message " + std::to_string(i + 1) + " is incomplete, we accept it";
        return Verdict::kDisagree;
      }
      continue;
    }
    if (!g->ok()) {
      *why = "we reject message " + std::to_string(i + 1) + ": " + g->status().ToString();
      return Verdict::kDisagree;
    }
    if ((*g)->status != w->status || (*g)->body != w->body) {
      *why = "message " + std::to_string(i + 1) + ": llhttp status " + std::to_string(w->status) +
             " body \"" + w->body + "\", ours " + std::to_string((*g)->status) + " body \"" +
             (*g)->body + "\"";
      return Verdict::kDisagree;
    }
  }
  if (want.error && !want.messages.empty() && want.messages.back().complete) {
    // llhttp's error came after its last complete message; ours must too.
    if (got.size() <= want.messages.size() || got.back().ok()) {
      *why = "llhttp errors after its last message, we do not";
      return Verdict::kDisagree;
    }
  } else if (got.size() > want.messages.size()) {
    *why = "we found an extra message";
    return Verdict::kDisagree;
  }
  return Verdict::kAgree;
}

TEST(HttpResponse, LlhttpResponseVectors) {
  INLINKS_REQUIRE_TESTDATA("http/llhttp/response");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(TestdataPath("http/llhttp/response"))) {
    if (e.path().extension() == ".md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  int agree = 0, total = 0, skipped = 0, excluded = 0;
  std::set<std::string> used_exclusions;
  for (const auto& file : files) {
    for (const LlhttpCase& c : ReadLlhttpCases(file)) {
      // Lenient types need llhttp's lenient flags; finish types test
      // llhttp_finish callbacks; ${...} cases are JavaScript.
      if (c.type != "response" || c.http.find("${") != std::string::npos) {
        ++skipped;
        continue;
      }
      ++total;
      std::string key = c.file + " | " + c.title;
      std::string why;
      Verdict v = Compare(c, &why);
      auto ex = Exclusions().find(key);
      if (ex != Exclusions().end()) {
        used_exclusions.insert(key);
        ++excluded;
        EXPECT_EQ(v, Verdict::kDisagree) << key << ": excluded but agrees; drop the exclusion";
        continue;
      }
      if (v == Verdict::kAgree) {
        ++agree;
      } else {
        ADD_FAILURE() << key << ": " << why;
      }
    }
  }
  std::printf("llhttp responses: %d/%d agree (%d excluded, %d lenient/other types skipped)\n",
              agree, total, excluded, skipped);
  EXPECT_EQ(used_exclusions.size(), Exclusions().size()) << "an exclusion matches no case";
  EXPECT_GT(total, 50);
}

}  // namespace
}  // namespace inlinks::crawler
