#ifndef MINSHENG_SERVER_CONFIG_H_
#define MINSHENG_SERVER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace minsheng::server {

// Settings of `minsheng serve` (and of `minsheng kafka`, which uses data_dir only). Each can come
// from a YAML file given with --config (keys as below) and from flags; flags win.
struct ServeConfig {
  std::string data_dir = "./var";              // --data-dir, data_dir
  std::string kafka_brokers;                   // --kafka-brokers, kafka_brokers; empty = embedded
  std::string grpc_listen = "127.0.0.1:7120";  // --grpc-listen, grpc_listen
  int kafka_replication_factor = -1;           // --kafka-replication-factor; -1 = broker default
  bool sync_writes = true;                     // --sync-writes; fsync every state commit
  // --personal-data-key-file; empty = <data_dir>/secrets/personal-data.key, created if missing
  std::string personal_data_key_file;
  // WeChat official account endpoint; off while wechat_token is empty.
  std::string wechat_listen = "127.0.0.1:7121";  // --wechat-listen
  std::string wechat_token;                      // --wechat-token
  std::string wechat_aes_key;                    // --wechat-aes-key (EncodingAESKey), safe mode
  std::string wechat_appid;                      // --wechat-appid
  absl::Duration wechat_assembly_window = absl::Minutes(10);  // --wechat-assembly-window
  // Sensors: readings over MQTT (off while mqtt_broker is empty) and on the sensor topic.
  std::string mqtt_broker;                        // --mqtt-broker host:port
  std::string mqtt_topic = "minsheng/sensors/#";  // --mqtt-topic, a topic filter
  std::string sensor_registry;                    // --sensor-registry, CSV of installed devices
  std::string sensor_rules;                       // --sensor-rules, YAML; empty = defaults
  // Dispatch: classify, locate, route and set the deadline of every new case. Defaults are the
  // files shipped in deploy/ (the example city "A市"); a city points these at its own.
  std::string taxonomy;           // --taxonomy, YAML; re-read while serving when it changes
  std::string classifier_model;   // --classifier-model; "none" = taxonomy keywords only
  double triage_threshold = 0.5;  // --triage-threshold; less confident cases go to NEEDS_TRIAGE
  std::string working_calendar;   // --working-calendar, YAML: working hours, holidays, 调休
  std::string city_areas;         // --city-areas, GeoJSON: districts, streets, communities, grids
  std::string city_gazetteer;     // --city-gazetteer, YAML: place names -> areas
  std::string routing_rules;      // --routing-rules, YAML: category x area -> departments
};

// Parses the arguments after the role name. Errors name the flag or key at fault.
absl::StatusOr<ServeConfig> ParseServeConfig(const std::vector<std::string>& args);

// The text `minsheng serve --help` prints.
std::string ServeUsage();

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_CONFIG_H_
