#ifndef MINSHENG_SERVER_MQTT_BRIDGE_H_
#define MINSHENG_SERVER_MQTT_BRIDGE_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kafka/record_writer.h"

struct mosquitto;
struct mosquitto_message;

namespace minsheng::server {

// Subscribes to sensor gateways' MQTT topics and writes every message, as it arrived, to
// minsheng.intake.sensor.v1 (keyed by its MQTT topic, so one device's readings stay in order).
// Validation happens in the sensor stage, where a bad reading becomes a dead letter.
class MqttBridge {
 public:
  // broker: host:port. Fails when the broker cannot be reached at start; later disconnects are
  // retried for ever.
  static absl::StatusOr<std::unique_ptr<MqttBridge>> Start(const std::string& broker,
                                                           const std::string& topic_filter,
                                                           kafka::RecordWriter& writer);
  ~MqttBridge();

 private:
  MqttBridge(std::string topic_filter, kafka::RecordWriter& writer)
      : topic_filter_(std::move(topic_filter)), writer_(writer) {}
  static void OnConnect(struct mosquitto* client, void* self, int result);
  static void OnMessage(struct mosquitto* client, void* self,
                        const struct mosquitto_message* message);

  std::string topic_filter_;
  kafka::RecordWriter& writer_;
  struct mosquitto* client_ = nullptr;
  std::atomic<bool> stopping_{false};
};

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_MQTT_BRIDGE_H_
