#include "telemetry/trace/tracestate.hpp"

#include <gtest/gtest.h>

#include <string>

namespace glassbox::telemetry::trace {
namespace {

// Cases from the W3C trace-context test suite (test.py) and the spec's grammar.
TEST(TraceState, KeepsValidMembersInOrder) {
  EXPECT_EQ(normalize_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  // several header lines joined with ","
  EXPECT_EQ(normalize_tracestate("foo=1,bar=2,rojo=1,congo=2,baz=3"),
            "foo=1,bar=2,rojo=1,congo=2,baz=3");
}

TEST(TraceState, DropsOptionalWhitespaceAndEmptyMembers) {
  EXPECT_EQ(normalize_tracestate("foo=1 \t , \t bar=2, \t baz=3"), "foo=1,bar=2,baz=3");
  EXPECT_EQ(normalize_tracestate("foo=1\t \t,\t \tbar=2,\t \tbaz=3"), "foo=1,bar=2,baz=3");
  EXPECT_EQ(normalize_tracestate(" foo=1"), "foo=1");
  EXPECT_EQ(normalize_tracestate("\tfoo=1"), "foo=1");
  EXPECT_EQ(normalize_tracestate("foo=1 "), "foo=1");
  EXPECT_EQ(normalize_tracestate("\t foo=1 \t"), "foo=1");
  EXPECT_EQ(normalize_tracestate(""), "");
  EXPECT_EQ(normalize_tracestate("foo=1,"), "foo=1");  // "foo=1" and "" joined
  EXPECT_EQ(normalize_tracestate(",foo=1"), "foo=1");
  EXPECT_EQ(normalize_tracestate(" , ,"), "");
}

TEST(TraceState, AcceptsEveryAllowedCharacter) {
  const std::string key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
  std::string value;
  for (char c = 0x20; c <= 0x7E; ++c) {
    if (c != ',' && c != '=') value.push_back(c);
  }
  EXPECT_EQ(normalize_tracestate(key + "=" + value), key + "=" + value);
  const std::string tenant_key = key + "@a-z0-9_-*/";
  EXPECT_EQ(normalize_tracestate(tenant_key + "=" + value), tenant_key + "=" + value);
  EXPECT_EQ(normalize_tracestate("foo= leading"), "foo= leading");  // leading spaces kept
}

TEST(TraceState, DiscardsTheWholeHeaderForABadKey) {
  for (const char* header :
       {"foo =1", "FOO=1", "foo.bar=1", "foo@=1,bar=2", "@foo=1,bar=2", "foo@@bar=1,bar=2",
        "foo@bar@baz=1,bar=2", "1foo=1", "=1", "t@1v=1", "foo"}) {
    EXPECT_EQ(normalize_tracestate(header), "") << header;
  }
}

TEST(TraceState, DiscardsTheWholeHeaderForABadValue) {
  for (const char* header : {"foo=bar=baz", "foo=,bar=3", "foo=a\tb", "foo=\x7f", "foo=\xc3\xa9"}) {
    EXPECT_EQ(normalize_tracestate(header), "") << header;
  }
  EXPECT_EQ(normalize_tracestate("foo=" + std::string(256, 'v')), "foo=" + std::string(256, 'v'));
  EXPECT_EQ(normalize_tracestate("foo=" + std::string(257, 'v')), "");
}

TEST(TraceState, DiscardsDuplicatedKeys) {
  EXPECT_EQ(normalize_tracestate("foo=1,foo=1"), "");
  EXPECT_EQ(normalize_tracestate("foo=1,foo=2"), "");
}

TEST(TraceState, EnforcesKeyLengthLimits) {
  EXPECT_EQ(normalize_tracestate("foo=1," + std::string(256, 'z') + "=1"),
            "foo=1," + std::string(256, 'z') + "=1");
  EXPECT_EQ(normalize_tracestate("foo=1," + std::string(257, 'z') + "=1"), "");
  EXPECT_TRUE(valid_tracestate_key(std::string(241, 't') + "@" + std::string(14, 'v')));
  EXPECT_FALSE(valid_tracestate_key(std::string(242, 't') + "@v"));
  EXPECT_FALSE(valid_tracestate_key("t@" + std::string(15, 'v')));
  EXPECT_TRUE(valid_tracestate_key("1tenant@vendor"));  // a tenant id may start with a digit
}

TEST(TraceState, AllowsThirtyTwoMembersButNotThirtyThree) {
  std::string members;
  for (int i = 1; i <= 33; ++i) {
    if (i > 1) members += ",";
    members += "bar" + std::to_string(100 + i) + "=" + std::to_string(i);
    if (i == 32) {
      EXPECT_EQ(normalize_tracestate(members), members);
    }
  }
  EXPECT_EQ(normalize_tracestate(members), "");
}

TEST(TraceState, TruncatesPastFiveHundredTwelveCharactersByWholeMembers) {
  // 20 members of 20 characters, then one of 200: 621 characters in all.
  std::string header;
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    const std::string member = "k" + std::to_string(100 + i) + "=" + std::string(15, 'v');
    header += member + ",";
    expected += (i > 0 ? "," : "") + member;
  }
  header += "long=" + std::string(195, 'x');
  // The member over 128 characters goes first; what is left fits.
  EXPECT_EQ(normalize_tracestate(header), expected);

  std::string many;
  for (int i = 0; i < 30; ++i)
    many += (i > 0 ? "," : "") + ("k" + std::to_string(100 + i) + "=" + std::string(15, 'v'));
  const std::string cut = normalize_tracestate(many);
  EXPECT_LE(cut.size(), kTracestatePropagatedLength);
  EXPECT_EQ(many.substr(0, cut.size()), cut);  // members were removed from the end
  EXPECT_EQ(cut.size() % 21, 20u);             // whole 20-character members only
}

}  // namespace
}  // namespace glassbox::telemetry::trace
