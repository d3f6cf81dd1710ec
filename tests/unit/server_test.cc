#include <gtest/gtest.h>

#include <fstream>

#include "server/config.h"
#include "server/masking.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::server {
namespace {

TEST(ServeConfigTest, DefaultsWithoutArguments) {
  auto config = ParseServeConfig({});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->data_dir, "./var");
  EXPECT_EQ(config->kafka_brokers, "");
  EXPECT_EQ(config->grpc_listen, "127.0.0.1:7120");
  EXPECT_TRUE(config->sync_writes);
}

TEST(ServeConfigTest, FlagsInBothFormsAndFlagsWinOverTheFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/minsheng.yaml";
  std::ofstream(path) << "data_dir: /srv/minsheng\nkafka_brokers: k1:9092,k2:9092\n"
                         "grpc_listen: 0.0.0.0:7120\nsync_writes: false\n";
  auto config = ParseServeConfig(
      {"--grpc-listen=127.0.0.1:9000", "--config", path, "--kafka-replication-factor", "3"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_dir, "/srv/minsheng");
  EXPECT_EQ(config->kafka_brokers, "k1:9092,k2:9092");
  EXPECT_EQ(config->grpc_listen, "127.0.0.1:9000");
  EXPECT_EQ(config->kafka_replication_factor, 3);
  EXPECT_FALSE(config->sync_writes);
}

TEST(ServeConfigTest, ErrorsNameTheFlagOrKey) {
  auto expect_error = [](std::vector<std::string> args, const std::string& text) {
    auto config = ParseServeConfig(args);
    ASSERT_FALSE(config.ok());
    EXPECT_NE(std::string(config.status().message()).find(text), std::string::npos)
        << config.status();
  };
  expect_error({"--grpc-listen", "7120"}, "grpc-listen");
  expect_error({"--bogus", "1"}, "unknown flag --bogus");
  expect_error({"--data-dir"}, "--data-dir: missing value");
  expect_error({"--sync-writes", "maybe"}, "sync-writes");
  expect_error({"--kafka-replication-factor", "0"}, "kafka-replication-factor");
  expect_error({"serve"}, "unexpected argument serve");
  expect_error({"--config", "/nonexistent/minsheng.yaml"}, "config /nonexistent");

  testing::TempDir dir;
  const std::string path = dir.path() + "/bad.yaml";
  std::ofstream(path) << "grpc_port: 1\n";
  expect_error({"--config", path}, "unknown key grpc_port");
}

TEST(MaskingTest, DisplayedCasesCarryNoPersonalDataInTheClear) {
  v1::Case c;
  c.mutable_complaint()->set_caller_phone("13812348000");
  c.mutable_complaint()->set_caller_phone_sealed("sealed");
  c.mutable_complaint()->set_wechat_openid("oX3b1234567890k9A");
  c.mutable_complaint()->set_wechat_openid_sealed("sealed");
  const v1::Case shown = ForDisplay(c);
  EXPECT_EQ(shown.complaint().caller_phone(), "138****8000");
  EXPECT_EQ(shown.complaint().wechat_openid(), "oX3**********0k9A");
  EXPECT_TRUE(shown.complaint().caller_phone_sealed().empty());
  EXPECT_TRUE(shown.complaint().wechat_openid_sealed().empty());
}

}  // namespace
}  // namespace minsheng::server
