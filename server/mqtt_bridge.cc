#include "server/mqtt_bridge.h"

#include <mosquitto.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "kafka/topics.h"

namespace minsheng::server {
namespace {

constexpr int kQualityOfService = 1;  // at least once from the gateway to minsheng
constexpr int kKeepAliveSeconds = 30;
constexpr absl::Duration kKafkaTimeout = absl::Seconds(30);

}  // namespace

absl::StatusOr<std::unique_ptr<MqttBridge>> MqttBridge::Start(const std::string& broker,
                                                              const std::string& topic_filter,
                                                              kafka::RecordWriter& writer) {
  const size_t colon = broker.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(broker.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mqtt-broker: expected host:port, got ", broker));
  }
  mosquitto_lib_init();
  std::unique_ptr<MqttBridge> bridge(new MqttBridge(topic_filter, writer));
  bridge->client_ = mosquitto_new(nullptr, /*clean_session=*/true, bridge.get());
  if (bridge->client_ == nullptr) return absl::InternalError("mqtt: cannot create a client");
  mosquitto_connect_callback_set(bridge->client_, &MqttBridge::OnConnect);
  mosquitto_message_callback_set(bridge->client_, &MqttBridge::OnMessage);
  mosquitto_reconnect_delay_set(bridge->client_, 1, 30, true);
  const std::string host = broker.substr(0, colon);
  if (int rc = mosquitto_connect(bridge->client_, host.c_str(), port, kKeepAliveSeconds);
      rc != MOSQ_ERR_SUCCESS) {
    return absl::UnavailableError(
        absl::StrCat("mqtt-broker: cannot connect to ", broker, ": ", mosquitto_strerror(rc)));
  }
  if (int rc = mosquitto_loop_start(bridge->client_); rc != MOSQ_ERR_SUCCESS) {
    return absl::InternalError(absl::StrCat("mqtt: ", mosquitto_strerror(rc)));
  }
  return bridge;
}

MqttBridge::~MqttBridge() {
  stopping_ = true;
  if (client_ != nullptr) {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, /*force=*/false);
    mosquitto_destroy(client_);
  }
  mosquitto_lib_cleanup();
}

// Subscribing on every connect renews the subscription after a reconnect to a clean session.
void MqttBridge::OnConnect(struct mosquitto* client, void* self, int result) {
  auto* bridge = static_cast<MqttBridge*>(self);
  if (result != 0) {
    LogWarning("mqtt: connection refused: ", mosquitto_connack_string(result));
    return;
  }
  mosquitto_subscribe(client, nullptr, bridge->topic_filter_.c_str(), kQualityOfService);
}

void MqttBridge::OnMessage(struct mosquitto*, void* self, const mosquitto_message* message) {
  auto* bridge = static_cast<MqttBridge*>(self);
  const absl::string_view payload(static_cast<const char*>(message->payload),
                                  static_cast<size_t>(message->payloadlen));
  // The broker has our acknowledgement already, so the reading must reach Kafka before the next
  // is taken: retry until it does. A repeat is harmless, since the sensor stage ignores a
  // reading no newer than one it has seen.
  absl::Duration backoff = absl::Milliseconds(100);
  while (!bridge->stopping_.load()) {
    auto position = bridge->writer_
                        .Send(kafka::kSensorIntakeTopic.name, message->topic, payload,
                              {{"minsheng.mqtt.topic", message->topic}})
                        ->Wait(kKafkaTimeout);
    if (position.ok()) return;
    LogWarning("mqtt message on ", message->topic,
               " not yet in Kafka, retrying: ", position.status().message());
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(10));
  }
  LogError("mqtt message on ", message->topic, " not written to Kafka before shutdown");
}

}  // namespace minsheng::server
