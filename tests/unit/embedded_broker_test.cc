#include "kafka/embedded_broker.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>

#include "kafka/client_config.h"
#include "kafka/topics.h"

namespace minsheng::kafka {
namespace {

// How many partitions each minsheng topic has on the broker, asked with a real client.
int PartitionCount(const std::string& bootstrap, const std::string& topic) {
  auto producer = MakeProducer(bootstrap);
  EXPECT_TRUE(producer.ok());
  RdKafka::Metadata* metadata = nullptr;
  std::string error;
  std::unique_ptr<RdKafka::Topic> handle(
      RdKafka::Topic::create(producer->get(), topic, nullptr, error));
  if ((*producer)->metadata(false, handle.get(), &metadata, 10000) != RdKafka::ERR_NO_ERROR) {
    return -1;
  }
  int count = static_cast<int>((*metadata->topics())[0]->partitions()->size());
  delete metadata;
  return count;
}

TEST(EmbeddedBrokerTest, StartsWithEveryTopicAndTheDocumentedPartitions) {
  auto broker = EmbeddedBroker::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  EXPECT_EQ((*broker)->bootstrap_servers().rfind("127.0.0.1:", 0), 0u)
      << (*broker)->bootstrap_servers();
  for (const TopicSpec& spec : AllTopics()) {
    EXPECT_EQ(PartitionCount((*broker)->bootstrap_servers(), spec.name), spec.partitions)
        << spec.name;
  }
  // Topics already there: EnsureTopics has nothing to create and succeeds.
  EXPECT_TRUE(EnsureTopics((*broker)->bootstrap_servers(), -1).ok());
}

TEST(EnsureTopicsTest, UnreachableClusterIsAnError) {
  // Port 1 on loopback: nothing listens there.
  absl::Status status = EnsureTopics("127.0.0.1:1", -1, absl::Seconds(1));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("kafka metadata"), std::string::npos) << status;
}

TEST(ClientConfigTest, UnknownPropertyIsNamed) {
  auto conf = MakeConf({{"no.such.property", "1"}});
  ASSERT_FALSE(conf.ok());
  EXPECT_NE(std::string(conf.status().message()).find("no.such.property"), std::string::npos);
}

}  // namespace
}  // namespace minsheng::kafka
