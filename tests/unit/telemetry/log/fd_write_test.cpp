#include "telemetry/log/fd_write.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "log_test_support.hpp"

namespace glassbox::telemetry::log {
namespace {

// A non-blocking pipe of one page takes a large write in many parts, with EAGAIN in
// between: every byte still arrives, in order.
TEST(WriteAll, ContinuesPartialWritesUntilEverythingIsWritten) {
  testing::Pipe pipe;
  ASSERT_EQ(::fcntl(pipe.write_fd(), F_SETFL, O_NONBLOCK), 0);
  std::string payload;
  for (int i = 0; payload.size() < 1'000'000; ++i)
    payload += std::to_string(i) + '\n';
  testing::Reader reader(pipe.read_fd());
  reader.start();
  EXPECT_TRUE(write_all(pipe.write_fd(), payload));
  pipe.close_write_end();
  EXPECT_EQ(reader.read_to_end(), payload);
}

TEST(WriteAll, ReportsADescriptorThatCannotBeWritten) {
  const int read_only = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(read_only, 0);
  EXPECT_FALSE(write_all(read_only, "line\n"));
  ::close(read_only);
}

TEST(WriteAll, NothingToWriteSucceeds) {
  EXPECT_TRUE(write_all(-1, ""));
}

}  // namespace
}  // namespace glassbox::telemetry::log
