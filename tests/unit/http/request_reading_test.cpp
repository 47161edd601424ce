#include "http/detail/request_reading.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>
#include <string>
#include <string_view>

namespace glassbox::http::detail {
namespace {

namespace bhttp = boost::beast::http;

// A parser with the server's default limits that has read `head`.
struct ParsedHead {
  explicit ParsedHead(std::string_view head, const Limits& limits = {}) {
    apply_limits(parser, limits);
    error = parse_head(parser, head);
  }
  RequestParser parser;
  boost::beast::error_code error;
};

TEST(ParseHead, ReadsACompleteHead) {
  const ParsedHead head("POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n");
  ASSERT_FALSE(head.error) << head.error.message();
  EXPECT_TRUE(head.parser.is_header_done());
  EXPECT_FALSE(head.parser.is_done());  // the body is still to come
  EXPECT_EQ(head.parser.get().target(), "/api/users");
}

TEST(ParseHead, AHeadThatEndsInABareLineFeedIsMalformed) {
  const ParsedHead head("GET / HTTP/1.1\nHost: x\n\n");
  EXPECT_TRUE(head.error);
  ASSERT_TRUE(response_for_read_error(head.error));
  EXPECT_EQ(response_for_read_error(head.error)->status, 400u);
}

TEST(ParseHead, ADeclaredBodyOverTheLimitIs413) {
  const ParsedHead head("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n");
  EXPECT_EQ(head.error, bhttp::error::body_limit);
  EXPECT_EQ(response_for_read_error(head.error)->status, 413u);
}

TEST(ResponseForReadError, NobodyToAnswerWhenTheClientWentAway) {
  EXPECT_FALSE(response_for_read_error(bhttp::error::end_of_stream));
  EXPECT_FALSE(response_for_read_error(bhttp::error::partial_message));
  EXPECT_EQ(response_for_read_error(bhttp::error::header_limit)->status, 431u);
  EXPECT_EQ(response_for_read_error(bhttp::error::bad_method)->status, 400u);
}

TEST(RefuseHead, BothFramingsAre400WhoeverNoticesFirst) {
  // Beast refuses the pair itself (in either order)...
  for (const std::string_view head :
       {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"}) {
    const ParsedHead parsed(head);
    ASSERT_TRUE(parsed.error) << head;
    EXPECT_EQ(response_for_read_error(parsed.error)->status, 400u);
  }
  // ...and refuse_head would, should a parser ever let it through (RFC 9112 6.3).
  RequestMessage message;
  message.set(bhttp::field::transfer_encoding, "chunked");
  message.set(bhttp::field::content_length, "5");
  ASSERT_TRUE(refuse_head(message, {}));
  EXPECT_EQ(refuse_head(message, {})->status, 400u);
}

TEST(RefuseHead, RefusesATargetOverTheLimit) {
  Limits limits;
  limits.max_target_bytes = 8;
  const ParsedHead parsed("GET /123456789 HTTP/1.1\r\nHost: x\r\n\r\n", limits);
  ASSERT_FALSE(parsed.error);
  EXPECT_EQ(refuse_head(parsed.parser.get(), limits)->status, 414u);
  EXPECT_FALSE(refuse_head(parsed.parser.get(), Limits{}));
}

TEST(ParseHead, ObsoleteLineFoldingIsRefusedBeforeTheParserJoinsTheLines) {
  const ParsedHead folded("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n");
  EXPECT_EQ(folded.error, bhttp::error::bad_field);
  EXPECT_EQ(response_for_read_error(folded.error)->status, 400u);
  EXPECT_EQ(rejection_reason(folded.error), RejectReason::kBadRequest);
  const ParsedHead tab("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n");
  EXPECT_EQ(tab.error, bhttp::error::bad_field);
}

TEST(RejectionReason, FramingErrorsAreSmugglingAndLimitsHaveTheirOwn) {
  EXPECT_EQ(rejection_reason(bhttp::error::multiple_content_length), RejectReason::kSmuggling);
  EXPECT_EQ(rejection_reason(bhttp::error::bad_transfer_encoding), RejectReason::kSmuggling);
  EXPECT_EQ(rejection_reason(bhttp::error::bad_content_length), RejectReason::kSmuggling);
  EXPECT_EQ(rejection_reason(bhttp::error::header_limit), RejectReason::kHeaderTooLarge);
  EXPECT_EQ(rejection_reason(bhttp::error::body_limit), RejectReason::kBodyTooLarge);
  EXPECT_EQ(rejection_reason(bhttp::error::bad_target), RejectReason::kBadEncoding);
  EXPECT_EQ(rejection_reason(bhttp::error::bad_method), RejectReason::kBadRequest);
}

TEST(CheckHead, OnlyOneChunkedTransferEncodingIsAccepted) {
  for (const std::string_view coding : {"gzip", "gzip, chunked", "chunked, chunked", "identity"}) {
    const std::string text =
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + std::string(coding) + "\r\n\r\n";
    const ParsedHead head(text);
    ASSERT_FALSE(head.error) << coding << ": " << head.error.message();
    const auto refused = check_head(head.parser.get(), {});
    ASSERT_TRUE(refused) << coding;
    EXPECT_EQ(refused->response.status, 400u);
    EXPECT_EQ(refused->reason, RejectReason::kSmuggling);
  }
  const ParsedHead chunked("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n");
  EXPECT_FALSE(check_head(chunked.parser.get(), {}));
  const ParsedHead http10("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(check_head(http10.parser.get(), {}));
  EXPECT_EQ(check_head(http10.parser.get(), {})->reason, RejectReason::kSmuggling);
}

TEST(CheckHead, AnHttp11RequestNeedsExactlyOneHost) {
  const ParsedHead none("GET / HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(check_head(none.parser.get(), {}));
  EXPECT_EQ(check_head(none.parser.get(), {})->response.status, 400u);
  const ParsedHead two("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  EXPECT_TRUE(check_head(two.parser.get(), {}));
  const ParsedHead http10("GET / HTTP/1.0\r\n\r\n");
  EXPECT_FALSE(check_head(http10.parser.get(), {}));
}

}  // namespace
}  // namespace glassbox::http::detail
