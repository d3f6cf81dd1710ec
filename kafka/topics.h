#ifndef MINSHENG_KAFKA_TOPICS_H_
#define MINSHENG_KAFKA_TOPICS_H_

#include <span>
#include <string>

#include "absl/status/status.h"

namespace minsheng::kafka {

// A topic minsheng reads or writes, with the partition count it is created with when missing.
struct TopicSpec {
  const char* name;
  int partitions;
};

// 12345 hotline work orders as JSON (README: "Hotline work order JSON").
inline constexpr TopicSpec kHotlineIntakeTopic = {"minsheng.intake.hotline.v1", 16};
// Inputs that could not be accepted: the original bytes plus a reason header.
inline constexpr TopicSpec kDeadLetterTopic = {"minsheng.deadletter.v1", 4};

// Every topic minsheng needs, in creation order.
std::span<const TopicSpec> AllTopics();

// Creates the missing topics on a real cluster through the Admin API. Topics that exist are left
// as they are. replication_factor -1 takes the brokers' default.
absl::Status EnsureTopics(const std::string& bootstrap_servers, int replication_factor);

}  // namespace minsheng::kafka

#endif  // MINSHENG_KAFKA_TOPICS_H_
