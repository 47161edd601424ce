#include "http/request.hpp"

#include <gtest/gtest.h>

namespace glassbox::http {
namespace {

TEST(QueryParam, FindsDecodedValue) {
  Request request;
  request.query = "limit=5&name=a%20b&flag";
  EXPECT_EQ(request.query_param("limit"), "5");
  EXPECT_EQ(request.query_param("name"), "a b");
  EXPECT_EQ(request.query_param("flag"), "");
  EXPECT_FALSE(request.query_param("offset"));
}

TEST(QueryParam, MalformedEscapeIsPresentButNotAValue) {
  Request request;
  request.query = "limit=%4";
  EXPECT_FALSE(request.query_param("limit"));
  EXPECT_EQ(request.raw_query_param("limit"), "%4");
  EXPECT_FALSE(request.raw_query_param("offset"));
}

TEST(PercentDecode, DecodesAndRefusesTruncatedEscapes) {
  EXPECT_EQ(percent_decode("%41%62c"), "Abc");
  EXPECT_FALSE(percent_decode("abc%"));
  EXPECT_FALSE(percent_decode("abc%4"));
  EXPECT_FALSE(percent_decode("%g1"));
}

TEST(RouteParams, GetIntRefusesNonNumbers) {
  RouteParams params;
  params.add("id", "12x");
  params.add("n", "12");
  EXPECT_FALSE(params.get_int("id"));
  EXPECT_EQ(params.get_int("n"), 12);
  EXPECT_FALSE(params.get_int("missing"));
}

TEST(MethodParsing, IsCaseSensitiveAndCollapsesUnknown) {
  EXPECT_EQ(parse_method("GET"), Method::kGet);
  EXPECT_EQ(parse_method("get"), Method::kOther);
  EXPECT_EQ(parse_method("PROPFIND"), Method::kOther);
  EXPECT_EQ(method_name(Method::kOther), "OTHER");
  EXPECT_EQ(method_name(parse_method("DELETE")), "DELETE");
}

}  // namespace
}  // namespace glassbox::http
