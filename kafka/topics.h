#ifndef MINSHENG_KAFKA_TOPICS_H_
#define MINSHENG_KAFKA_TOPICS_H_

#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace minsheng::kafka {

// A topic minsheng reads or writes, with the partition count it is created with when missing.
struct TopicSpec {
  const char* name;
  int partitions;
};

// 12345 hotline work orders as JSON (README: "Hotline work order JSON").
inline constexpr TopicSpec kHotlineIntakeTopic = {"minsheng.intake.hotline.v1", 16};
// WeChat official account messages, keyed by the sender's pseudonym (README "WeChat").
inline constexpr TopicSpec kWeChatIntakeTopic = {"minsheng.intake.wechat.v1", 8};
// Sensor readings as JSON, from MQTT or written directly (README "Sensors").
inline constexpr TopicSpec kSensorIntakeTopic = {"minsheng.intake.sensor.v1", 8};
// Inputs that could not be accepted: the original bytes plus a reason header.
inline constexpr TopicSpec kDeadLetterTopic = {"minsheng.deadletter.v1", 4};

// Every topic minsheng needs, in creation order.
std::span<const TopicSpec> AllTopics();

// Creates the missing topics on a real cluster through the Admin API. Topics that exist are left
// as they are. replication_factor -1 takes the brokers' default. Fails when the cluster does not
// answer within timeout.
absl::Status EnsureTopics(const std::string& bootstrap_servers, int replication_factor,
                          absl::Duration timeout = absl::Seconds(30));

}  // namespace minsheng::kafka

#endif  // MINSHENG_KAFKA_TOPICS_H_
